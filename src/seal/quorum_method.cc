// Quorum mode: the KMS layer gives the outer key; MK comes back when the
// unseal progress of T operators (collected from any replica) rebuilds it.
#include <algorithm>

#include "common/log.h"
#include "common/test_hooks.h"
#include "crypto/integrity.h"
#include "seal/unseal_method.h"

namespace cc::seal {
namespace {

using records::kSealEpoch;
using records::kUnsealProgress;

// Consumed progress stays long enough for every replica to load it.
int64_t ConsumedGrace(const ChamberOptions& o) {
  return std::max(3, 2 * o.refresh_interval_seconds + 2);
}

class QuorumMethod final : public UnsealMethod {
 public:
  bool WantsKmsLayer(const KeyHolder& keys, const SnapshotView&) const override {
    return !keys.HasLayer();
  }
  void KmsLayerOpened(CeremonyContext& ctx, crypto::SecretBytes layer,
                      const SnapshotView&) const override {
    ctx.keys.HoldLayer(std::move(layer));
    log::Info("seal", "KMS layer opened; waiting for operator shares");
  }
  SealState Waiting(const KeyHolder& keys) const override {
    return keys.HasLayer() ? SealState::kKmsUnsealed : SealState::kSealed;
  }
  std::pair<int, int> Thresholds(const records::QuorumConfig& c) const override {
    return {c.operator_threshold, static_cast<int>(c.operators.size())};
  }

  void Advance(CeremonyContext& ctx, const VerifiedSnapshot& state, bool may_commit) const override {
    const SnapshotView& v = state.view();
    if (!ctx.keys.HasMasterKey() && v.config()->AllRegistered()) Collect(ctx, state);
    if (!may_commit) return;
    const int64_t now = ctx.clock.NowUnixSeconds();
    std::vector<state::Mutation> writes;
    if (ctx.keys.HasMasterKey() && v.epoch().sealed &&
        ctx.keys.unsealed_epoch() == v.epoch().epoch) {
      // A fresh quorum lifts an operator seal for every replica.
      writes.push_back(state::Mutation::Put(
          {kSealEpoch, "current"},
          records::Encode(records::SealEpoch{v.epoch().epoch, false, now,
                                             "lifted by operator quorum"})));
    }
    std::optional<int64_t> consumed;
    if (auto at = ctx.keys.unsealed_at(); ctx.keys.HasMasterKey() && at &&
                                          now - *at >= ConsumedGrace(ctx.options)) {
      consumed = at;
    }
    for (const auto& key : v.SpentProgress(now, consumed)) {
      if (writes.size() == state::kMaxCommitRecords - 1) break;
      writes.push_back(state::Mutation::Delete(key));
    }
    if (writes.empty()) return;
    auto r = ctx.writer.Commit(state, std::move(writes));
    if (!r.ok() && r.status().code() != ErrorCode::kAborted) {
      log::Warn("seal", "could not tidy up after the quorum", {{"error", r.status().message()}});
    }
  }

 private:
  void Collect(CeremonyContext& ctx, const VerifiedSnapshot& state) const {
    const SnapshotView& v = state.view();
    std::vector<records::UnsealProgress> progress = v.LiveProgress(ctx.clock.NowUnixSeconds());
    // After this replica's own emergency seal, only fresh submissions count.
    if (auto sealed_at = ctx.keys.sealed_locally_at()) {
      std::erase_if(progress, [&](const auto& p) { return p.submitted_at <= *sealed_at; });
    }
    if (static_cast<int>(progress.size()) < v.config()->operator_threshold) return;
    std::vector<crypto::Share> shares;
    std::map<uint8_t, std::string> names;
    for (const auto& p : progress) {
      auto share = crypto::AeadOpen(state.keys().progress_wrap, p.wrapped_share,
                                    ProgressBinding(v.chamber_id(), p.operator_name, p.seal_epoch,
                                                    p.generation, p.expires_at));
      if (!share.ok()) {
        log::Error("seal", "unseal progress does not open", {{"operator", p.operator_name}});
        continue;
      }
      uint8_t x = static_cast<uint8_t>(v.config()->Find(p.operator_name)->share_index);
      names[x] = p.operator_name;
      shares.push_back({x, std::move(*share)});
    }
    auto mk = crypto::CombineVerified(shares, v.config()->operator_threshold, v.chamber_id(),
                                      kMasterKeyLabel, v.meta()->mk_check);
    if (!mk.ok()) {
      ctx.events.UnsealProblem(mk.status().message());
      return;
    }
    test_hooks::ObserveSecret("master_key", mk->secret.view());
    for (uint8_t x : mk->bad_shares) {
      log::Error("seal", "an operator's submitted share is wrong", {{"operator", names[x]}});
    }
    ctx.keys.HoldMasterKey(std::move(mk->secret), v.epoch().epoch, /*mk_is_layer=*/false,
                           ctx.clock.NowUnixSeconds());
    ctx.events.UnsealProblem("");
    log::Info("seal", "unsealed by operator quorum",
              {{"operators", std::to_string(progress.size())},
               {"threshold", std::to_string(v.config()->operator_threshold)}});
    ctx.Inc("containment_chamber_unseal_total");
  }
};

}  // namespace

const UnsealMethod& KmsOnly();

const UnsealMethod& MethodFor(records::UnsealMode mode) {
  static const QuorumMethod quorum;
  return mode == records::UnsealMode::kQuorum ? quorum : KmsOnly();
}

}  // namespace cc::seal
