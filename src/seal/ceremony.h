// What every ceremony works with, and the ceremonies themselves: one file
// each (init.cc, register.cc, unseal.cc, resume.cc, seal_ceremony.cc,
// root_token.cc, tee_blob.cc). A ceremony is a function over a context and a typed
// request: it validates everything first, checks tokens and rate limits
// before any network call, then makes one commit through the state writer
// over state it verified. No ceremony holds a lock across a network call.
#pragma once

#include <chrono>
#include <memory>

#include "common/clock.h"
#include "common/mutex.h"
#include "metrics/metrics.h"
#include "seal/enclave.h"
#include "seal/key_holder.h"
#include "seal/kms_layer.h"
#include "seal/operator_throttle.h"
#include "seal/service.h"
#include "seal/state_writer.h"

namespace cc::seal {

struct ChamberOptions {
  int refresh_interval_seconds = 1;
  int unseal_timeout_minutes = 30;
  state::StoreInfo store;  // for the status document
};

// Operator-facing limits. A commit holds at most 22 records; init writes
// four records plus one credential per operator.
inline constexpr int kMaxOperators = 16;
inline constexpr size_t kMinPassphrase = 12;
// One-time tokens the server logs (root token, unseal resume) live this long.
inline constexpr int64_t kOneTimeTokenSeconds = 600;

// What a ceremony tells the state machine.
class ChamberEvents {
 public:
  virtual ~ChamberEvents() = default;
  // Stored state failed authentication: seal this replica and report it.
  virtual void IntegrityFailed(const Status& why) = 0;
  // A commit landed: re-read and update the state now.
  virtual void Committed() = 0;
  // Why the last attempt to unseal failed (empty: it did not), for status.
  virtual void UnsealProblem(const std::string& message) = 0;
  virtual SealState State() const = 0;
};

class CeremonyContext {
 public:
  CeremonyContext(StateWriter& writer, KeyHolder& keys, KmsLayer& kms, Clock& clock,
                  const ChamberOptions& options, metrics::Registry* metrics,
                  OperatorThrottle& throttle, ChamberEvents& events, Enclave& enclave)
      : writer(writer),
        keys(keys),
        kms(kms),
        clock(clock),
        options(options),
        metrics(metrics),
        throttle(throttle),
        events(events),
        enclave(enclave) {}

  StateWriter& writer;
  KeyHolder& keys;
  KmsLayer& kms;
  Clock& clock;
  const ChamberOptions& options;
  metrics::Registry* metrics;
  OperatorThrottle& throttle;
  ChamberEvents& events;
  Enclave& enclave;

  // The view, verified under the layer secret this replica holds, or (when
  // it holds none) under one opened through KMS now. `anonymous` callers may
  // cause at most one KMS opening every few seconds per replica. An
  // integrity failure is reported (the replica seals) and returned.
  Result<VerifiedSnapshot> Verified(std::shared_ptr<const SnapshotView> view, bool anonymous)
      EXCLUDES(open_mu_);
  // Like Verified, and also hands out the layer secret (KMS-only resume
  // holds it as MK). Never cached for a KMS-only chamber: that is MK.
  Result<std::pair<VerifiedSnapshot, crypto::SecretBytes>> VerifiedWithLayer(
      std::shared_ptr<const SnapshotView> view, bool anonymous) EXCLUDES(open_mu_);

  void Inc(const std::string& metric, const metrics::Labels& labels = {}) const {
    if (metrics) metrics->Inc(metric, labels);
  }

 private:
  Result<crypto::SecretBytes> OpenForRequest(const SnapshotView& view, bool anonymous)
      EXCLUDES(open_mu_);
  Mutex open_mu_;
  // A small token bucket: a few openings at once, then one every few seconds.
  double anonymous_opens_ GUARDED_BY(open_mu_) = 3;
  std::chrono::steady_clock::time_point anonymous_refill_ GUARDED_BY(open_mu_){};
};

using ViewPtr = std::shared_ptr<const SnapshotView>;

// The ceremonies (one file each). Each acts on `view` (fresh state) and
// returns kAborted when its commit lost a race, so the caller can retry.
Result<InitResult> RunInit(CeremonyContext& ctx, ViewPtr view, const InitRequest& request);
Result<RegisterResult> RunRegister(CeremonyContext& ctx, ViewPtr view, const RegisterRequest& r);
Result<ChallengeResult> RunChallenge(CeremonyContext& ctx, ViewPtr view, const std::string& name);
Result<UnsealResult> RunUnseal(CeremonyContext& ctx, ViewPtr view, const UnsealRequest& request);
Result<ResumeResult> RunResume(CeremonyContext& ctx, ViewPtr view, const ResumeRequest& request);
Result<SealResult> RunSeal(CeremonyContext& ctx, ViewPtr view, const SealRequest& request);
Result<RootTokenResult> RunRootToken(CeremonyContext& ctx, ViewPtr view,
                                     const RootTokenRequest& request);
Result<TeeBlobResult> RunCreateTeeBlob(CeremonyContext& ctx, ViewPtr view,
                                       const TeeBlobRequest& request);

// The Auth API's writes (auth_policies.cc, auth_tokens.cc). `seen_revision`
// carries the edited record's revision from a first attempt to a retry: a
// policy changed by another replica in between is a 409, never overwritten.
Result<records::AuthPolicy> RunWritePolicy(CeremonyContext& ctx, ViewPtr view,
                                           const PolicyWrite& request, bool create,
                                           std::optional<uint64_t>& seen_revision);
Status RunDeletePolicy(CeremonyContext& ctx, ViewPtr view, const PolicyDelete& request);
Result<TokenCreated> RunCreateToken(CeremonyContext& ctx, ViewPtr view, const TokenCreate& request);
Status RunRevokeToken(CeremonyContext& ctx, ViewPtr view, const TokenRevoke& request);

}  // namespace cc::seal
