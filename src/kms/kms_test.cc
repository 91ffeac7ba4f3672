// The local provider and the router; the AWS and PKCS#11 providers have
// their own tests against the KMS test double and SoftHSM2.
#include "kms/kms.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "kms/kms_factory.h"
#include "kms/local_kms.h"
#include "support/harness.h"

namespace cc::kms {
namespace {

using crypto::SecretBytes;

const EncryptionContext kCtx{{"chamber", "c1"}, {"record", "master_key/g1"}, {"field", "share/1"}};

TEST(LocalKms, CreatesAPrivateKeyFileAndRoundTrips) {
  testing::TempDir dir;
  auto kms = LocalKms::Open(dir.File("dev.key"));
  ASSERT_TRUE(kms.ok()) << kms.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat(dir.File("dev.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(st.st_mode & 077, 0u);
  SecretBytes secret = SecretBytes::Random(33);
  auto ct = (*kms)->Encrypt("local:a", secret, kCtx);
  ASSERT_TRUE(ct.ok());
  auto pt = (*kms)->Decrypt("local:a", *ct, kCtx);
  ASSERT_TRUE(pt.ok());
  EXPECT_TRUE(pt->Equals(secret));
  // Reopening the same file gives the same keys.
  auto again = LocalKms::Open(dir.File("dev.key"));
  EXPECT_TRUE((*again)->Decrypt("local:a", *ct, kCtx)->Equals(secret));
}

TEST(LocalKms, ContextKeyNameAndFileAreAllBound) {
  testing::TempDir dir;
  auto kms = LocalKms::Open(dir.File("dev.key"));
  std::string ct = *(*kms)->Encrypt("local:a", SecretBytes::Random(32), kCtx);
  EncryptionContext moved = kCtx;
  moved["record"] = "master_key/g2";
  EXPECT_EQ((*kms)->Decrypt("local:a", ct, moved).status().code(), ErrorCode::kCorruption);
  EXPECT_EQ((*kms)->Decrypt("local:b", ct, kCtx).status().code(), ErrorCode::kCorruption);
  auto other = LocalKms::Open(dir.File("other.key"));
  EXPECT_EQ((*other)->Decrypt("local:a", ct, kCtx).status().code(), ErrorCode::kCorruption);
}

TEST(LocalKms, ABadKeyFileIsRefused) {
  testing::TempDir dir;
  dir.Write("short.key", "tooshort");
  auto kms = LocalKms::Open(dir.File("short.key"));
  EXPECT_EQ(kms.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(kms.status().message().find("exactly 32 bytes"), std::string::npos);
}

TEST(KmsRouter, PicksTheProviderByUriAndTracksKeyHealth) {
  testing::TempDir dir;
  config::KmsConfig cfg;
  cfg.local_key_file = dir.File("dev.key");
  auto router = MakeKms(cfg, *SystemClock::Get(), nullptr);
  EXPECT_TRUE(router->CheckKeyUri("local:a").ok());
  EXPECT_EQ(router->CheckKeyUri("gcp:projects/x").code(), ErrorCode::kInvalidArgument);
  std::string ct = *router->Encrypt("local:a", SecretBytes::Random(32), kCtx);
  EXPECT_TRUE(router->Health().at("local:a").healthy);

  cfg.local_key_file.clear();
  auto no_local = MakeKms(cfg, *SystemClock::Get(), nullptr);
  auto r = no_local->Decrypt("local:a", ct, kCtx);
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("kms.local"), std::string::npos);
  auto h = no_local->Health().at("local:a");
  EXPECT_FALSE(h.healthy);
  EXPECT_GT(h.unhealthy_since, 0);
  EXPECT_NE(h.last_error.find("not configured"), std::string::npos);
}

TEST(KmsRouter, LocalKeyFileIsCreatedOnlyWhenALocalKeyIsUsed) {
  testing::TempDir dir;
  config::KmsConfig cfg;
  cfg.local_key_file = dir.File("dev.key");
  auto router = MakeKms(cfg, *SystemClock::Get(), nullptr);
  struct stat st {};
  EXPECT_NE(stat(dir.File("dev.key").c_str(), &st), 0);
  ASSERT_TRUE(router->Encrypt("local:x", SecretBytes::Random(8), kCtx).ok());
  EXPECT_EQ(stat(dir.File("dev.key").c_str(), &st), 0);
}

TEST(KmsRouter, PublishesEachKeysHealthAsAGauge) {
  testing::TempDir dir;
  config::KmsConfig cfg;
  cfg.local_key_file = dir.File("dev.key");
  metrics::Registry registry;
  registry.DescribeGauge("containment_kms_key_healthy", "test");
  auto router = MakeKms(cfg, *SystemClock::Get(), nullptr);
  router->SetMetrics(&registry);
  std::string ct = *router->Encrypt("local:a", SecretBytes::Random(32), kCtx);
  EXPECT_EQ(registry.Value("containment_kms_key_healthy", {{"key", "local:a"}}), 1);

  // An unconfigured provider makes the key unhealthy; success heals it.
  cfg.local_key_file.clear();
  auto no_local = MakeKms(cfg, *SystemClock::Get(), nullptr);
  no_local->SetMetrics(&registry);
  EXPECT_FALSE(no_local->Decrypt("local:a", ct, kCtx).ok());
  EXPECT_EQ(registry.Value("containment_kms_key_healthy", {{"key", "local:a"}}), 0);
  ASSERT_TRUE(router->Decrypt("local:a", ct, kCtx).ok());
  EXPECT_EQ(registry.Value("containment_kms_key_healthy", {{"key", "local:a"}}), 1);

  // A PIN in a PKCS#11 URI never becomes a label; a malformed URI adds no series.
  EXPECT_FALSE(no_local->Decrypt("pkcs11:token=t;object=k?pin-value=1234", ct, kCtx).ok());
  EXPECT_FALSE(no_local->Decrypt("not-a-key-uri", ct, kCtx).ok());
  std::string page = registry.Render();
  EXPECT_NE(page.find("containment_kms_key_healthy{key=\"pkcs11:token=t;object=k\"} "),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("1234"), std::string::npos) << page;
  EXPECT_EQ(page.find("not-a-key-uri"), std::string::npos) << page;
}

TEST(ProviderOf, RecognisesTheThreeForms) {
  EXPECT_EQ(*ProviderOf("arn:aws:kms:eu-west-1:111122223333:key/abcd"), "aws");
  EXPECT_EQ(*ProviderOf("pkcs11:token=chamber;object=wrap-1"), "pkcs11");
  EXPECT_EQ(*ProviderOf("local:a"), "local");
  EXPECT_FALSE(ProviderOf("local:").ok());
  EXPECT_FALSE(ProviderOf("").ok());
}

}  // namespace
}  // namespace cc::kms
