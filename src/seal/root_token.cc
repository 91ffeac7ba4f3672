// Root-token generation (SPEC 6), Vault-style: an attempt with a nonce that
// completes into a new management token. KMS-only: this replica logs a
// one-time cc-root token, and presenting it with the nonce completes the
// attempt (proof of access to the logs). Quorum: T operators each present
// their secret with the nonce. An unexpired attempt is never replaced by a
// new request, so nobody can void the token an operator is about to use.
#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hmac.h"
#include "seal/ceremony.h"
#include "seal/management_token.h"
#include "seal/operator_secret.h"

namespace cc::seal {
namespace {

using state::Mutation;

const state::RecordKey kAttemptKey{records::kRootGeneration, "current"};

Result<RootTokenResult> Start(CeremonyContext& ctx, const VerifiedSnapshot& state) {
  const int64_t now = ctx.clock.NowUnixSeconds();
  if (auto running = state.view().Load<records::RootGeneration>(kAttemptKey);
      running.ok() && running->expires_at > now) {
    return Status::Conflict("a root-token generation is in progress for " +
                            std::to_string(running->expires_at - now) +
                            " more seconds; finish it with its nonce (logged by the replica that "
                            "started it: grep nonce=), or wait for it to expire");
  }
  const bool quorum = state.view().quorum();
  records::RootGeneration attempt{RandomHexId(16), "", {}, now, now + kOneTimeTokenSeconds};
  std::string otp;
  if (!quorum) {
    otp = "cc-root-" + Base64UrlEncode(RandomBytes(24));
    attempt.otp_hash = crypto::HmacSha256(state.keys().registration.view(), otp);
  }
  CC_RETURN_IF_ERROR(
      ctx.writer.Commit(state, {Mutation::Put(kAttemptKey, records::Encode(attempt))}).status());
  RootTokenResult out;
  out.nonce = attempt.nonce;
  out.expires_at = attempt.expires_at;
  if (!quorum) {
    log::WarnAlways("seal",
                    "one-time root token for a management-token generation (valid 10 minutes): "
                    "containment-chamber operator generate-root-token --nonce ... --root-token ...",
                    {{"nonce", attempt.nonce}, {"root_token", otp}});
    crypto::Wipe(otp);
    out.root_token_logged = true;
  } else {
    // Not a secret (finishing needs T operator secrets), but whoever started
    // it must not be the only one who knows it: an anonymous start would
    // otherwise block the operators' own for its lifetime.
    log::WarnAlways("seal",
                    "management-token generation started; operators finish it with: "
                    "containment-chamber operator generate-root-token --nonce ... --operator ...",
                    {{"nonce", attempt.nonce}});
    out.required = state.view().config()->operator_threshold;
  }
  return out;
}

// Completes the attempt: a new management token, the attempt deleted.
Result<RootTokenResult> Issue(CeremonyContext& ctx, const VerifiedSnapshot& state,
                              const std::string& how) {
  std::optional<crypto::SecretBytes> hash_key = ctx.keys.DeriveKey(kTokenHashLabel);
  if (!hash_key)
    return Status::FailedPrecondition("a management token can only be made while unsealed");
  IssuedToken t = NewManagementToken(*hash_key, ctx.clock.NowUnixSeconds());
  Status st =
      ctx.writer
          .Commit(state,
                  {Mutation::Delete(kAttemptKey),
                   Mutation::Put({records::kAuthToken, t.record.id}, records::Encode(t.record))})
          .status();
  if (!st.ok()) {
    crypto::Wipe(t.token);
    return st;
  }
  log::Info("audit", "management token generated", {{"token_id", t.record.id}, {"how", how}});
  ctx.events.Committed();
  RootTokenResult out;
  out.management_token = std::move(t.token);
  out.token_id = t.record.id;
  return out;
}

}  // namespace

Result<RootTokenResult> RunRootToken(CeremonyContext& ctx, ViewPtr view,
                                     const RootTokenRequest& req) {
  if (view->shape() == SnapshotView::Shape::kEmpty)
    return Status::FailedPrecondition("the chamber is not initialized");
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/true));
  if (req.nonce.empty()) return Start(ctx, state);

  const int64_t now = ctx.clock.NowUnixSeconds();
  auto attempt = state.view().Load<records::RootGeneration>(kAttemptKey);
  if (!attempt.ok() || !crypto::ConstantTimeEquals(attempt->nonce, req.nonce)) {
    return Status::Conflict(
        "no root-token generation with this nonce is in progress (start a new one)");
  }
  if (attempt->expires_at <= now)
    return Status::Conflict("this root-token generation expired; start a new one");
  if (!state.view().quorum()) {
    if (req.root_token.empty()) return Status::InvalidArgument("'root_token' is required");
    if (!crypto::ConstantTimeEquals(
            crypto::HmacSha256(state.keys().registration.view(), req.root_token),
            attempt->otp_hash)) {
      return Status::Unauthenticated("invalid one-time root token");
    }
    return Issue(ctx, state, "one-time root token");
  }
  if (req.operator_name.empty()) return Status::InvalidArgument("'operator' is required");
  if (!state.view().config()->Find(req.operator_name))
    return Status::NotFound("no operator '" + req.operator_name + "'");
  CC_ASSIGN_OR_RETURN(records::OperatorCredential cred,
                      CredentialOf(state.view(), req.operator_name));
  // Proof of the operator's secret; the share itself is not kept.
  CC_RETURN_IF_ERROR(OpenOperatorShare(ctx, state, cred, req.secret, req.caller).status());
  attempt->progress[req.operator_name] = std::to_string(now);
  const int have = static_cast<int>(attempt->progress.size());
  const int required = state.view().config()->operator_threshold;
  if (have >= required) {
    auto out = Issue(ctx, state, "operator quorum");
    if (out.ok()) {
      out->progress = have;
      out->required = required;
    }
    return out;
  }
  CC_RETURN_IF_ERROR(
      ctx.writer.Commit(state, {Mutation::Put(kAttemptKey, records::Encode(*attempt))}).status());
  RootTokenResult out;
  out.nonce = req.nonce;
  out.progress = have;
  out.required = required;
  return out;
}

}  // namespace cc::seal
