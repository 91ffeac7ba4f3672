// The verifier against documents signed by a test CA: every malformed or
// tampered variant fails with its specific AttestationError.
#include "tee/attestation.h"

#include <gtest/gtest.h>

#include "tee/cbor.h"
#include "tee/testing/test_attestor.h"

namespace cc::tee {
namespace {

namespace tt = ::cc::tee::testing;
constexpr int64_t kCreated = 1'750'000'000'000;
constexpr int64_t kHour = 3600 * 1000;

class AttestationTest : public ::testing::Test {
 protected:
  AttestationResult<AttestationDocument> Verify(const std::string& doc, int64_t at = kCreated,
                                                bool allow_debug = false) {
    return verifier_.Verify(doc, {at, allow_debug});
  }
  AttestationError ErrorOf(const tt::DocumentFields& f) {
    return Verify(attestor_.Make(f)).error();
  }
  // The payload of a valid document with `edit` applied to its decoded map.
  std::string EditedPayload(void (*edit)(cbor_item_t* old_map, cbor_item_t* new_map)) {
    std::string payload = tt::EncodePayload(attestor_.Fields());
    CborLoad load = LoadBoundedCbor(payload, 8);
    CborPtr out(cbor_new_definite_map(cbor_map_size(load.item.get()) + 1));
    edit(load.item.get(), out.get());
    return SerializeCbor(out.get());
  }

