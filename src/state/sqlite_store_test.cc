// SQLite-specific behaviour: the wrong-file guard, read-only opening, and
// several processes' worth of connections on one file.
#include "state/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <thread>

#include "support/harness.h"

namespace cc::state {
namespace {

TEST(SqliteStore, RefusesAFileHoldingOtherTables) {
  testing::TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("slashing.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE signed_blocks (pubkey TEXT, slot INTEGER)", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  auto store = SqliteStore::Open(dir.File("slashing.db"));
  ASSERT_TRUE(store.ok());
  auto id = (*store)->CheckIdentity();
  EXPECT_EQ(id.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(id.status().message().find("signed_blocks"), std::string::npos)
      << id.status().message();
  EXPECT_FALSE(OpenOrCreate(**store, 1).ok());
}

TEST(SqliteStore, ReadOnlyOpenNeverCreatesTheFile) {
  testing::TempDir dir;
  auto store = SqliteStore::Open(dir.File("absent.db"), SqliteStore::Mode::kReadOnly);
  EXPECT_EQ(store.status().code(), ErrorCode::kNotFound);
  struct stat st {};
  EXPECT_NE(stat(dir.File("absent.db").c_str(), &st), 0);
}

TEST(SqliteStore, MissingDirectoryIsAClearError) {
  auto store = SqliteStore::Open("/nonexistent-dir/state.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("/nonexistent-dir/state.db"), std::string::npos);
}

TEST(SqliteStore, StateFileIsPrivateToItsOwner) {
  testing::TempDir dir;
  auto store = SqliteStore::Open(dir.File("state.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(OpenOrCreate(**store, 1).ok());
  struct stat st {};
  ASSERT_EQ(stat(dir.File("state.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u);
}

TEST(SqliteStore, NotAnSqliteFileIsRefused) {
  testing::TempDir dir;
  const std::string junk(8192, 'j');
  dir.Write("junk.db", junk);
  // Refused either when opening (WAL mode needs a database) or at the
  // identity check; either way with an error naming the file, and untouched.
  auto store = SqliteStore::Open(dir.File("junk.db"));
  Status refused = store.ok() ? (*store)->CheckIdentity().status() : store.status();
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find(dir.File("junk.db")), std::string::npos) << refused.ToString();
  if (store.ok()) {
    EXPECT_FALSE(OpenOrCreate(**store, 1).ok());
  }
  EXPECT_EQ(testing::ReadFile(dir.File("junk.db")), junk);
}

// SQLite has no lost reply: a commit runs in this process and either returned
// or did not happen. Its equivalent of a retry is SQLITE_BUSY while another
// process holds the write lock. A commit that waited must apply once; one
// that gave up must have written nothing, so the caller's retry applies once.
TEST(SqliteStore, BusyCommitsNeverApplyTwice) {
  testing::TempDir dir;
  auto store = SqliteStore::Open(dir.File("state.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(OpenOrCreate(**store, 1).ok());
  sqlite3* other = nullptr;  // another process's connection
  ASSERT_EQ(sqlite3_open(dir.File("state.db").c_str(), &other), SQLITE_OK);
  auto lock = [&] {
    return sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  };
  auto unlock = [&] { sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr); };

  // Held longer than the busy timeout (5 s): kUnavailable, nothing written.
  ASSERT_TRUE(lock());
  auto busy = (*store)->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  unlock();
  EXPECT_EQ(busy.status().code(), ErrorCode::kUnavailable) << busy.status().ToString();
  EXPECT_TRUE(busy.status().retryable());
  EXPECT_EQ((*store)->ReadHead()->revision, 0u);
  EXPECT_TRUE((*store)->LoadSnapshot()->records.empty());

  // The retry applies once; a second retry of the same change is a conflict.
  auto retried = (*store)->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(*retried, 1u);
  auto twice = (*store)->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  EXPECT_EQ(twice.status().code(), ErrorCode::kConflict) << twice.status().ToString();

  // Held briefly: the commit waits for the lock and applies exactly once.
  ASSERT_TRUE(lock());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the commit block
    unlock();
  });
  auto waited = (*store)->Commit({1, {Mutation::Put({"auth_policy", "ops"}, "v2")}});
  releaser.join();
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  EXPECT_EQ(*waited, 2u);
  auto snap = (*store)->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->head.revision, 2u);
  EXPECT_EQ(snap->Find({"auth_policy", "ops"})->body, "v2");
  auto log = (*store)->LoadChangesSince(0);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->upserts.size(), 1u);
  sqlite3_close(other);
}

}  // namespace
}  // namespace cc::state
