#include "seal/chamber.h"

#include <future>

#include "common/encoding.h"
#include "common/log.h"
#include "common/retry.h"
#include "common/test_hooks.h"
#include "crypto/hmac.h"
#include "crypto/integrity.h"

namespace cc::seal {

using nlohmann::json;
using records::kManifest;
using records::kQuorumConfig;
using records::kSealEpoch;
using records::kUnsealProgress;

Chamber::Chamber(state::Refresher& refresher, kms::KmsRouter& kms, Clock& clock,
                 ChamberOptions options, metrics::Registry* metrics)
    : refresher_(refresher),
      kms_(kms),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics) {}

Chamber::~Chamber() { Stop(); }

void Chamber::Start() {
  refresher_.Subscribe([this](const std::shared_ptr<const state::Snapshot>&) {
    std::lock_guard<std::mutex> l(worker_mu_);
    worker_wake_ = true;
    worker_cv_.notify_all();
  });
  // Startup must not wait on KMS (a slow or unreachable KMS would keep the
  // listeners, and /upcheck, down): state what the backend says now, and let
  // the worker open the KMS layer right away.
  View v = Decode(refresher_.Current());
  if (!v.config) {
    ReconcileNow();  // no KMS involved: logs the setup token before we listen
  } else {
    std::lock_guard<std::mutex> l(mu_);
    UpdateStateLocked(v);
  }
  {
    std::lock_guard<std::mutex> l(worker_mu_);
    worker_wake_ = true;
  }
  worker_ = std::thread([this] { WorkerLoop(); });
}

