// Management tokens (SPEC 6): full management scope, made at init and by
// root-token generation. Stored only as HMAC-SHA256 under a key derived
// from MK, so they are checked only while a replica holds MK.
#pragma once

#include <string>
#include <vector>

#include "crypto/secret.h"
#include "records/records.h"

namespace cc::seal {

// The label of the MK-derived key that hashes runtime tokens.
inline constexpr char kTokenHashLabel[] = "token-hash";

struct IssuedToken {
  std::string token;  // shown once; the caller wipes it
  records::AuthToken record;
};

// A new runtime token: `cc-mgmt-…` (kind "management", every scope) or
// `cc_token_…` (kind "client", bound to `policies`), with 256 bits of
// randomness, a random public id `tok_…` and only the keyed hash kept.
IssuedToken NewRuntimeToken(const crypto::SecretBytes& token_hash_key, const std::string& kind,
                            std::vector<std::string> policies, int64_t now);
inline IssuedToken NewManagementToken(const crypto::SecretBytes& token_hash_key, int64_t now) {
  return NewRuntimeToken(token_hash_key, "management", {"*"}, now);
}

}  // namespace cc::seal
