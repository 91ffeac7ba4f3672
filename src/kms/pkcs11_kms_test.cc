// The PKCS#11 provider against SoftHSM2 with a token the test creates.
#include "kms/pkcs11_kms.h"

#include <gtest/gtest.h>

#include "crypto/shamir.h"
#include "kms/kms_factory.h"
#include "kms/local_kms.h"
#include "support/test_servers.h"

namespace cc::kms {
namespace {

using crypto::SecretBytes;
const EncryptionContext kCtx{{"chamber", "c1"}, {"record", "master_key/g1"}, {"field", "share/2"}};

TEST(Pkcs11Kms, WrapsInsideSoftHsm) {
  testing::SoftHsmToken token("chamber", {"wrap-1", "wrap-2"});
  auto kms = Pkcs11Kms::Open(testing::SoftHsmToken::kModule, "", testing::SoftHsmToken::kPin);
  ASSERT_TRUE(kms.ok()) << kms.status().ToString();
  SecretBytes secret = SecretBytes::Random(33);
  auto ct = (*kms)->Encrypt(token.KeyUri("wrap-1"), secret, kCtx);
  ASSERT_TRUE(ct.ok()) << ct.status().ToString();
  auto pt = (*kms)->Decrypt(token.KeyUri("wrap-1"), *ct, kCtx);
  ASSERT_TRUE(pt.ok()) << pt.status().ToString();
  EXPECT_TRUE(pt->Equals(secret));

  EncryptionContext moved = kCtx;
  moved["field"] = "share/3";
  EXPECT_EQ((*kms)->Decrypt(token.KeyUri("wrap-1"), *ct, moved).status().code(),
            ErrorCode::kCorruption);
  EXPECT_EQ((*kms)->Decrypt(token.KeyUri("wrap-2"), *ct, kCtx).status().code(),
            ErrorCode::kCorruption);
  auto missing = (*kms)->Encrypt(token.KeyUri("nope"), secret, kCtx);
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  auto no_token = (*kms)->Encrypt("pkcs11:token=absent;object=wrap-1", secret, kCtx);
  EXPECT_EQ(no_token.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_token.status().message().find("no token labelled 'absent'"), std::string::npos);
}

TEST(Pkcs11Kms, WrongPinIsPermissionDenied) {
  testing::SoftHsmToken token("pintest", {"k"});
  auto kms = Pkcs11Kms::Open(testing::SoftHsmToken::kModule, "", "9999");
  ASSERT_TRUE(kms.ok());
  auto r = (*kms)->Encrypt(token.KeyUri("k"), SecretBytes::Random(32), kCtx);
  EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("CKR_PIN_INCORRECT"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("9999"), std::string::npos);
}

TEST(Pkcs11Uri, Parses) {
  auto u = ParsePkcs11Uri("pkcs11:token=my%20token;object=wrap-1?pin-value=x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->token, "my token");
  EXPECT_EQ(u->object, "wrap-1");
  EXPECT_FALSE(ParsePkcs11Uri("pkcs11:token=x").ok());
}

// A 2-of-3 threshold whose keys live in three different providers.
TEST(MixedProviders, ThresholdSpansAwsPkcs11AndLocal) {
  testing::SoftHsmToken token("mixed", {"wrap"});
  const std::string arn = "arn:aws:kms:us-east-1:111122223333:key/mixed";
  testing::KmsDouble aws_double({arn});
  testing::TempDir dir;
  config::KmsConfig cfg;
  cfg.aws_endpoint_url = aws_double.endpoint();
  cfg.pkcs11_module = testing::SoftHsmToken::kModule;
  cfg.pkcs11_pin = testing::SoftHsmToken::kPin;
  cfg.local_key_file = dir.File("dev.key");
  cfg.providers = {"aws", "pkcs11", "local"};
  auto router = MakeKms(cfg, *SystemClock::Get(), aws_double.Credentials());

  SecretBytes mk = SecretBytes::Random(32);
  auto shares = crypto::ShamirSplit(mk, 3, 2);
  ASSERT_TRUE(shares.ok());
  std::vector<std::string> keys = {arn, token.KeyUri("wrap"), "local:break-glass"};
  std::vector<std::string> wrapped;
  for (size_t i = 0; i < 3; ++i) {
    auto ct = router->Encrypt(keys[i], (*shares)[i].y, kCtx);
    ASSERT_TRUE(ct.ok()) << keys[i] << ": " << ct.status().ToString();
    wrapped.push_back(*ct);
  }
  // AWS is down: the HSM and the local key still make the threshold.
  aws_double.Control({{"down", true}});
  std::vector<crypto::Share> got;
  for (size_t i = 0; i < 3; ++i) {
    auto pt = router->Decrypt(keys[i], wrapped[i], kCtx);
    if (pt.ok()) got.push_back({(*shares)[i].x, std::move(*pt)});
  }
  ASSERT_EQ(got.size(), 2u);
  std::vector<const crypto::Share*> ptrs = {&got[0], &got[1]};
  EXPECT_TRUE(crypto::ShamirCombine(ptrs)->Equals(mk));
  EXPECT_FALSE(router->Health().at(arn).healthy);
  EXPECT_TRUE(router->Health().at(token.KeyUri("wrap")).healthy);
}

}  // namespace
}  // namespace cc::kms
