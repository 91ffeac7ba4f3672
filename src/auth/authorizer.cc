#include "auth/authorizer.h"

#include <algorithm>
#include <cctype>

#include "common/encoding.h"
#include "crypto/hmac.h"

namespace cc::auth {
namespace {

using Verdict = Decision::Verdict;

constexpr size_t kMaxTokenBytes = 4096;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Tokens are printable ASCII without spaces: a NUL or anything after it,
// a space inside, or a control byte makes the header malformed.
bool IsTokenText(std::string_view t) {
  return !t.empty() && t.size() <= kMaxTokenBytes &&
         std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Decision Deny(Verdict v, std::string reason, std::string message, std::string who = "anonymous") {
  Decision d;
  d.verdict = v;
  d.reason = std::move(reason);
  d.message = std::move(message);
  d.who = std::move(who);
  return d;
}

}  // namespace

std::optional<PresentedToken> ParseAuthorization(std::string_view header) {
  header = Trim(header);
  auto scheme = [&](std::string_view name) {
    return StartsWithNoCase(header, name) && header.size() > name.size() &&
           (header[name.size()] == ' ' || header[name.size()] == '\t');
  };
  if (scheme("Bearer")) {
    std::string_view t = Trim(header.substr(6));
    if (!IsTokenText(t)) return std::nullopt;
    return PresentedToken{std::string(t), std::nullopt};
  }
  if (scheme("Basic")) {
    std::string_view b64 = Trim(header.substr(5));
    if (b64.size() > 2 * kMaxTokenBytes) return std::nullopt;
    auto decoded = Base64Decode(b64);
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string token = decoded->substr(colon + 1);
    if (!IsTokenText(token)) return std::nullopt;
    return PresentedToken{std::move(token), decoded->substr(0, colon)};
  }
  return std::nullopt;
}

Status Decision::ToStatus() const {
  switch (verdict) {
    case Verdict::kAllow:
      return Status::Ok();
    case Verdict::kUnauthenticated:
      return Status::Unauthenticated(message);
    case Verdict::kForbidden:
      break;
  }
  return Status::PermissionDenied(message);
}

Authorizer::Authorizer(const config::Config& config, Clock* clock)
    : clock_(clock ? *clock : *SystemClock::Get()),
      hash_key_(RandomBytes(32)),
      unauthenticated_scopes_(config.unauthenticated_scopes) {
  for (const auto& p : config.auth_policies) {
    policies_.push_back({p.name, hash_key_.Mac(p.token), p.allowed_scopes, p.denied_scopes});
  }
}

bool Authorizer::Permits(const StaticPolicy& p, std::string_view scope) {
  auto has = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), scope) != v.end();
  };
  if (has(p.denied)) return false;  // deny wins
  return !p.allowed || has(*p.allowed);
}

bool Authorizer::IsStaticPolicy(const std::string& name) const {
  return std::any_of(policies_.begin(), policies_.end(),
                     [&](const StaticPolicy& p) { return p.name == name; });
}

void Authorizer::Install(std::shared_ptr<const AuthIndex> index) {
  MutexLock l(mu_);
  index_ = std::move(index);
}

std::shared_ptr<const AuthIndex> Authorizer::index() const {
  MutexLock l(mu_);
  return index_;
}

bool Authorizer::Enforced() const {
  if (!policies_.empty()) return true;
  auto idx = index();
  return idx && idx->policy_count() > 0;
}

AuthSummary Authorizer::Summary() const {
  AuthSummary s;
  s.static_policies = policies_.size();
  if (auto idx = index()) {
    s.runtime_policies = idx->policy_count();
    s.tokens = idx->token_count();
    s.revision = idx->revision();
    s.runtime_tokens_checkable = idx->tokens_checkable();
  }
  s.enforced = s.static_policies > 0 || s.runtime_policies > 0;
  return s;
}

