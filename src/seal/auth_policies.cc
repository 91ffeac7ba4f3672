// Auth API: create, replace and delete runtime policies. One conditional
// commit each, over verified state; a policy another replica changed since
// this request first read it is a 409 (nothing is lost to a blind retry).
#include "auth/policy_rules.h"
#include "common/log.h"
#include "seal/ceremony.h"

namespace cc::seal {
namespace {

using records::kAuthPolicy;
using records::kAuthToken;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Tokens of the verified state bound to `name`.
std::vector<std::string> TokensUsing(const SnapshotView& view, const std::string& name) {
  std::vector<std::string> ids;
  for (const auto& [key, r] : view.snapshot().OfKind(kAuthToken)) {
    auto t = records::Decode<records::AuthToken>(r.body);
    if (t.ok() && std::find(t->policies.begin(), t->policies.end(), name) != t->policies.end())
      ids.push_back(t->id);
  }
  return ids;
}

}  // namespace

Result<records::AuthPolicy> RunWritePolicy(CeremonyContext& ctx, ViewPtr view,
                                           const PolicyWrite& req, bool create,
                                           std::optional<uint64_t>& seen_revision) {
  records::AuthPolicy policy = req.policy;
  CC_RETURN_IF_ERROR(auth::ValidatePolicy(policy));
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/false));
  const state::RecordKey key{kAuthPolicy, policy.name};
  const state::Record* existing = state.view().snapshot().Find(key);
  if (create && existing) {
    return Status::Conflict("a policy named '" + policy.name + "' already exists");
  }
  if (!create && !existing) return Status::NotFound("no policy named '" + policy.name + "'");
  if (!create) {
    if (seen_revision && *seen_revision != existing->revision) {
      return Status::Conflict("policy '" + policy.name +
                              "' was changed by another request meanwhile; read it again and "
                              "retry");
    }
    seen_revision = existing->revision;
    auto old = records::Decode<records::AuthPolicy>(existing->body);
    policy.created_at = old.ok() ? old->created_at : ctx.clock.NowUnixSeconds();
  } else {
    policy.created_at = ctx.clock.NowUnixSeconds();
  }
  policy.updated_at = ctx.clock.NowUnixSeconds();
  CC_RETURN_IF_ERROR(
      ctx.writer.Commit(state, {state::Mutation::Put(key, records::Encode(policy))}).status());
  log::Info("audit", create ? "policy created" : "policy replaced",
            {{"policy", policy.name}, {"rules", std::to_string(policy.rules.size())}});
  ctx.events.Committed();
  return policy;
}

Status RunDeletePolicy(CeremonyContext& ctx, ViewPtr view, const PolicyDelete& req) {
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/false));
  const state::RecordKey key{kAuthPolicy, req.name};
  if (!state.view().snapshot().Find(key))
    return Status::NotFound("no policy named '" + req.name + "'");
  std::vector<std::string> bound = TokensUsing(state.view(), req.name);
  if (!bound.empty() && !req.force) {
    return Status::Conflict("policy '" + req.name + "' is bound to token(s) " + Join(bound) +
                            "; revoke them first, or delete with ?force=true (they then get "
                            "nothing from it)");
  }
  // The last policy of either kind gone would silently open signing and
  // public keys to anyone (the migration mode, docs/auth.md): refused.
  if (!req.static_policies && state.view().snapshot().OfKind(kAuthPolicy).size() == 1) {
    return Status::FailedPrecondition(
        "policy '" + req.name +
        "' is the last auth policy: deleting it would open signing and public keys to anyone. "
        "Create its replacement first, or add a static policy (auth_policies:) to the config");
  }
  CC_RETURN_IF_ERROR(ctx.writer.Commit(state, {state::Mutation::Delete(key)}).status());
  log::Info("audit", "policy deleted",
            {{"policy", req.name},
             {"forced", req.force ? "true" : "false"},
             {"bound_tokens", std::to_string(bound.size())}});
  ctx.events.Committed();
  return Status::Ok();
}

}  // namespace cc::seal
