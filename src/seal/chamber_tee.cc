// The chamber's TEE auto-unseal steps (SPEC 4, tee_auto_unseal.h): trying
// the blob with no lock held, holding what it gives only over verified
// state, rewriting the blob after an unseal inside an enclave (the worker's
// commit), and the CreateTeeBlob service method (POST .../tee/blob).
#include "common/log.h"
#include "seal/chamber.h"

namespace cc::seal {

const UnsealMethod& Chamber::Method(records::UnsealMode mode) const {
  if (!enclave_.available()) return MethodFor(mode);
  return mode == records::UnsealMode::kQuorum ? tee_quorum_ : tee_kms_only_;
}

void Chamber::UnsealThroughTeeIfWanted() {
  ViewPtr view;
  {
    MutexLock r(reconcile_mu_);
    view = writer_.Current();
    bool integrity_error;
    {
      MutexLock l(mu_);
      integrity_error = !integrity_error_.empty();
    }
    if (!view || integrity_error || !tee_.Wanted(*view, keys_)) return;
  }
  TeeAttempt attempt = OpenTeeBlob(enclave_, kms_layer_.router(), *view);  // network: no lock
  MutexLock r(reconcile_mu_);
  TeeUnsealFinished(view, std::move(attempt));
}

void Chamber::TeeUnsealFinished(const ViewPtr& view, TeeAttempt attempt) {
  if (attempt.master_key) {
    if (keys_.HasMasterKey()) return;  // unsealed another way meanwhile
    // The state the blob came from, verified: under MK itself in KMS-only
    // mode (MK is the layer secret), under the held outer key in quorum mode.
    std::optional<LayerKeys> layer =
        view->quorum() ? keys_.Layer() : std::optional(LayerKeys::From(*attempt.master_key));
    Result<VerifiedSnapshot> verified =
        layer ? writer_.Verify(view, std::move(*layer))
              : Result<VerifiedSnapshot>(Status::FailedPrecondition("the KMS layer was dropped"));
    ViewPtr now = writer_.Current();
    const uint64_t epoch = view->epoch().epoch;
    if (!verified.ok()) {
      attempt = TeeAttempt{TeeResult::kError, verified.status().message(), {}, std::nullopt};
      if (verified.status().code() == ErrorCode::kCorruption) IntegrityFailed(verified.status());
    } else if (keys_.sealed_locally_at() ||
               (now && (now->epoch().sealed || now->epoch().epoch != epoch))) {
      attempt = TeeAttempt{
          TeeResult::kError, "an operator seal landed during the attempt", {}, std::nullopt};
    } else {
      keys_.HoldMasterKey(std::move(*attempt.master_key), epoch, /*mk_is_layer=*/!view->quorum(),
                          clock_.NowUnixSeconds());
      attempt.master_key.reset();
      kms_attempts_failed_ = 0;
      UnsealProblem("");
      log::Info("seal",
                "unsealed through TEE auto-unseal (KMS decrypted the blob for this enclave)");
      if (metrics_) metrics_->Inc("containment_chamber_unseal_total");
    }
  }
  tee_.Finished(*view, attempt);
}

void Chamber::WriteTeeBlobIfWanted() {
  {
    MutexLock r(reconcile_mu_);
    ViewPtr view = writer_.Current();
    bool integrity_error;
    {
      MutexLock l(mu_);
      integrity_error = !integrity_error_.empty();
    }
    if (!view || integrity_error || !tee_.BlobWanted(*view, keys_)) return;
  }
  // KMS and the NSM: no lock held. A commit here is the worker's own.
  auto written = RunCreateTeeBlob(ctx_, writer_.Current(), TeeBlobRequest{/*only_if_stale=*/true});
  tee_.BlobAttempted(keys_, written.status());
}

Result<TeeBlobResult> Chamber::CreateTeeBlob(const TeeBlobRequest& request) {
  return writer_.Retrying<TeeBlobResult>(
      [&](ViewPtr v) { return RunCreateTeeBlob(ctx_, std::move(v), request); });
}

}  // namespace cc::seal
