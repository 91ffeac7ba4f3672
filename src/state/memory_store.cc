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
  log_.clear();
}

Snapshot MemoryTable::Contents() {
  std::lock_guard<std::mutex> l(mu_);
  return {head_.value_or(HeadRecord{}), records_};
}

MemoryStore::MemoryStore(std::shared_ptr<MemoryTable> table) : table_(std::move(table)) {}

namespace {
// A head written by a newer build is refused, as on the other backends.
Status RefuseNewerSchema(const std::optional<HeadRecord>& h) {
  if (!h || h->schema_version <= kSchemaVersion) return Status::Ok();
  return Status::FailedPrecondition("the memory store has schema version " +
                                    std::to_string(h->schema_version) +
                                    "; this build reads up to " + std::to_string(kSchemaVersion));
}
}  // namespace

void MemoryStore::Count(const std::string& op, uint64_t bytes) {
  std::lock_guard<std::mutex> l(stats_mu_);
  stats_.requests[op]++;
  stats_.record_bytes_loaded += bytes;
}

StoreStats MemoryStore::Stats() const {
  std::lock_guard<std::mutex> l(stats_mu_);
  return stats_;
}

Result<std::optional<HeadRecord>> MemoryStore::CheckIdentity() {
  Count("check_identity", 0);
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  CC_RETURN_IF_ERROR(RefuseNewerSchema(table_->head_));
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
  Count("read_head", 0);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) return Status::NotFound("the state store has no head record");
  CC_RETURN_IF_ERROR(RefuseNewerSchema(table_->head_));
  return *table_->head_;
}

Result<Snapshot> MemoryStore::LoadSnapshot() {
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) return Status::NotFound("the state store has no head record");
  CC_RETURN_IF_ERROR(RefuseNewerSchema(table_->head_));
  Snapshot s{*table_->head_, table_->records_};
  uint64_t bytes = 0;
  for (const auto& [k, r] : s.records) bytes += r.body.size() + k.kind.size() + k.id.size() + 8;
  Count("load_snapshot", bytes);
  return s;
}

Result<Delta> MemoryStore::LoadChangesSince(uint64_t revision) {
  std::lock_guard<std::mutex> l(table_->mu_);
  if (!table_->failure_.ok()) return table_->failure_;
  if (!table_->head_) return Status::NotFound("the state store has no head record");
  CC_RETURN_IF_ERROR(RefuseNewerSchema(table_->head_));
  Delta d{*table_->head_, {}, {}};
  if (revision > d.head.revision) {
    return Status::FailedPrecondition("the store is at revision " +
                                      std::to_string(d.head.revision) + ", behind " +
                                      std::to_string(revision));
  }
  std::map<RecordKey, bool> changed;
  for (uint64_t r = revision + 1; r <= d.head.revision; ++r) {
    auto it = table_->log_.find(r);
    if (it == table_->log_.end()) return Status::NotFound("change log does not reach back");
    CC_ASSIGN_OR_RETURN(auto entry, DecodeChangeLog(it->second));
    FoldChangeLog(entry, changed);
  }
  uint64_t bytes = 0;
  for (const auto& [key, deleted] : changed) {
    auto rec = table_->records_.find(key);
    if (deleted || rec == table_->records_.end()) {
      d.deletes.push_back(key);
    } else {
      d.upserts.push_back(rec->second);
      bytes += rec->second.body.size();
    }
  }
  Count("load_changes", bytes);
  return d;
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
  table_->log_[rev] = EncodeChangeLog(request);
  if (rev > kChangeLogWindow) table_->log_.erase(rev - kChangeLogWindow);
  return rev;
}

}  // namespace cc::state
