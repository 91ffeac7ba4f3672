// Resume (KMS-only mode): lifts an operator seal. Authorized by a static
// chamber_seal token, or by a one-time cc-unseal token this replica logs on
// request (proof of access to its logs). A pending one-time token is kept
// until it expires: nobody can void the token an operator just read.
#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hmac.h"
#include "seal/ceremony.h"

namespace cc::seal {
namespace {

using records::kOneTimeToken;
using state::Mutation;

const state::RecordKey kResumeToken{kOneTimeToken, "unseal_resume"};

Result<ResumeResult> LogOneTimeToken(CeremonyContext& ctx, const VerifiedSnapshot& state) {
  const int64_t now = ctx.clock.NowUnixSeconds();
  if (auto pending = state.view().Load<records::OneTimeToken>(kResumeToken);
      pending.ok() && pending->expires_at > now) {
    return Status::Conflict(
        "a one-time unseal token was already logged and is valid for " +
        std::to_string(pending->expires_at - now) +
        " more seconds; present it with --resume-token (it is in the log of the replica that "
        "answered the first request)");
  }
  std::string token = "cc-unseal-" + Base64UrlEncode(RandomBytes(24));
  records::OneTimeToken rec{"unseal_resume",
                            crypto::HmacSha256(state.keys().registration.view(), token),
                            now + kOneTimeTokenSeconds};
  CC_RETURN_IF_ERROR(
      ctx.writer.Commit(state, {Mutation::Put(kResumeToken, records::Encode(rec))}).status());
  log::WarnAlways("seal",
                  "one-time token to lift the operator seal (valid 10 minutes): "
                  "containment-chamber operator unseal --resume --resume-token ...",
                  {{"unseal_token", token}});
  crypto::Wipe(token);
  return ResumeResult{true, state.view().epoch().epoch, ctx.events.State()};
}

}  // namespace

Result<ResumeResult> RunResume(CeremonyContext& ctx, ViewPtr view, const ResumeRequest& req) {
  if (view->shape() == SnapshotView::Shape::kEmpty)
    return Status::FailedPrecondition("the chamber is not initialized");
  if (view->quorum()) {
    return Status::FailedPrecondition(
        "in quorum mode an operator seal is lifted by a fresh quorum of operator secrets");
  }
  const bool local_only = !view->epoch().sealed && ctx.keys.sealed_locally_at().has_value();
  if (view->config() && !view->epoch().sealed && !local_only)
    return Status::Conflict("no operator seal is in force");
  const bool anonymous = !req.authorized;
  CC_ASSIGN_OR_RETURN(auto verified, ctx.VerifiedWithLayer(view, anonymous));
  auto& [state, layer] = verified;
  if (!state.view().epoch().sealed && !local_only)
    return Status::Conflict("no operator seal is in force");
  if (anonymous && req.resume_token.empty()) return LogOneTimeToken(ctx, state);

  const int64_t now = ctx.clock.NowUnixSeconds();
  std::vector<Mutation> mutations;
  if (anonymous) {
    auto rec = state.view().Load<records::OneTimeToken>(kResumeToken);
    if (!rec.ok() || rec->expires_at <= now ||
        !crypto::ConstantTimeEquals(
            crypto::HmacSha256(state.keys().registration.view(), req.resume_token), rec->hash)) {
      return Status::Unauthenticated("invalid or expired one-time unseal token");
    }
  }
  if (state.view().snapshot().Find(kResumeToken)) mutations.push_back(Mutation::Delete(kResumeToken));
  const uint64_t epoch = state.view().epoch().epoch;
  if (state.view().epoch().sealed) {
    mutations.push_back(Mutation::Put(
        {records::kSealEpoch, "current"},
        records::Encode(records::SealEpoch{epoch, false, now, "resumed by operator"})));
  }
  // A seal that only this replica knows of (its record never landed) is
  // lifted here alone.
  if (!mutations.empty()) CC_RETURN_IF_ERROR(ctx.writer.Commit(state, std::move(mutations)).status());
  log::Info("seal", "operator seal lifted; replicas unseal with the KMS keys");
  ctx.keys.HoldMasterKey(std::move(layer), epoch, /*mk_is_layer=*/true, now);
  ctx.Inc("containment_chamber_unseal_total");
  ctx.events.Committed();
  return ResumeResult{false, epoch, ctx.events.State()};
}

}  // namespace cc::seal
