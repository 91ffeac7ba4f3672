// Request authorization: extracts a token from `Authorization` (Bearer, or
// Basic with the token as password) and checks it against the policies.
// Tokens are held only as HMAC-SHA256 under a per-process key and compared in
// constant time.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace cc::auth {

struct PresentedToken {
  std::string token;
  std::optional<std::string> username;  // Basic auth only
};

// nullopt when the header is absent or not Bearer/Basic.
std::optional<PresentedToken> ParseAuthorization(std::string_view header);

class Authorizer {
 public:
  explicit Authorizer(const config::Config& config);

  // OK, Unauthenticated (missing/invalid token, 401) or PermissionDenied (403).
  // `who` receives the matched policy name for logs (never the token).
  Status Check(std::string_view authorization_header, std::string_view scope,
               std::string* who = nullptr) const;

  bool HasStaticPolicies() const { return !policies_.empty(); }

  // Runtime tokens (management tokens stored as keyed hashes in the state
  // backend): given a presented token, the scopes it grants or nullopt.
  using RuntimeLookup = std::function<std::optional<std::vector<std::string>>(const std::string&)>;
  void SetRuntimeLookup(RuntimeLookup lookup) { runtime_ = std::move(lookup); }

 private:
  struct Policy {
    std::string name;
    std::string token_hash;
    std::optional<std::vector<std::string>> allowed;  // nullopt = every scope; {} = none
    std::vector<std::string> denied;
  };
  static bool Permits(const Policy& p, std::string_view scope);

  std::string hash_key_;
  std::vector<Policy> policies_;
  std::vector<std::string> unauthenticated_scopes_;
  RuntimeLookup runtime_;
};

}  // namespace cc::auth
