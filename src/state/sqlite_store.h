// The embedded default: one SQLite file in WAL mode. Several processes may
// share the file; commits are IMMEDIATE transactions that re-check the head
// revision, and readers see a consistent snapshot inside one read transaction.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "state/state_store.h"

struct sqlite3;

namespace cc::state {

class SqliteStore final : public StateStore {
 public:
  enum class Mode { kReadWrite, kReadOnly };  // kReadOnly never creates the file
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   Mode mode = Mode::kReadWrite);
  ~SqliteStore() override;

  StoreInfo Info() const override { return {"sqlite", path_, ""}; }
  Result<std::optional<HeadRecord>> CheckIdentity() override;
  Result<HeadRecord> CreateHeadIfAbsent(const HeadRecord& head) override;
  Result<HeadRecord> ReadHead() override;
  Result<Snapshot> LoadSnapshot() override;
  Result<Delta> LoadChangesSince(uint64_t revision) override;
  Result<uint64_t> Commit(const CommitRequest& request) override;
  StoreStats Stats() const override;

 private:
  SqliteStore(sqlite3* db, std::string path, Mode mode)
      : db_(db), path_(std::move(path)), mode_(mode) {}
  Status Exec(const char* sql);
  Status Error(const std::string& what) const;
  Result<std::optional<HeadRecord>> ReadHeadLocked();
  void Count(const std::string& op, uint64_t bytes);

  sqlite3* db_;
  std::string path_;
  Mode mode_;
  mutable std::mutex mu_;  // one connection, used by one thread at a time
  StoreStats stats_;
};

}  // namespace cc::state
