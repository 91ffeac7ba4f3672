// The chamber against the in-memory store, the local KMS and a fake clock:
// expiry, tampering and replay detection, without processes or sleeps.
#include "seal/chamber.h"

#include <gtest/gtest.h>

#include "common/log.h"
#include "kms/local_kms.h"
#include "state/memory_store.h"
#include "support/harness.h"

namespace cc::seal {
namespace {

using nlohmann::json;

// The in-memory store, plus a hook that runs once just before the next
// commit: another replica's change lands between this replica's read and
// its write, so the commit loses the race.
class InterleavingStore final : public state::StateStore {
 public:
  explicit InterleavingStore(std::shared_ptr<state::MemoryTable> table) : inner_(table) {}
  std::function<void()> before_next_commit;
  int commits = 0;

  state::StoreInfo Info() const override { return inner_.Info(); }
  Result<std::optional<state::HeadRecord>> CheckIdentity() override {
    return inner_.CheckIdentity();
  }
  Result<state::HeadRecord> CreateHeadIfAbsent(const state::HeadRecord& h) override {
    return inner_.CreateHeadIfAbsent(h);
  }
  Result<state::HeadRecord> ReadHead() override { return inner_.ReadHead(); }
  Result<state::Snapshot> LoadSnapshot() override { return inner_.LoadSnapshot(); }
  Result<state::Delta> LoadChangesSince(uint64_t rev) override {
    return inner_.LoadChangesSince(rev);
  }
  Result<uint64_t> Commit(const state::CommitRequest& request) override {
    ++commits;
    if (auto hook = std::exchange(before_next_commit, nullptr)) hook();
    return inner_.Commit(request);
  }
  state::StoreStats Stats() const override { return inner_.Stats(); }

 private:
  state::MemoryStore inner_;
};

class Replica {
 public:
  Replica(std::shared_ptr<state::MemoryTable> table, const std::string& key_file, FakeClock& clock)
      : store_(table), refresher_(store_, clock, state::RefreshOptions{1}) {
    EXPECT_TRUE(state::OpenOrCreate(store_, clock.NowUnixSeconds()).ok());
    EXPECT_TRUE(refresher_.Initialize().ok());
    kms_.SetProvider("local", std::move(kms::LocalKms::Open(key_file).value()));
    chamber_ =
        std::make_unique<Chamber>(refresher_, kms_, clock, ChamberOptions{1, 30, store_.Info()});
    chamber_->ReconcileNow();
  }
  Chamber& operator*() { return *chamber_; }
  Chamber* operator->() { return chamber_.get(); }
  void Poll() {
    refresher_.RefreshOnce();
    chamber_->ReconcileNow();
  }
  InterleavingStore& store() { return store_; }

 private:
  InterleavingStore store_;
  state::Refresher refresher_;
  kms::KmsRouter kms_;
  std::unique_ptr<Chamber> chamber_;
};

class ChamberTest : public ::testing::Test {
 protected:
  std::unique_ptr<Replica> NewReplica() {
    return std::make_unique<Replica>(table_, dir_.File("dev.key"), clock_);
  }

  // A replica logs its setup token; tests read it back through a second
  // init attempt's error path instead, so grab it from the log hook.
  std::string InitKmsOnly(Replica& r) {
    return *InitWith(r, {{"mode", "kms_only"},
                         {"kms_keys", {"local:a", "local:b", "local:c"}},
                         {"kms_threshold", 2}});
  }
  // Quorum init with one local KMS key; every operator registers with
  // Passphrase(name). The chamber is then kms_unsealed.
  static std::string Passphrase(const std::string& name) { return name + " right passphrase"; }
  void InitQuorumRegistered(Replica& r, const std::vector<std::string>& operators, int threshold) {
    auto out = r->Init(setup_tokens_.back(), {{"mode", "quorum"},
                                              {"kms_keys", {"local:a"}},
                                              {"kms_threshold", 1},
                                              {"operators", operators},
                                              {"operator_threshold", threshold}});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (const auto& name : operators) {
      auto reg = r->Register((*out)["registration_tokens"][name],
                             {{"operator", name}, {"passphrase", Passphrase(name)}});
      ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    }
  }
  Result<std::string> InitWith(Replica& r, const json& req) {
    auto out = r->Init(setup_tokens_.back(), req);
    if (!out.ok()) return out.status();
    return (*out)["management_token"].get<std::string>();
  }

