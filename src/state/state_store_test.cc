// One conformance suite, run against every StateStore: in-memory, SQLite and
// DynamoDB (Amazon's DynamoDB Local).
#include "state/state_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "state/memory_store.h"
#include "state/sqlite_store.h"
#include "support/dynamodb_local.h"
#include "support/harness.h"

namespace cc::state {
namespace {

// Makes independent clients ("replicas") of one backend.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<StateStore> NewClient() = 0;
  // Rewrites the head's schema_version behind the stores' backs, as a newer
  // build would. False when the backend has no such notion (memory).
  virtual bool SetSchemaVersion(int) { return false; }
};

class MemoryBackend : public Backend {
 public:
  std::unique_ptr<StateStore> NewClient() override { return std::make_unique<MemoryStore>(table_); }
  bool SetSchemaVersion(int v) override {
    Snapshot s = table_->Contents();
    s.head.schema_version = v;
    table_->Restore(s);
    return true;
  }

 private:
  std::shared_ptr<MemoryTable> table_ = std::make_shared<MemoryTable>();
};

class SqliteBackend : public Backend {
 public:
  std::unique_ptr<StateStore> NewClient() override {
    auto s = SqliteStore::Open(dir_.File("state.db"));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }
  bool SetSchemaVersion(int v) override {
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(dir_.File("state.db").c_str(), &db) == SQLITE_OK &&
              sqlite3_exec(db, ("UPDATE cc_head SET schema_version = " + std::to_string(v)).c_str(),
                           nullptr, nullptr, nullptr) == SQLITE_OK &&
              sqlite3_changes(db) == 1;
    sqlite3_close(db);
    return ok;
  }

 private:
  testing::TempDir dir_;
};

class DynamoBackend : public Backend {
 public:
  DynamoBackend() : table_(testing::DynamoDbLocal::UniqueTableName()) {
    testing::DynamoDbLocal::Get().Store(table_, true);
  }
  std::unique_ptr<StateStore> NewClient() override {
    return testing::DynamoDbLocal::Get().Store(table_, false);
  }
  bool SetSchemaVersion(int v) override {
    auto r = testing::DynamoDbLocal::Get().Client()->Call(
        "UpdateItem", {{"TableName", table_},
                       {"Key", {{"pk", {{"S", "chamber"}}}, {"sk", {{"S", "head"}}}}},
                       {"UpdateExpression", "SET schema_version = :v"},
                       {"ConditionExpression", "attribute_exists(pk)"},
                       {"ExpressionAttributeValues", {{":v", {{"N", std::to_string(v)}}}}}});
    return r.ok();
  }

 private:
  std::string table_;
};

using BackendFactory = std::function<std::unique_ptr<Backend>()>;
struct BackendParam {
  std::string name;
  BackendFactory make;
};
void PrintTo(const BackendParam& p, std::ostream* os) { *os << p.name; }

class StateStoreTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    store_ = backend_->NewClient();
  }
  HeadRecord Open(StateStore& s) {
    auto h = OpenOrCreate(s, 1'700'000'000);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() ? *h : HeadRecord{};
  }
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreTest, EmptyStoreGetsOneHeadThatEveryReplicaShares) {
  auto before = store_->CheckIdentity();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_FALSE(before->has_value());
  EXPECT_EQ(store_->ReadHead().status().code(), ErrorCode::kNotFound);

  HeadRecord h = Open(*store_);
  EXPECT_EQ(h.revision, 0u);
  EXPECT_EQ(h.chamber_id.size(), 32u);
  EXPECT_EQ(h.schema_version, kSchemaVersion);

  auto other = backend_->NewClient();
  HeadRecord h2 = Open(*other);  // a second replica must adopt the first head
  EXPECT_EQ(h2.chamber_id, h.chamber_id);
  EXPECT_EQ(h2.created_at, h.created_at);
}

