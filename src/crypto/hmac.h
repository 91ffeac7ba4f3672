// Keyed hashes and constant-time comparison (libsodium underneath).
#pragma once

#include <string>
#include <string_view>

#include "crypto/secret.h"

namespace cc::crypto {

// HMAC-SHA256(key, data), 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// An HMAC-SHA256 key with its inner and outer pads already hashed, for hot
// paths (every request's token): each MAC then costs two SHA-256 blocks
// instead of four. The precomputed state is as secret as the key: it lives
// in locked, zeroized memory.
class HmacKey {
 public:
  explicit HmacKey(std::string_view key);
  std::string Mac(std::string_view data) const;

 private:
  SecretBytes state_;
};

// SHA-256(data), 32 raw bytes.
std::string Sha256(std::string_view data);
// Constant-time equality for equal-length inputs; false if lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cc::crypto
