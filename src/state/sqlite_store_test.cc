// SQLite-specific behaviour: the wrong-file guard, read-only opening, and
// several processes' worth of connections on one file.
#include "state/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

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
  dir.Write("junk.db", std::string(8192, 'j'));
  auto store = SqliteStore::Open(dir.File("junk.db"));
  if (store.ok()) {
    EXPECT_FALSE((*store)->CheckIdentity().ok());
  }
}

}  // namespace
}  // namespace cc::state