TEST_P(StateStoreTest, CommitsPutAndDeleteAtomicallyAndAdvanceTheRevision) {
  Open(*store_);
  auto r1 =
      store_->Commit({0,
                      {Mutation::Put({"quorum_config", "g1"}, "config-1"),
                       Mutation::Put({"operator_credential", "alice"}, std::string("a\0b", 3))}});
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(*r1, 1u);
  auto r2 = store_->Commit({1,
                            {Mutation::Put({"quorum_config", "g1"}, "config-2"),
                             Mutation::Delete({"operator_credential", "alice"})}});
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(*r2, 2u);

  auto other = backend_->NewClient();
  auto snap = other->LoadSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->head.revision, 2u);
  ASSERT_EQ(snap->records.size(), 1u);
  const Record* cfg = snap->Find({"quorum_config", "g1"});
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ(cfg->body, "config-2");
  EXPECT_EQ(cfg->revision, 2u);
  EXPECT_EQ(other->ReadHead()->revision, 2u);
}

TEST_P(StateStoreTest, BinaryBodiesRoundTrip) {
  Open(*store_);
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  ASSERT_TRUE(store_->Commit({0, {Mutation::Put({"tee_blob", "current"}, body)}}).ok());
  auto snap = store_->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->Find({"tee_blob", "current"})->body, body);
}

TEST_P(StateStoreTest, StaleCommitIsAConflictAndWritesNothing) {
  Open(*store_);
  ASSERT_TRUE(store_->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}}).ok());
  auto stale = backend_->NewClient()->Commit({0,
                                              {Mutation::Put({"auth_policy", "ops"}, "lost"),
                                               Mutation::Put({"auth_policy", "new"}, "x")}});
  EXPECT_EQ(stale.status().code(), ErrorCode::kConflict) << stale.status().ToString();
  auto snap = store_->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->head.revision, 1u);
  EXPECT_EQ(snap->Find({"auth_policy", "ops"})->body, "v1");
  EXPECT_EQ(snap->Find({"auth_policy", "new"}), nullptr);
}

TEST_P(StateStoreTest, OversizedOrTooLargeCommitsAreRefusedBeforeWriting) {
  Open(*store_);
  CommitRequest many{0, {}};
  for (size_t i = 0; i <= kMaxCommitRecords; ++i) {
    many.mutations.push_back(Mutation::Put({"auth_token", std::to_string(i)}, "t"));
  }
  EXPECT_EQ(store_->Commit(many).status().code(), ErrorCode::kInvalidArgument);
  many.mutations.pop_back();  // 22 records + log + log trim + head = 25 items: allowed
  auto ok = store_->Commit(many);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  auto big =
      store_->Commit({1, {Mutation::Put({"tee_blob", "current"}, std::string(401 * 1024, 'x'))}});
  EXPECT_EQ(big.status().code(), ErrorCode::kTooLarge);
  EXPECT_NE(big.status().message().find("400"), std::string::npos) << big.status().message();
  EXPECT_EQ(store_->ReadHead()->revision, 1u);
}

TEST_P(StateStoreTest, LargeSnapshotsLoadCompletely) {
  // ~1.5 MB: more than one DynamoDB Query page.
  Open(*store_);
  uint64_t rev = 0;
  for (int batch = 0; batch < 3; ++batch) {
    CommitRequest c{rev, {}};
    for (int i = 0; i < 10; ++i) {
      c.mutations.push_back(Mutation::Put({"auth_token", std::to_string(batch * 10 + i)},
                                          std::string(50 * 1024, static_cast<char>('a' + i))));
    }
    auto r = store_->Commit(c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    rev = *r;
  }
  auto snap = backend_->NewClient()->LoadSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->records.size(), 30u);
  EXPECT_EQ(snap->head.revision, 3u);
}

