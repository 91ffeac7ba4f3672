// The state machine: brings what this replica holds in line with what the
// backend says, and computes the state every request sees.
#include "common/log.h"
#include "common/retry.h"
#include "seal/chamber.h"
#include "seal/management_token.h"

namespace cc::seal {

ViewPtr Chamber::KmsLayerWanted() {
  ViewPtr view = writer_.Current();
  if (!view || view->shape() != SnapshotView::Shape::kInitialized || keys_.HasLayer() ||
      clock_.SteadyNow() < next_kms_attempt_) {
    return nullptr;
  }
  bool integrity_error;
  {
    MutexLock l(mu_);
    integrity_error = !integrity_error_.empty();
  }
  // After an integrity failure the layer is gone; opening it again is also
  // how a repaired table is noticed.
  const UnsealMethod& method = Method(view->config()->mode);
  return method.WantsKmsLayer(keys_, *view) || integrity_error ? view : nullptr;
}

void Chamber::KmsLayerOpened(const ViewPtr& view, Result<crypto::SecretBytes> opened) {
  const UnsealMethod& method = Method(view->config()->mode);
  cc::Status st = opened.status();
  if (opened.ok()) {
    auto verified = writer_.Verify(view, LayerKeys::From(*opened));
    st = verified.status();
    if (verified.ok()) {
      kms_attempts_failed_ = 0;
      {
        MutexLock l(mu_);
        integrity_error_.clear();
        last_unseal_error_.clear();
      }
      // Opened only to re-check integrity: held only if the method wants it.
      if (method.WantsKmsLayer(keys_, *view))
        method.KmsLayerOpened(ctx_, std::move(*opened), *view);
      return;
    }
  }
  if (st.code() == ErrorCode::kCorruption) {
    IntegrityFailed(st);
  } else {
    UnsealProblem(st.message());
  }
  ++kms_attempts_failed_;
  BackoffPolicy p{std::chrono::milliseconds(1000), std::chrono::milliseconds(60'000), 0};
  next_kms_attempt_ =
      clock_.SteadyNow() + BackoffDelay(p, kms_attempts_failed_, 0.5 + JitterDraw() / 2);
}

void Chamber::Reconcile(bool may_commit) {
  ViewPtr view = writer_.Current();
  if (!view) return;
  if (view->shape() == SnapshotView::Shape::kBroken) {
    IntegrityFailed(cc::Status::Corruption(view->error()));
    return;
  }
  if (view->shape() == SnapshotView::Shape::kEmpty) {
    keys_.WipeAll("the state backend holds no configuration");
    setup_token_.EnsureLogged();
    PublishAuth(view, /*verified=*/false);
    UpdateState(view);
    return;
  }
  setup_token_.Clear();  // initialized, here or by another replica
  tee_.Observe(*view);
  keys_.DropLocalSealIfRecorded(view->epoch().epoch);
  // Check every new state against the manifest while we can; decide only
  // on state that passed.
  if (std::optional<LayerKeys> layer = keys_.Layer()) {
    auto verified = writer_.Verify(view, std::move(*layer));
    if (!verified.ok()) {
      IntegrityFailed(verified.status());
      return;
    }
    {
      MutexLock l(mu_);
      integrity_error_.clear();
    }
    // An operator seal after this replica unsealed: wipe (SPEC 3).
    if (keys_.HasMasterKey() && view->epoch().epoch > keys_.unsealed_epoch())
      keys_.WipeMasterKey("operator seal");
    Method(view->config()->mode).Advance(ctx_, *verified, may_commit);
    PublishAuth(view, /*verified=*/true);
  } else {
    PublishAuth(view, /*verified=*/false);
  }
  UpdateState(view);
}

void Chamber::PublishAuth(const ViewPtr& view, bool verified) {
  if (!authorizer_) return;
  std::shared_ptr<const auth::AuthIndex> current = authorizer_->index();
  if (verified) {
    const bool with_key = keys_.HasMasterKey();
    if (current && current->revision() == view->revision() &&
        current->tokens_checkable() == with_key) {
      return;
    }
    std::shared_ptr<const crypto::SecretBytes> key;
    if (auto k = with_key ? keys_.DeriveKey(kTokenHashLabel) : std::nullopt)
      key = std::make_shared<const crypto::SecretBytes>(std::move(*k));
    authorizer_->Install(auth::AuthIndex::Build(view->snapshot(), std::move(key), current.get()));
  } else if (!current) {
    // Never verified (e.g. started sealed): enforce the policies that are
    // there; no runtime token can be checked without MK anyway.
    authorizer_->Install(auth::AuthIndex::BuildUnverified(view->snapshot()));
  } else if (current->tokens_checkable()) {
    authorizer_->Install(current->WithoutTokenKey());
  }
}

void Chamber::IntegrityFailed(const cc::Status& why) {
  keys_.WipeAll("state integrity check failed");
  if (authorizer_) {
    if (auto current = authorizer_->index(); current && current->tokens_checkable())
      authorizer_->Install(current->WithoutTokenKey());
  }
  {
    MutexLock l(mu_);
    if (integrity_error_ != why.message()) {
      log::Error("seal", "state integrity check failed; this replica stays sealed",
                 {{"error", why.message()}});
    }
    integrity_error_ = why.message();
  }
  UpdateState(writer_.Current());
}

void Chamber::UnsealProblem(const std::string& message) {
  MutexLock l(mu_);
  if (!message.empty() && message != last_unseal_error_)
    log::Error("seal", "cannot unseal", {{"error", message}});
  last_unseal_error_ = message;
}

SealState Chamber::State() const {
  MutexLock l(mu_);
  return state_;
}

void Chamber::UpdateState(const ViewPtr& view) {
  if (!view) return;
  MutexLock l(mu_);
  // A pass that started on older state must not undo a newer answer.
  if (state_known_ && view->revision() < state_revision_) return;
  state_revision_ = view->revision();
  SealState s;
  const auto& cfg = view->config();
  if (view->shape() == SnapshotView::Shape::kEmpty) {
    s = SealState::kUninitialized;
  } else if (cfg && view->quorum() && !cfg->AllRegistered()) {
    s = SealState::kAwaitingRegistration;
  } else if (keys_.HasMasterKey()) {
    s = view->rotation_staged() ? SealState::kAwaitingRotation : SealState::kUnsealed;
  } else if (!cfg || view->epoch().sealed || !integrity_error_.empty() ||
             keys_.sealed_locally_at()) {
    s = SealState::kSealed;
  } else {
    s = Method(cfg->mode).Waiting(keys_);
  }
  std::string hint = Hint(s, *view);
  const bool changed = s != state_ || !state_known_;
  if (changed && state_known_) {
    log::Info("seal", "state changed",
              {{"from", std::string(SealStateName(state_))},
               {"to", std::string(SealStateName(s))},
               {"next", hint}});
  } else if (changed) {  // the first state after start: not a change
    log::Info("seal", "chamber state", {{"state", std::string(SealStateName(s))}, {"next", hint}});
  }
  if (metrics_ && s == SealState::kSealed && CanSign(state_))
    metrics_->Inc("containment_chamber_seal_total");
  if (metrics_ && (changed || !state_known_)) {
    metrics_->ClearGauge("containment_signer_state");
    metrics_->Set("containment_signer_state", {{"state", std::string(SealStateName(s))}}, 1);
    metrics_->Set("containment_healthy", CanSign(s) ? 1 : 0);
  }
  if (metrics_)
    metrics_->Set("containment_chamber_integrity_error", integrity_error_.empty() ? 0 : 1);
  state_ = s;
  state_known_ = true;
  hint_ = std::move(hint);
}

std::string Chamber::Hint(SealState s, const SnapshotView& view) const {
  if (!integrity_error_.empty()) {
    return "the state backend failed authentication (see integrity_error); restore the table "
           "from a backup or find who changed it; this replica will not unseal on it";
  }
  const auto& cfg = view.config();
  // Why TEE auto-unseal did not apply, when it was tried and did not.
  TeeReport tee;
  tee_.Report(tee);
  const std::string tee_note =
      tee.last_result.empty() || tee.last_result == "unsealed"
          ? ""
          : "; TEE auto-unseal did not apply (" + tee.last_result + ", see tee in status)";
  switch (s) {
    case SealState::kUninitialized:
      return "initialize with the setup token this replica logged: containment-chamber operator "
             "init --setup-token cc-setup-...";
    case SealState::kAwaitingRegistration:
      return "every operator registers with the token init returned: containment-chamber "
             "operator register --operator NAME --registration-token cc-reg-...";
    case SealState::kKmsUnsealed:
      return "waiting for " + std::to_string(cfg ? cfg->operator_threshold : 0) +
             " operator secrets: containment-chamber operator unseal --operator NAME" + tee_note;
    case SealState::kSealed:
      if (view.epoch().sealed || keys_.sealed_locally_at()) {
        std::string why = "an operator sealed the chamber";
        if (!view.epoch().reason.empty()) why += " (reason: " + view.epoch().reason + ")";
        return why + (view.quorum()
                          ? "; a quorum of operator secrets lifts it: containment-chamber "
                            "operator unseal --operator NAME"
                          : "; lift it with: containment-chamber operator unseal --resume");
      }
      if (!last_unseal_error_.empty()) {
        return "cannot open the KMS layer: " + last_unseal_error_ + " (retrying with backoff)" +
               tee_note;
      }
      return "opening the KMS layer" + tee_note;
    case SealState::kUnsealed:
    case SealState::kAwaitingRotation:
      return "";
  }
  return "";
}

}  // namespace cc::seal
