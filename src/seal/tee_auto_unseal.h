// TEE auto-unseal (SPEC 4): the third way a chamber unseals, put in front of
// the configured one. Inside an enclave with a blob, MK comes back from KMS
// Decrypt-with-Recipient: in KMS-only mode before the KMS layer is opened
// (MK is the layer), in quorum mode once the KMS layer has verified the
// state (instead of operator shares). On PCR drift or any failure the
// configured mode carries on, and status and logs say exactly why.
//
// An operator seal wins: no attempt while one is in force (recorded, or this
// replica's own). The attempt (OpenTeeBlob) runs with no lock held; the
// chamber verifies the state the blob came from before it holds MK.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "seal/unseal_method.h"

namespace cc::seal {

enum class TeeResult { kUnsealed, kPcrMismatch, kKmsDenied, kStaleBlob, kError };
// "unsealed", "pcr_mismatch", "kms_denied", "stale_blob", "error" (metric label, status).
std::string_view TeeResultName(TeeResult result);

struct TeeAttempt {
  TeeResult result = TeeResult::kError;
  std::string error;
  std::vector<tee::PcrMismatch> mismatches;       // kPcrMismatch: blob's PCRs vs this enclave's
  std::optional<crypto::SecretBytes> master_key;  // kUnsealed
};

// The recipient flow for the blob in `view`: an ephemeral RSA-2048 key, a
// verified attestation document carrying it, the outer layer opened with
// the document's PCRs (drift named register by register), KMS Decrypt with
// Recipient for each share in parallel, each CiphertextForRecipient opened
// with the key, the shares combined and checked against MK's check value.
TeeAttempt OpenTeeBlob(Enclave& enclave, kms::KmsRouter& kms, const SnapshotView& view);

// When to try the blob and when to (re)write it, and what was found.
class TeeAutoUnseal {
 public:
  TeeAutoUnseal(const Enclave& enclave, Clock& clock, metrics::Registry* metrics)
      : enclave_(enclave), clock_(clock), metrics_(metrics) {}

  // Outside an enclave, logs once that the stored blob is ignored.
  void Observe(const SnapshotView& view) EXCLUDES(mu_);
  // Whether to try the blob of `view` now: inside an enclave, MK not held,
  // no operator seal, (quorum) the KMS layer open, and this blob not given
  // up on (drift and staleness are final for a blob; other failures are
  // retried with backoff).
  bool Wanted(const SnapshotView& view, const KeyHolder& keys) const EXCLUDES(mu_);
  // Records an attempt for status, logs and metrics.
  void Finished(const SnapshotView& view, const TeeAttempt& attempt) EXCLUDES(mu_);

  // Whether the worker should (re)write the blob now: MK held inside an
  // enclave, no operator seal, and the blob missing or stale, or not checked
  // against this enclave's measurements since this replica unsealed.
  bool BlobWanted(const SnapshotView& view, const KeyHolder& keys) const EXCLUDES(mu_);
  void BlobAttempted(const KeyHolder& keys, const Status& outcome) EXCLUDES(mu_);

  // The attempt and writer fields of the status report.
  void Report(TeeReport& out) const EXCLUDES(mu_);

 private:
  const Enclave& enclave_;
  Clock& clock_;
  metrics::Registry* metrics_;

  mutable Mutex mu_;
  bool logged_ignored_ GUARDED_BY(mu_) = false;
  std::string given_up_ GUARDED_BY(mu_);  // hash of the blob no longer tried
  std::string tried_ GUARDED_BY(mu_);     // hash of the blob last tried
  int failures_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point retry_at_ GUARDED_BY(mu_){};
  std::optional<TeeResult> last_ GUARDED_BY(mu_);
  int64_t last_at_ GUARDED_BY(mu_) = 0;
  std::string last_error_ GUARDED_BY(mu_);
  std::vector<tee::PcrMismatch> mismatches_ GUARDED_BY(mu_);
  std::optional<int64_t> blob_checked_for_ GUARDED_BY(mu_);  // unsealed_at it was checked for
  int blob_failures_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point blob_retry_at_ GUARDED_BY(mu_){};
  std::string blob_error_ GUARDED_BY(mu_);
};

// The configured method with TEE auto-unseal in front of it: in KMS-only
// mode the KMS layer waits while the blob is to be tried (the blob gives the
// layer itself); everything else is the configured method's.
class TeeMethod final : public UnsealMethod {
 public:
  TeeMethod(const UnsealMethod& configured, const TeeAutoUnseal& tee)
      : configured_(configured), tee_(tee) {}
  bool WantsKmsLayer(const KeyHolder& keys, const SnapshotView& view) const override {
    if (!view.quorum() && tee_.Wanted(view, keys)) return false;
    return configured_.WantsKmsLayer(keys, view);
  }
  void KmsLayerOpened(CeremonyContext& ctx, crypto::SecretBytes layer,
                      const SnapshotView& view) const override {
    configured_.KmsLayerOpened(ctx, std::move(layer), view);
  }
  void Advance(CeremonyContext& ctx, const VerifiedSnapshot& state,
               bool may_commit) const override {
    configured_.Advance(ctx, state, may_commit);
  }
  SealState Waiting(const KeyHolder& keys) const override { return configured_.Waiting(keys); }
  std::pair<int, int> Thresholds(const records::QuorumConfig& config) const override {
    return configured_.Thresholds(config);
  }

 private:
  const UnsealMethod& configured_;
  const TeeAutoUnseal& tee_;
};

}  // namespace cc::seal
