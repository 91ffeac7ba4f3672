// Unseal (quorum mode): an operator presents their secret to any replica;
// the share it opens is stored as unseal progress (wrapped by the outer
// key, bound to the seal epoch and expiry) so every replica can count it.
// A wrong secret stores nothing.
#include "common/log.h"
#include "seal/ceremony.h"
#include "seal/operator_secret.h"

namespace cc::seal {

Result<UnsealResult> RunUnseal(CeremonyContext& ctx, ViewPtr view, const UnsealRequest& req) {
  if (view->shape() == SnapshotView::Shape::kEmpty)
    return Status::FailedPrecondition("the chamber is not initialized");
  // Records without a configuration (a table edit the worker has not seen
  // yet): nothing below may read a config that is not there.
  if (view->shape() == SnapshotView::Shape::kBroken) return Status::Corruption(view->error());
  if (view->config() && !view->quorum()) {
    return Status::FailedPrecondition(
        "KMS-only mode unseals automatically; to lift an operator seal use --resume");
  }
  if (view->config() && !view->config()->AllRegistered())
    return Status::FailedPrecondition("not every operator has registered yet");
  if (view->config() && !view->config()->Find(req.operator_name)) {
    // A name that is no operator counts as a wrong secret from this address,
    // so probing for operator names is throttled like guessing secrets.
    CC_RETURN_IF_ERROR(ctx.throttle.Admit(req.caller.address));
    OperatorThrottle::Slot failed(ctx.throttle, req.caller.address);
    ctx.Inc("containment_auth_rejections_total", {{"reason", "unknown_operator"}});
    return Status::NotFound("no operator '" + req.operator_name + "' in the quorum configuration");
  }
  if (ctx.keys.HasMasterKey()) {
    UnsealResult done;
    done.operator_name = req.operator_name;
    done.threshold = view->config()->operator_threshold;
    done.already_unsealed = true;
    done.status = ctx.events.State();
    return done;
  }
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/true));
  const SnapshotView& v = state.view();
  CC_ASSIGN_OR_RETURN(records::OperatorCredential cred, CredentialOf(v, req.operator_name));
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes share,
                      OpenOperatorShare(ctx, state, cred, req.secret, req.caller));
  const int64_t now = ctx.clock.NowUnixSeconds();
  records::UnsealProgress progress{req.operator_name,
                                   v.config()->mk_generation,
                                   v.epoch().epoch,
                                   "",
                                   now,
                                   now + 60LL * ctx.options.unseal_timeout_minutes};
  CC_ASSIGN_OR_RETURN(
      progress.wrapped_share,
      crypto::AeadSeal(state.keys().progress_wrap, share.view(),
                       ProgressBinding(v.chamber_id(), progress.operator_name, progress.seal_epoch,
                                       progress.generation, progress.expires_at)));
  CC_RETURN_IF_ERROR(
      ctx.writer
          .Commit(state, {state::Mutation::Put({records::kUnsealProgress, req.operator_name},
                                               records::Encode(progress))})
          .status());
  log::Info("seal", "operator share accepted", {{"operator", req.operator_name}});
  ctx.Inc("containment_chamber_unseal_shares_total", {{"operator", req.operator_name}});
  ctx.events.Committed();
  auto after = ctx.writer.Current();
  UnsealResult out;
  out.operator_name = req.operator_name;
  out.submitted = static_cast<int>(after->LiveProgress(now).size());
  out.threshold = v.config()->operator_threshold;
  out.expires_at = progress.expires_at;
  out.status = ctx.events.State();
  return out;
}

}  // namespace cc::seal
