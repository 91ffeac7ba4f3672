// Operator seal (SPEC 3): an emergency action. This replica wipes MK at
// once, whatever happens next; then a new seal epoch is committed, which
// every replica obeys within one refresh interval, restarts included.
#include "common/log.h"
#include "seal/ceremony.h"

namespace cc::seal {

Result<SealResult> RunSeal(CeremonyContext& ctx, ViewPtr view, const SealRequest& req) {
  if (view->shape() == SnapshotView::Shape::kEmpty)
    return Status::FailedPrecondition("the chamber is not initialized");
  std::string reason = req.reason.empty() ? "operator seal" : req.reason.substr(0, 200);
  ctx.keys.SealLocally("operator seal: " + reason, ctx.clock.NowUnixSeconds(), view->epoch().epoch);
  ctx.events.Committed();  // this replica reports sealed from here on
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/false));
  records::SealEpoch sealed{state.view().epoch().epoch + 1, true, ctx.clock.NowUnixSeconds(),
                            reason};
  Status committed =
      ctx.writer
          .Commit(state,
                  {state::Mutation::Put({records::kSealEpoch, "current"}, records::Encode(sealed))})
          .status();
  if (!committed.ok()) {
    if (committed.code() == ErrorCode::kAborted) return committed;  // retried on fresh state
    return committed.WithContext(
        "this replica is sealed, but the seal could not be recorded for the other replicas");
  }
  log::Warn("seal",
            "operator seal: every replica seals within one refresh interval (plus a moment)",
            {{"seal_epoch", std::to_string(sealed.epoch)}, {"reason", reason}});
  ctx.events.Committed();
  return SealResult{sealed.epoch, ctx.events.State()};
}

}  // namespace cc::seal
