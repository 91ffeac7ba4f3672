// GET /api/v1/chamber/status, computed from the same state that gates
// signing: what this replica holds, what the backend says, KMS key health.
#include <algorithm>

#include "crypto/kdf.h"
#include "seal/chamber.h"
#include "seal/tee_blob.h"

namespace cc::seal {

StatusReport Chamber::Status() const {
  StatusReport out;
  ViewPtr view = writer_.Current();
  const int64_t now = clock_.NowUnixSeconds();
  SealReport& seal = out.seal;
  std::optional<uint64_t> applied;
  {
    MutexLock l(mu_);
    seal.status = state_;
    if (!integrity_error_.empty()) seal.integrity_error = integrity_error_;
    if (!last_unseal_error_.empty() && !keys_.HasMasterKey()) seal.last_error = last_unseal_error_;
    seal.hint = hint_;
    // The revision this replica has acted on (auth index, seal state), which
    // trails the one the refresher loaded by one worker pass.
    if (state_known_ && integrity_error_.empty()) applied = state_revision_;
  }
  seal.insecure_test_kdf = crypto::InsecureTestKdfAllowed();
  if (view && view->config()) {
    const records::QuorumConfig& cfg = *view->config();
    seal.initialized = true;
    seal.mode = cfg.mode;
    std::tie(seal.t, seal.n) = Method(cfg.mode).Thresholds(cfg);
    seal.seal_epoch = view->epoch().epoch;
    seal.sealed_by_operator = view->epoch().sealed;
    if (view->quorum()) {
      std::vector<records::UnsealProgress> live = view->LiveProgress(now);
      for (const auto& o : cfg.operators) {
        bool submitted = std::any_of(live.begin(), live.end(),
                                     [&](const auto& p) { return p.operator_name == o.name; });
        seal.registered += o.registered;
        seal.operators.push_back({o.name, o.registered, submitted});
      }
      seal.progress = static_cast<int>(live.size());
    }
    seal.kms_threshold = cfg.kms_threshold;
    auto health = kms_layer_.router().Health();
    for (const auto& uri : cfg.kms_keys) {
      KmsKeyReport k{uri, std::nullopt, "", 0};
      if (auto it = health.find(uri); it != health.end()) {
        k.healthy = it->second.healthy;
        k.last_error = it->second.last_error;
        k.unhealthy_since = it->second.unhealthy_since;
      }
      seal.kms_keys.push_back(std::move(k));
    }
    seal.bad_shares = kms_layer_.bad_shares();
    DescribeBlob(*view, out.tee);
  } else if (view && view->shape() == SnapshotView::Shape::kBroken) {
    seal.initialized = true;  // something is there; it is not a fresh chamber
  }

  tee_.Report(out.tee);

  state::RefreshStatus h = refresher_.Health();
  BackendReport& b = out.backend;
  b.backend = options_.store.backend;
  b.location = options_.store.location;
  b.region = options_.store.region;
  b.chamber_id = h.chamber_id;
  b.revision = applied ? std::min(h.revision, *applied) : h.revision;
  b.last_refresh_age_seconds = h.last_refresh_age_seconds;
  b.refresh_errors = h.refresh_errors;
  if (h.consecutive_errors > 0) b.last_error = h.last_error;
  b.rollback_refused_revision = h.rollback_seen;
  b.foreign_chamber_refused = h.foreign_chamber_seen;
  return out;
}

}  // namespace cc::seal
