// What differs between the ways a chamber unseals, behind one interface the
// state machine calls without asking which mode it is in. KMS-only: the KMS
// layer is MK itself. Quorum: the KMS layer is the outer key, and MK comes
// back only from operator shares. (TEE auto-unseal is the next one.)
#pragma once

#include <utility>

#include "records/records.h"
#include "seal/ceremony.h"

namespace cc::seal {

class UnsealMethod {
 public:
  virtual ~UnsealMethod() = default;

  // Whether this replica should open the KMS layer now (the worker does it).
  virtual bool WantsKmsLayer(const KeyHolder& keys, const SnapshotView& view) const = 0;
  // Holds what the opened, verified KMS layer gives.
  virtual void KmsLayerOpened(CeremonyContext& ctx, crypto::SecretBytes layer,
                              const SnapshotView& view) const = 0;
  // Moves towards unsealed with state verified under the held layer:
  // collects operator shares; with `may_commit`, also writes what follows
  // (the lifted seal, spent progress removed). Commits are the worker's job.
  virtual void Advance(CeremonyContext&, const VerifiedSnapshot&, bool /*may_commit*/) const {}
  // The state while MK is not held and neither a seal nor an integrity error applies.
  virtual SealState Waiting(const KeyHolder& keys) const = 0;
  // Status's `t` and `n`.
  virtual std::pair<int, int> Thresholds(const records::QuorumConfig& config) const = 0;
};

const UnsealMethod& MethodFor(records::UnsealMode mode);

}  // namespace cc::seal
