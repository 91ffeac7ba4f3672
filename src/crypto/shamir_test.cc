#include "crypto/shamir.h"

#include <gtest/gtest.h>
extern "C" {
#include <libgfshare.h>
}
#include <sodium.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "crypto/integrity.h"

namespace cc::crypto {
namespace {

std::vector<const Share*> Pick(const std::vector<Share>& shares, std::vector<int> idx) {
  std::vector<const Share*> out;
  for (int i : idx) out.push_back(&shares[i]);
  return out;
}

TEST(Gf256, FieldLaws) {
  for (int a = 0; a < 256; ++a) {
    EXPECT_EQ(gf256::Mul(a, 1), a);
    EXPECT_EQ(gf256::Mul(a, 0), 0);
    if (a) {
      EXPECT_EQ(gf256::Mul(a, gf256::Inv(a)), 1) << a;
    }
    for (int b = 0; b < 256; b += 7) EXPECT_EQ(gf256::Mul(a, b), gf256::Mul(b, a));
  }
  EXPECT_EQ(gf256::Inv(0), 0);
  // x^8 = x^4 + x^3 + x^2 + 1 (0x11d): 0x80 * 2 = 0x1d.
  EXPECT_EQ(gf256::Mul(0x80, 0x02), 0x1d);
}

TEST(Shamir, AnyThresholdSubsetRebuildsTheSecret) {
  std::mt19937 rng(7);
  for (int t : {1, 2, 3, 5, 10}) {
    for (int n : {t, t + 1, t + 4}) {
      SecretBytes secret = SecretBytes::Random(32);
      auto shares = ShamirSplit(secret, n, t);
      ASSERT_TRUE(shares.ok()) << shares.status().ToString();
      ASSERT_EQ(shares->size(), static_cast<size_t>(n));
      for (int trial = 0; trial < 10; ++trial) {
        std::vector<int> idx(n);
        std::iota(idx.begin(), idx.end(), 0);
        std::shuffle(idx.begin(), idx.end(), rng);
        idx.resize(t);
        auto combined = ShamirCombine(Pick(*shares, idx));
        ASSERT_TRUE(combined.ok());
        EXPECT_TRUE(combined->Equals(secret)) << "t=" << t << " n=" << n;
      }
    }
  }
}

TEST(Shamir, FewerThanThresholdSharesGiveAWrongSecret) {
  SecretBytes secret = SecretBytes::Random(32);
  auto shares = ShamirSplit(secret, 5, 3);
  ASSERT_TRUE(shares.ok());
  auto two = ShamirCombine(Pick(*shares, {0, 4}));
  ASSERT_TRUE(two.ok());
  EXPECT_FALSE(two->Equals(secret));
}

TEST(Shamir, ExtremeThresholds) {
  SecretBytes secret = SecretBytes::Random(16);
  auto all = ShamirSplit(secret, 255, 255);
  ASSERT_TRUE(all.ok());
  std::vector<int> idx(255);
  std::iota(idx.begin(), idx.end(), 0);
  EXPECT_TRUE(ShamirCombine(Pick(*all, idx))->Equals(secret));
  auto one = ShamirSplit(secret, 3, 1);
  EXPECT_TRUE(one->at(2).y.Equals(secret));  // threshold 1: every share is the secret
}

TEST(Shamir, BadParametersAreRefused) {
  SecretBytes secret = SecretBytes::Random(32);
  EXPECT_FALSE(ShamirSplit(secret, 3, 0).ok());
  EXPECT_FALSE(ShamirSplit(secret, 3, 4).ok());
  EXPECT_FALSE(ShamirSplit(secret, 256, 2).ok());
  EXPECT_FALSE(ShamirSplitAt(secret, {1, 1, 2}, 2).ok());
  EXPECT_FALSE(ShamirSplitAt(secret, {0, 1}, 2).ok());
  auto shares = ShamirSplit(secret, 3, 2);
  std::vector<const Share*> dup = {&shares->at(0), &shares->at(0)};
  EXPECT_FALSE(ShamirCombine(dup).ok());
}

// libgfshare is an independent implementation over the same field.
TEST(Shamir, SharesInteroperateWithLibgfshare) {
  // libgfshare takes its randomness (coefficients, scrubbing) from a hook the
  // application must set.
  gfshare_fill_rand = [](unsigned char* buf, unsigned int n) { randombytes_buf(buf, n); };
  SecretBytes secret = SecretBytes::Random(32);
  // Ours -> libgfshare.
  auto ours = ShamirSplit(secret, 5, 3);
  ASSERT_TRUE(ours.ok());
  unsigned char xs[3] = {(*ours)[0].x, (*ours)[2].x, (*ours)[4].x};
  gfshare_ctx* dec = gfshare_ctx_init_dec(xs, 3, 32);
  for (int i = 0; i < 3; ++i) {
    gfshare_ctx_dec_giveshare(dec, i, const_cast<unsigned char*>((*ours)[i * 2].y.data()));
  }
  SecretBytes out(32);
  gfshare_ctx_dec_extract(dec, out.data());
  gfshare_ctx_free(dec);
  EXPECT_TRUE(out.Equals(secret));

  // libgfshare -> ours, at arbitrary x coordinates.
  unsigned char enc_xs[4] = {9, 77, 200, 255};
  gfshare_ctx* enc = gfshare_ctx_init_enc(enc_xs, 4, 2, 32);
  gfshare_ctx_enc_setsecret(enc, const_cast<unsigned char*>(secret.data()));
  std::vector<Share> theirs;
  for (int i = 0; i < 4; ++i) {
    Share s{enc_xs[i], SecretBytes(32)};
    gfshare_ctx_enc_getshare(enc, i, s.y.data());
    theirs.push_back(std::move(s));
  }
  gfshare_ctx_free(enc);
  EXPECT_TRUE(ShamirCombine(Pick(theirs, {1, 3}))->Equals(secret));
  EXPECT_TRUE(ShamirCombine(Pick(theirs, {2, 0}))->Equals(secret));
}

TEST(CombineVerified, NamesBadSharesWhenExtrasAreAvailable) {
  SecretBytes mk = SecretBytes::Random(32);
  std::string check = KeyCheckValue(mk, "chamber-1", "mk");
  auto shares = ShamirSplit(mk, 5, 3);
  ASSERT_TRUE(shares.ok());
  (*shares)[1].y.data()[7] ^= 0x40;  // corrupt x=2
  auto r = CombineVerified(*shares, 3, "chamber-1", "mk", check);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->secret.Equals(mk));
  EXPECT_EQ(r->bad_shares, std::vector<uint8_t>{2});
  EXPECT_EQ(std::count(r->used.begin(), r->used.end(), 2), 0);
}

TEST(CombineVerified, ExactlyThresholdWithABadShareIsCorruptionNotAWrongKey) {
  SecretBytes mk = SecretBytes::Random(32);
  std::string check = KeyCheckValue(mk, "c", "mk");
  auto shares = ShamirSplit(mk, 3, 3);
  (*shares)[0].y.data()[0] ^= 1;
  auto r = CombineVerified(*shares, 3, "c", "mk", check);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  // The message never carries share bytes.
  EXPECT_EQ(r.status().message().find(std::string((*shares)[1].y.view())), std::string::npos);
}

TEST(CombineVerified, TooFewSharesSaysHowMany) {
  SecretBytes mk = SecretBytes::Random(32);
  auto shares = ShamirSplit(mk, 3, 3);
  shares->pop_back();
  auto r = CombineVerified(*shares, 3, "c", "mk", KeyCheckValue(mk, "c", "mk"));
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "need 3 shares, have 2");
}

TEST(KeyCheckValue, BoundToChamberAndLabel) {
  SecretBytes k = SecretBytes::Random(32);
  std::string c = KeyCheckValue(k, "a", "mk");
  EXPECT_TRUE(VerifyKeyCheckValue(k, "a", "mk", c));
  EXPECT_FALSE(VerifyKeyCheckValue(k, "b", "mk", c));
  EXPECT_FALSE(VerifyKeyCheckValue(k, "a", "outer", c));
  EXPECT_FALSE(VerifyKeyCheckValue(SecretBytes::Random(32), "a", "mk", c));
}

}  // namespace
}  // namespace cc::crypto
