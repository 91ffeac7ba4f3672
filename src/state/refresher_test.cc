// The refresh loop against the in-memory store with a fake clock.
#include "state/refresher.h"

#include <gtest/gtest.h>

#include "state/memory_store.h"
#include "support/harness.h"

namespace cc::state {
namespace {

class RefresherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(OpenOrCreate(writer_, clock_.NowUnixSeconds()).ok());
    ASSERT_TRUE(refresher_.Initialize().ok());
    refresher_.Subscribe(
        [this](const std::shared_ptr<const Snapshot>& s) { seen_.push_back(s->head.revision); });
  }
  uint64_t WriteOther(const std::string& id, const std::string& body) {
    auto head = writer_.ReadHead();
    auto rev = writer_.Commit({head->revision, {Mutation::Put({"auth_policy", id}, body)}});
    EXPECT_TRUE(rev.ok());
    return *rev;
  }

  FakeClock clock_;
  std::shared_ptr<MemoryTable> table_ = std::make_shared<MemoryTable>();
  MemoryStore writer_{table_};  // another replica
  MemoryStore store_{table_};   // this replica's client
  Refresher refresher_{store_, clock_, RefreshOptions{1, std::chrono::milliseconds(8000)}};
  std::vector<uint64_t> seen_;
};

TEST_F(RefresherTest, IdlePollReadsOnlyTheHead) {
  StoreStats before = store_.Stats();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kUnchanged);
  StoreStats after = store_.Stats();
  EXPECT_EQ(after.requests["read_head"] - before.requests["read_head"], 10u);
  EXPECT_EQ(after.requests["load_snapshot"], before.requests["load_snapshot"]);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(RefresherTest, LoadsWhenTheRevisionMovesAndNotifies) {
  uint64_t rev = WriteOther("ops", "v1");
  EXPECT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kLoaded);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0], rev);
  EXPECT_EQ(refresher_.Current()->Find({"auth_policy", "ops"})->body, "v1");
  EXPECT_EQ(refresher_.Health().revision, rev);
}

TEST_F(RefresherTest, AFewCommitsBehindLoadsOnlyTheChanges) {
  for (int i = 0; i < 50; ++i) WriteOther("p" + std::to_string(i), std::string(1000, 'x'));
  ASSERT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kLoaded);
  StoreStats before = store_.Stats();
  WriteOther("p7", "changed");
  ASSERT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kLoaded);
  StoreStats after = store_.Stats();
  EXPECT_EQ(after.requests["load_snapshot"], before.requests["load_snapshot"]);
  EXPECT_EQ(after.requests["load_changes"], before.requests["load_changes"] + 1);
  EXPECT_LT(after.record_bytes_loaded - before.record_bytes_loaded, 500u);
  EXPECT_EQ(refresher_.Current()->Find({"auth_policy", "p7"})->body, "changed");
  EXPECT_EQ(refresher_.Current()->records.size(), 50u);
}

// A store that counts every change-log read and full load it is asked for
// (successful or not), and can make the change-log reads fail (a truncated
// log, a malformed entry, an outage of just that query). Everything else is
// the real store.
class WatchedStore final : public StateStore {
 public:
  explicit WatchedStore(StateStore& inner, Status delta_failure = Status::Ok())
      : inner_(inner), delta_failure_(delta_failure) {}
  StoreInfo Info() const override { return inner_.Info(); }
  Result<std::optional<HeadRecord>> CheckIdentity() override { return inner_.CheckIdentity(); }
  Result<HeadRecord> CreateHeadIfAbsent(const HeadRecord& h) override {
    return inner_.CreateHeadIfAbsent(h);
  }
  Result<HeadRecord> ReadHead() override { return inner_.ReadHead(); }
  Result<Snapshot> LoadSnapshot() override {
    ++full_loads;
    return inner_.LoadSnapshot();
  }
  Result<Delta> LoadChangesSince(uint64_t revision) override {
    ++delta_attempts;
    if (!delta_failure_.ok()) return delta_failure_;
    return inner_.LoadChangesSince(revision);
  }
  Result<uint64_t> Commit(const CommitRequest& r) override { return inner_.Commit(r); }
  StoreStats Stats() const override { return inner_.Stats(); }
  int delta_attempts = 0;
  int full_loads = 0;

 private:
  StateStore& inner_;
  Status delta_failure_;
};