  void SetUp() override {
    setenv("CONTAINMENT_INSECURE_TEST_KDF", "1", 1);
    log::SetSinkForTesting([this](const std::string& line) {
      auto pos = line.find("setup_token=");
      if (pos != std::string::npos)
        setup_tokens_.push_back(line.substr(pos + 12, line.find(' ', pos) - pos - 12));
      lines_.push_back(line);
    });
  }
  void TearDown() override { log::SetSinkForTesting(nullptr); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<state::MemoryTable> table_ = std::make_shared<state::MemoryTable>();
  std::vector<std::string> setup_tokens_;
  std::vector<std::string> lines_;
};

TEST_F(ChamberTest, KmsOnlyInitUnsealsEveryReplica) {
  auto a = NewReplica();
  auto b = NewReplica();
  ASSERT_EQ(setup_tokens_.size(), 2u);
  EXPECT_EQ((*a)->State(), SealState::kUninitialized);
  InitKmsOnly(*b);
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

TEST_F(ChamberTest, InvalidInitRequestsChangeNothing) {
  auto a = NewReplica();
  for (const json& bad :
       {json{{"mode", "kms_only"}, {"kms_keys", {"local:a"}}, {"kms_threshold", 2}},
        json{{"mode", "nope"}, {"kms_keys", {"local:a"}}, {"kms_threshold", 1}},
        json{{"mode", "kms_only"}, {"kms_keys", {"gcp:x"}}, {"kms_threshold", 1}},
        json{{"mode", "kms_only"}, {"kms_keys", {"local:a", "local:a"}}, {"kms_threshold", 1}},
        json{{"mode", "quorum"},
             {"kms_keys", {"local:a"}},
             {"kms_threshold", 1},
             {"operators", {"bad name"}},
             {"operator_threshold", 1}},
        json{{"mode", "kms_only"}, {"kms_keys", "local:a"}, {"kms_threshold", 1}}}) {
    auto r = (*a)->Init(setup_tokens_.back(), bad);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << bad.dump();
  }
  EXPECT_EQ((*a)->Init("cc-setup-wrong", {{"mode", "kms_only"}}).status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(table_->Contents().head.revision, 0u);
  EXPECT_EQ((*a)->State(), SealState::kUninitialized);
}

TEST_F(ChamberTest, AlteredRecordSealsAndIsReported) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  // Someone with write access to the table edits the seal epoch directly.
  state::Snapshot snap = table_->Contents();
  snap.records[{records::kSealEpoch, "current"}].body =
      records::Encode(records::SealEpoch{0, false, 1, "forged"});
  snap.head.revision++;
  table_->Restore(snap);
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_NE((*a)->Status()["seal"].value("integrity_error", "").find("do not match the manifest"),
            std::string::npos)
      << (*a)->Status().dump();
  // A fresh replica refuses to unseal on that state too.
  auto b = NewReplica();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
}

TEST_F(ChamberTest, ADeletedRecordIsDetected) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  ASSERT_TRUE((*a)->RootToken(json::object()).ok());  // adds a root_generation record
  state::Snapshot snap = table_->Contents();
  snap.records.erase({records::kRootGeneration, "current"});
  snap.head.revision++;
  table_->Restore(snap);
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
}

TEST_F(ChamberTest, ARecordFromAnotherChamberIsRejected) {
  // Two chambers (two tables) with the same KMS key file.
  auto a = NewReplica();
  InitKmsOnly(*a);
  auto other_table = std::make_shared<state::MemoryTable>();
  Replica other(other_table, dir_.File("dev.key"), clock_);
  ASSERT_TRUE(InitWith(other, {{"mode", "kms_only"},
                               {"kms_keys", {"local:a", "local:b", "local:c"}},
                               {"kms_threshold", 2}})
                  .ok());
  // Copy the other chamber's master-key record (and everything) over ours, keeping our head.
  state::Snapshot ours = table_->Contents(), theirs = other_table->Contents();
  theirs.head = ours.head;
  theirs.head.revision += 5;
  table_->Restore(theirs);
  a->Poll();
  auto b = NewReplica();
  EXPECT_EQ((*b)->State(), SealState::kSealed) << (*b)->Status().dump();
}

TEST_F(ChamberTest, UnsealProgressExpiresAfterTheTimeout) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob"}, 2));
  EXPECT_EQ((*a)->State(), SealState::kKmsUnsealed);
  auto first = (*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)["submitted"], 1);
  clock_.Advance(std::chrono::minutes(31));  // unseal_timeout_minutes is 30
  a->Poll();
  EXPECT_EQ((*a)->Status()["seal"]["progress"], 0);
  auto second = (*a)->Unseal({{"operator", "bob"}, {"passphrase", Passphrase("bob")}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)["submitted"], 1);  // alice's share no longer counts
  EXPECT_EQ((*a)->State(), SealState::kKmsUnsealed);
  // Expired progress is removed from the table.
  bool alice_left = table_->Contents().records.count({records::kUnsealProgress, "alice"}) > 0;
  EXPECT_FALSE(alice_left);
  ASSERT_TRUE((*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}}).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

TEST_F(ChamberTest, WrongSecretStoresNothingAndNamesTheOperator) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice"}, 1));
  uint64_t rev = table_->Contents().head.revision;
  auto r = (*a)->Unseal({{"operator", "alice"}, {"passphrase", "the wrong passphrase"}});
  EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(r.status().message(), "wrong passphrase for operator 'alice'");
  EXPECT_EQ(table_->Contents().head.revision, rev);
  // The failing ceremony logged no secret.
  for (const auto& line : lines_) {
    EXPECT_EQ(line.find("the wrong passphrase"), std::string::npos) << line;
    EXPECT_EQ(line.find(Passphrase("alice")), std::string::npos) << line;
  }
}

