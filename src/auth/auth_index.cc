#include "auth/auth_index.h"

#include <algorithm>
#include <cctype>

#include "crypto/hmac.h"

namespace cc::auth {

using records::kAuthPolicy;
using records::kAuthToken;

PreparedRequest::PreparedRequest(const AccessRequest& r)
    : scope(r.scope), key(r.pubkey), operation(r.operation) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

bool CompiledRule::Matches(const PreparedRequest& req) const {
  auto has = [](const std::unordered_set<std::string>& set, const std::string& v) {
    return !v.empty() && set.count(v) > 0;
  };
  if (scopes && !has(*scopes, req.scope)) return false;
  if (keys && !has(*keys, req.key)) return false;
  if (operations && !has(*operations, req.operation)) return false;
  return true;
}

CompiledPolicy CompiledPolicy::From(records::AuthPolicy policy) {
  CompiledPolicy c;
  auto set = [](const std::optional<std::vector<std::string>>& v)
      -> std::optional<std::unordered_set<std::string>> {
    if (!v) return std::nullopt;
    return std::unordered_set<std::string>(v->begin(), v->end());
  };
  for (const auto& r : policy.rules)
    c.rules.push_back({r.effect, set(r.scopes), set(r.keys), set(r.operations)});
  c.record = std::move(policy);
  return c;
}

std::string AuthIndex::Hash(const crypto::SecretBytes& key, std::string_view token) {
  return crypto::HmacSha256(key.view(), token);
}

std::shared_ptr<const AuthIndex> AuthIndex::Build(const state::Snapshot& snap,
                                                  std::shared_ptr<const crypto::SecretBytes> key,
                                                  const AuthIndex* previous) {
  if (previous && !previous->verified_) previous = nullptr;
  auto index = std::make_shared<AuthIndex>();
  index->revision_ = snap.head.revision;
  index->token_key_ = std::move(key);
  if (index->token_key_) {
    // Reuse the precomputed pads while the key is the same one.
    index->token_mac_ = previous && previous->token_key_ == index->token_key_
                            ? previous->token_mac_
                            : std::make_shared<const crypto::HmacKey>(index->token_key_->view());
  }
  auto unchanged = [&](const state::Record& r) {
    if (!previous) return false;
    auto it = previous->record_revisions_.find(r.key);
    return it != previous->record_revisions_.end() && it->second == r.revision;
  };
  for (const auto& [unused_key, r] : snap.OfKind(kAuthPolicy)) {
    const CompiledPolicy* old = unchanged(r) ? previous->FindPolicy(r.key.id) : nullptr;
    if (old) {
      index->policies_.emplace(r.key.id, *old);
    } else if (auto p = records::Decode<records::AuthPolicy>(r.body); p.ok()) {
      index->policies_.emplace(r.key.id, CompiledPolicy::From(std::move(*p)));
    } else {
      continue;  // unreadable: the manifest check reports tampering
    }
    index->record_revisions_[r.key] = r.revision;
  }
  for (const auto& [unused_key, r] : snap.OfKind(kAuthToken)) {
    const records::AuthToken* old = unchanged(r) ? previous->FindById(r.key.id) : nullptr;
    records::AuthToken t;
    if (old) {
      t = *old;
    } else if (auto d = records::Decode<records::AuthToken>(r.body); d.ok() && d->id == r.key.id) {
      t = std::move(*d);
    } else {
      continue;
    }
    index->record_revisions_[r.key] = r.revision;
    auto [it2, inserted] = index->tokens_.emplace(t.id, std::move(t));
    if (inserted) index->by_hash_[it2->second.hash] = &it2->second;
  }
  return index;
}

std::shared_ptr<const AuthIndex> AuthIndex::BuildUnverified(const state::Snapshot& snap) {
  auto built = Build(snap, nullptr, nullptr);
  auto index = std::const_pointer_cast<AuthIndex>(built);
  index->verified_ = false;
  return index;
}

std::shared_ptr<const AuthIndex> AuthIndex::WithoutTokenKey() const {
  auto copy = std::make_shared<AuthIndex>(*this);
  copy->token_key_.reset();
  copy->token_mac_.reset();
  copy->by_hash_.clear();  // pointed into the original's tokens
  return copy;
}

const records::AuthToken* AuthIndex::FindByToken(std::string_view presented) const {
  if (!token_mac_) return nullptr;
  const std::string hash = token_mac_->Mac(presented);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return nullptr;
  const records::AuthToken* t = it->second;
  // The map lookup found it; the stored hash is compared in constant time too.
  return t && crypto::ConstantTimeEquals(t->hash, hash) ? t : nullptr;
}

const records::AuthToken* AuthIndex::FindById(const std::string& id) const {
  auto it = tokens_.find(id);
  return it == tokens_.end() ? nullptr : &it->second;
}

const CompiledPolicy* AuthIndex::FindPolicy(const std::string& name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

std::vector<std::string> AuthIndex::TokensUsing(const std::string& policy) const {
  std::vector<std::string> ids;
  for (const auto& [id, t] : tokens_) {
    if (std::find(t.policies.begin(), t.policies.end(), policy) != t.policies.end())
      ids.push_back(id);
  }
  return ids;
}

}  // namespace cc::auth
