// Auth API: create and revoke runtime client tokens. The secret is made
// here, shown once in the answer, and only its keyed hash (under a key
// derived from MK) is stored; creating a token therefore needs MK.
#include <algorithm>
#include <set>

#include "common/log.h"
#include "seal/ceremony.h"
#include "seal/management_token.h"

namespace cc::seal {

using records::kAuthPolicy;
using records::kAuthToken;

namespace {
constexpr int64_t kMaxTtlSeconds = 10LL * 365 * 24 * 3600;
constexpr size_t kMaxPoliciesPerToken = 16;

bool Within(const std::vector<std::string>& names, const std::vector<std::string>& held) {
  return std::all_of(names.begin(), names.end(), [&](const std::string& n) {
    return std::find(held.begin(), held.end(), n) != held.end();
  });
}

// The client token making an Auth API write, as verified state has it now:
// revoked or expired since the request was authorized means no.
Result<records::AuthToken> Delegator(const VerifiedSnapshot& state, const std::string& id,
                                     int64_t now) {
  auto t = state.view().Load<records::AuthToken>({kAuthToken, id});
  if (!t.ok() || (t->expires_at && *t->expires_at <= now))
    return Status::Unauthenticated("the token making this request is no longer valid");
  return std::move(*t);
}
}  // namespace

Result<TokenCreated> RunCreateToken(CeremonyContext& ctx, ViewPtr view, const TokenCreate& req) {
  if (req.policies.empty() || req.policies.size() > kMaxPoliciesPerToken)
    return Status::InvalidArgument("'policies' must name 1 to 16 policies");
  if (std::set<std::string>(req.policies.begin(), req.policies.end()).size() != req.policies.size())
    return Status::InvalidArgument("'policies' names a policy twice");
  if (req.ttl_seconds && req.expires_at)
    return Status::InvalidArgument("give 'ttl_seconds' or 'expires_at', not both");
  if (req.ttl_seconds && (*req.ttl_seconds < 1 || *req.ttl_seconds > kMaxTtlSeconds))
    return Status::InvalidArgument("'ttl_seconds' must be between 1 and 10 years");
  if (req.description.size() > 256)
    return Status::InvalidArgument("'description' must be at most 256 bytes");
  const int64_t now = ctx.clock.NowUnixSeconds();
  if (req.expires_at && *req.expires_at <= now)
    return Status::InvalidArgument("'expires_at' is in the past");
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/false));
  for (const auto& p : req.policies) {
    if (!state.view().snapshot().Find({kAuthPolicy, p}))
      return Status::InvalidArgument("'policies' names an unknown policy '" + p + "'");
  }
  std::optional<int64_t> expires_at = req.expires_at;
  if (req.ttl_seconds) expires_at = now + *req.ttl_seconds;
  if (req.delegator_token_id) {
    CC_ASSIGN_OR_RETURN(records::AuthToken by, Delegator(state, *req.delegator_token_id, now));
    if (!Within(req.policies, by.policies))
      return Status::PermissionDenied("a client token may create tokens only for its own policies");
    // Never outlives the token that made it.
    if (by.expires_at && (!expires_at || *expires_at > *by.expires_at)) expires_at = by.expires_at;
  }
  std::optional<crypto::SecretBytes> key = ctx.keys.DeriveKey(kTokenHashLabel);
  if (!key)
    return Status::Unavailable(
        "the chamber is sealed on this replica: tokens can be made only while unsealed");
  IssuedToken t = NewRuntimeToken(*key, "client", req.policies, now);
  t.record.description = req.description;
  t.record.expires_at = expires_at;
  Status st =
      ctx.writer
          .Commit(state,
                  {state::Mutation::Put({kAuthToken, t.record.id}, records::Encode(t.record))})
          .status();
  if (!st.ok()) {
    crypto::Wipe(t.token);
    return st;
  }
  std::string policies;
  for (const auto& p : req.policies) policies += (policies.empty() ? "" : ",") + p;
  log::Info("audit", "token created",
            {{"token_id", t.record.id},
             {"policies", policies},
             {"expires_at", t.record.expires_at ? std::to_string(*t.record.expires_at) : "never"}});
  ctx.events.Committed();
  return TokenCreated{std::move(t.record), std::move(t.token)};
}

Status RunRevokeToken(CeremonyContext& ctx, ViewPtr view, const TokenRevoke& req) {
  const std::string& id = req.id;
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/false));
  const state::RecordKey key{kAuthToken, id};
  if (req.delegator_token_id) {
    CC_ASSIGN_OR_RETURN(records::AuthToken by,
                        Delegator(state, *req.delegator_token_id, ctx.clock.NowUnixSeconds()));
    auto target = state.view().Load<records::AuthToken>(key);
    if (!target.ok() || target->kind == "management" || !Within(target->policies, by.policies))
      return Status::PermissionDenied(
          "a client token may revoke only client tokens of its own policies");
  }
  if (!state.view().snapshot().Find(key)) return Status::NotFound("no token with id '" + id + "'");
  CC_RETURN_IF_ERROR(ctx.writer.Commit(state, {state::Mutation::Delete(key)}).status());
  log::Info("audit", "token revoked", {{"token_id", id}});
  ctx.events.Committed();
  return Status::Ok();
}

}  // namespace cc::seal
