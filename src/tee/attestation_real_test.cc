// The verifier against real AWS-signed documents (tests/data/nitro) and the
// embedded AWS Nitro root: each verifies at its own timestamp and fails, for
// the specific reason, outside its leaf certificate's three-hour life.
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "tee/attestation.h"
#include "tee/testing/real_documents.h"

namespace cc::tee {
namespace {

namespace tt = ::cc::tee::testing;
constexpr int64_t kHour = 3600 * 1000;

AttestationVerifier AwsVerifier() { return AttestationVerifier::Create().value(); }

TEST(NitroRealDocuments, EmbeddedRootIsTheAwsNitroRootG1) {
  AttestationVerifier v = AwsVerifier();
  EXPECT_EQ(HexEncode(crypto::Sha256(v.root_der())),
            "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b");
  EXPECT_NE(AwsNitroRootG1Pem().find("BEGIN CERTIFICATE"), std::string_view::npos);
}

TEST(NitroRealDocuments, EachVerifiesAtItsTimestamp) {
  AttestationVerifier v = AwsVerifier();
  for (const auto& doc : tt::RealDocuments()) {
    auto r = v.Verify(tt::LoadRealDocument(doc), {doc.timestamp_ms, /*allow_debug=*/true});
    ASSERT_TRUE(r.ok()) << doc.file << ": " << r.status().ToString();
    EXPECT_EQ(r->timestamp_ms, static_cast<uint64_t>(doc.timestamp_ms)) << doc.file;
    EXPECT_EQ(r->digest, "SHA384");
    EXPECT_EQ(r->pcrs.size(), 16u);
    EXPECT_EQ(r->debug_mode(), doc.debug) << doc.file;
  }
}

TEST(NitroRealDocuments, FieldsOfThe2024DocumentAreExtracted) {
  const auto& doc = tt::RealDocuments()[1];
  auto r = AwsVerifier().Verify(tt::LoadRealDocument(doc), {doc.timestamp_ms, false});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->module_id, "i-0a22e5c5f24d22174-enc0191cceb4289903f");
  EXPECT_EQ(HexEncode(r->pcrs.at(0)).substr(0, 8), "e72a46ca");
  // The spec's CDDL admits 1024 bytes for each; real hardware emits that.
  ASSERT_TRUE(r->public_key && r->user_data && r->nonce);
  EXPECT_EQ(r->public_key->size(), 1024u);
  EXPECT_EQ(r->user_data->size(), 1024u);
  EXPECT_EQ(r->nonce->size(), 1024u);
}

TEST(NitroRealDocuments, NullOptionalFieldsOfThe2022DocumentAreAbsent) {
  const auto& doc = tt::RealDocuments()[0];
  auto r = AwsVerifier().Verify(tt::LoadRealDocument(doc), {doc.timestamp_ms, false});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->public_key.has_value());
  EXPECT_FALSE(r->user_data.has_value());
  ASSERT_TRUE(r->nonce.has_value());
  EXPECT_EQ(r->nonce->size(), 256u);
  EXPECT_EQ(HexEncode(r->pcrs.at(0)).substr(0, 8), "f4d48b81");
}

TEST(NitroRealDocuments, ExpireAFewHoursLater) {
  AttestationVerifier v = AwsVerifier();
  for (const auto& doc : tt::RealDocuments()) {
    auto r = v.Verify(tt::LoadRealDocument(doc), {doc.timestamp_ms + 4 * kHour, true});
    EXPECT_EQ(r.error(), AttestationError::kCertificateExpired) << doc.file;
    EXPECT_NE(r.status().message().find("expired"), std::string::npos) << r.status().message();
  }
}

TEST(NitroRealDocuments, AreNotYetValidBeforeTheirLeafWasIssued) {
  const auto& doc = tt::RealDocuments()[1];
  auto r = AwsVerifier().Verify(tt::LoadRealDocument(doc), {doc.timestamp_ms - kHour, false});
  EXPECT_EQ(r.error(), AttestationError::kCertificateNotYetValid) << r.status().message();
}

TEST(NitroRealDocuments, DebugDocumentNeedsAllowDebug) {
  const auto& doc = tt::RealDocuments()[2];
  auto r = AwsVerifier().Verify(tt::LoadRealDocument(doc), {doc.timestamp_ms, false});
  EXPECT_EQ(r.error(), AttestationError::kDebugMode);
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
}

TEST(NitroRealDocuments, FlippedSignatureByteIsABadSignature) {
  const auto& doc = tt::RealDocuments()[0];
  std::string bytes = tt::LoadRealDocument(doc);
  bytes.back() ^= 0x01;  // the last byte belongs to s
  auto r = AwsVerifier().Verify(bytes, {doc.timestamp_ms, false});
  EXPECT_EQ(r.error(), AttestationError::kBadSignature) << r.status().message();
}

TEST(NitroRealDocuments, FlippedNonceByteIsABadSignature) {
  const auto& doc = tt::RealDocuments()[0];
  std::string bytes = tt::LoadRealDocument(doc);
  auto r0 = ParseAttestation(bytes);
  ASSERT_TRUE(r0.ok());
  size_t at = bytes.find(*r0->document.nonce);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 10] ^= 0x20;
  auto r = AwsVerifier().Verify(bytes, {doc.timestamp_ms, false});
  EXPECT_EQ(r.error(), AttestationError::kBadSignature) << r.status().message();
}

TEST(NitroRealDocuments, TruncationAndTrailingBytesAreRefused) {
  std::string bytes = tt::LoadRealDocument(tt::RealDocuments()[0]);
  EXPECT_EQ(ParseAttestation(bytes + std::string(1, '\0')).error(),
            AttestationError::kTrailingBytes);
  EXPECT_EQ(ParseAttestation(bytes.substr(0, bytes.size() - 1)).error(),
            AttestationError::kMalformed);
}

}  // namespace
}  // namespace cc::tee
