// Management tokens (SPEC 6): full management scope, made at init and by
// root-token generation. Stored only as HMAC-SHA256 under a key derived
// from MK, so they are checked only while a replica holds MK.
#pragma once

#include <string>

#include "crypto/secret.h"
#include "records/records.h"

namespace cc::seal {

// The label of the MK-derived key that hashes runtime tokens.
inline constexpr char kTokenHashLabel[] = "token-hash";

struct IssuedToken {
  std::string token;  // shown once; the caller wipes it
  records::AuthToken record;
};

IssuedToken NewManagementToken(const crypto::SecretBytes& token_hash_key, int64_t now);

// The record id a presented token would be stored under.
std::string TokenRecordId(const std::string& keyed_hash);

}  // namespace cc::seal
