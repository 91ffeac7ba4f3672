// Keyed hashes and constant-time comparison (libsodium underneath).
#pragma once

#include <string>
#include <string_view>

namespace cc::crypto {

// HMAC-SHA256(key, data), 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// SHA-256(data), 32 raw bytes.
std::string Sha256(std::string_view data);
// Constant-time equality for equal-length inputs; false if lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cc::crypto
