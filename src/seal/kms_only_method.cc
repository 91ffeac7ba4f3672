// KMS-only mode: the KMS keys rebuild MK itself; no humans at restart.
#include "common/log.h"
#include "seal/unseal_method.h"

namespace cc::seal {

class KmsOnlyMethod final : public UnsealMethod {
 public:
  bool WantsKmsLayer(const KeyHolder& keys, const SnapshotView& view) const override {
    // An operator seal (recorded, or this replica's own) keeps MK away.
    return !keys.HasMasterKey() && !view.epoch().sealed && !keys.sealed_locally_at();
  }
  void KmsLayerOpened(CeremonyContext& ctx, crypto::SecretBytes layer,
                      const SnapshotView& view) const override {
    ctx.keys.HoldMasterKey(std::move(layer), view.epoch().epoch, /*mk_is_layer=*/true,
                           ctx.clock.NowUnixSeconds());
    log::Info("seal", "unsealed with the KMS keys");
    ctx.Inc("containment_chamber_unseal_total");
  }
  SealState Waiting(const KeyHolder&) const override { return SealState::kSealed; }
  std::pair<int, int> Thresholds(const records::QuorumConfig& c) const override {
    return {c.kms_threshold, static_cast<int>(c.kms_keys.size())};
  }
};

const UnsealMethod& KmsOnly() {
  static const KmsOnlyMethod m;
  return m;
}

}  // namespace cc::seal
