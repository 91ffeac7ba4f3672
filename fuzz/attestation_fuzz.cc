// libFuzzer target: Nitro attestation documents from anyone. Invariant under
// test: ParseAttestation and AttestationVerifier::Verify never crash, never
// trip ASan/UBSan and never allocate beyond a small multiple of the input.
// fuzz-flags: -max_len=20000
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tee/attestation.h"
#include "tee/attestor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cc::tee::AttestationVerifier verifier =
      cc::tee::AttestationVerifier::Create().value();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = cc::tee::ParseAttestation(input);
  if (parsed.ok()) {
    // Reach the chain and signature code at the document's own time.
    (void)verifier.Verify(
        input, {static_cast<int64_t>(parsed->document.timestamp_ms % (1ULL << 62)), true});
  }
  (void)cc::tee::DecodeNsmAttestationResponse(input);
  return 0;
}
