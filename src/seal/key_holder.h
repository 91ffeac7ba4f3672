// What this replica holds in memory: the master key (MK), the KMS-layer
// secret and the seal epoch MK was unsealed in. Everything else asks for
// derived keys (manifest MAC, token hashing, ...) and never sees MK itself.
// In KMS-only mode the KMS layer protects MK directly, so the layer secret
// is MK; in quorum mode it is the outer key, held while MK is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "crypto/secret.h"
#include "crypto/shamir.h"
#include "seal/keys.h"

namespace cc::seal {

class KeyHolder {
 public:
  bool HasMasterKey() const EXCLUDES(mu_);
  bool HasLayer() const EXCLUDES(mu_);
  // Seal epoch MK was unsealed in (an operator seal with a higher epoch wipes it).
  uint64_t unsealed_epoch() const EXCLUDES(mu_);

  // Quorum mode: the outer key, while operators are awaited.
  void HoldLayer(crypto::SecretBytes layer) EXCLUDES(mu_);
  // MK after an unseal. In KMS-only mode MK is also the layer secret.
  void HoldMasterKey(crypto::SecretBytes mk, uint64_t epoch, bool mk_is_layer, int64_t now)
      EXCLUDES(mu_);
  // When MK came back (unix seconds), while held.
  std::optional<int64_t> unsealed_at() const EXCLUDES(mu_);
  // Wipes MK (and, in KMS-only mode, the layer with it); true if one was held.
  bool WipeMasterKey(const std::string& why) EXCLUDES(mu_);
  // An emergency seal of this replica (operator seal): wipes MK and keeps it
  // from coming back on its own, even if the seal could not be recorded in
  // the backend, until an unseal holds a new MK.
  // `epoch` is the seal epoch the backend showed when sealing; once it
  // shows a later one, the recorded seal governs and this one is dropped.
  bool SealLocally(const std::string& why, int64_t now, uint64_t epoch) EXCLUDES(mu_);
  void DropLocalSealIfRecorded(uint64_t backend_epoch) EXCLUDES(mu_);
  // When this replica was sealed locally (nullopt: it was not, or has
  // unsealed since); unseal progress from before it does not count.
  std::optional<int64_t> sealed_locally_at() const EXCLUDES(mu_);
  // Wipes everything (integrity failure, uninitialized table).
  void WipeAll(const std::string& why) EXCLUDES(mu_);

  // The keys derived from the layer secret, when held.
  std::optional<LayerKeys> Layer() const EXCLUDES(mu_);
  // A key derived from MK for `label` (HKDF), when MK is held.
  std::optional<crypto::SecretBytes> DeriveKey(std::string_view label) const EXCLUDES(mu_);
  // Fresh Shamir shares of MK (any `threshold` of `n` rebuild it), for the
  // TEE blob; kFailedPrecondition when MK is not held. MK itself stays here.
  Result<std::vector<crypto::Share>> SplitMasterKey(int n, int threshold) const EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::optional<crypto::SecretBytes> master_key_ GUARDED_BY(mu_);
  std::optional<crypto::SecretBytes> layer_ GUARDED_BY(mu_);  // quorum mode only
  bool mk_is_layer_ GUARDED_BY(mu_) = false;
  uint64_t unsealed_epoch_ GUARDED_BY(mu_) = 0;
  int64_t unsealed_at_ GUARDED_BY(mu_) = 0;
  std::optional<int64_t> sealed_locally_at_ GUARDED_BY(mu_);
  uint64_t sealed_locally_epoch_ GUARDED_BY(mu_) = 0;
};

}  // namespace cc::seal
