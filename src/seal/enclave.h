// This replica's view of the Nitro Enclave it may run in (SPEC 4): whether it
// can attest (tee.platform: nitro and an Attestor: the NSM behind /dev/nsm in
// production, a test CA in tests), fresh attestation documents for an
// ephemeral key, and its own build measurements.
//
// Invariant: a document leaves here only after it verified against the
// configured root (COSE ES384, chain, not debug mode) and carries the nonce
// this replica chose and the public key it asked for. Nothing else about
// the enclave (its PCRs) is trusted before that.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"
#include "metrics/metrics.h"
#include "tee/attestation.h"
#include "tee/attestor.h"

namespace cc::seal {

struct TeeOptions {
  std::string platform = "none";            // tee.platform: none | nitro
  std::shared_ptr<tee::Attestor> attestor;  // null outside an enclave
  std::string root_pem;                     // attestation root; empty: AWS Nitro root G1
};

// The PCRs the blob's outer layer is bound to: the build's measurements
// (enclave image, kernel, application, signing certificate). Not PCR3/PCR4
// (IAM role, instance id): a replacement instance runs the same build.
inline constexpr uint32_t kBlobPcrs[] = {0, 1, 2, 8};

struct Attested {
  std::string document;             // bytes as the attestor produced them (for KMS)
  tee::AttestationDocument parsed;  // verified
};

class Enclave {
 public:
  Enclave(const TeeOptions& options, Clock& clock, metrics::Registry* metrics);

  // tee.platform is nitro, an attestor is there and the root loaded.
  bool available() const { return available_; }
  const std::string& platform() const { return platform_; }

  // A verified document carrying `public_key_der` (may be empty) and a
  // fresh random nonce. Also learns this enclave's measurements.
  Result<Attested> Attest(std::string_view public_key_der) EXCLUDES(mu_);
  // This enclave's build measurements (kBlobPcrs present in its documents),
  // attesting once if no document was seen yet.
  Result<tee::Pcrs> Measurements() EXCLUDES(mu_);

 private:
  Clock& clock_;
  metrics::Registry* metrics_;
  std::string platform_;
  std::shared_ptr<tee::Attestor> attestor_;
  std::optional<tee::AttestationVerifier> verifier_;
  bool available_ = false;

  Mutex mu_;  // one attestation at a time; the measurements seen
  std::optional<tee::Pcrs> measurements_ GUARDED_BY(mu_);
};

}  // namespace cc::seal
