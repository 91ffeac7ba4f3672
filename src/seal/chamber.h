// The chamber: this replica's seal state machine (SPEC 3), coordinating the
// pieces that do the work. Every replica computes its own state from the
// state backend (delivered by the refresh loop) plus what its KeyHolder
// holds; ceremonies (ceremony.h) change the backend through the
// StateWriter; what differs by unseal mode sits behind UnsealMethod.
//
//   refresh loop -> SnapshotView -> Reconcile (worker) -> state, KeyHolder
//   API request  -> ceremony over a VerifiedSnapshot -> StateWriter commit
#pragma once

#include <condition_variable>
#include <thread>

#include "auth/authorizer.h"
#include "seal/ceremony.h"
#include "seal/setup_token.h"
#include "seal/tee_auto_unseal.h"
#include "seal/unseal_method.h"

namespace cc::seal {

class Chamber final : public ChamberService, private ChamberEvents {
 public:
  // `tee`: tee.platform and, inside an enclave, its attestor (TEE auto-unseal).
  Chamber(state::Refresher& refresher, kms::KmsRouter& kms, Clock& clock, ChamberOptions options,
          metrics::Registry* metrics = nullptr, const TeeOptions& tee = {});
  ~Chamber() override;

  // States what the backend holds (without waiting on KMS), then starts a
  // worker that opens the KMS layer, follows the refresh loop and retries
  // the KMS with backoff.
  void Start();
  // Wipes every secret from memory.
  void Stop();

  // ChamberService
  SealState State() const override;
  StatusReport Status() const override;
  Result<InitResult> Init(const std::string& setup_token, const InitRequest& request) override;
  Result<RegisterResult> Register(const RegisterRequest& request) override;
  Result<ChallengeResult> Challenge(const std::string& operator_name) override;
  Result<UnsealResult> Unseal(const UnsealRequest& request) override;
  Result<ResumeResult> Resume(const ResumeRequest& request) override;
  Result<SealResult> Seal(const SealRequest& request) override;
  Result<RootTokenResult> RootToken(const RootTokenRequest& request) override;
  Result<records::AuthPolicy> CreatePolicy(const PolicyWrite& request) override;
  Result<records::AuthPolicy> ReplacePolicy(const PolicyWrite& request) override;
  cc::Status DeletePolicy(const PolicyDelete& request) override;
  Result<TokenCreated> CreateToken(const TokenCreate& request) override;
  cc::Status RevokeToken(const TokenRevoke& request) override;
  Result<TeeBlobResult> CreateTeeBlob(const TeeBlobRequest& request) override;

  // The Authorizer that gets the runtime policies and tokens of every
  // verified revision (and the key to check runtime tokens while MK is held).
  void SetAuthorizer(auth::Authorizer* authorizer) { authorizer_ = authorizer; }

  // One full pass now (tests; the worker does this on its own): the KMS
  // layer and TEE auto-unseal when wanted, reconcile, the TEE blob refresh.
  void ReconcileNow() EXCLUDES(reconcile_mu_);

 private:
  // ChamberEvents
  void IntegrityFailed(const cc::Status& why) override EXCLUDES(mu_);
  void Committed() override EXCLUDES(reconcile_mu_);
  void UnsealProblem(const std::string& message) override EXCLUDES(mu_);

  // Brings what this replica holds in line with the backend; never calls
  // KMS. Without `may_commit` it writes nothing either (a ceremony's tail).
  void Reconcile(bool may_commit) REQUIRES(reconcile_mu_);
  // The view to open the KMS layer for now, if any (the worker opens it
  // with no lock held, then hands the result to KmsLayerOpened).
  ViewPtr KmsLayerWanted() REQUIRES(reconcile_mu_);
  void KmsLayerOpened(const ViewPtr& view, Result<crypto::SecretBytes> opened)
      REQUIRES(reconcile_mu_);
  void OpenKmsLayerIfWanted() EXCLUDES(reconcile_mu_);
  // TEE auto-unseal (chamber_tee.cc): the attempt runs with no lock held;
  // MK is held only over state verified under it (or the held layer).
  void UnsealThroughTeeIfWanted() EXCLUDES(reconcile_mu_);
  void TeeUnsealFinished(const ViewPtr& view, TeeAttempt attempt) REQUIRES(reconcile_mu_);
  void WriteTeeBlobIfWanted() EXCLUDES(reconcile_mu_);
  // The configured unseal method, with TEE auto-unseal in front inside an enclave.
  const UnsealMethod& Method(records::UnsealMode mode) const;
  void UpdateState(const ViewPtr& view) EXCLUDES(mu_);
  std::string Hint(SealState s, const SnapshotView& view) const REQUIRES(mu_);
  // Installs the auth index of `view`: rebuilt from verified state, or (never
  // verified yet) policies only; without verification a known index keeps
  // its policies and loses the token key.
  void PublishAuth(const ViewPtr& view, bool verified);
  void WorkerLoop() EXCLUDES(worker_mu_);

  state::Refresher& refresher_;
  Clock& clock_;
  const ChamberOptions options_;
  metrics::Registry* metrics_;
  StateWriter writer_;
  KeyHolder keys_;
  KmsLayer kms_layer_;
  OperatorThrottle throttle_;
  SetupToken setup_token_;
  Enclave enclave_;
  TeeAutoUnseal tee_;
  TeeMethod tee_kms_only_;
  TeeMethod tee_quorum_;
  CeremonyContext ctx_;
  auth::Authorizer* authorizer_ = nullptr;

  // One reconcile pass at a time (the worker's, or a ceremony's tail). Never
  // held across a KMS call.
  Mutex reconcile_mu_;
  std::chrono::steady_clock::time_point next_kms_attempt_ GUARDED_BY(reconcile_mu_){};
  int kms_attempts_failed_ GUARDED_BY(reconcile_mu_) = 0;

  // What status reports.
  mutable Mutex mu_;
  SealState state_ GUARDED_BY(mu_) = SealState::kUninitialized;
  bool state_known_ GUARDED_BY(mu_) = false;
  uint64_t state_revision_ GUARDED_BY(mu_) = 0;
  std::string integrity_error_ GUARDED_BY(mu_);
  std::string last_unseal_error_ GUARDED_BY(mu_);
  std::string hint_ GUARDED_BY(mu_);

  Mutex worker_mu_;
  std::condition_variable_any worker_cv_;
  bool worker_wake_ GUARDED_BY(worker_mu_) = false;
  bool stopping_ GUARDED_BY(worker_mu_) = false;
  std::thread worker_;
};

}  // namespace cc::seal
