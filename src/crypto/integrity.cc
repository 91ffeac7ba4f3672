#include "crypto/integrity.h"

#include <algorithm>

#include "crypto/hmac.h"
#include "crypto/kdf.h"

namespace cc::crypto {
namespace {
constexpr int kMaxCombinations = 20000;

// Advances `idx` (sorted indexes into n items) to the next k-combination.
bool NextCombination(std::vector<int>& idx, int n) {
  int k = static_cast<int>(idx.size());
  for (int i = k - 1; i >= 0; --i) {
    if (idx[i] < n - k + i) {
      ++idx[i];
      for (int j = i + 1; j < k; ++j) idx[j] = idx[j - 1] + 1;
      return true;
    }
  }
  return false;
}
}  // namespace

std::string KeyCheckValue(const SecretBytes& key, std::string_view chamber_id,
                          std::string_view label) {
  SecretBytes check_key = Hkdf(key, "cc-check-v1", label, 32);
  return HmacSha256(check_key.view(),
                    "cc-check-v1|" + std::string(chamber_id) + "|" + std::string(label));
}

bool VerifyKeyCheckValue(const SecretBytes& key, std::string_view chamber_id,
                         std::string_view label, std::string_view check) {
  return ConstantTimeEquals(KeyCheckValue(key, chamber_id, label), check);
}

Result<Reconstruction> CombineVerified(const std::vector<Share>& shares, int threshold,
                                       std::string_view chamber_id, std::string_view label,
                                       std::string_view check) {
  const int n = static_cast<int>(shares.size());
  if (threshold < 1) return Status::InvalidArgument("threshold must be at least 1");
  if (n < threshold) {
    return Status::FailedPrecondition("need " + std::to_string(threshold) + " shares, have " +
                                      std::to_string(n));
  }
  std::vector<int> idx(threshold);
  for (int i = 0; i < threshold; ++i) idx[i] = i;
  int tries = 0;
  do {
    std::vector<const Share*> subset;
    for (int i : idx) subset.push_back(&shares[i]);
    CC_ASSIGN_OR_RETURN(SecretBytes candidate, ShamirCombine(subset));
    if (VerifyKeyCheckValue(candidate, chamber_id, label, check)) {
      Reconstruction r{std::move(candidate), {}, {}};
      for (const Share* s : subset) r.used.push_back(s->x);
      for (int i = 0; i < n; ++i) {
        if (std::find(idx.begin(), idx.end(), i) != idx.end()) continue;
        CC_ASSIGN_OR_RETURN(SecretBytes expected, ShamirInterpolate(subset, shares[i].x));
        if (!expected.Equals(shares[i].y)) r.bad_shares.push_back(shares[i].x);
      }
      return r;
    }
  } while (++tries < kMaxCombinations && NextCombination(idx, n));
  return Status::Corruption("no " + std::to_string(threshold) + " of the " + std::to_string(n) +
                            " shares rebuild a key that matches the integrity check; too many "
                            "shares are wrong or the metadata does not belong to them");
}

}  // namespace cc::crypto
