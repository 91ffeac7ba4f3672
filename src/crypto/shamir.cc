#include "crypto/shamir.h"

#include <sodium.h>

#include <set>

namespace cc::crypto {
namespace gf256 {

// Russian-peasant multiplication with masks instead of branches.
uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  for (int i = 0; i < 8; ++i) {
    r ^= static_cast<uint8_t>(-(b & 1)) & a;
    uint8_t carry = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (carry & 0x1d));
    b >>= 1;
  }
  return r;
}

// a^254 = a^-1, by a fixed square-and-multiply chain.
uint8_t Inv(uint8_t a) {
  uint8_t a2 = Mul(a, a);        // a^2
  uint8_t a3 = Mul(a2, a);       // a^3
  uint8_t a6 = Mul(a3, a3);      // a^6
  uint8_t a12 = Mul(a6, a6);     // a^12
  uint8_t a15 = Mul(a12, a3);    // a^15
  uint8_t a30 = Mul(a15, a15);   // a^30
  uint8_t a60 = Mul(a30, a30);   // a^60
  uint8_t a120 = Mul(a60, a60);  // a^120
  uint8_t a126 = Mul(a120, a6);  // a^126
  uint8_t a127 = Mul(a126, a);   // a^127
  return Mul(a127, a127);        // a^254
}

}  // namespace gf256

Result<std::vector<Share>> ShamirSplitAt(const SecretBytes& secret, const std::vector<uint8_t>& xs,
                                         int threshold) {
  const int n = static_cast<int>(xs.size());
  if (threshold < 1 || threshold > 255 || n < threshold || n > 255) {
    return Status::InvalidArgument("Shamir: need 1 <= threshold <= shares <= 255 (got threshold " +
                                   std::to_string(threshold) + ", shares " + std::to_string(n) +
                                   ")");
  }
  if (secret.empty()) return Status::InvalidArgument("Shamir: empty secret");
  std::set<uint8_t> seen;
  for (uint8_t x : xs) {
    if (x == 0 || !seen.insert(x).second) {
      return Status::InvalidArgument("Shamir: share x coordinates must be distinct and non-zero");
    }
  }
  const size_t len = secret.size();
  // coefficients[k] for k = 1..t-1, random; coefficient 0 is the secret.
  SecretBytes coefficients = SecretBytes::Random(len * static_cast<size_t>(threshold - 1));
  std::vector<Share> shares;
  shares.reserve(n);
  for (uint8_t x : xs) {
    Share s{x, SecretBytes(len)};
    for (size_t i = 0; i < len; ++i) {
      // Horner from the highest coefficient down to the secret.
      uint8_t acc = 0;
      for (int k = threshold - 1; k >= 1; --k) {
        acc = gf256::Mul(acc, x) ^ coefficients.data()[static_cast<size_t>(k - 1) * len + i];
      }
      s.y.data()[i] = gf256::Mul(acc, x) ^ secret.data()[i];
    }
    shares.push_back(std::move(s));
  }
  return shares;
}

Result<std::vector<Share>> ShamirSplit(const SecretBytes& secret, int n, int threshold) {
  if (n < 1 || n > 255) return Status::InvalidArgument("Shamir: 1..255 shares");
  std::vector<uint8_t> xs;
  for (int i = 1; i <= n; ++i) xs.push_back(static_cast<uint8_t>(i));
  return ShamirSplitAt(secret, xs, threshold);
}

Result<SecretBytes> ShamirCombine(const std::vector<const Share*>& shares) {
  return ShamirInterpolate(shares, 0);
}

Result<SecretBytes> ShamirInterpolate(const std::vector<const Share*>& shares, uint8_t x) {
  if (shares.empty()) return Status::InvalidArgument("Shamir: no shares");
  const size_t len = shares[0]->y.size();
  std::set<uint8_t> seen;
  for (const Share* s : shares) {
    if (s->y.size() != len) return Status::InvalidArgument("Shamir: shares differ in length");
    if (s->x == 0 || !seen.insert(s->x).second) {
      return Status::InvalidArgument("Shamir: duplicate or zero share index " +
                                     std::to_string(s->x));
    }
  }
  SecretBytes out(len);
  for (size_t i = 0; i < shares.size(); ++i) {
    // Lagrange basis at x: prod_{j != i} (x - x_j) / (x_i - x_j); x values are public.
    uint8_t num = 1, den = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (i == j) continue;
      num = gf256::Mul(num, x ^ shares[j]->x);
      den = gf256::Mul(den, shares[i]->x ^ shares[j]->x);
    }
    uint8_t basis = gf256::Mul(num, gf256::Inv(den));
    for (size_t b = 0; b < len; ++b) out.data()[b] ^= gf256::Mul(shares[i]->y.data()[b], basis);
  }
  return out;
}

}  // namespace cc::crypto
