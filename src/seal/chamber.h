// The chamber: this replica's seal state machine (SPEC 3) and the ceremonies
// that drive it (init, register, unseal, seal, resume, root token). Every
// replica computes its own state from the state backend (delivered by the
// refresh loop) plus what it holds in memory; changes are atomic commits
// conditioned on the head revision, so replicas never race each other into
// an inconsistent state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "api/chamber_view.h"
#include "common/clock.h"
#include "crypto/secret.h"
#include "kms/kms.h"
#include "metrics/metrics.h"
#include "records/records.h"
#include "seal/keys.h"
#include "seal/seal_state.h"
#include "state/refresher.h"

namespace cc::seal {

struct ChamberOptions {
  int refresh_interval_seconds = 1;
  int unseal_timeout_minutes = 30;
  state::StoreInfo store;  // for the status document
};

class Chamber final : public api::ChamberView {
 public:
  Chamber(state::Refresher& refresher, kms::KmsRouter& kms, Clock& clock, ChamberOptions options,
          metrics::Registry* metrics = nullptr);
  ~Chamber() override;

  // States what the backend holds (without waiting on KMS), then starts a
  // worker that opens the KMS layer, follows the refresh loop and retries
  // the KMS with backoff.
  void Start();
  // Wipes every secret from memory.
  void Stop();

  // api::ChamberView
  SealState State() const override;
  nlohmann::json Status() const override;
  Result<nlohmann::json> Init(const std::string& setup_token,
                              const nlohmann::json& request) override;
  Result<nlohmann::json> Register(const std::string& registration_token,
                                  const nlohmann::json& request) override;
  Result<nlohmann::json> Challenge(const std::string& operator_name) override;
  Result<nlohmann::json> Unseal(const nlohmann::json& request) override;
  Result<nlohmann::json> Resume(bool authorized, const nlohmann::json& request) override;
  Result<nlohmann::json> Seal(const nlohmann::json& request) override;
  Result<nlohmann::json> RootToken(const nlohmann::json& request) override;
  std::optional<std::vector<std::string>> RuntimeTokenScopes(
      const std::string& token) const override;

  // Runs one reconcile pass now (tests; the worker does this on its own).
  void ReconcileNow();

 private:
  // What a snapshot says, decoded once.
  struct View {
    std::shared_ptr<const state::Snapshot> snap;
    std::optional<records::QuorumConfig> config;
    std::optional<records::MasterKeyMetadata> meta;
    records::SealEpoch epoch;
    std::string error;  // a record that would not decode
  };
  struct KeyFailure {
    std::string key_uri;
    std::string error;
  };

  View Decode(std::shared_ptr<const state::Snapshot> snap) const;
  void Reconcile(const View& v);  // requires ceremony_mu_
  void EnsureSetupToken();
  void UpdateStateLocked(const View& v);
  void Publish();

  // Decrypts the KMS shares of `meta` in parallel and rebuilds the KMS-layer
  // secret; records which keys failed and why.
  Result<crypto::SecretBytes> OpenKmsLayer(const View& v);
  // The KMS-layer secret for ceremonies: held (quorum) or opened now.
  Result<crypto::SecretBytes> KmsLayerSecret(const View& v);
  cc::Status VerifyManifest(const View& v, const crypto::SecretBytes& layer_secret) const;
  // Commits `mutations` plus a fresh manifest, conditioned on v's revision.
  Result<uint64_t> CommitWithManifest(const View& v, const crypto::SecretBytes& layer_secret,
                                      std::vector<state::Mutation> mutations);
  void TryCollectQuorum(const View& v);
  void CleanupProgress(const View& v);
  // Opens the operator's share with the secret in `secret`; counts wrong
  // secrets and refuses (429) while the operator is locked out.
  Result<crypto::SecretBytes> OpenOperatorShare(const View& v,
                                                const records::OperatorCredential& cred,
                                                const nlohmann::json& secret,
                                                const LayerKeys& keys);
  std::vector<records::UnsealProgress> LiveProgress(const View& v) const;
  void WipeMasterKeyLocked(const std::string& why);
  Result<nlohmann::json> IssueManagementToken(const View& v,
                                              const crypto::SecretBytes& layer_secret,
                                              std::vector<state::Mutation> extra,
                                              const std::string& why);
  void WorkerLoop();
  // Runs a ceremony on an initialized chamber against fresh state, under
  // ceremony_mu_, retrying when it lost a commit race to another replica.
  Result<nlohmann::json> Ceremony(const nlohmann::json& request,
                                  const std::function<Result<nlohmann::json>(const View&)>& once);
  // A new management token and its record (keyed hash under MK).
  std::pair<std::string, records::AuthToken> NewManagementToken(
      const crypto::SecretBytes& master_key) const;
  static constexpr char kCommitRace[] = "another replica changed the chamber at the same time";

  state::Refresher& refresher_;
  kms::KmsRouter& kms_;
  Clock& clock_;
  ChamberOptions options_;
  metrics::Registry* metrics_;

  // Serializes ceremonies and reconcile passes on this replica.
  mutable std::mutex ceremony_mu_;

  // Guarded by mu_: what this replica holds in memory.
  mutable std::mutex mu_;
  std::optional<crypto::SecretBytes> master_key_;
  std::optional<crypto::SecretBytes> layer_secret_;  // quorum mode only: the outer key
  uint64_t unsealed_epoch_ = 0;
  SealState state_ = SealState::kUninitialized;
  bool state_published_ = false;  // metrics reflect state_
  std::string setup_token_hash_;
  std::vector<KeyFailure> kms_failures_;
  std::vector<uint8_t> bad_shares_;
  std::string integrity_error_;
  std::string last_unseal_error_;
  std::shared_ptr<const state::Snapshot> view_snap_;  // the snapshot state_ was computed from
  std::optional<int64_t> quorum_reached_at_;
  // Wrong operator secrets per operator on this replica: after a few, the
  // operator is locked out for a doubling time (online guessing).
  struct SecretFailures {
    int count = 0;
    std::chrono::steady_clock::time_point locked_until{};
  };
  std::map<std::string, SecretFailures> secret_failures_;
  std::chrono::steady_clock::time_point next_kms_attempt_{};
  int kms_attempts_failed_ = 0;

  std::mutex worker_mu_;
  std::condition_variable worker_cv_;
  bool worker_wake_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace cc::seal
