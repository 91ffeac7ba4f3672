// The AWS KMS provider against the KMS test double, which checks every
// request's SigV4 signature with botocore and answers in AWS's JSON shapes.
#include "kms/aws_kms.h"

#include <gtest/gtest.h>

#include "support/test_servers.h"

namespace cc::kms {
namespace {

using crypto::SecretBytes;

const std::string kKey1 = "arn:aws:kms:us-east-1:111122223333:key/11111111-aaaa";
const std::string kKey2 = "arn:aws:kms:eu-west-1:111122223333:key/22222222-bbbb";
const EncryptionContext kCtx{{"chamber", "c1"}, {"record", "master_key/g1"}, {"field", "share/1"}};

class AwsKmsTest : public ::testing::Test {
 protected:
  AwsKms Client(std::shared_ptr<aws::CredentialsProvider> creds = nullptr) {
    return AwsKms(creds ? creds : double_.Credentials(), *SystemClock::Get(), double_.endpoint(),
                  BackoffPolicy{std::chrono::milliseconds(5), std::chrono::milliseconds(50), 4});
  }
  testing::KmsDouble double_{{kKey1, kKey2}};
};

TEST_F(AwsKmsTest, EncryptsAndDecryptsWithSignedRequests) {
  AwsKms kms = Client();
  SecretBytes secret = SecretBytes::Random(33);
  auto ct = kms.Encrypt(kKey1, secret, kCtx);
  ASSERT_TRUE(ct.ok()) << ct.status().ToString() << double_.Log();
  auto pt = kms.Decrypt(kKey1, *ct, kCtx);
  ASSERT_TRUE(pt.ok()) << pt.status().ToString();
  EXPECT_TRUE(pt->Equals(secret));
  // A key in another region goes to the same (overridden) endpoint, signed for its region.
  ASSERT_TRUE(kms.Decrypt(kKey2, *kms.Encrypt(kKey2, secret, kCtx), kCtx).ok());
  EXPECT_EQ(double_.Stats()["bad_signatures"], 0);
}

TEST_F(AwsKmsTest, TheDoubleRejectsABadSignature) {
  auto wrong = std::make_shared<aws::StaticCredentials>(
      aws::Credentials{testing::KmsDouble::kAccessKey, "not-the-secret", "", std::nullopt, "test"});
  auto r = Client(wrong).Encrypt(kKey1, SecretBytes::Random(32), kCtx);
  EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("InvalidSignatureException"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(double_.Stats()["bad_signatures"], 1);
}

TEST_F(AwsKmsTest, ClearErrorsForDeniedMissingAndDisabledKeys) {
  AwsKms kms = Client();
  std::string ct = *kms.Encrypt(kKey1, SecretBytes::Random(32), kCtx);

  double_.Control({{"deny", kKey1}});
  auto denied = kms.Decrypt(kKey1, ct, kCtx);
  EXPECT_EQ(denied.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(
      denied.status().message().find("KMS key " + kKey1 + ": KMS Decrypt: AccessDeniedException"),
      std::string::npos)
      << denied.status().message();
  EXPECT_NE(denied.status().message().find("kms:Decrypt"), std::string::npos);
  double_.Control({{"allow", kKey1}});

  auto missing =
      kms.Encrypt("arn:aws:kms:us-east-1:111122223333:key/nope", SecretBytes::Random(32), kCtx);
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("NotFoundException"), std::string::npos);

  double_.Control({{"disable", kKey1}});
  auto disabled = kms.Decrypt(kKey1, ct, kCtx);
  EXPECT_EQ(disabled.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(disabled.status().message().find("is disabled"), std::string::npos)
      << disabled.status().message();

  double_.Control({{"pending_deletion", kKey1}});
  auto pending = kms.Decrypt(kKey1, ct, kCtx);
  EXPECT_NE(pending.status().message().find("pending deletion"), std::string::npos);
}

TEST_F(AwsKmsTest, ContextOrKeyMismatchIsRefused) {
  AwsKms kms = Client();
  std::string ct = *kms.Encrypt(kKey1, SecretBytes::Random(32), kCtx);
  EncryptionContext moved = kCtx;
  moved["record"] = "master_key/g2";
  auto r = kms.Decrypt(kKey1, ct, moved);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.status().message().find("InvalidCiphertextException"), std::string::npos);
  auto wrong_key = kms.Decrypt(kKey2, ct, kCtx);
  EXPECT_NE(wrong_key.status().message().find("IncorrectKeyException"), std::string::npos);
}

TEST_F(AwsKmsTest, ThrottlingIsRetried) {
  AwsKms kms = Client();
  double_.Control({{"throttle_next", 2}});
  auto ct = kms.Encrypt(kKey1, SecretBytes::Random(32), kCtx);
  ASSERT_TRUE(ct.ok()) << ct.status().ToString();
  EXPECT_EQ(double_.Stats()["throttled"], 2);
}

TEST_F(AwsKmsTest, OutageIsUnavailable) {
  AwsKms kms = Client();
  double_.Control({{"down", true}});
  auto r = kms.Encrypt(kKey1, SecretBytes::Random(32), kCtx);
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
}

TEST(AwsKmsArn, RegionComesFromTheArn) {
  EXPECT_EQ(*AwsKms::RegionOf("arn:aws:kms:ap-south-1:111122223333:key/x"), "ap-south-1");
  EXPECT_EQ(*AwsKms::RegionOf("arn:aws:kms:us-east-1:111122223333:alias/signer"), "us-east-1");
  EXPECT_EQ(*AwsKms::RegionOf("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1-2"),
            "us-gov-west-1");
  EXPECT_FALSE(AwsKms::RegionOf("arn:aws:s3:::bucket").ok());
  EXPECT_FALSE(AwsKms::RegionOf("arn:aws:kms::111122223333:key/x").ok());
}

// Key URIs are read from the state table before it can be verified, and the
// region becomes the endpoint's host: a table writer must not be able to aim
// the signed Decrypt (and the unseal) at a host of their own.
TEST(AwsKmsArn, ARegionThatIsNotARegionIsRefused) {
  for (const char* arn :
       {"arn:aws:kms:x@evil.example/:111122223333:key/a",
        "arn:aws:kms:evil.example/:111122223333:key/a",
        "arn:aws:kms:us-east-1.evil.example#:111122223333:key/a",
        "arn:aws:kms:us-east-1:111122223333:key/a?x=@evil",
        "arn:aws:kms:US-EAST-1:111122223333:key/a", "arn:aws:kms:us-east-1:1:key/a",
        "arn:evil:kms:us-east-1:111122223333:key/a", "arn:aws:kms:us-east-1:111122223333:key/"}) {
    EXPECT_EQ(AwsKms::RegionOf(arn).status().code(), ErrorCode::kInvalidArgument) << arn;
  }
}

}  // namespace
}  // namespace cc::kms
