// Shamir secret sharing over GF(2^8) with the polynomial x^8+x^4+x^3+x^2+1
// (0x11d, the field libgfshare uses, so shares interoperate). Arithmetic is
// constant-time: no table lookups or branches indexed by secret bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"

namespace cc::crypto {

struct Share {
  uint8_t x = 0;  // 1..255, public
  SecretBytes y;  // same length as the secret
};

// Splits `secret` into shares at x = 1..n; any `threshold` of them rebuild it.
// 1 <= threshold <= n <= 255.
Result<std::vector<Share>> ShamirSplit(const SecretBytes& secret, int n, int threshold);
// Same, at chosen x coordinates (distinct, non-zero).
Result<std::vector<Share>> ShamirSplitAt(const SecretBytes& secret, const std::vector<uint8_t>& xs,
                                         int threshold);

// Rebuilds the secret from exactly the given shares (Lagrange at x = 0).
// With fewer shares than the threshold the result is a wrong secret; callers
// check it against integrity data.
Result<SecretBytes> ShamirCombine(const std::vector<const Share*>& shares);
// The polynomial through `shares`, evaluated at `x` (ShamirCombine is x = 0).
Result<SecretBytes> ShamirInterpolate(const std::vector<const Share*>& shares, uint8_t x);

namespace gf256 {
uint8_t Mul(uint8_t a, uint8_t b);
uint8_t Inv(uint8_t a);  // Inv(0) = 0
}  // namespace gf256

}  // namespace cc::crypto
