#include "auth/authorizer.h"

#include <algorithm>

#include "common/encoding.h"
#include "crypto/hmac.h"

namespace cc::auth {

std::optional<PresentedToken> ParseAuthorization(std::string_view header) {
  auto starts = [&](std::string_view p) {
    return header.size() > p.size() &&
           std::equal(p.begin(), p.end(), header.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  if (starts("Bearer ")) {
    auto t = trim(header.substr(7));
    if (t.empty()) return std::nullopt;
    return PresentedToken{std::string(t), std::nullopt};
  }
  if (starts("Basic ")) {
    auto decoded = Base64Decode(trim(header.substr(6)));
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return PresentedToken{decoded->substr(colon + 1), decoded->substr(0, colon)};
  }
  return std::nullopt;
}

Authorizer::Authorizer(const config::Config& config)
    : hash_key_(RandomBytes(32)), unauthenticated_scopes_(config.unauthenticated_scopes) {
  for (const auto& p : config.auth_policies) {
    policies_.push_back(
        {p.name, crypto::HmacSha256(hash_key_, p.token), p.allowed_scopes, p.denied_scopes});
  }
}

bool Authorizer::Permits(const Policy& p, std::string_view scope) {
  auto has = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), scope) != v.end();
  };
  if (has(p.denied)) return false;  // deny wins
  return !p.allowed || has(*p.allowed);
}

Status Authorizer::Check(std::string_view header, std::string_view scope, std::string* who) const {
  auto presented = ParseAuthorization(header);
  if (!presented) {
    if (std::find(unauthenticated_scopes_.begin(), unauthenticated_scopes_.end(), scope) !=
        unauthenticated_scopes_.end()) {
      return Status::Ok();
    }
    return Status::Unauthenticated(header.empty() ? "a token is required"
                                                  : "unsupported Authorization header");
  }
  std::string hash = crypto::HmacSha256(hash_key_, presented->token);
  // Compare against every policy so timing does not reveal which one matched.
  const Policy* match = nullptr;
  for (const auto& p : policies_) {
    bool eq = crypto::ConstantTimeEquals(hash, p.token_hash);
    if (eq && !match) match = &p;
  }
  if (!match) {
    std::optional<std::vector<std::string>> scopes;
    if (runtime_) scopes = runtime_(presented->token);
    if (!scopes) return Status::Unauthenticated("invalid token");
    if (who) *who = "runtime-token";
    if (std::find(scopes->begin(), scopes->end(), scope) == scopes->end() &&
        std::find(scopes->begin(), scopes->end(), "*") == scopes->end()) {
      return Status::PermissionDenied("this token does not allow scope '" + std::string(scope) +
                                      "'");
    }
    return Status::Ok();
  }
  // Basic auth: a username that names a static policy must be that token's policy.
  if (presented->username) {
    bool names_policy = std::any_of(policies_.begin(), policies_.end(), [&](const Policy& p) {
      return p.name == *presented->username;
    });
    if (names_policy && match->name != *presented->username) {
      return Status::Unauthenticated("invalid token");
    }
  }
  if (who) *who = match->name;
  if (!Permits(*match, scope)) {
    return Status::PermissionDenied("policy '" + match->name + "' does not allow scope '" +
                                    std::string(scope) + "'");
  }
  return Status::Ok();
}

}  // namespace cc::auth