void Chamber::Stop() {
  {
    std::lock_guard<std::mutex> l(worker_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  worker_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> l(mu_);
  master_key_.reset();
  layer_secret_.reset();
}

void Chamber::WorkerLoop() {
  std::unique_lock<std::mutex> l(worker_mu_);
  while (!stopping_) {
    // Wake on every new snapshot, and once a second for expiries and KMS retries.
    worker_cv_.wait_for(l, std::chrono::seconds(1), [this] { return worker_wake_ || stopping_; });
    if (stopping_) break;
    worker_wake_ = false;
    l.unlock();
    ReconcileNow();
    l.lock();
  }
}

Result<json> Chamber::Ceremony(const json& request,
                               const std::function<Result<json>(const View&)>& once) {
  if (!request.is_object())
    return cc::Status::InvalidArgument("the request body must be a JSON object");
  // Act on the latest state (one head read), and when another replica
  // commits in between, re-read and try again: the operator should not have
  // to care which replica the load balancer picked.
  for (int attempt = 0;; ++attempt) {
    refresher_.RefreshOnce();
    Result<json> r = [&]() -> Result<json> {
      std::lock_guard<std::mutex> c(ceremony_mu_);
      View v = Decode(refresher_.Current());
      if (!v.config) return cc::Status::FailedPrecondition("the chamber is not initialized");
      return once(v);
    }();
    if (r.ok() || attempt == 2 || r.status().code() != ErrorCode::kConflict ||
        r.status().message().rfind(kCommitRace, 0) != 0) {
      return r;
    }
  }
}

void Chamber::ReconcileNow() {
  std::lock_guard<std::mutex> c(ceremony_mu_);
  Reconcile(Decode(refresher_.Current()));
}

Chamber::View Chamber::Decode(std::shared_ptr<const state::Snapshot> snap) const {
  View v;
  v.snap = std::move(snap);
  if (!v.snap) return v;
  auto cfg = records::Load<records::QuorumConfig>(*v.snap, {kQuorumConfig, "current"});
  if (cfg.ok()) {
    v.config = *cfg;
  } else if (cfg.status().code() != ErrorCode::kNotFound) {
    v.error = cfg.status().message();
  }
  if (v.config) {
    auto meta = records::Load<records::MasterKeyMetadata>(
        *v.snap, {records::kMasterKey, records::GenerationId(v.config->mk_generation)});
    if (meta.ok()) {
      v.meta = *meta;
    } else {
      v.error = meta.status().message();
    }
  }
  auto epoch = records::Load<records::SealEpoch>(*v.snap, {kSealEpoch, "current"});
  if (epoch.ok()) {
    v.epoch = *epoch;
  } else if (epoch.status().code() != ErrorCode::kNotFound) {
    v.error = epoch.status().message();
  }
  return v;
}

void Chamber::EnsureSetupToken() {
  std::lock_guard<std::mutex> l(mu_);
  if (!setup_token_hash_.empty()) return;
  std::string token = "cc-setup-" + Base64UrlEncode(RandomBytes(24));
  setup_token_hash_ = crypto::Sha256(token);
  // SPEC 3/6: logged once, at WARN, so that only someone who can read this
  // replica's logs can initialize it. Only its hash is kept.
  log::WarnAlways("seal",
                  "the chamber is uninitialized; initialize it with this one-time setup token "
                  "(containment-chamber operator init --setup-token ...)",
                  {{"setup_token", token}});
  crypto::Wipe(token);
}

void Chamber::WipeMasterKeyLocked(const std::string& why) {
  if (!master_key_) return;
  master_key_.reset();
  quorum_reached_at_.reset();
  log::Warn("seal", "master key wiped from memory", {{"reason", why}});
}

Result<crypto::SecretBytes> Chamber::OpenKmsLayer(const View& v) {
  const records::MasterKeyMetadata& meta = *v.meta;
  const std::string& chamber = v.snap->head.chamber_id;
  const state::RecordKey record{records::kMasterKey, records::GenerationId(meta.generation)};
  // All keys at once: the slowest key, not the sum, sets the unseal time,
  // and every key's health is known afterwards.
  std::vector<std::future<Result<crypto::SecretBytes>>> futures;
  for (const auto& s : meta.kms_shares) {
    futures.push_back(std::async(std::launch::async, [this, &s, &chamber, &record] {
      return kms_.Decrypt(s.key_uri, s.ciphertext,
                          KmsContext(chamber, record, "share/" + std::to_string(s.index)));
    }));
  }
  std::vector<crypto::Share> shares;
  std::vector<KeyFailure> failures;
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
    std::lock_guard<std::mutex> l(mu_);
    kms_failures_ = failures;
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
    return cc::Status::Unavailable(msg);
  }
  test_hooks::ObserveSecret("kms_layer_secret", rebuilt->secret.view());
  for (uint8_t x : rebuilt->bad_shares) {
    log::Error("seal", "a KMS share does not match the others (altered or from another chamber)",
               {{"share", std::to_string(x)}});
  }
  return std::move(rebuilt->secret);
}

Result<crypto::SecretBytes> Chamber::KmsLayerSecret(const View& v) {
  if (!v.config || !v.meta) return cc::Status::FailedPrecondition("the chamber is not initialized");
  {
    std::lock_guard<std::mutex> l(mu_);
    if (v.config->mode == "quorum" && layer_secret_) return layer_secret_->Clone();
    if (v.config->mode == "kms_only" && master_key_) return master_key_->Clone();
  }
  auto s = OpenKmsLayer(v);
  if (!s.ok()) return s.status().WithContext("cannot open the KMS layer on this replica");
  CC_RETURN_IF_ERROR(VerifyManifest(v, *s));
  if (v.config->mode == "quorum") {
    std::lock_guard<std::mutex> l(mu_);
    layer_secret_ = s->Clone();
  }
  return s;
}

cc::Status Chamber::VerifyManifest(const View& v, const crypto::SecretBytes& layer_secret) const {
  auto m = records::Load<records::Manifest>(*v.snap, {kManifest, "current"});
  if (!m.ok()) return cc::Status::Corruption("state integrity: " + m.status().message());
  std::map<state::RecordKey, std::string> bodies;
  for (const auto& [k, r] : v.snap->records) bodies[k] = r.body;
  LayerKeys keys = LayerKeys::From(layer_secret);
  std::string mac = ManifestMac(keys.manifest_mac, v.snap->head.chamber_id, m->revision, bodies);
  if (!crypto::ConstantTimeEquals(mac, m->mac)) {
    return cc::Status::Corruption(
        "state integrity: the records do not match the manifest (a record was "
        "altered, added, removed or copied from elsewhere)");
  }
  if (m->revision != v.snap->head.revision) {
    return cc::Status::Corruption("state integrity: the manifest is for revision " +
                                  std::to_string(m->revision) + " but the head is at " +
                                  std::to_string(v.snap->head.revision));
  }
  return cc::Status::Ok();
}

Result<uint64_t> Chamber::CommitWithManifest(const View& v, const crypto::SecretBytes& layer_secret,
                                             std::vector<state::Mutation> mutations) {
  std::map<state::RecordKey, std::string> bodies;
  for (const auto& [k, r] : v.snap->records) bodies[k] = r.body;
  for (const auto& m : mutations) {
    if (m.body) {
      bodies[m.key] = *m.body;
    } else {
      bodies.erase(m.key);
    }
  }
  const uint64_t rev = v.snap->head.revision + 1;
  LayerKeys keys = LayerKeys::From(layer_secret);
  records::Manifest manifest{rev,
                             ManifestMac(keys.manifest_mac, v.snap->head.chamber_id, rev, bodies)};
  mutations.push_back(state::Mutation::Put({kManifest, "current"}, records::Encode(manifest)));
  auto r = refresher_.Commit({v.snap->head.revision, std::move(mutations)});
  if (!r.ok() && r.status().code() == ErrorCode::kConflict) {
    return cc::Status::Conflict(std::string(kCommitRace) + " (" + r.status().message() + ")");
  }
  return r;
}

std::vector<records::UnsealProgress> Chamber::LiveProgress(const View& v) const {
  std::vector<records::UnsealProgress> out;
  const int64_t now = clock_.NowUnixSeconds();
  for (const auto& [k, r] : v.snap->records) {
    if (k.kind != kUnsealProgress) continue;
    auto p = records::Decode<records::UnsealProgress>(r.body);
    if (!p.ok() || p->expires_at <= now || p->seal_epoch != v.epoch.epoch ||
        p->generation != v.config->mk_generation || !v.config->Find(p->operator_name)) {
      continue;
    }
    out.push_back(std::move(*p));
  }
  return out;
}

void Chamber::TryCollectQuorum(const View& v) {
  std::vector<records::UnsealProgress> progress = LiveProgress(v);
  if (static_cast<int>(progress.size()) < v.config->operator_threshold) return;
  crypto::SecretBytes layer;
  {
    std::lock_guard<std::mutex> l(mu_);
    layer = layer_secret_->Clone();
  }
  LayerKeys keys = LayerKeys::From(layer);
  std::vector<crypto::Share> shares;
  std::map<uint8_t, std::string> names;
  for (const auto& p : progress) {
    const state::RecordKey key{kUnsealProgress, p.operator_name};
    auto share = crypto::AeadOpen(keys.progress_wrap, p.wrapped_share,
                                  BindingFor(v.snap->head.chamber_id, key, "share"));
    if (!share.ok()) {
      log::Error("seal", "unseal progress does not open", {{"operator", p.operator_name}});
      continue;
    }
    uint8_t x = static_cast<uint8_t>(v.config->Find(p.operator_name)->share_index);
    names[x] = p.operator_name;
    shares.push_back({x, std::move(*share)});
  }
  auto mk = crypto::CombineVerified(shares, v.config->operator_threshold, v.snap->head.chamber_id,
                                    kMasterKeyLabel, v.meta->mk_check);
  if (!mk.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    if (last_unseal_error_ != mk.status().message()) {
      log::Error("seal", "operator shares do not rebuild the master key",
                 {{"error", mk.status().message()}});
    }
    last_unseal_error_ = mk.status().message();
    return;
  }
  test_hooks::ObserveSecret("master_key", mk->secret.view());
  for (uint8_t x : mk->bad_shares) {
    log::Error("seal", "an operator's submitted share is wrong", {{"operator", names[x]}});
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    master_key_ = std::move(mk->secret);
    unsealed_epoch_ = v.epoch.epoch;
    quorum_reached_at_ = clock_.NowUnixSeconds();
    last_unseal_error_.clear();
  }
  log::Info("seal", "unsealed by operator quorum",
            {{"operators", std::to_string(progress.size())},
             {"threshold", std::to_string(v.config->operator_threshold)}});
  if (metrics_) metrics_->Inc("containment_chamber_unseal_total");
  if (v.epoch.sealed) {
    // A fresh quorum lifts an operator seal for every replica.
    records::SealEpoch lifted{v.epoch.epoch, false, clock_.NowUnixSeconds(),
                              "lifted by operator quorum"};
    auto r = CommitWithManifest(
        v, layer, {state::Mutation::Put({kSealEpoch, "current"}, records::Encode(lifted))});
    if (!r.ok() && r.status().code() != ErrorCode::kConflict) {
      log::Warn("seal", "could not record the lifted seal", {{"error", r.status().message()}});
    }
  }
}

void Chamber::CleanupProgress(const View& v) {
  const int64_t now = clock_.NowUnixSeconds();
  // Consumed progress stays long enough for every replica to load it.
  const int64_t grace = std::max(3, 2 * options_.refresh_interval_seconds + 2);
  std::optional<int64_t> reached;
  crypto::SecretBytes layer;
  {
    std::lock_guard<std::mutex> l(mu_);
    reached = master_key_ ? quorum_reached_at_ : std::nullopt;
    if (!layer_secret_) return;
    layer = layer_secret_->Clone();
  }
  std::vector<state::Mutation> deletes;
  for (const auto& [k, r] : v.snap->records) {
    if (k.kind != kUnsealProgress) continue;
    auto p = records::Decode<records::UnsealProgress>(r.body);
    bool stale = !p.ok() || p->expires_at <= now || p->seal_epoch != v.epoch.epoch ||
                 p->generation != v.config->mk_generation;
    bool consumed = p.ok() && reached && now - *reached >= grace && p->submitted_at <= *reached;
    if (stale || consumed) deletes.push_back(state::Mutation::Delete(k));
    if (deletes.size() == state::kMaxCommitRecords - 1) break;
  }
  if (deletes.empty()) return;
  auto r = CommitWithManifest(v, layer, std::move(deletes));
  if (r.ok()) log::Info("seal", "removed used or expired unseal progress");
}

void Chamber::Reconcile(const View& v) {
  if (!v.snap) return;
  if (!v.error.empty()) {
    std::lock_guard<std::mutex> l(mu_);
    if (integrity_error_ != v.error)
      log::Error("seal", "state record unreadable; staying sealed", {{"error", v.error}});
    integrity_error_ = v.error;
    WipeMasterKeyLocked("unreadable state");
    UpdateStateLocked(v);
    return;
  }
  if (!v.config) {
    {
      std::lock_guard<std::mutex> l(mu_);
      WipeMasterKeyLocked("the state backend holds no configuration");
      layer_secret_.reset();
    }
    EnsureSetupToken();
    std::lock_guard<std::mutex> l(mu_);
    UpdateStateLocked(v);
    return;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    setup_token_hash_.clear();  // initialized (here or by another replica): the token is void
  }
  if (!v.meta) return;
  const bool quorum = v.config->mode == "quorum";
  const auto now = clock_.SteadyNow();

  bool need_kms;
  {
    std::lock_guard<std::mutex> l(mu_);
    need_kms = quorum ? !layer_secret_ : (!master_key_ && !v.epoch.sealed);
    need_kms = need_kms && now >= next_kms_attempt_;
  }
  if (need_kms) {
    auto opened = OpenKmsLayer(v);
    cc::Status verified = opened.ok() ? VerifyManifest(v, *opened) : opened.status();
    std::lock_guard<std::mutex> l(mu_);
    if (opened.ok() && verified.ok()) {
      kms_attempts_failed_ = 0;
      integrity_error_.clear();
      if (quorum) {
        layer_secret_ = std::move(*opened);
        log::Info("seal", "KMS layer opened; waiting for operator shares");
      } else {
        master_key_ = std::move(*opened);
        unsealed_epoch_ = v.epoch.epoch;
        log::Info("seal", "unsealed with the KMS keys");
        if (metrics_) metrics_->Inc("containment_chamber_unseal_total");
      }
    } else {
      if (verified.code() == ErrorCode::kCorruption) {
        if (integrity_error_ != verified.message())
          log::Error("seal", "refusing to unseal", {{"error", verified.message()}});
        integrity_error_ = verified.message();
      }
      last_unseal_error_ = verified.message();
      ++kms_attempts_failed_;
      BackoffPolicy p{std::chrono::milliseconds(1000), std::chrono::milliseconds(60'000), 0};
      next_kms_attempt_ = now + BackoffDelay(p, kms_attempts_failed_, 0.5 + JitterDraw() / 2);
    }
  }

  // Check every new state against the manifest while we can. The hashing
  // runs outside mu_ so State() (every request) never waits for it.
  std::optional<crypto::SecretBytes> layer;
  {
    std::lock_guard<std::mutex> l(mu_);
    const auto& held = quorum ? layer_secret_ : master_key_;
    if (held && view_snap_ != v.snap) layer = held->Clone();
  }
  cc::Status integrity = layer ? VerifyManifest(v, *layer) : cc::Status::Ok();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!integrity.ok()) {
      if (integrity_error_ != integrity.message()) {
        log::Error("seal", "state integrity check failed; sealing",
                   {{"error", integrity.message()}});
      }
      integrity_error_ = integrity.message();
      WipeMasterKeyLocked("state integrity check failed");
      UpdateStateLocked(v);
      return;
    }
    if (layer) integrity_error_.clear();
    // An operator seal after this replica unsealed: wipe (SPEC 3).
    if (master_key_ && v.epoch.epoch > unsealed_epoch_) WipeMasterKeyLocked("operator seal");
  }
  if (quorum) {
    bool collect;
    {
      std::lock_guard<std::mutex> l(mu_);
      collect = !master_key_ && layer_secret_ && v.config->AllRegistered();
    }
    if (collect) TryCollectQuorum(v);
    CleanupProgress(v);
  }
  std::lock_guard<std::mutex> l(mu_);
  UpdateStateLocked(v);
}

void Chamber::UpdateStateLocked(const View& v) {
  SealState s;
  if (!v.config) {
    s = SealState::kUninitialized;
  } else if (v.config->mode == "quorum" && !v.config->AllRegistered()) {
    s = SealState::kAwaitingRegistration;
  } else if (master_key_) {
    s = v.snap && v.snap->Find({kQuorumConfig, "staged"}) ? SealState::kAwaitingRotation
                                                          : SealState::kUnsealed;
  } else if (v.epoch.sealed || !integrity_error_.empty()) {
    s = SealState::kSealed;
  } else if (v.config->mode == "quorum" && layer_secret_) {
    s = SealState::kKmsUnsealed;
  } else {
    s = SealState::kSealed;
  }
  view_snap_ = v.snap;
  if (s == state_ && state_published_) return;
  if (s != state_) {
    log::Info(
        "seal", "state changed",
        {{"from", std::string(SealStateName(state_))}, {"to", std::string(SealStateName(s))}});
  }
  if (metrics_ && s == SealState::kSealed && CanSign(state_))
    metrics_->Inc("containment_chamber_seal_total");
  state_ = s;
  state_published_ = true;
  if (metrics_) {
    metrics_->ClearGauge("containment_signer_state");
    metrics_->Set("containment_signer_state", {{"state", std::string(SealStateName(s))}}, 1);
    metrics_->Set("containment_healthy", CanSign(s) ? 1 : 0);
  }
}

SealState Chamber::State() const {
  std::lock_guard<std::mutex> l(mu_);
  return state_;
}

json Chamber::Status() const {
  std::shared_ptr<const state::Snapshot> snap = refresher_.Current();
  View v = Decode(snap);
  json seal;
  std::lock_guard<std::mutex> l(mu_);
  seal["status"] = std::string(SealStateName(state_));
  seal["initialized"] = v.config.has_value();
  seal["sealed"] = !CanSign(state_);
  if (v.config) {
    const bool quorum = v.config->mode == "quorum";
    seal["type"] = v.config->mode;
    seal["t"] = quorum ? v.config->operator_threshold : v.config->kms_threshold;
    seal["n"] = quorum ? static_cast<int>(v.config->operators.size())
                       : static_cast<int>(v.config->kms_keys.size());
    seal["seal_epoch"] = v.epoch.epoch;
    seal["sealed_by_operator"] = v.epoch.sealed;
    if (quorum) {
      std::vector<records::UnsealProgress> live = LiveProgress(v);
      json ops = json::array();
      int registered = 0;
      for (const auto& o : v.config->operators) {
        bool submitted = std::any_of(live.begin(), live.end(),
                                     [&](const auto& p) { return p.operator_name == o.name; });
        registered += o.registered;
        ops.push_back({{"name", o.name}, {"registered", o.registered}, {"submitted", submitted}});
      }
      seal["operators"] = ops;
      seal["registered"] = registered;
      seal["progress"] = static_cast<int>(live.size());
    }
    json keys = json::array();
    auto health = kms_.Health();
    for (const auto& uri : v.config->kms_keys) {
      json k = {{"key", uri}};
      auto it = health.find(uri);
      if (it != health.end()) {
        k["healthy"] = it->second.healthy;
        if (!it->second.healthy) {
          k["last_error"] = it->second.last_error;
          k["unhealthy_since"] = it->second.unhealthy_since;
        }
      }
      keys.push_back(k);
    }
    seal["kms"] = {{"threshold", v.config->kms_threshold}, {"keys", keys}};
    if (!bad_shares_.empty()) seal["kms"]["bad_shares"] = bad_shares_;
    if (!last_unseal_error_.empty() && !master_key_) seal["last_error"] = last_unseal_error_;
    if (!integrity_error_.empty()) seal["integrity_error"] = integrity_error_;
  }
  state::RefreshStatus h = refresher_.Health();
  json backend = {{"backend", options_.store.backend},
                  {"chamber_id", h.chamber_id},
                  {"revision", h.revision},
                  {"last_refresh_age_seconds", h.last_refresh_age_seconds},
                  {"refresh_errors", h.refresh_errors}};
  backend[options_.store.backend == "dynamodb" ? "table" : "path"] = options_.store.location;
  if (!options_.store.region.empty()) backend["region"] = options_.store.region;
  if (!h.last_error.empty() && h.consecutive_errors > 0) backend["last_error"] = h.last_error;
  if (h.rollback_seen) backend["rollback_refused_revision"] = *h.rollback_seen;
  if (!h.foreign_chamber_seen.empty()) backend["foreign_chamber_refused"] = h.foreign_chamber_seen;
  return {{"seal", seal}, {"state_backend", backend}};
}

}  // namespace cc::seal