TEST_F(ChamberTest, SealWipesTheMasterKeyAndRevokesRuntimeTokens) {
  auto b = NewReplica();
  auto a = NewReplica();  // created last: the setup token used below is a's
  std::string mgmt = InitKmsOnly(*a);
  b->Poll();
  EXPECT_TRUE((*b)->RuntimeTokenScopes(mgmt).has_value());
  ASSERT_TRUE((*a)->Seal(json::object()).ok());
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_FALSE((*b)->RuntimeTokenScopes(mgmt).has_value());  // no MK, no token check
  // Restarting does not undo it.
  auto c = NewReplica();
  EXPECT_EQ((*c)->State(), SealState::kSealed);
  // Resume with a static token (authorized by the API layer).
  ASSERT_TRUE((*c)->Resume(true, json::object()).ok());
  a->Poll();
  b->Poll();
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
}

TEST_F(ChamberTest, UnauthenticatedTokenRequestsAreLimitedToOnePerMinute) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  auto first = (*a)->RootToken(json::object());
  ASSERT_TRUE(first.ok());
  uint64_t rev = table_->Contents().head.revision;
  EXPECT_EQ((*a)->RootToken(json::object()).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(table_->Contents().head.revision, rev);  // no write
  clock_.Advance(std::chrono::seconds(61));
  auto second = (*a)->RootToken(json::object());
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*second)["nonce"], (*first)["nonce"]);

  ASSERT_TRUE((*a)->Seal(json::object()).ok());
  ASSERT_TRUE((*a)->Resume(false, json::object()).ok());  // logs a cc-unseal token
  EXPECT_EQ((*a)->Resume(false, json::object()).status().code(), ErrorCode::kConflict);
  std::string otp;
  for (const auto& line : lines_) {
    if (auto p = line.find("unseal_token="); p != std::string::npos) otp = line.substr(p + 13);
  }
  ASSERT_EQ(otp.rfind("cc-unseal-", 0), 0u);
  EXPECT_EQ((*a)->Resume(false, {{"resume_token", "cc-unseal-wrong"}}).status().code(),
            ErrorCode::kUnauthenticated);
  ASSERT_TRUE((*a)->Resume(false, {{"resume_token", otp}}).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

TEST_F(ChamberTest, RepeatedWrongSecretsLockTheOperatorOutForAWhile) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob"}, 2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*a)->Unseal({{"operator", "alice"}, {"passphrase", "guess " + std::to_string(i)}})
                  .status()
                  .code(),
              ErrorCode::kUnauthenticated);
  }
  // Locked out now, even with the right passphrase; bob is not affected.
  auto locked = (*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}});
  EXPECT_EQ(locked.status().code(), ErrorCode::kTooManyRequests) << locked.status().ToString();
  EXPECT_TRUE((*a)->Unseal({{"operator", "bob"}, {"passphrase", Passphrase("bob")}}).ok());
  clock_.Advance(std::chrono::seconds(3));
  EXPECT_TRUE((*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}}).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

// Unseal progress is tagged with the seal epoch it was made in: a share
// submitted before an operator seal does not count towards lifting it.
TEST_F(ChamberTest, UnsealProgressFromAnEarlierSealEpochDoesNotCount) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob", "carol"}, 2));
  ASSERT_TRUE((*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}}).ok());
  EXPECT_EQ((*a)->Status()["seal"]["progress"], 1);
  ASSERT_TRUE((*a)->Seal(json::object()).ok());
  // Alice's submission belongs to epoch 0: it no longer counts and is removed.
  EXPECT_EQ((*a)->Status()["seal"]["progress"], 0);
  EXPECT_FALSE(table_->Contents().records.count({records::kUnsealProgress, "alice"}));
  auto carol = (*a)->Unseal({{"operator", "carol"}, {"passphrase", Passphrase("carol")}});
  ASSERT_TRUE(carol.ok()) << carol.status().ToString();
  EXPECT_EQ((*carol)["submitted"], 1);
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  ASSERT_TRUE((*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}}).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

// Two operators at two replicas at once: the replica that loses the commit
// race re-reads and retries, and both submissions count.
TEST_F(ChamberTest, AnUnsealThatLosesACommitRaceIsRetriedOnFreshState) {
  auto b = NewReplica();
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob", "carol"}, 3));
  b->Poll();
  ASSERT_EQ((*b)->State(), SealState::kKmsUnsealed);
  bool bob_done = false;
  a->store().before_next_commit = [&] {
    bob_done = (*b)->Unseal({{"operator", "bob"}, {"passphrase", Passphrase("bob")}}).ok();
  };
  const int commits_before = a->store().commits;
  auto alice = (*a)->Unseal({{"operator", "alice"}, {"passphrase", Passphrase("alice")}});
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_TRUE(bob_done);
  EXPECT_EQ(a->store().commits - commits_before, 2);  // lost once, then won
  EXPECT_EQ((*alice)["submitted"], 2);
  b->Poll();
  EXPECT_EQ((*b)->Status()["seal"]["progress"], 2);
}

}  // namespace
}  // namespace cc::seal
