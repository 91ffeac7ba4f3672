// Integrity data for reconstructed keys: a keyed check value (HMAC under a key
// derived from the secret itself, bound to the chamber), and rebuilding a
// secret from more shares than the threshold while naming the bad ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/shamir.h"

namespace cc::crypto {

// A check value of a 256-bit key. Only the key can produce it, and with a
// random 256-bit key it gives nothing to brute-force.
std::string KeyCheckValue(const SecretBytes& key, std::string_view chamber_id,
                          std::string_view label);
bool VerifyKeyCheckValue(const SecretBytes& key, std::string_view chamber_id,
                         std::string_view label, std::string_view check);

struct Reconstruction {
  SecretBytes secret;
  std::vector<uint8_t> used;        // x of the shares that rebuilt it
  std::vector<uint8_t> bad_shares;  // x of shares not on the same polynomial
};

// Rebuilds the secret from `threshold` of `shares` and verifies it against
// `check`. With extra shares, tries combinations until one verifies, then
// names every share that is not on that polynomial. kFailedPrecondition with
// too few shares; kCorruption when no combination verifies.
Result<Reconstruction> CombineVerified(const std::vector<Share>& shares, int threshold,
                                       std::string_view chamber_id, std::string_view label,
                                       std::string_view check);

}  // namespace cc::crypto
