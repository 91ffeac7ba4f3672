// The NSM wire format: request encoding and response decoding, including the
// driver's error answers. The ioctl itself needs /dev/nsm (an enclave).
#include <gtest/gtest.h>

#include "common/encoding.h"
#include "tee/attestor.h"
#include "tee/cbor.h"

namespace cc::tee {
namespace {

std::string Response(const char* variant, CborPtr value) {
  CborPtr m(cbor_new_definite_map(1));
  CborMapPut(m.get(), CborText(variant), std::move(value));
  return SerializeCbor(m.get());
}

TEST(NsmCodec, AttestationRequestIsTheSerdeEncoding) {
  // {"Attestation": {"user_data": h'75', "nonce": null, "public_key": h'6b'}}
  EXPECT_EQ(HexEncode(EncodeNsmAttestationRequest("k", "", "u")),
            "a1"
            "6b4174746573746174696f6e"
            "a3"
            "69757365725f64617461"
            "4175"
            "656e6f6e6365"
            "f6"
            "6a7075626c69635f6b6579"
            "416b");
}

TEST(NsmCodec, DecodesTheDocumentFromAnAttestationResponse) {
  CborPtr inner(cbor_new_definite_map(1));
  CborMapPut(inner.get(), CborText("document"), CborBytes("cose-bytes"));
  auto r = DecodeNsmAttestationResponse(Response("Attestation", std::move(inner)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "cose-bytes");
}

TEST(NsmCodec, ErrorResponsesNameTheNsmCode) {
  auto r = DecodeNsmAttestationResponse(Response("Error", CborText("InputTooLarge")));
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("InputTooLarge"), std::string::npos);
}

TEST(NsmCodec, MalformedResponsesAreErrorsNotCrashes) {
  EXPECT_FALSE(DecodeNsmAttestationResponse("").ok());
  EXPECT_FALSE(DecodeNsmAttestationResponse("\xa1\x61").ok());
  EXPECT_FALSE(DecodeNsmAttestationResponse(Response("Attestation", CborText("no map"))).ok());
  CborPtr inner(cbor_new_definite_map(1));
  CborMapPut(inner.get(), CborText("document"), CborText("text, not bytes"));
  EXPECT_FALSE(DecodeNsmAttestationResponse(Response("Attestation", std::move(inner))).ok());
  EXPECT_FALSE(DecodeNsmAttestationResponse(std::string(kNsmResponseMaxBytes + 1, 'a')).ok());
}

TEST(NsmCodec, OpeningAMissingDeviceSaysWhy) {
  auto r = NsmAttestor::Open("/nonexistent/nsm");
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("not inside a Nitro Enclave"), std::string::npos);
}

}  // namespace
}  // namespace cc::tee
