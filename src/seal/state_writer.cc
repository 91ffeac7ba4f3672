#include "seal/state_writer.h"

#include <algorithm>

#include "crypto/hmac.h"

namespace cc::seal {

using records::kManifest;

namespace {

std::map<state::RecordKey, std::string> Bodies(const state::Snapshot& s) {
  std::map<state::RecordKey, std::string> bodies;
  for (const auto& [k, r] : s.records) bodies[k] = r.body;
  return bodies;
}

// What a lost commit means when the refresh loop refused the backend's
// state: a rollback (an older revision) or another chamber's table.
Status RefusedBackend(const state::RefreshStatus& h, const state::HeadRecord& base) {
  const uint64_t seen = std::max(h.revision, base.revision);
  if (h.rollback_seen) {
    return Status::FailedPrecondition(
        "the state backend was rolled back: it is at revision " + std::to_string(*h.rollback_seen) +
        " while this replica has seen revision " + std::to_string(seen) +
        ", and this replica refuses to follow it (it keeps its last good state and changes "
        "nothing). If an old backup was restored by mistake, restore the newest backup; if the "
        "rollback is deliberate, check the restored state with `containment-chamber state "
        "doctor`, then restart the replicas one at a time");
  }
  if (!h.foreign_chamber_seen.empty()) {
    return Status::FailedPrecondition(
        "the state backend now holds another chamber (" + h.foreign_chamber_seen +
        ") than the one this replica serves (" + base.chamber_id +
        "), and this replica refuses to follow it. Check signer_state.table/path: if the table "
        "or file was replaced by mistake, put the right one back; if the replacement is "
        "deliberate, restart the replicas one at a time");
  }
  return Status::Ok();
}

}  // namespace

Status VerifyManifest(const state::Snapshot& snap, const crypto::SecretBytes& manifest_mac) {
  auto m = records::Load<records::Manifest>(snap, {kManifest, "current"});
  if (!m.ok()) return Status::Corruption("state integrity: " + m.status().message());
  std::string mac = ManifestMac(manifest_mac, snap.head.chamber_id, m->revision, Bodies(snap));
  if (!crypto::ConstantTimeEquals(mac, m->mac)) {
    return Status::Corruption(
        "state integrity: the records do not match the manifest (a record was altered, added, "
        "removed or copied from elsewhere)");
  }
  if (m->revision != snap.head.revision) {
    return Status::Corruption("state integrity: the manifest is for revision " +
                              std::to_string(m->revision) + " but the head is at " +
                              std::to_string(snap.head.revision) + " (older state replayed?)");
  }
  return Status::Ok();
}

Result<VerifiedSnapshot> StateWriter::Verify(std::shared_ptr<const SnapshotView> view,
                                             LayerKeys keys) {
  const state::Snapshot& snap = view->snapshot();
  // The MAC key's own MAC identifies it without keeping a second copy.
  const std::string key_id = crypto::HmacSha256(keys.manifest_mac.view(), "key-id");
  {
    MutexLock l(mu_);
    if (verified_ == view->snapshot_ptr() && verified_mac_key_ == key_id) {
      return VerifiedSnapshot(std::move(view), std::make_shared<const LayerKeys>(std::move(keys)));
    }
  }
  CC_RETURN_IF_ERROR(VerifyManifest(snap, keys.manifest_mac));
  {
    MutexLock l(mu_);
    verified_ = view->snapshot_ptr();
    verified_mac_key_ = key_id;
  }
  return VerifiedSnapshot(std::move(view), std::make_shared<const LayerKeys>(std::move(keys)));
}

Result<uint64_t> StateWriter::Commit(const VerifiedSnapshot& base,
                                     std::vector<state::Mutation> mutations) {
  return CommitWithManifest(base.view().snapshot(), base.keys(), std::move(mutations));
}

Result<uint64_t> StateWriter::CommitFirst(const SnapshotView& empty, const LayerKeys& keys,
                                          std::vector<state::Mutation> mutations) {
  if (empty.shape() != SnapshotView::Shape::kEmpty || !empty.snapshot().records.empty()) {
    return Status::Conflict("the chamber is already initialized (the state backend holds records)");
  }
  return CommitWithManifest(empty.snapshot(), keys, std::move(mutations));
}

Result<uint64_t> StateWriter::CommitWithManifest(const state::Snapshot& base, const LayerKeys& keys,
                                                 std::vector<state::Mutation> mutations) {
  std::map<state::RecordKey, std::string> bodies = Bodies(base);
  for (const auto& m : mutations) {
    if (m.body) {
      bodies[m.key] = *m.body;
    } else {
      bodies.erase(m.key);
    }
  }
  const uint64_t rev = base.head.revision + 1;
  records::Manifest manifest{rev,
                             ManifestMac(keys.manifest_mac, base.head.chamber_id, rev, bodies)};
  mutations.push_back(state::Mutation::Put({kManifest, "current"}, records::Encode(manifest)));
  auto r = refresher_.Commit({base.head.revision, std::move(mutations)});
  if (!r.ok() && r.status().code() == ErrorCode::kConflict) {
    // Not a race when the backend went backwards or was replaced: retrying
    // cannot help, and the operator must decide (never kAborted).
    if (Status refused = RefusedBackend(refresher_.Health(), base.head); !refused.ok())
      return refused;
    return Status::Aborted("another replica changed the chamber at the same time (" +
                           r.status().message() + ")");
  }
  return r;
}

std::shared_ptr<const SnapshotView> StateWriter::Fresh() {
  refresher_.RefreshOnce();
  return Current();
}

std::shared_ptr<const SnapshotView> StateWriter::Current() const {
  std::shared_ptr<const state::Snapshot> snap = refresher_.Current();
  if (!snap) return nullptr;
  {
    MutexLock l(view_mu_);
    if (current_view_ && current_view_->snapshot_ptr() == snap) return current_view_;
  }
  // Parsed outside the lock; two threads racing here both parse and the
  // later one's view is kept: equal content, so either is right.
  std::shared_ptr<const SnapshotView> view = SnapshotView::Of(std::move(snap));
  MutexLock l(view_mu_);
  current_view_ = view;
  return view;
}

}  // namespace cc::seal