  tt::TestPki pki_{kCreated};
  tt::TestAttestor attestor_{pki_, tt::SamplePcrs()};
  AttestationVerifier verifier_ = AttestationVerifier::Create(pki_.RootPem()).value();
};

TEST_F(AttestationTest, TestDocumentVerifiesWithItsFields) {
  auto doc = attestor_.Attest("spki-bytes", "nonce-1", "user");
  ASSERT_TRUE(doc.ok());
  auto r = Verify(*doc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->public_key, "spki-bytes");
  EXPECT_EQ(r->nonce, "nonce-1");
  EXPECT_EQ(r->user_data, "user");
  EXPECT_EQ(r->pcrs, tt::SamplePcrs());
  EXPECT_FALSE(r->debug_mode());
  // COSE_Sign1 may come wrapped in CBOR tag 18.
  auto tagged = Verify("\xd2" + *doc);
  EXPECT_TRUE(tagged.ok()) << tagged.status().ToString();
  EXPECT_TRUE(Verify("\xd8\x12" + *doc).ok());  // the same tag in a two-byte head
}

TEST_F(AttestationTest, OtherTagIsMalformed) {
  EXPECT_EQ(Verify("\xd8\x62" + attestor_.Make(attestor_.Fields())).error(),
            AttestationError::kMalformed);
}

TEST_F(AttestationTest, WrongAlgorithmIsRefused) {
  CborPtr h(cbor_new_definite_map(1));
  CborMapPut(h.get(), CborPtr(cbor_build_uint8(1)), CborPtr(cbor_build_negint8(6)));  // ES256
  std::string doc =
      tt::SignCose(pki_, tt::EncodePayload(attestor_.Fields()), SerializeCbor(h.get()));
  auto r = Verify(doc);
  EXPECT_EQ(r.error(), AttestationError::kWrongAlgorithm);
  EXPECT_NE(r.status().message().find("-7"), std::string::npos) << r.status().message();
  CborPtr empty(cbor_new_definite_map(0));
  EXPECT_EQ(
      Verify(tt::SignCose(pki_, tt::EncodePayload(attestor_.Fields()), SerializeCbor(empty.get())))
          .error(),
      AttestationError::kWrongAlgorithm);
}

TEST_F(AttestationTest, FlippedPayloadOrSignatureByteIsABadSignature) {
  tt::DocumentFields f = attestor_.Fields();
  f.user_data = std::string(32, 'u');
  std::string doc = attestor_.Make(f);
  std::string payload_flip = doc;
  payload_flip[doc.find(std::string(32, 'u')) + 3] = 'v';
  EXPECT_EQ(Verify(payload_flip).error(), AttestationError::kBadSignature);
  std::string sig_flip = doc;
  sig_flip[sig_flip.size() - 50] ^= 0x04;
  auto r = Verify(sig_flip);
  EXPECT_EQ(r.error(), AttestationError::kBadSignature);
  EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(AttestationTest, ExpiredAndNotYetValidChains) {
  std::string doc = attestor_.Make(attestor_.Fields());
  EXPECT_TRUE(Verify(doc, kCreated + 2 * kHour).ok());
  EXPECT_EQ(Verify(doc, kCreated + 4 * kHour).error(), AttestationError::kCertificateExpired);
  EXPECT_EQ(Verify(doc, kCreated - 2 * kHour).error(), AttestationError::kCertificateNotYetValid);
}

TEST_F(AttestationTest, ChainToAnotherRootIsRefused) {
  tt::TestPki other(kCreated, "other.nitro-enclaves");
  auto other_verifier = AttestationVerifier::Create(other.RootPem()).value();
  EXPECT_EQ(other_verifier.Verify(attestor_.Make(attestor_.Fields()), {kCreated, false}).error(),
            AttestationError::kWrongRoot);
  // Claiming the right root while the intermediate comes from another PKI.
  tt::DocumentFields f = attestor_.Fields();
  f.cabundle[1] = other.IntermediateDer();
  EXPECT_EQ(ErrorOf(f), AttestationError::kChainInvalid);
  // A leaf of another PKI presented with this chain.
  f = attestor_.Fields();
  f.certificate = other.LeafDer();
  EXPECT_EQ(ErrorOf(f), AttestationError::kChainInvalid);
}

TEST_F(AttestationTest, MissingOrBadPcrs) {
  tt::DocumentFields f = attestor_.Fields();
  f.pcrs.erase(0);
  EXPECT_EQ(ErrorOf(f), AttestationError::kMissingPcr);
  f = attestor_.Fields();
  f.pcrs[5] = std::string(20, 'x');
  EXPECT_EQ(ErrorOf(f), AttestationError::kBadPcr);
  f = attestor_.Fields();
  f.pcrs[32] = std::string(48, 'x');
  EXPECT_EQ(ErrorOf(f), AttestationError::kBadPcr);
  f.pcrs = {{0, std::string(32, 'a')}, {1, std::string(64, 'b')}, {2, std::string(48, 'c')}};
  EXPECT_EQ(ErrorOf(f), AttestationError::kNone);
}

TEST_F(AttestationTest, OversizedFieldsAreRefused) {
  tt::DocumentFields f = attestor_.Fields();
  f.nonce = std::string(1024, 'n');
  f.user_data = std::string(1024, 'u');
  f.public_key = std::string(1024, 'k');
  EXPECT_EQ(ErrorOf(f), AttestationError::kNone);
  for (auto field : {&tt::DocumentFields::nonce, &tt::DocumentFields::user_data,
                     &tt::DocumentFields::public_key}) {
    tt::DocumentFields g = attestor_.Fields();
    g.*field = std::string(1025, 'x');
    EXPECT_EQ(ErrorOf(g), AttestationError::kFieldTooLarge);
  }
  f = attestor_.Fields();
  f.module_id = std::string(300, 'm');
  EXPECT_EQ(ErrorOf(f), AttestationError::kFieldTooLarge);
  f = attestor_.Fields();
  f.cabundle.push_back(std::string(1025, 'c'));
  EXPECT_EQ(ErrorOf(f), AttestationError::kFieldTooLarge);
  EXPECT_EQ(Verify(std::string(kMaxDocumentBytes + 1, '\x40')).error(),
            AttestationError::kFieldTooLarge);
}

TEST_F(AttestationTest, TrailingBytesAreRefused) {
  auto r = Verify(attestor_.Make(attestor_.Fields()) + "\x01");
  EXPECT_EQ(r.error(), AttestationError::kTrailingBytes);
  EXPECT_NE(r.status().message().find("1 trailing byte"), std::string::npos);
}

TEST_F(AttestationTest, WrongDigestEmptyCabundleAndBadCertificate) {
  tt::DocumentFields f = attestor_.Fields();
  f.digest = "SHA256";
  EXPECT_EQ(ErrorOf(f), AttestationError::kWrongDigest);
  f = attestor_.Fields();
  f.cabundle.clear();
  EXPECT_EQ(ErrorOf(f), AttestationError::kEmptyCabundle);
  f = attestor_.Fields();
  f.certificate = "not a certificate";
  EXPECT_EQ(ErrorOf(f), AttestationError::kBadCertificate);
  f = attestor_.Fields();
  f.module_id = "";
  EXPECT_EQ(ErrorOf(f), AttestationError::kMalformed);
  f = attestor_.Fields();
  f.timestamp_ms = 0;
  EXPECT_EQ(ErrorOf(f), AttestationError::kMalformed);
}

TEST_F(AttestationTest, NonMapPayloadIsMalformed) {
  CborPtr arr(cbor_new_definite_array(0));
  auto r = Verify(tt::SignCose(pki_, SerializeCbor(arr.get())));
  EXPECT_EQ(r.error(), AttestationError::kMalformed);
  EXPECT_NE(r.status().message().find("not a CBOR map"), std::string::npos);
}

TEST_F(AttestationTest, DuplicateAndUnknownKeysAreRefused) {
  auto dup = EditedPayload([](cbor_item_t* old_map, cbor_item_t* out) {
    for (size_t i = 0; i < cbor_map_size(old_map); ++i)
      cbor_map_add(out, cbor_map_handle(old_map)[i]);
    cbor_map_add(out, cbor_map_handle(old_map)[1]);  // "digest" again
  });
  EXPECT_EQ(Verify(tt::SignCose(pki_, dup)).error(), AttestationError::kDuplicateKey);
  auto unknown = EditedPayload([](cbor_item_t* old_map, cbor_item_t* out) {
    for (size_t i = 0; i < cbor_map_size(old_map); ++i)
      cbor_map_add(out, cbor_map_handle(old_map)[i]);
    CborMapPut(out, CborText("surprise"), CborText("x"));
  });
  auto r = Verify(tt::SignCose(pki_, unknown));
  EXPECT_EQ(r.error(), AttestationError::kMalformed);
  EXPECT_NE(r.status().message().find("surprise"), std::string::npos);
}

TEST_F(AttestationTest, DeepNestingAndSizeBombsAreRefusedCheaply) {
  EXPECT_EQ(Verify(std::string(5000, '\x81') + '\x00').error(), AttestationError::kTooDeep);
  // Payload nested beyond a document's shape.
  EXPECT_EQ(Verify(tt::SignCose(pki_, std::string(50, '\x81') + '\x00')).error(),
            AttestationError::kTooDeep);
  // An array claiming 2^32 entries, and a byte string claiming 2^62 bytes.
  auto bomb = Verify(std::string("\x9b\x00\x00\x00\x01\x00\x00\x00\x00\x00", 10));
  EXPECT_EQ(bomb.error(), AttestationError::kMalformed);
  EXPECT_NE(bomb.status().message().find("declares 4294967296 entries"), std::string::npos)
      << bomb.status().message();
  EXPECT_EQ(Verify(std::string("\x5b\x40\x00\x00\x00\x00\x00\x00\x00\x00", 10)).error(),
            AttestationError::kMalformed);
  EXPECT_EQ(Verify(std::string("\x9f\x00\xff", 3)).error(), AttestationError::kMalformed);
  EXPECT_EQ(Verify("").error(), AttestationError::kMalformed);
}

TEST_F(AttestationTest, DebugDocumentsNeedAllowDebug) {
  tt::DocumentFields f = attestor_.Fields();
  for (uint32_t i : {0u, 1u, 2u}) f.pcrs[i] = std::string(48, '\0');
  std::string doc = attestor_.Make(f);
  EXPECT_EQ(Verify(doc).error(), AttestationError::kDebugMode);
  auto r = Verify(doc, kCreated, /*allow_debug=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->debug_mode());
}

TEST_F(AttestationTest, ErrorNamesAreStable) {
  EXPECT_STREQ(AttestationErrorName(AttestationError::kBadSignature), "bad_signature");
  EXPECT_STREQ(AttestationErrorName(AttestationError::kCertificateExpired), "certificate_expired");
  EXPECT_EQ(DescribeUnixMillis(1725719859545), "1725719859545 (2024-09-07T14:37:39.545Z)");
}

}  // namespace
}  // namespace cc::tee
