#include "seal/tee_auto_unseal.h"

#include "common/log.h"
#include "common/retry.h"
#include "crypto/hmac.h"
#include "seal/tee_blob.h"

namespace cc::seal {
namespace {

// Attempts that may succeed later (KMS outage, a key policy being fixed):
// 1 s doubling to 5 minutes. Blob writes: 5 s doubling to 10 minutes.
const BackoffPolicy kRetry{std::chrono::milliseconds(1000), std::chrono::milliseconds(300'000), 0};
const BackoffPolicy kBlobRetry{std::chrono::milliseconds(5000), std::chrono::milliseconds(600'000),
                               0};

// The stored blob's body hash (empty: no blob), so a rewritten blob is tried anew.
std::string BlobHash(const SnapshotView& view) {
  const state::Record* r = view.snapshot().Find(kTeeBlobRecord);
  return r ? crypto::Sha256(r->body) : std::string();
}

bool SealedByOperator(const SnapshotView& view, const KeyHolder& keys) {
  return view.epoch().sealed || keys.sealed_locally_at().has_value();
}

}  // namespace

std::string_view TeeResultName(TeeResult result) {
  switch (result) {
    case TeeResult::kUnsealed:
      return "unsealed";
    case TeeResult::kPcrMismatch:
      return "pcr_mismatch";
    case TeeResult::kKmsDenied:
      return "kms_denied";
    case TeeResult::kStaleBlob:
      return "stale_blob";
    case TeeResult::kError:
      return "error";
  }
  return "error";
}

void TeeAutoUnseal::Observe(const SnapshotView& view) {
  if (enclave_.available() || !view.snapshot().Find(kTeeBlobRecord)) return;
  MutexLock l(mu_);
  if (logged_ignored_) return;
  logged_ignored_ = true;
  log::Info("tee",
            "a TEE auto-unseal blob is stored, but this replica is not inside a Nitro "
            "Enclave; it ignores the blob and unseals as configured",
            {{"tee_platform", enclave_.platform()}});
}

bool TeeAutoUnseal::Wanted(const SnapshotView& view, const KeyHolder& keys) const {
  if (!enclave_.available() || view.shape() != SnapshotView::Shape::kInitialized ||
      keys.HasMasterKey() || SealedByOperator(view, keys)) {
    return false;
  }
  // Quorum: the KMS layer first, which verifies the state the blob is in.
  if (view.quorum() && (!keys.HasLayer() || !view.config()->AllRegistered())) return false;
  std::string hash = BlobHash(view);
  if (hash.empty()) return false;
  MutexLock l(mu_);
  if (hash == given_up_) return false;
  return hash != tried_ || clock_.SteadyNow() >= retry_at_;
}

void TeeAutoUnseal::Finished(const SnapshotView& view, const TeeAttempt& attempt) {
  const std::string mode(records::Name(view.config()->mode));
  {
    MutexLock l(mu_);
    tried_ = BlobHash(view);
    last_ = attempt.result;
    last_at_ = clock_.NowUnixSeconds();
    last_error_ = attempt.error;
    mismatches_ = attempt.mismatches;
    if (attempt.result == TeeResult::kUnsealed) {
      failures_ = 0;
    } else if (attempt.result == TeeResult::kPcrMismatch ||
               attempt.result == TeeResult::kStaleBlob) {
      given_up_ = tried_;  // this process's measurements and this blob will not change
    } else {
      retry_at_ = clock_.SteadyNow() + BackoffDelay(kRetry, ++failures_, 0.5 + JitterDraw() / 2);
    }
  }
  if (metrics_) {
    metrics_->Inc("containment_tee_auto_unseal_total",
                  {{"result", std::string(TeeResultName(attempt.result))}});
  }
  if (attempt.result == TeeResult::kPcrMismatch) {
    log::Warn("tee",
              "TEE auto-unseal: this enclave's measurements differ from the blob's (a new "
              "build?); falling back to the configured mode",
              {{"mode", mode}, {"mismatches", tee::DescribeMismatches(attempt.mismatches)}});
  } else if (attempt.result != TeeResult::kUnsealed) {
    log::Warn("tee", "TEE auto-unseal failed; falling back to the configured mode",
              {{"mode", mode},
               {"result", std::string(TeeResultName(attempt.result))},
               {"error", attempt.error}});
  }
}

bool TeeAutoUnseal::BlobWanted(const SnapshotView& view, const KeyHolder& keys) const {
  if (!enclave_.available() || view.shape() != SnapshotView::Shape::kInitialized ||
      !keys.HasMasterKey() || SealedByOperator(view, keys)) {
    return false;
  }
  std::optional<int64_t> unsealed_at = keys.unsealed_at();
  bool stale = true;  // missing
  if (view.snapshot().Find(kTeeBlobRecord)) {
    auto blob = view.Load<records::TeeBlob>(kTeeBlobRecord);
    // Unreadable (written by a newer build?): leave it to an operator.
    if (!blob.ok()) return false;
    stale = !WhyStale(*blob, *view.config()).empty();
  }
  MutexLock l(mu_);
  if (clock_.SteadyNow() < blob_retry_at_) return false;
  return stale || blob_checked_for_ != unsealed_at;
}

void TeeAutoUnseal::BlobAttempted(const KeyHolder& keys, const Status& outcome) {
  MutexLock l(mu_);
  if (outcome.code() == ErrorCode::kAborted) return;  // another replica wrote first: look again
  if (outcome.ok()) {
    blob_checked_for_ = keys.unsealed_at();
    blob_failures_ = 0;
    blob_error_.clear();
    return;
  }
  blob_retry_at_ =
      clock_.SteadyNow() + BackoffDelay(kBlobRetry, ++blob_failures_, 0.5 + JitterDraw() / 2);
  if (outcome.message() != blob_error_) {
    log::Warn("tee", "cannot write the TEE auto-unseal blob; retrying with backoff",
              {{"error", outcome.message()}});
  }
  blob_error_ = outcome.message();
}

void TeeAutoUnseal::Report(TeeReport& out) const {
  out.platform = enclave_.platform();
  out.attestation = enclave_.available();
  MutexLock l(mu_);
  if (last_) out.last_result = std::string(TeeResultName(*last_));
  out.last_attempt_at = last_at_;
  out.last_error = last_error_;
  out.pcr_mismatches = mismatches_;
  out.blob_error = blob_error_;
}

}  // namespace cc::seal