TEST_F(RefresherTest, SixtyThreeCommitsBehindStillLoadsOnlyTheChanges) {
  WatchedStore watched(store_);
  Refresher r(watched, clock_, RefreshOptions{1, std::chrono::milliseconds(8000)});
  ASSERT_TRUE(r.Initialize().ok());
  for (uint64_t i = 0; i + 1 < kChangeLogWindow; ++i) WriteOther("p" + std::to_string(i % 5), "x");
  watched.full_loads = 0;
  ASSERT_EQ(r.RefreshOnce(), Refresher::Outcome::kLoaded);
  EXPECT_EQ(watched.delta_attempts, 1);
  EXPECT_EQ(watched.full_loads, 0);
  EXPECT_EQ(r.Current()->head.revision, kChangeLogWindow - 1);
}

TEST_F(RefresherTest, SixtyFourOrMoreCommitsBehindLoadsAFullSnapshot) {
  // The change log keeps 64 entries: from this far behind only a full load
  // is complete, and the refresher must not even try the log.
  WatchedStore watched(store_);
  Refresher r(watched, clock_, RefreshOptions{1, std::chrono::milliseconds(8000)});
  ASSERT_TRUE(r.Initialize().ok());
  for (uint64_t i = 0; i < kChangeLogWindow + 6; ++i) {
    WriteOther("p" + std::to_string(i % 7), "v" + std::to_string(i));
  }
  watched.full_loads = 0;
  ASSERT_EQ(r.RefreshOnce(), Refresher::Outcome::kLoaded);
  EXPECT_EQ(watched.full_loads, 1);
  EXPECT_EQ(watched.delta_attempts, 0);
  EXPECT_EQ(r.Current()->head.revision, kChangeLogWindow + 6);
  EXPECT_EQ(r.Current()->records.size(), 7u);
  auto truth = writer_.LoadSnapshot();
  ASSERT_TRUE(truth.ok());
  for (const auto& [key, record] : truth->records) {
    const Record* mine = r.Current()->Find(key);
    ASSERT_NE(mine, nullptr) << key.ToString();
    EXPECT_EQ(mine->body, record.body) << key.ToString();
  }
}

TEST_F(RefresherTest, AFailedDeltaLoadFallsBackToAFullSnapshot) {
  for (Status failure : {Status::NotFound("change log does not reach back"),
                         Status::Corruption("malformed change-log entry"),
                         Status::Unavailable("injected outage of the log query")}) {
    WatchedStore failing(store_, failure);
    Refresher r(failing, clock_, RefreshOptions{1, std::chrono::milliseconds(8000)});
    ASSERT_TRUE(r.Initialize().ok());
    uint64_t rev = WriteOther("ops", failure.ToString());
    EXPECT_EQ(r.RefreshOnce(), Refresher::Outcome::kLoaded) << failure.ToString();
    EXPECT_EQ(failing.delta_attempts, 1) << "a replica one commit behind tries the log first";
    EXPECT_EQ(failing.full_loads, 2) << "Initialize, then the fallback";
    EXPECT_EQ(r.Current()->head.revision, rev) << failure.ToString();
    EXPECT_EQ(r.Current()->Find({"auth_policy", "ops"})->body, failure.ToString());
    EXPECT_EQ(r.Health().refresh_errors, 0u);
  }
}

TEST_F(RefresherTest, RefusesToGoBackToALowerRevision) {
  auto old = store_.LoadSnapshot();
  WriteOther("ops", "v1");
  WriteOther("ops", "v2");
  ASSERT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kLoaded);
  table_->Restore(*old);  // an old backup is put back
  EXPECT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kRefused);
  EXPECT_EQ(refresher_.Current()->head.revision, 2u);
  EXPECT_EQ(refresher_.Current()->Find({"auth_policy", "ops"})->body, "v2");
  ASSERT_TRUE(refresher_.Health().rollback_seen.has_value());
  EXPECT_EQ(*refresher_.Health().rollback_seen, 0u);
}

TEST_F(RefresherTest, RollbackRefusedGaugeIsSetOnlyWhileRefusing) {
  metrics::Registry registry;
  Refresher watched(store_, clock_, RefreshOptions{5, std::chrono::milliseconds(8000)}, &registry);
  ASSERT_TRUE(watched.Initialize().ok());
  EXPECT_EQ(registry.Value("containment_state_rollback_refused"), 0);
  EXPECT_EQ(registry.Value("containment_state_refresh_interval_seconds"), 5);
  auto old = store_.LoadSnapshot();
  WriteOther("ops", "v1");
  ASSERT_EQ(watched.RefreshOnce(), Refresher::Outcome::kLoaded);
  Snapshot newer = *store_.LoadSnapshot();
  table_->Restore(*old);
  ASSERT_EQ(watched.RefreshOnce(), Refresher::Outcome::kRefused);
  EXPECT_EQ(registry.Value("containment_state_rollback_refused"), 1);
  // An outage does not clear it: nothing says the backend was fixed.
  table_->SetFailure(Status::Unavailable("injected outage"));
  ASSERT_EQ(watched.RefreshOnce(), Refresher::Outcome::kError);
  EXPECT_EQ(registry.Value("containment_state_rollback_refused"), 1);
  table_->SetFailure(Status::Ok());
  table_->Restore(newer);  // the right table is back
  ASSERT_EQ(watched.RefreshOnce(), Refresher::Outcome::kUnchanged);
  EXPECT_EQ(registry.Value("containment_state_rollback_refused"), 0);
  // Another chamber's table is refused the same way.
  Snapshot other;
  other.head.chamber_id = "another-chamber";
  other.head.revision = 50;
  table_->Restore(other);
  ASSERT_EQ(watched.RefreshOnce(), Refresher::Outcome::kRefused);
  EXPECT_EQ(registry.Value("containment_state_rollback_refused"), 1);
}

