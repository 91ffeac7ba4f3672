#include "seal/enclave.h"

#include <chrono>

#include "common/encoding.h"
#include "common/log.h"

namespace cc::seal {

Enclave::Enclave(const TeeOptions& options, Clock& clock, metrics::Registry* metrics)
    : clock_(clock), metrics_(metrics), platform_(options.platform), attestor_(options.attestor) {
  if (platform_ != "nitro" || !attestor_) return;
  auto verifier = options.root_pem.empty() ? tee::AttestationVerifier::Create()
                                           : tee::AttestationVerifier::Create(options.root_pem);
  if (!verifier.ok()) {
    log::Error("tee", "cannot load the attestation root; TEE auto-unseal is off",
               {{"error", verifier.status().message()}});
    return;
  }
  verifier_ = std::move(*verifier);
  available_ = true;
}

Result<Attested> Enclave::Attest(std::string_view public_key_der) {
  if (!available_) {
    return Status::FailedPrecondition(
        "this replica is not inside a Nitro Enclave (tee.platform: nitro and the Nitro Secure "
        "Module are needed)");
  }
  const std::string nonce = RandomBytes(32);
  MutexLock l(mu_);
  CC_ASSIGN_OR_RETURN(std::string document, attestor_->Attest(public_key_der, nonce, ""));
  const auto started = std::chrono::steady_clock::now();
  auto verified = verifier_->Verify(document, {clock_.NowUnixMillis(), /*allow_debug=*/false});
  if (metrics_) {
    metrics_->Observe(
        "containment_tee_attestation_verify_seconds", {},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (!verified.ok()) {
    return Status::FailedPrecondition(std::string("this enclave's attestation document does not "
                                                  "verify (") +
                                      tee::AttestationErrorName(verified.error()) +
                                      "): " + verified.status().message());
  }
  if (verified->nonce != nonce)
    return Status::FailedPrecondition("the attestation document does not carry our nonce");
  if (!public_key_der.empty() && verified->public_key != std::string(public_key_der))
    return Status::FailedPrecondition("the attestation document does not carry our public key");
  tee::Pcrs selected;
  for (uint32_t index : kBlobPcrs) {
    if (auto it = verified->pcrs.find(index); it != verified->pcrs.end())
      selected[index] = it->second;
  }
  measurements_ = std::move(selected);
  return Attested{std::move(document), std::move(verified).value()};
}

Result<tee::Pcrs> Enclave::Measurements() {
  {
    MutexLock l(mu_);
    if (measurements_) return *measurements_;
  }
  CC_RETURN_IF_ERROR(Attest("").status());
  MutexLock l(mu_);
  return *measurements_;
}

}  // namespace cc::seal
