// Opening CiphertextForRecipient: CMS EnvelopedData made here with OpenSSL the
// way KMS makes it (RSAES-OAEP-SHA-256 key transport, AES-256-CBC content),
// in DER and in indefinite-length BER.
#include "tee/recipient.h"

#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace cc::tee {
namespace {

// A throwaway certificate around `spki` (CMS addresses recipients by cert).
X509* CertFor(const std::string& spki) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki.data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  EVP_PKEY* ca = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("recipient"), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  X509_set_pubkey(cert, pub);
  X509_sign(cert, ca, EVP_sha256());
  EVP_PKEY_free(pub);
  EVP_PKEY_free(ca);
  return cert;
}

std::string Envelop(const std::string& spki, const std::string& plaintext, bool oaep,
                    bool streaming_ber) {
  X509* cert = CertFor(spki);
  BIO* in = BIO_new_mem_buf(plaintext.data(), static_cast<int>(plaintext.size()));
  int flags = CMS_BINARY | CMS_PARTIAL | (streaming_ber ? CMS_STREAM : 0);
  CMS_ContentInfo* cms = CMS_encrypt(nullptr, nullptr, EVP_aes_256_cbc(), flags);
  CMS_RecipientInfo* ri = CMS_add1_recipient_cert(cms, cert, CMS_KEY_PARAM);
  if (oaep) {
    EVP_PKEY_CTX* ctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256());
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256());
  }
  BIO* out = BIO_new(BIO_s_mem());
  if (streaming_ber) {
    i2d_CMS_bio_stream(out, cms, in, flags);
  } else {
    CMS_final(cms, in, nullptr, flags);
    i2d_CMS_bio(out, cms);
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(out, &data);
  std::string der(data, static_cast<size_t>(len));
  BIO_free(out);
  BIO_free(in);
  CMS_ContentInfo_free(cms);
  X509_free(cert);
  return der;
}

TEST(RecipientKey, PublicKeyIsAnRsa2048SubjectPublicKeyInfo) {
  auto key = RecipientKey::Generate();
  ASSERT_TRUE(key.ok());
  const auto* p = reinterpret_cast<const unsigned char*>(key->public_key_der().data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(key->public_key_der().size()));
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(pub), 2048);
  EVP_PKEY_free(pub);
  EXPECT_NE(RecipientKey::Generate()->public_key_der(), key->public_key_der());
}

TEST(RecipientKey, OpensOaepSha256EnvelopedDataInDerAndIndefiniteBer) {
  auto key = RecipientKey::Generate();
  ASSERT_TRUE(key.ok());
  std::string secret(32, '\x5a');
  for (bool ber : {false, true}) {
    std::string cms = Envelop(key->public_key_der(), secret, true, ber);
    auto opened = key->OpenCiphertextForRecipient(cms);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(opened->view(), secret);
  }
}

TEST(RecipientKey, RefusesOtherKeysGarbageAndHugeInput) {
  auto key = RecipientKey::Generate();
  auto other = RecipientKey::Generate();
  ASSERT_TRUE(key.ok() && other.ok());
  std::string cms = Envelop(other->public_key_der(), "secret", true, false);
  EXPECT_EQ(key->OpenCiphertextForRecipient(cms).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(key->OpenCiphertextForRecipient("garbage").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(key->OpenCiphertextForRecipient("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(key->OpenCiphertextForRecipient(std::string(kMaxRecipientCiphertextBytes + 1, '0'))
                .status()
                .code(),
            ErrorCode::kTooLarge);
  std::string truncated = Envelop(key->public_key_der(), "secret", true, false);
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(key->OpenCiphertextForRecipient(truncated).ok());
}

// OpenSSL's default for a key that fits no recipient decrypts with a random
// content key (a padding-oracle countermeasure), which passes the CBC padding
// check about once in 256 and would hand back garbage as the secret. Each try
// draws a new random key: 1,000 tries would succeed ~98% of the time.
TEST(RecipientKey, AnotherKeyNeverOpensToGarbage) {
  auto key = RecipientKey::Generate();
  auto other = RecipientKey::Generate();
  ASSERT_TRUE(key.ok() && other.ok());
  std::string cms = Envelop(other->public_key_der(), std::string(32, 's'), true, false);
  int opened = 0;
  for (int i = 0; i < 1000; ++i) opened += key->OpenCiphertextForRecipient(cms).ok() ? 1 : 0;
  EXPECT_EQ(opened, 0);
}

}  // namespace
}  // namespace cc::tee
