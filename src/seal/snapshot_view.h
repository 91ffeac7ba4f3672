// One revision of the state backend, decoded once: the quorum config, the
// master-key metadata, the seal epoch and the unseal progress, plus pure
// functions over them. Everything the state machine and the ceremonies
// decide is read from a view, so two places never disagree on what "live
// unseal progress" or "initialized" means.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "records/records.h"
#include "state/state_store.h"

namespace cc::seal {

class SnapshotView {
 public:
  // What a snapshot holds, before any key is used.
  enum class Shape {
    kEmpty,        // a fresh table: nothing but the head at its creation revision
    kInitialized,  // a quorum config and its master-key metadata
    kBroken,       // chamber records without a readable config: never "uninitialized"
  };

  static std::shared_ptr<const SnapshotView> Of(std::shared_ptr<const state::Snapshot> snap);

  const state::Snapshot& snapshot() const { return *snap_; }
  const std::shared_ptr<const state::Snapshot>& snapshot_ptr() const { return snap_; }
  const std::string& chamber_id() const { return snap_->head.chamber_id; }
  uint64_t revision() const { return snap_->head.revision; }

  Shape shape() const { return shape_; }
  // Why the shape is kBroken (a record that would not decode, a missing config).
  const std::string& error() const { return error_; }
  // Both set when kInitialized.
  const std::optional<records::QuorumConfig>& config() const { return config_; }
  const std::optional<records::MasterKeyMetadata>& meta() const { return meta_; }
  bool quorum() const { return config_ && config_->mode == records::UnsealMode::kQuorum; }
  bool rotation_staged() const;
  const records::SealEpoch& epoch() const { return epoch_; }

  // Unseal submissions that count now: unexpired, made in the current seal
  // epoch and MK generation, by an operator of the current config.
  std::vector<records::UnsealProgress> LiveProgress(int64_t now) const;
  // Progress rows to delete: every row that is not live, plus live rows
  // submitted at or before `consumed_before` (once a quorum used them).
  std::vector<state::RecordKey> SpentProgress(int64_t now,
                                              std::optional<int64_t> consumed_before) const;

  // Decodes one record of this revision; NotFound when absent.
  template <typename T>
  Result<T> Load(const state::RecordKey& key) const {
    return records::Load<T>(*snap_, key);
  }

 private:
  explicit SnapshotView(std::shared_ptr<const state::Snapshot> snap) : snap_(std::move(snap)) {}
  bool IsLive(const records::UnsealProgress& p, int64_t now) const;

  std::shared_ptr<const state::Snapshot> snap_;
  Shape shape_ = Shape::kEmpty;
  std::string error_;
  std::optional<records::QuorumConfig> config_;
  std::optional<records::MasterKeyMetadata> meta_;
  records::SealEpoch epoch_;
  std::vector<std::pair<state::RecordKey, std::optional<records::UnsealProgress>>> progress_;
};

}  // namespace cc::seal
