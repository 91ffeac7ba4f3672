#include "seal/management_token.h"

#include "common/encoding.h"
#include "crypto/hmac.h"

namespace cc::seal {

std::string TokenRecordId(const std::string& keyed_hash) {
  // A prefix of the keyed hash: found without scanning, meaningless without MK.
  return HexEncode(keyed_hash.substr(0, 8));
}

IssuedToken NewManagementToken(const crypto::SecretBytes& token_hash_key, int64_t now) {
  std::string token = "cc-mgmt-" + Base64UrlEncode(RandomBytes(32));
  std::string hash = crypto::HmacSha256(token_hash_key.view(), token);
  records::AuthToken rec{TokenRecordId(hash), "management", hash, {"*"}, std::nullopt, now};
  return {std::move(token), std::move(rec)};
}

}  // namespace cc::seal
