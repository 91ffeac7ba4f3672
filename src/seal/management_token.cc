#include "seal/management_token.h"

#include "auth/auth_index.h"
#include "common/encoding.h"

namespace cc::seal {

IssuedToken NewRuntimeToken(const crypto::SecretBytes& token_hash_key, const std::string& kind,
                            std::vector<std::string> policies, int64_t now) {
  std::string token =
      (kind == "management" ? "cc-mgmt-" : "cc_token_") + Base64UrlEncode(RandomBytes(32));
  records::AuthToken rec;
  rec.id = "tok_" + RandomHexId(16);
  rec.kind = kind;
  rec.hash = auth::AuthIndex::Hash(token_hash_key, token);
  rec.policies = std::move(policies);
  rec.created_at = now;
  return {std::move(token), std::move(rec)};
}

}  // namespace cc::seal
