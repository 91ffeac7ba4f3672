// What this replica has loaded of the runtime auth data (policies and
// tokens), built from one revision of the state backend that the chamber
// verified. Immutable: the Authorizer swaps in a new index per revision, so
// a decision never touches the backend and never waits on a rebuild.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/policy_rules.h"
#include "crypto/hmac.h"
#include "crypto/secret.h"
#include "records/records.h"
#include "state/state_store.h"

namespace cc::auth {

// A request's values as the sets hold them (key lower-cased), made once per
// decision so no rule check allocates.
struct PreparedRequest {
  std::string scope, key, operation;
  explicit PreparedRequest(const AccessRequest& r);
};

struct CompiledRule {
  records::RuleEffect effect = records::RuleEffect::kAllow;
  std::optional<std::unordered_set<std::string>> scopes, keys, operations;
  bool Matches(const PreparedRequest& request) const;
};

struct CompiledPolicy {
  records::AuthPolicy record;
  std::vector<CompiledRule> rules;
  static CompiledPolicy From(records::AuthPolicy policy);
};

class AuthIndex {
 public:
  // `token_key` (derived from MK) is null while this replica does not hold
  // MK: runtime tokens are then unknown (401), static ones still work.
  // For a snapshot whose manifest was verified. `previous` lets unchanged
  // records be reused instead of decoded again, but only when it too was
  // built over verified state: a record's revision is not authenticated on
  // its own, so an entry read from tampered rows must never be carried over.
  static std::shared_ptr<const AuthIndex> Build(
      const state::Snapshot& snapshot, std::shared_ptr<const crypto::SecretBytes> token_key,
      const AuthIndex* previous);
  // For state this replica cannot verify yet (it holds no KMS-layer key):
  // policies are enforced as found, no runtime token is checkable, and
  // nothing of it is ever reused by Build.
  static std::shared_ptr<const AuthIndex> BuildUnverified(const state::Snapshot& snapshot);
  // The same policies and tokens, with runtime tokens no longer checkable.
  std::shared_ptr<const AuthIndex> WithoutTokenKey() const;

  uint64_t revision() const { return revision_; }
  bool tokens_checkable() const { return token_key_ != nullptr; }
  size_t policy_count() const { return policies_.size(); }
  size_t token_count() const { return tokens_.size(); }

  // The token a presented secret is (keyed hash, constant-time compare).
  const records::AuthToken* FindByToken(std::string_view presented) const;
  const records::AuthToken* FindById(const std::string& id) const;
  const CompiledPolicy* FindPolicy(const std::string& name) const;
  const std::map<std::string, CompiledPolicy>& policies() const { return policies_; }
  const std::map<std::string, records::AuthToken>& tokens() const { return tokens_; }
  // Ids of the tokens bound to `policy`.
  std::vector<std::string> TokensUsing(const std::string& policy) const;

  // The keyed hash a presented token is stored under.
  static std::string Hash(const crypto::SecretBytes& token_key, std::string_view token);

 private:
  uint64_t revision_ = 0;
  bool verified_ = true;
  std::shared_ptr<const crypto::SecretBytes> token_key_;
  std::shared_ptr<const crypto::HmacKey> token_mac_;  // token_key_, pads precomputed
  std::map<std::string, CompiledPolicy> policies_;
  std::map<std::string, records::AuthToken> tokens_;  // by public id
  // keyed hash -> the token in tokens_ (std::map nodes never move)
  std::unordered_map<std::string, const records::AuthToken*> by_hash_;
  std::map<state::RecordKey, uint64_t> record_revisions_;  // for reuse by the next build
};

}  // namespace cc::auth
