// The TEE auto-unseal blob record (records::TeeBlob) in the seal component's
// terms: where it lives, which KMS keys can hold its shares, how its shares
// are bound for KMS, and whether a stored blob still fits the chamber. The
// ceremony that writes it is RunCreateTeeBlob (ceremony.h, tee_blob.cc).
#pragma once

#include <string>
#include <vector>

#include "kms/kms.h"
#include "records/records.h"
#include "seal/service.h"
#include "seal/snapshot_view.h"
#include "tee/attestation.h"

namespace cc::seal {

inline const state::RecordKey kTeeBlobRecord{records::kTeeBlob, "current"};

// The chamber's KMS keys that can decrypt for an enclave (KMS's Recipient is
// AWS-only), in config order; the others go to `others` when given.
std::vector<std::string> EnclaveKeys(const records::QuorumConfig& config,
                                     std::vector<std::string>* others = nullptr);

// The encryption context of the blob's share `x`. Its "record" entry
// ("tee_blob/current") is what a key policy's kms:EncryptionContext
// condition uses to require an attestation for these ciphertexts only.
kms::EncryptionContext TeeBlobShareContext(const std::string& chamber_id, int x);

// Why `blob` no longer fits `config` (another MK generation, KMS key set or
// threshold), or "" when it does. A stale blob is not used and is rewritten.
std::string WhyStale(const records::TeeBlob& blob, const records::QuorumConfig& config);

// The blob's PCRs as tee::Pcrs; kCorruption for an index outside 0-31.
Result<tee::Pcrs> BlobPcrs(const records::TeeBlob& blob);

// The blob fields of the status report, from an initialized view.
void DescribeBlob(const SnapshotView& view, TeeReport& out);

}  // namespace cc::seal
