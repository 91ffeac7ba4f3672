// Opening the KMS layer: every KMS key of the master-key metadata decrypts
// its share at once (the slowest key, not the sum, sets the time), and the
// shares rebuild the layer secret, verified against its check value. Which
// keys failed and why, and which shares did not match, are kept for status.
#pragma once

#include <string>
#include <vector>

#include "common/mutex.h"
#include "crypto/secret.h"
#include "kms/kms.h"
#include "seal/snapshot_view.h"

namespace cc::seal {

struct KmsKeyFailure {
  std::string key_uri;
  std::string error;
};

class KmsLayer {
 public:
  explicit KmsLayer(kms::KmsRouter& kms) : kms_(kms) {}

  // The layer secret of an initialized view; kUnavailable naming how many
  // keys answered when fewer than the threshold did.
  Result<crypto::SecretBytes> Open(const SnapshotView& view) EXCLUDES(mu_);

  std::vector<KmsKeyFailure> failures() const EXCLUDES(mu_);
  std::vector<uint8_t> bad_shares() const EXCLUDES(mu_);
  kms::KmsRouter& router() const { return kms_; }

 private:
  kms::KmsRouter& kms_;
  mutable Mutex mu_;
  std::vector<KmsKeyFailure> failures_ GUARDED_BY(mu_);
  std::vector<uint8_t> bad_shares_ GUARDED_BY(mu_);
};

}  // namespace cc::seal