Decision Authorizer::Decide(std::string_view header, const AccessRequest& req) const {
  auto presented = ParseAuthorization(header);
  if (!presented) {
    const bool open_scope =
        std::find(unauthenticated_scopes_.begin(), unauthenticated_scopes_.end(), req.scope) !=
        unauthenticated_scopes_.end();
    const bool migration = (req.scope == "sign" || req.scope == "public_keys") && !Enforced();
    if (open_scope || migration) {
      Decision d;
      d.verdict = Verdict::kAllow;
      d.reason = "ok";
      d.who = "anonymous";
      return d;
    }
    return Deny(Verdict::kUnauthenticated, header.empty() ? "missing_token" : "invalid_token",
                header.empty() ? "a token is required" : "malformed Authorization header");
  }
  // Compare against every static policy so timing does not reveal which
  // one matched (no hashing at all when there are none).
  const std::string hash = policies_.empty() ? std::string() : hash_key_.Mac(presented->token);
  const StaticPolicy* match = nullptr;
  for (const auto& p : policies_) {
    bool eq = crypto::ConstantTimeEquals(hash, p.token_hash);
    if (eq && !match) match = &p;
  }
  if (!match) {
    auto idx = index();
    if (!idx) return Deny(Verdict::kUnauthenticated, "invalid_token", "invalid token");
    return DecideRuntime(*idx, *presented, req);
  }
  // Basic auth: the username must name this token's static policy.
  if (presented->username && *presented->username != match->name)
    return Deny(Verdict::kUnauthenticated, "invalid_token", "invalid token");
  if (!Permits(*match, req.scope)) {
    Decision d =
        Deny(Verdict::kForbidden, "scope_not_allowed",
             "policy '" + match->name + "' does not allow scope '" + std::string(req.scope) + "'",
             match->name);
    d.policy = match->name;
    d.caller = Decision::Caller::kStatic;
    return d;
  }
  Decision d;
  d.verdict = Verdict::kAllow;
  d.reason = "ok";
  d.who = d.policy = match->name;
  d.caller = Decision::Caller::kStatic;
  return d;
}

Decision Authorizer::DecideRuntime(const AuthIndex& idx, const PresentedToken& presented,
                                   const AccessRequest& req) const {
  const records::AuthToken* t = idx.FindByToken(presented.token);
  if (!t) return Deny(Verdict::kUnauthenticated, "invalid_token", "invalid token");
  if (t->expires_at && *t->expires_at <= clock_.NowUnixSeconds())
    return Deny(Verdict::kUnauthenticated, "expired_token", "the token has expired", t->id);
  Decision d;
  d.who = t->id;
  d.caller = t->kind == "management" ? Decision::Caller::kManagement : Decision::Caller::kClient;
  if (t->kind == "management") {
    d.verdict = Verdict::kAllow;
    d.reason = "ok";
    d.policy = "management";
    return d;
  }
  const PreparedRequest prepared(req);
  const CompiledPolicy* allowed_by = nullptr;
  for (const auto& name : t->policies) {
    const CompiledPolicy* p = idx.FindPolicy(name);
    if (!p) continue;  // deleted with force: grants nothing
    for (const auto& rule : p->rules) {
      if (!rule.Matches(prepared)) continue;
      if (rule.effect == records::RuleEffect::kDeny) {
        d.verdict = Verdict::kForbidden;
        d.reason = "denied_by_rule";
        d.policy = name;
        d.message = "policy '" + name + "' denies this request";
        return d;  // deny wins
      }
      if (!allowed_by) allowed_by = p;
    }
  }
  if (!allowed_by) {
    d.verdict = Verdict::kForbidden;
    d.reason = "no_matching_allow";
    d.message = "no policy of this token allows scope '" + std::string(req.scope) + "'" +
                (req.pubkey.empty() ? "" : " for this key") +
                (req.operation.empty() ? "" : " and operation");
    return d;
  }
  d.verdict = Verdict::kAllow;
  d.reason = "ok";
  d.policy = allowed_by->record.name;
  return d;
}

Status Authorizer::Check(std::string_view header, std::string_view scope, std::string* who) const {
  Decision d = Decide(header, AccessRequest{scope, "", ""});
  if (who) *who = d.who;
  return d.ToStatus();
}

}  // namespace cc::auth