TEST_P(StateStoreTest, EightRacingWritersExactlyOneWinsEachRound) {
  Open(*store_);
  constexpr int kWriters = 8, kRounds = 5;
  std::vector<std::unique_ptr<StateStore>> replicas;
  for (int i = 0; i < kWriters; ++i) replicas.push_back(backend_->NewClient());
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> wins{0}, conflicts{0}, other{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        auto r =
            replicas[w]->Commit({static_cast<uint64_t>(round),
                                 {Mutation::Put({"seal_epoch", "current"}, std::to_string(w))}});
        if (r.ok()) {
          wins++;
        } else if (r.status().code() == ErrorCode::kConflict) {
          conflicts++;
        } else {
          other++;
          ADD_FAILURE() << r.status().ToString();
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1) << "round " << round;
    EXPECT_EQ(conflicts.load(), kWriters - 1) << "round " << round;
    EXPECT_EQ(other.load(), 0);
  }
  EXPECT_EQ(store_->ReadHead()->revision, static_cast<uint64_t>(kRounds));
}

TEST_P(StateStoreTest, RacingIncrementsLoseNoUpdate) {
  Open(*store_);
  constexpr int kWriters = 8, kEach = 4;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&] {
      auto replica = backend_->NewClient();
      int busy = 0;
      for (int done = 0; done < kEach;) {
        auto snap = replica->LoadSnapshot();
        // A busy table may refuse a consistent snapshot for a moment: retry,
        // but a bounded number of times, and then fail with the error.
        if (!snap.ok() && snap.status().retryable() && ++busy < 50) continue;
        ASSERT_TRUE(snap.ok()) << "after " << busy << " tries: " << snap.status().ToString();
        const Record* r = snap->Find({"counter", "n"});
        int n = r ? std::stoi(r->body) : 0;
        auto c = replica->Commit(
            {snap->head.revision, {Mutation::Put({"counter", "n"}, std::to_string(n + 1))}});
        if (c.ok()) {
          ++done;
        } else {
          ASSERT_EQ(c.status().code(), ErrorCode::kConflict) << c.status().ToString();
          conflicts++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto snap = store_->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->Find({"counter", "n"})->body, std::to_string(kWriters * kEach));
  EXPECT_EQ(snap->head.revision, static_cast<uint64_t>(kWriters * kEach));
  RecordProperty("conflicts", conflicts.load());
}

TEST_P(StateStoreTest, ChangesSinceARevisionAreExactlyWhatWasCommitted) {
  Open(*store_);
  ASSERT_TRUE(store_
                  ->Commit({0,
                            {Mutation::Put({"auth_token", "a"}, "a1"),
                             Mutation::Put({"auth_token", "b"}, "b1"),
                             Mutation::Put({"auth_token", "c"}, "c1")}})
                  .ok());
  ASSERT_TRUE(store_
                  ->Commit({1,
                            {Mutation::Put({"auth_token", "a"}, "a2"),
                             Mutation::Delete({"auth_token", "b"})}})
                  .ok());
  ASSERT_TRUE(store_
                  ->Commit({2,
                            {Mutation::Put({"auth_policy", "p"}, "p1"),
                             Mutation::Delete({"auth_token", "a"})}})
                  .ok());

  auto other = backend_->NewClient();
  auto d = other->LoadChangesSince(1);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->head.revision, 3u);
  ASSERT_EQ(d->upserts.size(), 1u);
  EXPECT_EQ(d->upserts[0].key, (RecordKey{"auth_policy", "p"}));
  EXPECT_EQ(d->upserts[0].revision, 3u);
  std::set<RecordKey> deleted(d->deletes.begin(), d->deletes.end());
  EXPECT_EQ(deleted, (std::set<RecordKey>{{"auth_token", "a"}, {"auth_token", "b"}}));

  // Applying the delta to the old snapshot gives the new snapshot.
  Snapshot at1;
  at1.head = d->head;
  at1.head.revision = 1;
  at1.records[{"auth_token", "a"}] = {{"auth_token", "a"}, 1, "a1"};
  at1.records[{"auth_token", "b"}] = {{"auth_token", "b"}, 1, "b1"};
  at1.records[{"auth_token", "c"}] = {{"auth_token", "c"}, 1, "c1"};
  Snapshot applied = ApplyDelta(at1, *d);
  auto full = other->LoadSnapshot();
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(applied.records.size(), full->records.size());
  for (const auto& [k, r] : full->records) {
    ASSERT_NE(applied.Find(k), nullptr) << k.ToString();
    EXPECT_EQ(applied.Find(k)->body, r.body);
  }

  auto none = other->LoadChangesSince(3);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->upserts.empty() && none->deletes.empty());
}

