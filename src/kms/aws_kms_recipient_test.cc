// KMS Decrypt with a Nitro Recipient, end to end against the KMS double: an
// ephemeral RSA key → a TestAttestor document → Decrypt with Recipient → the
// CMS EnvelopedData opened with the enclave's key → the original plaintext.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "kms/aws_kms.h"
#include "support/test_servers.h"
#include "tee/recipient.h"
#include "tee/testing/test_attestor.h"

namespace cc::kms {
namespace {

namespace tt = ::cc::tee::testing;
using crypto::SecretBytes;

const std::string kKey = "arn:aws:kms:us-east-1:111122223333:key/33333333-cccc";
const EncryptionContext kCtx{{"chamber", "c1"}, {"record", "tee_blob"}, {"field", "share/1"}};

class AwsKmsRecipientTest : public ::testing::Test {
 protected:
  void SetUp() override { double_.Control({{"attestation_root", pki_.RootPem()}}); }
  AwsKms Client() {
    return AwsKms(double_.Credentials(), *SystemClock::Get(), double_.endpoint(),
                  BackoffPolicy{std::chrono::milliseconds(5), std::chrono::milliseconds(50), 2});
  }
  std::string Document(const tee::RecipientKey& key) {
    return attestor_.Attest(key.public_key_der(), "nonce", "").value();
  }

  ::cc::testing::KmsDouble double_{{kKey}};
  tt::TestPki pki_{SystemClock::Get()->NowUnixMillis()};
  tt::TestAttestor attestor_{pki_, tt::SamplePcrs('p')};
};

TEST_F(AwsKmsRecipientTest, DecryptForRecipientOpensToThePlaintext) {
  AwsKms kms = Client();
  SecretBytes secret = SecretBytes::Random(32);
  std::string ct = kms.Encrypt(kKey, secret, kCtx).value();
  auto key = tee::RecipientKey::Generate().value();
  auto cms = kms.DecryptForRecipient(kKey, ct, kCtx, Document(key));
  ASSERT_TRUE(cms.ok()) << cms.status().ToString() << double_.Log();
  EXPECT_EQ(cms->find(std::string(secret.view())), std::string::npos);  // not in the clear
  auto opened = key.OpenCiphertextForRecipient(*cms);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->Equals(secret));
  EXPECT_EQ(double_.Stats()["recipient_decrypts"], 1);
  // Another enclave key cannot open it.
  EXPECT_FALSE(tee::RecipientKey::Generate()->OpenCiphertextForRecipient(*cms).ok());
}

TEST_F(AwsKmsRecipientTest, KeyPolicyOnPcrsIsEnforced) {
  AwsKms kms = Client();
  std::string ct = kms.Encrypt(kKey, SecretBytes::Random(32), kCtx).value();
  auto key = tee::RecipientKey::Generate().value();
  std::string pcr0 = HexEncode(tt::SamplePcrs('p').at(0));
  double_.Control({{"recipient_policy", {{"ImageSha384", pcr0}, {"PCR1", pcr0}}}});
  auto denied = kms.DecryptForRecipient(kKey, ct, kCtx, Document(key));
  EXPECT_EQ(denied.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("kms:RecipientAttestation:PCR1"), std::string::npos)
      << denied.status().message();
  double_.Control({{"recipient_policy", {{"ImageSha384", pcr0}}}});
  EXPECT_TRUE(kms.DecryptForRecipient(kKey, ct, kCtx, Document(key)).ok());
}

TEST_F(AwsKmsRecipientTest, DocumentsOfAnotherPkiOrTamperedAreRefused) {
  AwsKms kms = Client();
  std::string ct = kms.Encrypt(kKey, SecretBytes::Random(32), kCtx).value();
  auto key = tee::RecipientKey::Generate().value();
  tt::TestPki other(SystemClock::Get()->NowUnixMillis(), "other.nitro-enclaves");
  tt::TestAttestor stranger(other, tt::SamplePcrs('p'));
  auto r = kms.DecryptForRecipient(kKey, ct, kCtx,
                                   stranger.Attest(key.public_key_der(), "", "").value());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ValidationException"), std::string::npos);
  std::string doc = Document(key);
  doc[doc.size() - 5] ^= 1;
  r = kms.DecryptForRecipient(kKey, ct, kCtx, doc);
  EXPECT_NE(r.status().message().find("bad signature"), std::string::npos) << r.status().message();
}

TEST_F(AwsKmsRecipientTest, PlaintextBesideCiphertextForRecipientIsAnError) {
  AwsKms kms = Client();
  std::string ct = kms.Encrypt(kKey, SecretBytes::Random(32), kCtx).value();
  double_.Control({{"recipient_leak_plaintext", true}});
  auto r = kms.DecryptForRecipient(kKey, ct, kCtx, Document(tee::RecipientKey::Generate().value()));
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.status().message().find("Plaintext in the clear"), std::string::npos);
}

}  // namespace
}  // namespace cc::kms