TEST_F(RefresherTest, RefusesAnotherChambersTable) {
  Snapshot other;
  other.head.chamber_id = "another-chamber";
  other.head.revision = 50;
  table_->Restore(other);
  EXPECT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kRefused);
  EXPECT_EQ(refresher_.Health().foreign_chamber_seen, "another-chamber");
  EXPECT_NE(refresher_.Current()->head.chamber_id, "another-chamber");
}

TEST_F(RefresherTest, OutageKeepsLastGoodStateAndShowsStaleness) {
  WriteOther("ops", "v1");
  ASSERT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kLoaded);
  table_->SetFailure(Status::Unavailable("injected outage"));
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(std::chrono::seconds(2));
    EXPECT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kError);
  }
  RefreshStatus h = refresher_.Health();
  EXPECT_EQ(h.refresh_errors, 3u);
  EXPECT_EQ(h.consecutive_errors, 3u);
  EXPECT_GE(h.last_refresh_age_seconds, 6.0);
  EXPECT_NE(h.last_error.find("injected outage"), std::string::npos);
  EXPECT_EQ(refresher_.Current()->Find({"auth_policy", "ops"})->body, "v1");

  table_->SetFailure(Status::Ok());
  EXPECT_EQ(refresher_.RefreshOnce(), Refresher::Outcome::kUnchanged);
  EXPECT_EQ(refresher_.Health().consecutive_errors, 0u);
  EXPECT_LT(refresher_.Health().last_refresh_age_seconds, 0.001);
}

TEST_F(RefresherTest, BackoffGrowsWithErrorsAndIsCapped) {
  using std::chrono::milliseconds;
  EXPECT_EQ(refresher_.NextDelay(0, 0.5), milliseconds(1000));
  EXPECT_EQ(refresher_.NextDelay(1, 0.0), milliseconds(500));
  EXPECT_EQ(refresher_.NextDelay(1, 1.0), milliseconds(1000));
  EXPECT_EQ(refresher_.NextDelay(3, 1.0), milliseconds(4000));
  EXPECT_EQ(refresher_.NextDelay(20, 1.0), milliseconds(8000));  // the cap
  EXPECT_GE(refresher_.NextDelay(20, 0.0), milliseconds(4000));  // jitter keeps half
}

TEST_F(RefresherTest, OwnCommitIsVisibleImmediately) {
  auto rev = refresher_.Commit(
      {refresher_.Current()->head.revision, {Mutation::Put({"seal_epoch", "current"}, "1")}});
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(refresher_.Current()->head.revision, *rev);
  EXPECT_NE(refresher_.Current()->Find({"seal_epoch", "current"}), nullptr);
}

TEST_F(RefresherTest, StaleCommitIsAConflict) {
  WriteOther("ops", "v1");
  auto rev = refresher_.Commit({0, {Mutation::Put({"seal_epoch", "current"}, "1")}});
  EXPECT_EQ(rev.status().code(), ErrorCode::kConflict);
}

TEST(RefresherLoop, BackgroundLoopPicksUpChanges) {
  auto table = std::make_shared<MemoryTable>();
  MemoryStore writer(table), reader(table);
  ASSERT_TRUE(OpenOrCreate(writer, 1).ok());
  Refresher r(reader, *SystemClock::Get(), RefreshOptions{1, std::chrono::milliseconds(2000)});
  ASSERT_TRUE(r.Initialize().ok());
  r.Start();
  ASSERT_TRUE(writer.Commit({0, {Mutation::Put({"auth_token", "t1"}, "x")}}).ok());
  EXPECT_TRUE(
      testing::WaitUntil([&] { return r.Current()->head.revision >= 1; }, std::chrono::seconds(4)));
  EXPECT_EQ(r.Current()->head.revision, 1u);
  r.Stop();
}

}  // namespace
}  // namespace cc::state
