// The chamber's service methods (each runs one ceremony on fresh state,
// retrying a lost commit race) and its worker thread.
#include "seal/chamber.h"

#include "crypto/hmac.h"
#include "seal/management_token.h"

namespace cc::seal {

Chamber::Chamber(state::Refresher& refresher, kms::KmsRouter& kms, Clock& clock,
                 ChamberOptions options, metrics::Registry* metrics, const TeeOptions& tee)
    : refresher_(refresher),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics),
      writer_(refresher),
      kms_layer_(kms),
      throttle_(clock),
      enclave_(tee, clock_, metrics_),
      tee_(enclave_, clock_, metrics_),
      tee_kms_only_(MethodFor(records::UnsealMode::kKmsOnly), tee_),
      tee_quorum_(MethodFor(records::UnsealMode::kQuorum), tee_),
      ctx_(writer_, keys_, kms_layer_, clock_, options_, metrics_, throttle_, *this, enclave_) {}

Chamber::~Chamber() { Stop(); }

void Chamber::Start() {
  refresher_.Subscribe([this](const std::shared_ptr<const state::Snapshot>&) {
    MutexLock l(worker_mu_);
    worker_wake_ = true;
    worker_cv_.notify_all();
  });
  // Startup must not wait on KMS (a slow or unreachable KMS would keep the
  // listeners, and /upcheck, down): state what the backend says now (and
  // log the setup token of a fresh chamber), then let the worker open the
  // KMS layer right away.
  {
    MutexLock r(reconcile_mu_);
    Reconcile(/*may_commit=*/false);
  }
  {
    MutexLock l(worker_mu_);
    worker_wake_ = true;
  }
  worker_ = std::thread([this] { WorkerLoop(); });
}

void Chamber::Stop() {
  {
    MutexLock l(worker_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  worker_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  keys_.WipeAll("shutting down");
}

void Chamber::WorkerLoop() {
  for (;;) {
    {
      MutexLock l(worker_mu_);
      // Wake on every new snapshot, and once a second for expiries and KMS retries.
      worker_cv_.wait_for(worker_mu_, std::chrono::seconds(1),
                          [this]() REQUIRES(worker_mu_) { return worker_wake_ || stopping_; });
      if (stopping_) return;
      worker_wake_ = false;
    }
    ReconcileNow();
  }
}

void Chamber::ReconcileNow() {
  OpenKmsLayerIfWanted();      // quorum: the layer verifies the state the TEE blob is in
  UnsealThroughTeeIfWanted();  // KMS-only: before the layer (the blob gives MK, the layer)
  OpenKmsLayerIfWanted();      // KMS-only: the configured way when the TEE did not unseal
  {
    MutexLock r(reconcile_mu_);
    Reconcile(/*may_commit=*/true);
  }
  WriteTeeBlobIfWanted();
}

void Chamber::OpenKmsLayerIfWanted() {
  ViewPtr open_for;
  {
    MutexLock r(reconcile_mu_);
    open_for = KmsLayerWanted();
  }
  if (!open_for) return;
  auto opened = kms_layer_.Open(*open_for);  // network: no lock held
  MutexLock r(reconcile_mu_);
  KmsLayerOpened(open_for, std::move(opened));
}

void Chamber::Committed() {
  // The answer to the ceremony reports the state its commit led to.
  MutexLock r(reconcile_mu_);
  Reconcile(/*may_commit=*/false);
}

Result<InitResult> Chamber::Init(const std::string& setup_token, const InitRequest& request) {
  ViewPtr view = writer_.Fresh();  // another replica may have initialized already
  if (view->shape() != SnapshotView::Shape::kEmpty)
    return cc::Status::Conflict("the chamber is already initialized");
  if (!setup_token_.Matches(setup_token)) {
    return cc::Status::Unauthenticated(
        "invalid setup token (use the cc-setup-… token this replica logged)");
  }
  auto out = RunInit(ctx_, view, request);
  if (out.ok()) {
    setup_token_.Clear();
    Committed();
  }
  return out;
}

Result<RegisterResult> Chamber::Register(const RegisterRequest& request) {
  return writer_.Retrying<RegisterResult>(
      [&](ViewPtr v) { return RunRegister(ctx_, std::move(v), request); });
}

Result<ChallengeResult> Chamber::Challenge(const std::string& operator_name) {
  return RunChallenge(ctx_, writer_.Current(), operator_name);
}

Result<UnsealResult> Chamber::Unseal(const UnsealRequest& request) {
  return writer_.Retrying<UnsealResult>(
      [&](ViewPtr v) { return RunUnseal(ctx_, std::move(v), request); });
}

Result<ResumeResult> Chamber::Resume(const ResumeRequest& request) {
  return writer_.Retrying<ResumeResult>(
      [&](ViewPtr v) { return RunResume(ctx_, std::move(v), request); });
}

Result<SealResult> Chamber::Seal(const SealRequest& request) {
  return writer_.Retrying<SealResult>(
      [&](ViewPtr v) { return RunSeal(ctx_, std::move(v), request); });
}

Result<RootTokenResult> Chamber::RootToken(const RootTokenRequest& request) {
  return writer_.Retrying<RootTokenResult>(
      [&](ViewPtr v) { return RunRootToken(ctx_, std::move(v), request); });
}

}  // namespace cc::seal
