// In-memory store for unit tests. Several MemoryStore objects may share one
// MemoryTable to act as replicas of one backend; a test can make the table
// fail every call to simulate an outage.
#pragma once

#include <memory>
#include <mutex>

#include "state/state_store.h"

namespace cc::state {

class MemoryTable {
 public:
  // Every store call fails with `failure` until cleared (Status::Ok()).
  void SetFailure(Status failure);
  // Replaces the whole content, as if an old backup were restored.
  void Restore(const Snapshot& snapshot);
  // The whole content (tests that tamper with it).
  Snapshot Contents();

 private:
  friend class MemoryStore;
  std::mutex mu_;
  Status failure_;
  std::optional<HeadRecord> head_;
  std::map<RecordKey, Record> records_;
  std::map<uint64_t, std::string> log_;  // revision -> change-log entry
};

class MemoryStore final : public StateStore {
 public:
  explicit MemoryStore(std::shared_ptr<MemoryTable> table = std::make_shared<MemoryTable>());

  StoreInfo Info() const override { return {"memory", "memory", ""}; }
  Result<std::optional<HeadRecord>> CheckIdentity() override;
  Result<HeadRecord> CreateHeadIfAbsent(const HeadRecord& head) override;
  Result<HeadRecord> ReadHead() override;
  Result<Snapshot> LoadSnapshot() override;
  Result<Delta> LoadChangesSince(uint64_t revision) override;
  Result<uint64_t> Commit(const CommitRequest& request) override;
  StoreStats Stats() const override;

  const std::shared_ptr<MemoryTable>& table() const { return table_; }

 private:
  void Count(const std::string& op, uint64_t bytes);
  std::shared_ptr<MemoryTable> table_;
  mutable std::mutex stats_mu_;
  StoreStats stats_;
};

}  // namespace cc::state
