// DynamoDB state store: one single-region table, partition key `pk` (S) and
// sort key `sk` (S). All items share pk "chamber"; the head is sk "head" and
// a record (kind, id) is sk "r#<kind>#<id>". Change-log entries live in
// partition "chamber-log" (sk "log#<revision, 20 digits>") so a full load
// never reads them. Commits are TransactWriteItems
// with a condition on the head's revision; reads are strongly consistent.
// See docs/state-backend.md for the layout and the table's CLI definition.
#pragma once

#include <memory>
#include <mutex>

#include "aws/json_client.h"
#include "state/state_store.h"

namespace cc::state {

class DynamoDbStore final : public StateStore {
 public:
  DynamoDbStore(std::string table, std::unique_ptr<aws::JsonClient> client);

  StoreInfo Info() const override;
  Result<std::optional<HeadRecord>> CheckIdentity() override;
  Result<HeadRecord> CreateHeadIfAbsent(const HeadRecord& head) override;
  Result<HeadRecord> ReadHead() override;
  Result<Snapshot> LoadSnapshot() override;
  Result<Delta> LoadChangesSince(uint64_t revision) override;
  Result<uint64_t> Commit(const CommitRequest& request) override;
  StoreStats Stats() const override;

  // Creates the table with the expected key schema (on-demand billing) and
  // waits until it is ACTIVE. For tests and `state create-table`.
  Status CreateTable();

 private:
  Result<std::optional<HeadRecord>> GetHead();
  Status NotOurs(const std::string& why) const;
  Result<std::optional<Delta>> TryLoadChanges(uint64_t revision);
  // Whether the change-log entry of `revision` was written by the commit
  // carrying `token` (tells a retried commit of ours from another replica's).
  bool CommittedWithToken(uint64_t revision, const std::string& token);

  std::string table_;
  std::unique_ptr<aws::JsonClient> client_;
  mutable std::mutex stats_mu_;
  StoreStats stats_;
};

}  // namespace cc::state
