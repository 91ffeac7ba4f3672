// The outer layer of the TEE auto-unseal blob: AES-256-GCM under a key derived
// (HKDF-SHA256) from the chamber id and the selected PCR values, with the PCRs
// as associated data.
//
// Invariant and limit: this layer is INTEGRITY ONLY. PCR values are public, so
// anyone can derive the key; what it buys is that a blob opens only for the
// measurements (and chamber) it was sealed to, and that drift is reported as
// the exact list of differing PCRs. Confidentiality of the inner shares comes
// from each KMS key's policy requiring kms:RecipientAttestation (docs/tee.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"
#include "tee/attestation.h"
#include "tee/pcrs.h"

namespace cc::tee {

// version (1) || nonce (12) || ciphertext || tag (16).
Result<std::string> SealToPcrs(std::string_view chamber_id, const Pcrs& pcrs,
                               const crypto::SecretBytes& plaintext);

// `stored_pcrs` are the PCRs the blob was sealed to (kept beside it);
// `current_pcrs` come from this enclave's attestation. Drift → kFailedPrecondition
// naming each differing PCR (also returned through `drift` when given); a blob
// altered or sealed for another chamber → kCorruption.
Result<crypto::SecretBytes> OpenWithPcrs(std::string_view chamber_id, const Pcrs& stored_pcrs,
                                         const Pcrs& current_pcrs, std::string_view sealed,
                                         std::vector<PcrMismatch>* drift = nullptr);

}  // namespace cc::tee
