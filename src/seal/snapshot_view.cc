#include "seal/snapshot_view.h"

namespace cc::seal {

using records::kMasterKey;
using records::kQuorumConfig;
using records::kSealEpoch;
using records::kUnsealProgress;

std::shared_ptr<const SnapshotView> SnapshotView::Of(std::shared_ptr<const state::Snapshot> snap) {
  if (!snap) return nullptr;
  std::shared_ptr<SnapshotView> v(new SnapshotView(std::move(snap)));
  const state::Snapshot& s = *v->snap_;
  auto fail = [&](std::string why) {
    v->shape_ = Shape::kBroken;
    if (v->error_.empty()) v->error_ = std::move(why);
  };

  auto cfg = records::Load<records::QuorumConfig>(s, {kQuorumConfig, "current"});
  if (cfg.ok()) {
    v->config_ = std::move(*cfg);
    auto meta = records::Load<records::MasterKeyMetadata>(
        s, {kMasterKey, records::GenerationId(v->config_->mk_generation)});
    if (meta.ok()) {
      v->meta_ = std::move(*meta);
      v->shape_ = Shape::kInitialized;
    } else {
      fail(meta.status().message());
    }
  } else if (cfg.status().code() != ErrorCode::kNotFound) {
    fail(cfg.status().message());
  } else if (!s.records.empty() || s.head.revision > 0) {
    // Once anything was ever committed, a missing config is tampering (or
    // loss), never a fresh chamber: init would overwrite the master key.
    fail("state integrity: the quorum configuration is missing but the table holds " +
         std::to_string(s.records.size()) + " record(s) at revision " +
         std::to_string(s.head.revision) + "; refusing to treat it as uninitialized");
  }

  auto epoch = records::Load<records::SealEpoch>(s, {kSealEpoch, "current"});
  if (epoch.ok()) {
    v->epoch_ = std::move(*epoch);
  } else if (epoch.status().code() != ErrorCode::kNotFound) {
    fail(epoch.status().message());
  }
  for (const auto& [key, r] : s.OfKind(kUnsealProgress)) {
    auto p = records::Decode<records::UnsealProgress>(r.body);
    v->progress_.emplace_back(key, p.ok() ? std::optional(std::move(*p)) : std::nullopt);
  }
  return v;
}

bool SnapshotView::rotation_staged() const {
  return snap_->Find({kQuorumConfig, "staged"}) != nullptr;
}

bool SnapshotView::IsLive(const records::UnsealProgress& p, int64_t now) const {
  return config_ && p.expires_at > now && p.seal_epoch == epoch_.epoch &&
         p.generation == config_->mk_generation && config_->Find(p.operator_name) != nullptr;
}

std::vector<records::UnsealProgress> SnapshotView::LiveProgress(int64_t now) const {
  std::vector<records::UnsealProgress> out;
  for (const auto& [key, p] : progress_) {
    if (p && key.id == p->operator_name && IsLive(*p, now)) out.push_back(*p);
  }
  return out;
}

std::vector<state::RecordKey> SnapshotView::SpentProgress(
    int64_t now, std::optional<int64_t> consumed_before) const {
  std::vector<state::RecordKey> out;
  for (const auto& [key, p] : progress_) {
    bool live = p && key.id == p->operator_name && IsLive(*p, now);
    bool consumed = live && consumed_before && p->submitted_at <= *consumed_before;
    if (!live || consumed) out.push_back(key);
  }
  return out;
}

}  // namespace cc::seal
