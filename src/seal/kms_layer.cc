#include "seal/kms_layer.h"

#include <future>

#include "common/log.h"
#include "common/test_hooks.h"
#include "crypto/integrity.h"
#include "seal/keys.h"

namespace cc::seal {

Result<crypto::SecretBytes> KmsLayer::Open(const SnapshotView& view) {
  const records::MasterKeyMetadata& meta = *view.meta();
  const std::string& chamber = view.chamber_id();
  const state::RecordKey record{records::kMasterKey, records::GenerationId(meta.generation)};
  std::vector<std::future<Result<crypto::SecretBytes>>> futures;
  for (const auto& s : meta.kms_shares) {
    futures.push_back(std::async(std::launch::async, [this, &s, &chamber, &record] {
      return kms_.Decrypt(s.key_uri, s.ciphertext,
                          KmsContext(chamber, record, "share/" + std::to_string(s.index)));
    }));
  }
  std::vector<crypto::Share> shares;
  std::vector<KmsKeyFailure> failures;
  for (size_t i = 0; i < futures.size(); ++i) {
    auto r = futures[i].get();
    if (r.ok()) {
      test_hooks::ObserveSecret("kms_share", r->view());
      shares.push_back({static_cast<uint8_t>(meta.kms_shares[i].index), std::move(*r)});
    } else {
      failures.push_back({meta.kms_shares[i].key_uri, r.status().message()});
    }
  }
  auto rebuilt = crypto::CombineVerified(shares, meta.kms_threshold, chamber, kKmsLayerLabel,
                                         meta.kms_secret_check);
  {
    MutexLock l(mu_);
    failures_ = failures;
    bad_shares_ = rebuilt.ok() ? rebuilt->bad_shares : std::vector<uint8_t>{};
  }
  for (const auto& f : failures) {
    log::Warn("seal", "KMS key unavailable", {{"key", f.key_uri}, {"error", f.error}});
  }
  if (!rebuilt.ok()) {
    std::string msg = std::to_string(shares.size()) + " of " +
                      std::to_string(meta.kms_shares.size()) + " KMS keys answered; " +
                      std::to_string(meta.kms_threshold) + " are needed";
    if (rebuilt.status().code() != ErrorCode::kFailedPrecondition) msg = rebuilt.status().message();
    return Status::Unavailable(msg);
  }
  test_hooks::ObserveSecret("kms_layer_secret", rebuilt->secret.view());
  for (uint8_t x : rebuilt->bad_shares) {
    log::Error("seal", "a KMS share does not match the others (altered or from another chamber)",
               {{"share", std::to_string(x)}});
  }
  return std::move(rebuilt->secret);
}

std::vector<KmsKeyFailure> KmsLayer::failures() const {
  MutexLock l(mu_);
  return failures_;
}

std::vector<uint8_t> KmsLayer::bad_shares() const {
  MutexLock l(mu_);
  return bad_shares_;
}

}  // namespace cc::seal
