#include "state/sqlite_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <set>

namespace cc::state {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS cc_head ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), marker TEXT NOT NULL, chamber_id TEXT NOT NULL,"
    "  schema_version INTEGER NOT NULL, created_at INTEGER NOT NULL, revision INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS cc_records ("
    "  kind TEXT NOT NULL, id TEXT NOT NULL, revision INTEGER NOT NULL, body BLOB NOT NULL,"
    "  PRIMARY KEY (kind, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS cc_log (revision INTEGER PRIMARY KEY, entry TEXT NOT NULL);";
constexpr char kMarker[] = "containment-chamber-state";

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() { return s_; }
  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int Step() { return sqlite3_step(s_); }
  std::string Text(int col) {
    const unsigned char* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : "";
  }
  std::string Blob(int col) {
    const void* p = sqlite3_column_blob(s_, col);
    return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : "";
  }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// Rolls back unless committed, so every early return leaves no transaction open.
class Txn {
 public:
  explicit Txn(sqlite3* db) : db_(db) {}
  ~Txn() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  int Begin(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    open_ = rc == SQLITE_OK;
    return rc;
  }
  int Commit() {
    int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) open_ = false;
    return rc;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, Mode mode) {
  struct stat st {};
  if (mode == Mode::kReadOnly && stat(path.c_str(), &st) != 0) {
    return Status::NotFound("no state file at " + path);
  }
  sqlite3* db = nullptr;
  int flags =
      SQLITE_OPEN_NOMUTEX |
      (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  mode_t old_umask = umask(077);  // the state file holds wrapped key material
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  umask(old_umask);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status::Unavailable("cannot open SQLite state file " + path + ": " + msg +
                               " (does its directory exist and is it writable?)");
  }
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore(db, path, mode));
  sqlite3_busy_timeout(db, 5000);
  if (mode == Mode::kReadWrite) {
    CC_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
    CC_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
  }
  return store;
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

Status SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  ErrorCode code =
      (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  return Status(code, "SQLite " + path_ + ": " + msg);
}

Status SqliteStore::Error(const std::string& what) const {
  int rc = sqlite3_errcode(db_);
  ErrorCode code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_IOERR)
                       ? ErrorCode::kUnavailable
                       : (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? ErrorCode::kCorruption
                                                                      : ErrorCode::kInternal);
  return Status(code, "SQLite " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

void SqliteStore::Count(const std::string& op, uint64_t bytes) {
  stats_.requests[op]++;
  stats_.record_bytes_loaded += bytes;
}

StoreStats SqliteStore::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

Result<std::optional<HeadRecord>> SqliteStore::CheckIdentity() {
  std::lock_guard<std::mutex> l(mu_);
  Count("check_identity", 0);
  std::set<std::string> tables;
  {
    Stmt s(db_, "SELECT name FROM sqlite_master WHERE type = 'table'");
    if (!s.ok()) return Error("cannot read the schema (is this an SQLite file?)");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) tables.insert(s.Text(0));
    if (rc != SQLITE_DONE) return Error("cannot read the schema (is this an SQLite file?)");
  }
  std::string foreign;
  for (const auto& t : tables) {
    if (t != "cc_head" && t != "cc_records" && t != "cc_log")
      foreign += (foreign.empty() ? "" : ", ") + t;
  }
  if (!foreign.empty()) {
    return Status::FailedPrecondition(
        "SQLite file " + path_ + " holds tables that are not Containment Chamber state (" +
        foreign + "); is this a key-source or slashing-protection database? Refusing to use it");
  }
  if (mode_ == Mode::kReadOnly) {
    if (!tables.count("cc_head")) return std::optional<HeadRecord>();
  } else {
    CC_RETURN_IF_ERROR(Exec(kSchema));  // idempotent; adds tables a newer build needs
  }
  return ReadHeadLocked();
}

Result<std::optional<HeadRecord>> SqliteStore::ReadHeadLocked() {
  Stmt s(
      db_,
      "SELECT marker, chamber_id, schema_version, created_at, revision FROM cc_head WHERE id = 1");
  if (!s.ok()) return Error("cannot read the head");
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<HeadRecord>();
  if (rc != SQLITE_ROW) return Error("cannot read the head");
  if (s.Text(0) != kMarker) {
    return Status::FailedPrecondition("SQLite file " + path_ + " has a head that is not ours");
  }
  HeadRecord h{s.Text(1), static_cast<int>(s.Int(2)), s.Int(3), static_cast<uint64_t>(s.Int(4))};
  if (h.schema_version > kSchemaVersion) {
    return Status::FailedPrecondition(
        "state file " + path_ + " has schema version " + std::to_string(h.schema_version) +
        "; this build reads up to " + std::to_string(kSchemaVersion) + " (upgrade the binary)");
  }
  return std::optional<HeadRecord>(h);
}

Result<HeadRecord> SqliteStore::CreateHeadIfAbsent(const HeadRecord& head) {
  std::lock_guard<std::mutex> l(mu_);
  Count("create_head", 0);
  Stmt s(
      db_,
      "INSERT OR IGNORE INTO cc_head (id, marker, chamber_id, schema_version, created_at, revision)"
      " VALUES (1, ?, ?, ?, ?, 0)");
  if (!s.ok()) return Error("cannot create the head");
  s.Bind(1, std::string(kMarker));
  s.Bind(2, head.chamber_id);
  s.Bind(3, static_cast<int64_t>(head.schema_version));
  s.Bind(4, head.created_at);
  if (s.Step() != SQLITE_DONE) return Error("cannot create the head");
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, ReadHeadLocked());
  if (!h) return Status::Internal("head vanished after creation");
  return *h;
}

