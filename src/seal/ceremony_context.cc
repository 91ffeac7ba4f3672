#include <algorithm>

#include "common/log.h"
#include "seal/ceremony.h"

namespace cc::seal {
namespace {

// KMS openings on behalf of unauthenticated callers: a burst of three
// (ask for a one-time token, present it, retry a typo), then one per 5 s.
constexpr double kAnonymousOpenBurst = 3;
constexpr std::chrono::seconds kAnonymousOpenInterval{5};

}  // namespace

Result<crypto::SecretBytes> CeremonyContext::OpenForRequest(const SnapshotView& view,
                                                            bool anonymous) {
  if (anonymous) {
    const auto now = clock.SteadyNow();
    MutexLock l(open_mu_);
    const double refilled =
        std::chrono::duration<double>(now - anonymous_refill_) / kAnonymousOpenInterval;
    anonymous_opens_ = std::min(kAnonymousOpenBurst, anonymous_opens_ + std::max(0.0, refilled));
    anonymous_refill_ = now;
    if (anonymous_opens_ < 1) {
      return Status::TooManyRequests(
          "this replica has not opened its KMS layer; try again in a few seconds");
    }
    anonymous_opens_ -= 1;
  }
  auto opened = kms.Open(view);  // network: no lock held
  if (!opened.ok()) {
    // Key ids and endpoints stay in the log and the authenticated status.
    log::Warn("seal", "cannot open the KMS layer for a request",
              {{"error", opened.status().message()}});
    return Status::Unavailable("cannot open the KMS layer on this replica (" +
                               opened.status().message() + ")");
  }
  return opened;
}

Result<std::pair<VerifiedSnapshot, crypto::SecretBytes>> CeremonyContext::VerifiedWithLayer(
    std::shared_ptr<const SnapshotView> view, bool anonymous) {
  if (view->shape() != SnapshotView::Shape::kInitialized) {
    if (view->shape() == SnapshotView::Shape::kBroken) {
      Status st = Status::Corruption(view->error());
      events.IntegrityFailed(st);
      return st;
    }
    return Status::FailedPrecondition("the chamber is not initialized");
  }
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, OpenForRequest(*view, anonymous));
  auto verified = writer.Verify(view, LayerKeys::From(layer));
  if (!verified.ok()) {
    events.IntegrityFailed(verified.status());
    return verified.status();
  }
  return std::make_pair(std::move(*verified), std::move(layer));
}

Result<VerifiedSnapshot> CeremonyContext::Verified(std::shared_ptr<const SnapshotView> view,
                                                   bool anonymous) {
  if (view->shape() == SnapshotView::Shape::kInitialized) {
    if (std::optional<LayerKeys> held = keys.Layer()) {
      auto verified = writer.Verify(view, std::move(*held));
      if (!verified.ok()) events.IntegrityFailed(verified.status());
      return verified;
    }
  }
  CC_ASSIGN_OR_RETURN(auto both, VerifiedWithLayer(std::move(view), anonymous));
  // Quorum mode keeps the outer key (MK stays with the operators).
  if (both.first.view().quorum()) keys.HoldLayer(std::move(both.second));
  return std::move(both.first);
}

}  // namespace cc::seal
