// The state store: records `(kind, id) -> {revision, body}` plus one head
// record (chamber id, schema version, creation time, current revision).
// Every change is one atomic commit conditioned on the head revision the
// writer last saw, so racing replicas cannot both win. The store knows
// records and revisions only, never what a share or a policy means.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace cc::state {

inline constexpr int kSchemaVersion = 1;
// At most this many items per commit (older DynamoDB Local builds cap
// transactions at 25): the records, one change-log entry, the deletion of the
// entry that leaves the log window, and the head.
inline constexpr size_t kMaxCommitItems = 25;
inline constexpr size_t kMaxCommitRecords = kMaxCommitItems - 3;
// Change-log entries kept, so a replica that is a few commits behind loads
// only what changed instead of the whole table.
inline constexpr uint64_t kChangeLogWindow = 64;
// DynamoDB's item size limit; checked before committing on every backend.
inline constexpr size_t kMaxItemBytes = 400 * 1024;

struct RecordKey {
  std::string kind;  // "quorum_config", "operator_credential", ...
  std::string id;
  auto operator<=>(const RecordKey&) const = default;
  std::string ToString() const { return kind + "/" + id; }
};

struct Record {
  RecordKey key;
  uint64_t revision = 0;  // head revision of the commit that last wrote it
  std::string body;       // opaque bytes
};

struct HeadRecord {
  std::string chamber_id;
  int schema_version = kSchemaVersion;
  int64_t created_at = 0;  // unix seconds
  uint64_t revision = 0;
};

// A consistent view: the head and every record as of head.revision.
struct Snapshot {
  HeadRecord head;
  std::map<RecordKey, Record> records;
  const Record* Find(const RecordKey& key) const {
    auto it = records.find(key);
    return it == records.end() ? nullptr : &it->second;
  }
  // The records of one kind, in id order (keys sort by kind, then id).
  // A plain iterator pair: clang before 16 cannot use libstdc++'s ranges.
  struct KindRange {
    std::map<RecordKey, Record>::const_iterator first, last;
    auto begin() const { return first; }
    auto end() const { return last; }
    size_t size() const { return static_cast<size_t>(std::distance(first, last)); }
  };
  KindRange OfKind(const std::string& kind) const {
    return {records.lower_bound({kind, ""}), records.lower_bound({kind + '\0', ""})};
  }
};

// What changed between two revisions (from the change log).
struct Delta {
  HeadRecord head;                 // the state the delta leads to
  std::vector<Record> upserts;     // current bodies of records written since
  std::vector<RecordKey> deletes;  // records deleted since
};

// `base` with `delta` applied.
Snapshot ApplyDelta(const Snapshot& base, const Delta& delta);

struct Mutation {
  RecordKey key;
  std::optional<std::string> body;  // nullopt deletes the record
  static Mutation Put(RecordKey k, std::string b) { return {std::move(k), std::move(b)}; }
  static Mutation Delete(RecordKey k) { return {std::move(k), std::nullopt}; }
};

struct CommitRequest {
  uint64_t expected_revision = 0;
  std::vector<Mutation> mutations;
};

// Where the store lives, for the startup line, status and `state doctor`.
struct StoreInfo {
  std::string backend;   // sqlite | dynamodb | memory
  std::string location;  // table name or file path
  std::string region;    // dynamodb only
};

// Counters every store keeps (benchmarks,
// `containment_state_backend_requests_total{op}`).
struct StoreStats {
  // Calls per operation: DynamoDB API calls (HTTP requests) for DynamoDB;
  // calls of this interface (each one SQLite transaction) for SQLite/memory.
  std::map<std::string, uint64_t> requests;
  // Keys and bodies of the records loaded (SQLite and memory; not I/O).
  uint64_t record_bytes_loaded = 0;
  // HTTP bytes on the wire, requests and responses with headers and bodies
  // (DynamoDB only; 0 for stores that have no wire).
  uint64_t wire_bytes_sent = 0;
  uint64_t wire_bytes_received = 0;
  uint64_t TotalRequests() const {
    uint64_t n = 0;
    for (const auto& [op, c] : requests) n += c;
    return n;
  }
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  virtual StoreInfo Info() const = 0;

  // Read-only identity check (SPEC 5, wrong-table guard): the table or file
  // exists and holds nothing but ours. Returns the head, or nullopt for an
  // empty store. A missing table, foreign items or a newer schema is an error.
  virtual Result<std::optional<HeadRecord>> CheckIdentity() = 0;

  // Creates the head (revision 0) unless one exists; returns the head that won.
  virtual Result<HeadRecord> CreateHeadIfAbsent(const HeadRecord& head) = 0;

  // One strongly consistent read of the head (the cheap poll). NotFound when absent.
  virtual Result<HeadRecord> ReadHead() = 0;

  // Head plus all records, consistent as of the returned head revision.
  virtual Result<Snapshot> LoadSnapshot() = 0;

  // The records changed after `revision`, consistent as of the returned head.
  // NotFound when the change log no longer reaches back that far (the caller
  // then loads a full snapshot).
  virtual Result<Delta> LoadChangesSince(uint64_t revision) = 0;

  // Applies the mutations atomically iff the head is still at
  // expected_revision; returns the new revision (expected + 1). A moved head
  // is kConflict; records over the size limit or too many items are
  // kTooLarge / kInvalidArgument and nothing is written.
  virtual Result<uint64_t> Commit(const CommitRequest& request) = 0;

  virtual StoreStats Stats() const = 0;
};

// Checks shared by every backend before a commit touches anything.
Status ValidateCommit(const CommitRequest& request);

// The change-log entry of a commit: which keys it wrote or deleted.
std::string EncodeChangeLog(const CommitRequest& request);
Result<std::vector<std::pair<RecordKey, bool>>> DecodeChangeLog(
    const std::string& entry);  // (key, deleted)

// Folds log entries (oldest first) into the set of keys to fetch and delete.
void FoldChangeLog(const std::vector<std::pair<RecordKey, bool>>& entry,
                   std::map<RecordKey, bool>& changed);

// Opens the store for a server: identity check, then head creation when empty.
Result<HeadRecord> OpenOrCreate(StateStore& store, int64_t now_unix);

}  // namespace cc::state
