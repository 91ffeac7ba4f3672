// The one way the seal component changes the state backend. Every commit
// carries a fresh manifest (a MAC over every record under a key from the
// KMS-layer secret), and is made only over a VerifiedSnapshot: a revision
// whose manifest this writer checked under the current layer secret. So a
// request can never launder rows someone changed in the table into a new,
// valid manifest (the attacker holds no KMS key, the replica holds the MAC
// key, and it MACs only state it authenticated first).
//
// A commit that loses the race to another writer is kAborted: re-read and
// retry (Retrying does it, boundedly). A commit refused because the backend
// went back to an older revision, or now holds another chamber (the refresh
// loop refuses both), is kFailedPrecondition: retrying cannot help.
// Nothing matches message text.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/mutex.h"
#include "seal/keys.h"
#include "seal/snapshot_view.h"
#include "state/refresher.h"

namespace cc::seal {

class VerifiedSnapshot {
 public:
  const SnapshotView& view() const { return *view_; }
  const std::shared_ptr<const SnapshotView>& view_ptr() const { return view_; }
  const LayerKeys& keys() const { return *keys_; }

 private:
  friend class StateWriter;
  VerifiedSnapshot(std::shared_ptr<const SnapshotView> v, std::shared_ptr<const LayerKeys> k)
      : view_(std::move(v)), keys_(std::move(k)) {}
  std::shared_ptr<const SnapshotView> view_;
  std::shared_ptr<const LayerKeys> keys_;
};

// Checks a snapshot's manifest under the manifest MAC key (LayerKeys):
// kCorruption when any record was altered, added, removed, replayed or
// copied from another table. Pure: `state doctor` uses it too.
Status VerifyManifest(const state::Snapshot& snap, const crypto::SecretBytes& manifest_mac);

class StateWriter {
 public:
  explicit StateWriter(state::Refresher& refresher) : refresher_(refresher) {}

  // Checks the view's manifest under `keys`: kCorruption when any record
  // was altered, added, removed, replayed or copied from another table.
  Result<VerifiedSnapshot> Verify(std::shared_ptr<const SnapshotView> view, LayerKeys keys);

  // Commits `mutations` plus a new manifest, conditioned on the verified
  // revision. kAborted when another writer committed first.
  Result<uint64_t> Commit(const VerifiedSnapshot& base, std::vector<state::Mutation> mutations);

  // The first commit of a chamber (init): only onto an empty store.
  Result<uint64_t> CommitFirst(const SnapshotView& empty, const LayerKeys& keys,
                               std::vector<state::Mutation> mutations);

  // The latest view after one head read (what a ceremony acts on).
  std::shared_ptr<const SnapshotView> Fresh();
  // Parsed once per snapshot and shared: status and every reconcile pass
  // read it, and parsing the records is the expensive part.
  std::shared_ptr<const SnapshotView> Current() const EXCLUDES(view_mu_);

  // Runs `attempt` on fresh state, again when it lost a commit race
  // (kAborted), at most three times.
  template <typename T>
  Result<T> Retrying(const std::function<Result<T>(std::shared_ptr<const SnapshotView>)>& attempt) {
    for (int i = 0;; ++i) {
      Result<T> r = attempt(Fresh());
      if (r.ok() || r.status().code() != ErrorCode::kAborted || i == 2) return r;
    }
  }

 private:
  Result<uint64_t> CommitWithManifest(const state::Snapshot& base, const LayerKeys& keys,
                                      std::vector<state::Mutation> mutations);

  state::Refresher& refresher_;
  // The last snapshot verified, so hashing runs once per revision.
  Mutex mu_;
  std::shared_ptr<const state::Snapshot> verified_ GUARDED_BY(mu_);
  std::string verified_mac_key_ GUARDED_BY(mu_);
  mutable Mutex view_mu_;
  mutable std::shared_ptr<const SnapshotView> current_view_ GUARDED_BY(view_mu_);
};

}  // namespace cc::seal