Result<HeadRecord> SqliteStore::ReadHead() {
  std::lock_guard<std::mutex> l(mu_);
  Count("read_head", 0);
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, ReadHeadLocked());
  if (!h) return Status::NotFound("SQLite file " + path_ + " has no head record");
  return *h;
}

Result<Snapshot> SqliteStore::LoadSnapshot() {
  std::lock_guard<std::mutex> l(mu_);
  Txn txn(db_);
  if (txn.Begin("BEGIN") != SQLITE_OK) return Error("cannot begin a read");
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, ReadHeadLocked());
  if (!h) return Status::NotFound("SQLite file " + path_ + " has no head record");
  Snapshot snap;
  snap.head = *h;
  Stmt s(db_, "SELECT kind, id, revision, body FROM cc_records");
  if (!s.ok()) return Error("cannot read records");
  uint64_t bytes = 0;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    Record r{{s.Text(0), s.Text(1)}, static_cast<uint64_t>(s.Int(2)), s.Blob(3)};
    bytes += r.body.size() + r.key.kind.size() + r.key.id.size() + 8;
    snap.records.emplace(r.key, std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("cannot read records");
  txn.Commit();
  Count("load_snapshot", bytes);
  return snap;
}

Result<Delta> SqliteStore::LoadChangesSince(uint64_t revision) {
  std::lock_guard<std::mutex> l(mu_);
  Txn txn(db_);
  if (txn.Begin("BEGIN") != SQLITE_OK) return Error("cannot begin a read");
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, ReadHeadLocked());
  if (!h) return Status::NotFound("SQLite file " + path_ + " has no head record");
  Delta d{*h, {}, {}};
  if (revision > h->revision) {
    return Status::FailedPrecondition("the store is at revision " + std::to_string(h->revision) +
                                      ", behind " + std::to_string(revision));
  }
  std::map<RecordKey, bool> changed;
  Stmt log(db_, "SELECT revision, entry FROM cc_log WHERE revision > ? ORDER BY revision");
  log.Bind(1, static_cast<int64_t>(revision));
  uint64_t expect = revision + 1;
  int rc;
  while ((rc = log.Step()) == SQLITE_ROW) {
    if (static_cast<uint64_t>(log.Int(0)) != expect++) break;
    CC_ASSIGN_OR_RETURN(auto entry, DecodeChangeLog(log.Text(1)));
    FoldChangeLog(entry, changed);
  }
  if (expect != h->revision + 1) return Status::NotFound("change log does not reach back");
  uint64_t bytes = 0;
  for (const auto& [key, deleted] : changed) {
    Stmt s(db_, "SELECT revision, body FROM cc_records WHERE kind = ? AND id = ?");
    s.Bind(1, key.kind);
    s.Bind(2, key.id);
    rc = s.Step();
    if (deleted || rc == SQLITE_DONE) {
      d.deletes.push_back(key);
    } else if (rc == SQLITE_ROW) {
      d.upserts.push_back(Record{key, static_cast<uint64_t>(s.Int(0)), s.Blob(1)});
      bytes += d.upserts.back().body.size() + key.kind.size() + key.id.size() + 8;
    } else {
      return Error("cannot read " + key.ToString());
    }
  }
  txn.Commit();
  Count("load_changes", bytes);
  return d;
}

Result<uint64_t> SqliteStore::Commit(const CommitRequest& request) {
  CC_RETURN_IF_ERROR(ValidateCommit(request));
  std::lock_guard<std::mutex> l(mu_);
  Count("commit", 0);
  Txn txn(db_);
  // IMMEDIATE takes the write lock up front, so the revision check below and
  // the writes are one serial step across every process sharing the file.
  if (txn.Begin("BEGIN IMMEDIATE") != SQLITE_OK) return Error("cannot begin a commit");
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, ReadHeadLocked());
  if (!h) return Status::FailedPrecondition("SQLite file " + path_ + " has no head record");
  if (h->revision != request.expected_revision) {
    return Status::Conflict("head revision is " + std::to_string(h->revision) + ", expected " +
                            std::to_string(request.expected_revision) +
                            "; another replica committed first");
  }
  const int64_t rev = static_cast<int64_t>(request.expected_revision + 1);
  for (const Mutation& m : request.mutations) {
    if (m.body) {
      Stmt s(db_,
             "INSERT OR REPLACE INTO cc_records (kind, id, revision, body) VALUES (?, ?, ?, ?)");
      s.Bind(1, m.key.kind);
      s.Bind(2, m.key.id);
      s.Bind(3, rev);
      s.BindBlob(4, *m.body);
      if (s.Step() != SQLITE_DONE) return Error("cannot write " + m.key.ToString());
    } else {
      Stmt s(db_, "DELETE FROM cc_records WHERE kind = ? AND id = ?");
      s.Bind(1, m.key.kind);
      s.Bind(2, m.key.id);
      if (s.Step() != SQLITE_DONE) return Error("cannot delete " + m.key.ToString());
    }
  }
  Stmt s(db_, "UPDATE cc_head SET revision = ? WHERE id = 1");
  s.Bind(1, rev);
  if (s.Step() != SQLITE_DONE) return Error("cannot advance the head");
  Stmt log(db_, "INSERT INTO cc_log (revision, entry) VALUES (?, ?)");
  log.Bind(1, rev);
  log.Bind(2, EncodeChangeLog(request));
  if (log.Step() != SQLITE_DONE) return Error("cannot write the change log");
  Stmt trim(db_, "DELETE FROM cc_log WHERE revision <= ?");
  trim.Bind(1, rev - static_cast<int64_t>(kChangeLogWindow));
  if (trim.Step() != SQLITE_DONE) return Error("cannot trim the change log");
  if (txn.Commit() != SQLITE_OK) return Error("commit failed");
  return static_cast<uint64_t>(rev);
}

}  // namespace cc::state
