// Request authorization (SPEC 6). A token travels as `Authorization:
// Bearer <token>` or HTTP Basic (password = token; the username must name
// the static policy whose token it is, and is ignored for runtime tokens).
// Static tokens (config) are held only as HMAC-SHA256 under a per-process
// key; runtime tokens (management and client tokens) are looked up in the
// AuthIndex the chamber installs from each verified revision, by their
// keyed hash under a key derived from MK. Every compare is constant time.
// Signing and public_keys are open only while no policy of either kind
// exists (Web3Signer-compatible migrations), plus the scopes that
// `unauthenticated_policy` lists.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_index.h"
#include "auth/policy_rules.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "config/config.h"
#include "crypto/hmac.h"

namespace cc::auth {

struct PresentedToken {
  std::string token;
  std::optional<std::string> username;  // Basic auth only
};

// nullopt when the header is absent, not Bearer/Basic, or malformed (bad
// base64, control bytes or spaces inside the token, over 4 KiB).
std::optional<PresentedToken> ParseAuthorization(std::string_view header);

// One answer, with what an audit line and the metrics need. Never a secret.
struct Decision {
  enum class Verdict { kAllow, kUnauthenticated, kForbidden };
  Verdict verdict = Verdict::kUnauthenticated;
  std::string reason;   // metric label: ok, missing_token, invalid_token, expired_token,
                        // denied_by_rule, no_matching_allow, scope_not_allowed
  std::string who;      // static policy name, token id, or "anonymous"
  std::string policy;   // the policy that decided, when one did
  std::string message;  // for the caller
  // Who asked, for the Auth API's delegation limits (docs/auth.md): a client
  // token (`who` is its id) may hand out only what it holds itself.
  enum class Caller { kAnonymous, kStatic, kManagement, kClient };
  Caller caller = Caller::kAnonymous;
  bool allowed() const { return verdict == Verdict::kAllow; }
  // OK, Unauthenticated (401) or PermissionDenied (403).
  Status ToStatus() const;
};

// What a replica has loaded, for status (SPEC 6 "auth": {...}).
struct AuthSummary {
  bool enforced = false;
  size_t static_policies = 0;
  size_t runtime_policies = 0;
  size_t tokens = 0;
  uint64_t revision = 0;
  bool runtime_tokens_checkable = false;
};

class Authorizer {
 public:
  explicit Authorizer(const config::Config& config, Clock* clock = nullptr);

  Decision Decide(std::string_view authorization_header, const AccessRequest& request) const
      EXCLUDES(mu_);
  // Decide for a plain scope, as a Status; `who` receives the deciding identity.
  Status Check(std::string_view authorization_header, std::string_view scope,
               std::string* who = nullptr) const EXCLUDES(mu_);

  // The runtime policies and tokens of a verified revision.
  void Install(std::shared_ptr<const AuthIndex> index) EXCLUDES(mu_);
  std::shared_ptr<const AuthIndex> index() const EXCLUDES(mu_);

  bool Enforced() const EXCLUDES(mu_);
  AuthSummary Summary() const EXCLUDES(mu_);
  bool HasStaticPolicies() const { return !policies_.empty(); }
  bool IsStaticPolicy(const std::string& name) const;

 private:
  struct StaticPolicy {
    std::string name;
    std::string token_hash;
    std::optional<std::vector<std::string>> allowed;  // nullopt = every scope; {} = none
    std::vector<std::string> denied;
  };
  static bool Permits(const StaticPolicy& p, std::string_view scope);
  Decision DecideRuntime(const AuthIndex& index, const PresentedToken& t,
                         const AccessRequest& request) const;

  Clock& clock_;
  crypto::HmacKey hash_key_;
  std::vector<StaticPolicy> policies_;
  std::vector<std::string> unauthenticated_scopes_;
  mutable Mutex mu_;
  std::shared_ptr<const AuthIndex> index_ GUARDED_BY(mu_);
};

}  // namespace cc::auth