TEST_P(StateStoreTest, ChangesBeyondTheLogWindowAreNotFound) {
  Open(*store_);
  for (uint64_t rev = 0; rev < kChangeLogWindow + 3; ++rev) {
    ASSERT_TRUE(
        store_->Commit({rev, {Mutation::Put({"seal_epoch", "current"}, std::to_string(rev))}})
            .ok());
  }
  EXPECT_EQ(store_->LoadChangesSince(1).status().code(), ErrorCode::kNotFound);
  auto recent = store_->LoadChangesSince(kChangeLogWindow);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  ASSERT_EQ(recent->upserts.size(), 1u);
}

TEST_P(StateStoreTest, ANewerSchemaVersionIsRefused) {
  Open(*store_);
  ASSERT_TRUE(store_->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}}).ok());
  if (!backend_->SetSchemaVersion(kSchemaVersion + 1)) {
    GTEST_SKIP() << GetParam().name << " has no stored schema version";
  }
  auto newer = std::to_string(kSchemaVersion + 1);
  std::vector<std::unique_ptr<StateStore>> clients;  // one already running, one fresh
  clients.push_back(std::move(store_));
  clients.push_back(backend_->NewClient());
  for (auto& client : clients) {
    auto id = client->CheckIdentity();
    EXPECT_EQ(id.status().code(), ErrorCode::kFailedPrecondition) << id.status().ToString();
    EXPECT_NE(id.status().message().find("schema version " + newer), std::string::npos)
        << id.status().message();
    EXPECT_EQ(OpenOrCreate(*client, 1).status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(client->ReadHead().status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_EQ(client->LoadSnapshot().status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_FALSE(client->LoadChangesSince(0).ok());
  }
  // The same table at the version this build knows is accepted again.
  ASSERT_TRUE(backend_->SetSchemaVersion(kSchemaVersion));
  auto again = backend_->NewClient()->LoadSnapshot();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->Find({"auth_policy", "ops"})->body, "v1");
}

TEST_P(StateStoreTest, StatsCountRequests) {
  Open(*store_);
  uint64_t before = store_->Stats().TotalRequests();
  ASSERT_TRUE(store_->ReadHead().ok());
  EXPECT_GT(store_->Stats().TotalRequests(), before);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StateStoreTest,
    ::testing::Values(BackendParam{"Memory", [] { return std::make_unique<MemoryBackend>(); }},
                      BackendParam{"Sqlite", [] { return std::make_unique<SqliteBackend>(); }},
                      BackendParam{"DynamoDbLocal",
                                   [] { return std::make_unique<DynamoBackend>(); }}),
    [](const ::testing::TestParamInfo<BackendParam>& i) { return i.param.name; });

}  // namespace
}  // namespace cc::state

namespace cc::state {
namespace {

TEST(Snapshot, OfKindIsExactlyThatKindInIdOrder) {
  Snapshot s;
  for (const char* kind : {"auth", "auth_token", "aut", "auth_policy", "b"})
    for (const char* id : {"2", "1", ""}) s.records[{kind, id}] = Record{{kind, id}, 1, kind};
  std::vector<std::string> ids;
  for (const auto& [key, r] : s.OfKind("auth_token")) {
    EXPECT_EQ(key.kind, "auth_token");
    ids.push_back(key.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"", "1", "2"}));
  EXPECT_EQ(s.OfKind("auth").size(), 3u);
  EXPECT_EQ(s.OfKind("au").size(), 0u);
  EXPECT_EQ(Snapshot{}.OfKind("auth").size(), 0u);
}

}  // namespace
}  // namespace cc::state
