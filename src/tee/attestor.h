// Where attestation documents come from. Production: NsmAttestor, the Nitro
// Secure Module behind /dev/nsm inside an enclave. Tests: TestAttestor
// (tee/testing/test_attestor.h), which signs real COSE_Sign1 ES384 documents
// with a test CA. Invariant: an Attestor returns the document bytes exactly as
// the issuer produced them; callers verify them with AttestationVerifier.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cc::tee {

class Attestor {
 public:
  virtual ~Attestor() = default;
  // A COSE_Sign1 attestation document carrying these fields (each may be
  // empty, meaning absent).
  virtual Result<std::string> Attest(std::string_view public_key_der, std::string_view nonce,
                                     std::string_view user_data) = 0;
};

// NSM limits from the Linux driver's uapi header (include/uapi/linux/nsm.h).
inline constexpr size_t kNsmRequestMaxBytes = 0x1000;
inline constexpr size_t kNsmResponseMaxBytes = 0x3000;

// CBOR request {"Attestation": {"user_data", "nonce", "public_key"}}, each a
// byte string or null (the NSM API's serde encoding of Request::Attestation).
std::string EncodeNsmAttestationRequest(std::string_view public_key_der, std::string_view nonce,
                                        std::string_view user_data);
// {"Attestation": {"document": bstr}} → the document; {"Error": "Code"} → a
// Status naming the NSM error code.
Result<std::string> DecodeNsmAttestationResponse(std::string_view cbor);

class NsmAttestor final : public Attestor {
 public:
  // Opens the device; kUnavailable outside an enclave (no /dev/nsm).
  static Result<std::unique_ptr<NsmAttestor>> Open(const std::string& device = "/dev/nsm");
  ~NsmAttestor() override;
  Result<std::string> Attest(std::string_view public_key_der, std::string_view nonce,
                             std::string_view user_data) override;

 private:
  explicit NsmAttestor(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cc::tee
