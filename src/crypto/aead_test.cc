#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/kdf.h"
#include "crypto/secret.h"

namespace cc::crypto {
namespace {

const Binding kWhere{"chamber-1", "operator_credential", "g1/alice", "wrapped_share"};

TEST(Aead, RoundTrips) {
  SecretBytes key = SecretBytes::Random(32);
  auto sealed = AeadSeal(key, "share bytes", kWhere);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("share bytes"), std::string::npos);
  auto opened = AeadOpen(key, *sealed, kWhere);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->view(), "share bytes");
}

TEST(Aead, ACiphertextMovedElsewhereFailsToOpen) {
  SecretBytes key = SecretBytes::Random(32);
  std::string sealed = *AeadSeal(key, "secret", kWhere);
  Binding other_row = kWhere;
  other_row.record_id = "g1/bob";
  Binding other_field = kWhere;
  other_field.field = "yubikey_challenge";
  Binding other_table = kWhere;
  other_table.chamber_id = "chamber-2";
  Binding other_kind = kWhere;
  other_kind.record_kind = "unseal_progress";
  for (const Binding& b : {other_row, other_field, other_table, other_kind}) {
    auto r = AeadOpen(key, sealed, b);
    EXPECT_EQ(r.status().code(), ErrorCode::kCorruption) << b.Describe();
    EXPECT_EQ(r.status().message().find("secret"), std::string::npos);
  }
}

TEST(Aead, TamperingOrAWrongKeyFails) {
  SecretBytes key = SecretBytes::Random(32);
  std::string sealed = *AeadSeal(key, "secret", kWhere);
  for (size_t i = 0; i < sealed.size(); i += 5) {
    std::string t = sealed;
    t[i] ^= 1;
    EXPECT_FALSE(AeadOpen(key, t, kWhere).ok()) << i;
  }
  EXPECT_FALSE(AeadOpen(SecretBytes::Random(32), sealed, kWhere).ok());
  EXPECT_FALSE(AeadOpen(key, sealed.substr(0, 10), kWhere).ok());
}

TEST(Aead, BindingEncodingIsUnambiguous) {
  // Field boundaries cannot be shifted to forge another binding.
  EXPECT_NE(BindingAad({"ab", "c", "d", "e"}), BindingAad({"a", "bc", "d", "e"}));
}

TEST(Argon2id, DerivesTheSameKeyFromTheSameInputsOnly) {
  // The production floor, so no test-only switch is involved.
  Argon2Params p = DefaultArgon2Params();
  p.opslimit = 2;
  p.memlimit = 64ull << 20;
  auto a = Argon2id("correct horse", p);
  auto b = Argon2id("correct horse", p);
  auto c = Argon2id("correct horsf", p);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(a->Equals(*b));
  EXPECT_FALSE(a->Equals(*c));
  Argon2Params other = p;
  other.salt[0] ^= 1;
  EXPECT_FALSE(Argon2id("correct horse", other)->Equals(*a));
}

TEST(Argon2id, DefaultsAreProductionStrength) {
  Argon2Params p = DefaultArgon2Params();
  EXPECT_GE(p.opslimit, 3u);
  EXPECT_GE(p.memlimit, 256ull << 20);
  EXPECT_EQ(p.salt.size(), 16u);
  EXPECT_NE(p.salt, DefaultArgon2Params().salt);
  EXPECT_TRUE(CheckArgon2Params(p).ok());
}

TEST(Argon2id, RefusesParametersBelowTheFloorOutsideTests) {
  if (InsecureTestKdfAllowed()) GTEST_SKIP() << "CONTAINMENT_INSECURE_TEST_KDF is set";
  Argon2Params p = TestArgon2Params();
  auto r = Argon2id("pw", p);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.status().message().find("below the allowed floor"), std::string::npos);
}

TEST(Argon2id, RefusesImplausibleParameters) {
  Argon2Params p = DefaultArgon2Params();
  p.salt = "short";
  EXPECT_FALSE(CheckArgon2Params(p).ok());
  p = DefaultArgon2Params();
  p.memlimit = 64ull << 30;
  EXPECT_FALSE(CheckArgon2Params(p).ok());
}

TEST(Hkdf, IsDeterministicAndSeparatedByInfo) {
  SecretBytes ikm = SecretBytes::Random(32);
  EXPECT_TRUE(Hkdf(ikm, "s", "a", 32).Equals(Hkdf(ikm, "s", "a", 32)));
  EXPECT_FALSE(Hkdf(ikm, "s", "a", 32).Equals(Hkdf(ikm, "s", "b", 32)));
}

TEST(SecretBytes, MovesAndClonesWithoutSharing) {
  SecretBytes a = SecretBytes::CopyFrom("abc");
  SecretBytes b = a.Clone();
  EXPECT_TRUE(a.Equals(b));
  EXPECT_NE(a.data(), b.data());
  SecretBytes c = std::move(a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(c.view(), "abc");
}

}  // namespace
}  // namespace cc::crypto
