#include "state/memory_store.h"

namespace cc::state {

void MemoryTable::SetFailure(Status failure) {
  std::lock_guard<std::mutex> l(mu_);
  failure_ = std::move(failure);
}

void MemoryTable::Restore(const Snapshot& snapshot) {
  std::lock_guard<std::mutex> l(mu_);
  head_ = snapshot.head;
  records_ = snapshot.records;
}

MemoryStore::MemoryStore(std::shared_ptr<MemoryTable> table) : table_(std::move(table)) {}

void MemoryStore::Count(const std::string& op, uint64_t bytes) {
  std::lock_guard<std::mutex> l(stats_mu_);
  stats_.requests[op]++;
  stats_.bytes_read += bytes;
}

StoreStats MemoryStore::Stats() const {
  std::lock_guard<std::mutex> l(stats_mu_);
  return stats_;
}

Result<std::optional<HeadRecord>> MemoryStore::CheckIdentity() {
  Count("check_identity", 0);
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  return table_->head_;
}

Result<HeadRecord> MemoryStore::CreateHeadIfAbsent(const HeadRecord& head) {
  Count("create_head", 0);
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) table_->head_ = head;
  return *table_->head_;
}

Result<HeadRecord> MemoryStore::ReadHead() {
  std::lock_guard<std::mutex> l(table_->mu_);
  Count("read_head", 64);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) return Status::NotFound("the state store has no head record");
  return *table_->head_;
}

Result<Snapshot> MemoryStore::LoadSnapshot() {
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) return Status::NotFound("the state store has no head record");
  Snapshot s{*table_->head_, table_->records_};
  uint64_t bytes = 64;
  for (const auto& [k, r] : s.records) bytes += r.body.size() + k.kind.size() + k.id.size() + 8;
  Count("load_snapshot", bytes);
  return s;
}

Result<uint64_t> MemoryStore::Commit(const CommitRequest& request) {
  CC_RETURN_IF_ERROR(ValidateCommit(request));
  Count("commit", 0);
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) return Status::FailedPrecondition("the state store has no head record");
  if (table_->head_->revision != request.expected_revision) {
    return Status::Conflict("head revision is " + std::to_string(table_->head_->revision) +
                            ", expected " + std::to_string(request.expected_revision) +
                            "; another replica committed first");
  }
  uint64_t rev = request.expected_revision + 1;
  for (const Mutation& m : request.mutations) {
    if (m.body) {
      table_->records_[m.key] = Record{m.key, rev, *m.body};
    } else {
      table_->records_.erase(m.key);
    }
  }
  table_->head_->revision = rev;
  return rev;
}

}  // namespace cc::state
