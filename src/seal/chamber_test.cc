// The chamber's ceremonies and state machine on the in-memory store.
#include "seal/chamber.h"

#include "crypto/kdf.h"
#include "seal/chamber_test_fixture.h"

namespace cc::seal::testing {
namespace {

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
  const std::vector<InitRequest> bad = {
      {UnsealMode::kKmsOnly, {"local:a"}, 2, {}, 0},
      {UnsealMode::kKmsOnly, {"gcp:x"}, 1, {}, 0},
      {UnsealMode::kKmsOnly, {"local:a", "local:a"}, 1, {}, 0},
      {UnsealMode::kKmsOnly, {}, 1, {}, 0},
      {UnsealMode::kQuorum, {"local:a"}, 1, {"bad name"}, 1},
      {UnsealMode::kQuorum, {"local:a"}, 1, {"alice", "alice"}, 1},
      {UnsealMode::kQuorum, {"local:a"}, 1, {"alice"}, 2},
  };
  for (const auto& req : bad) {
    auto r = (*a)->Init(setup_tokens_.back(), req);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  }
  EXPECT_EQ((*a)->Init("cc-setup-wrong", KmsOnly()).status().code(), ErrorCode::kUnauthenticated);
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
  EXPECT_NE((*a)->Status().seal.integrity_error.find("do not match the manifest"),
            std::string::npos);
  // A fresh replica refuses to unseal on that state too.
  auto b = NewReplica();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
}

TEST_F(ChamberTest, ADeletedRecordIsDetected) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  ASSERT_TRUE((*a)->RootToken({}).ok());  // adds a root_generation record
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
  ASSERT_TRUE(other->Init(setup_tokens_.back(), KmsOnly()).ok());
  // Copy the other chamber's master-key record (and everything) over ours, keeping our head.
  state::Snapshot ours = table_->Contents(), theirs = other_table->Contents();
  theirs.head = ours.head;
  theirs.head.revision += 5;
  table_->Restore(theirs);
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_FALSE((*a)->Status().seal.integrity_error.empty());
  auto b = NewReplica();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
}

TEST_F(ChamberTest, UnsealProgressExpiresAfterTheTimeout) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob"}, 2));
  EXPECT_EQ((*a)->State(), SealState::kKmsUnsealed);
  auto first = (*a)->Unseal(RightUnseal("alice"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->submitted, 1);
  clock_.Advance(std::chrono::minutes(31));  // unseal_timeout_minutes is 30
  a->Poll();
  EXPECT_EQ((*a)->Status().seal.progress, 0);
  auto second = (*a)->Unseal(RightUnseal("bob"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->submitted, 1);  // alice's share no longer counts
  EXPECT_EQ((*a)->State(), SealState::kKmsUnsealed);
  // Expired progress is removed from the table.
  bool alice_left = table_->Contents().records.count({records::kUnsealProgress, "alice"}) > 0;
  EXPECT_FALSE(alice_left);
  ASSERT_TRUE((*a)->Unseal(RightUnseal("alice")).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

TEST_F(ChamberTest, WrongSecretStoresNothingAndNamesTheOperator) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice"}, 1));
  uint64_t rev = table_->Contents().head.revision;
  auto r = (*a)->Unseal(UnsealAs("alice", "the wrong passphrase"));
  EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(r.status().message(), "wrong passphrase for operator 'alice'");
  EXPECT_EQ(table_->Contents().head.revision, rev);
  // The failing ceremony logged no secret.
  for (const auto& line : lines_) {
    EXPECT_EQ(line.find("the wrong passphrase"), std::string::npos) << line;
    EXPECT_EQ(line.find(RightPassphrase("alice")), std::string::npos) << line;
  }
}

TEST_F(ChamberTest, SealWipesTheMasterKeyAndRevokesRuntimeTokens) {
  auto b = NewReplica();
  auto a = NewReplica();  // created last: the setup token used below is a's
  std::string mgmt = InitKmsOnly(*a);
  b->Poll();
  EXPECT_TRUE(b->Accepts(mgmt));
  ASSERT_TRUE((*a)->Seal({}).ok());
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_FALSE(b->Accepts(mgmt));  // no MK, no token check
  // Restarting does not undo it.
  auto c = NewReplica();
  EXPECT_EQ((*c)->State(), SealState::kSealed);
  // Resume with a static token (authorized by the API layer).
  ASSERT_TRUE((*c)->Resume({true, "", {}}).ok());
  a->Poll();
  b->Poll();
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
}

// Anyone may ask for a logged one-time token (only log readers can use
// it), but a pending one is kept until it expires: a new request neither
// writes nor voids the token an operator just read, nor echoes its nonce.
// Quorum mode: an anonymous start must not leave the operators without the
// nonce for ten minutes; the replica logs it, as KMS-only mode does.
TEST_F(ChamberTest, AQuorumRootGenerationsNonceIsInTheLog) {
  auto a = NewReplica();
  InitQuorumRegistered(*a, {"alice", "bob"}, 2);
  auto started = (*a)->RootToken({});  // by anyone
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  EXPECT_EQ(LoggedValue("nonce"), started->nonce);
  auto blocked = (*a)->RootToken({});
  EXPECT_EQ(blocked.status().code(), ErrorCode::kConflict);
  EXPECT_NE(blocked.status().message().find("grep nonce="), std::string::npos);
}

TEST_F(ChamberTest, APendingOneTimeTokenIsKeptUntilItExpires) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  auto first = (*a)->RootToken({});
  ASSERT_TRUE(first.ok());
  uint64_t rev = table_->Contents().head.revision;
  clock_.Advance(std::chrono::seconds(61));
  auto again = (*a)->RootToken({});
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(again.status().message().find(first->nonce), std::string::npos);
  EXPECT_EQ(table_->Contents().head.revision, rev);  // no write
  RootTokenRequest finish;
  finish.nonce = first->nonce;
  finish.root_token = LoggedValue("root_token");
  auto issued = (*a)->RootToken(finish);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->management_token.rfind("cc-mgmt-", 0), 0u);
  EXPECT_TRUE(a->Accepts(issued->management_token));

  ASSERT_TRUE((*a)->Seal({}).ok());
  ASSERT_TRUE((*a)->Resume({}).ok());  // logs a cc-unseal token
  const std::string otp = LoggedValue("unseal_token");
  ASSERT_EQ(otp.rfind("cc-unseal-", 0), 0u);
  clock_.Advance(std::chrono::seconds(120));
  EXPECT_EQ((*a)->Resume({}).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(LoggedValue("unseal_token"), otp);  // no new token logged
  EXPECT_EQ((*a)->Resume({false, "cc-unseal-wrong", {}}).status().code(),
            ErrorCode::kUnauthenticated);
  ASSERT_TRUE((*a)->Resume({false, otp, {}}).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
  // Once it has expired, a new one may be asked for.
  clock_.Advance(std::chrono::seconds(10));  // anonymous KMS openings are rate limited
  ASSERT_TRUE((*a)->Seal({}).ok());
  ASSERT_TRUE((*a)->Resume({}).ok());
  clock_.Advance(std::chrono::seconds(kOneTimeTokenSeconds + 1));
  EXPECT_TRUE((*a)->Resume({}).ok());
  EXPECT_NE(LoggedValue("unseal_token"), otp);
}

// Wrong secrets throttle the address they come from (2 s, doubling, capped
// at 5 minutes), checked before any Argon2id work; the operator's right
// secret from another address still unseals.
TEST_F(ChamberTest, WrongSecretsThrottleTheirAddressNotTheOperator) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob"}, 2));
  const std::string attacker = "203.0.113.9";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        (*a)->Unseal(UnsealAs("alice", "guess " + std::to_string(i), attacker)).status().code(),
        ErrorCode::kUnauthenticated);
  }
  std::vector<int> waits;
  for (int round = 0; round < 10; ++round) {
    const uint64_t kdf_before = crypto::Argon2idRuns();
    auto locked = (*a)->Unseal(UnsealAs("alice", "guess", attacker));
    ASSERT_EQ(locked.status().code(), ErrorCode::kTooManyRequests) << round;
    EXPECT_EQ(crypto::Argon2idRuns(), kdf_before) << "no KDF work while throttled";
    int waited = 0;
    while ((*a)->Unseal(UnsealAs("alice", "guess", attacker)).status().code() ==
           ErrorCode::kTooManyRequests) {
      clock_.Advance(std::chrono::seconds(1));
      ++waited;
    }
    waits.push_back(waited);  // the guess above was let through (and failed)
  }
  EXPECT_EQ(waits[0], 2);
  EXPECT_EQ(waits[1], 4);
  EXPECT_EQ(waits[2], 8);
  EXPECT_EQ(waits.back(), 300);  // the cap
  // Meanwhile the operators, from their own addresses, are not refused.
  EXPECT_TRUE((*a)->Unseal(UnsealAs("alice", RightPassphrase("alice"), "192.0.2.10")).ok());
  EXPECT_TRUE((*a)->Unseal(UnsealAs("bob", RightPassphrase("bob"), "192.0.2.11")).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

// Probing for operator names costs what guessing secrets costs: an unknown
// name counts as a wrong secret from that address, so the address is soon
// throttled, while other addresses are not.
TEST_F(ChamberTest, ProbingForOperatorNamesIsThrottledLikeGuessing) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob"}, 2));
  const std::string prober = "203.0.113.7";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*a)->Unseal(UnsealAs("name" + std::to_string(i), "x", prober)).status().code(),
              ErrorCode::kNotFound);
  }
  EXPECT_EQ((*a)->Unseal(UnsealAs("name3", "x", prober)).status().code(),
            ErrorCode::kTooManyRequests);
  EXPECT_EQ((*a)->Unseal(UnsealAs("alice", "guess", prober)).status().code(),
            ErrorCode::kTooManyRequests);
  EXPECT_EQ((*a)->Unseal(UnsealAs("name4", "x", "192.0.2.10")).status().code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE((*a)->Unseal(UnsealAs("alice", RightPassphrase("alice"), "192.0.2.10")).ok());
}

// Unseal progress is tagged with the seal epoch it was made in: a share
// submitted before an operator seal does not count towards lifting it.
TEST_F(ChamberTest, UnsealProgressFromAnEarlierSealEpochDoesNotCount) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob", "carol"}, 2));
  ASSERT_TRUE((*a)->Unseal(RightUnseal("alice")).ok());
  EXPECT_EQ((*a)->Status().seal.progress, 1);
  ASSERT_TRUE((*a)->Seal({}).ok());
  // Alice's submission belongs to epoch 0: it no longer counts and is removed.
  EXPECT_EQ((*a)->Status().seal.progress, 0);
  a->Poll();
  EXPECT_FALSE(table_->Contents().records.count({records::kUnsealProgress, "alice"}));
  auto carol = (*a)->Unseal(RightUnseal("carol"));
  ASSERT_TRUE(carol.ok()) << carol.status().ToString();
  EXPECT_EQ(carol->submitted, 1);
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  ASSERT_TRUE((*a)->Unseal(RightUnseal("alice")).ok());
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
  a->store().before_next_commit = [&] { bob_done = (*b)->Unseal(RightUnseal("bob")).ok(); };
  const int commits_before = a->store().commits;
  auto alice = (*a)->Unseal(RightUnseal("alice"));
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_TRUE(bob_done);
  EXPECT_EQ(a->store().commits - commits_before, 2);  // lost once, then won
  EXPECT_EQ(alice->submitted, 2);
  b->Poll();
  EXPECT_EQ((*b)->Status().seal.progress, 2);
}

}  // namespace
}  // namespace cc::seal::testing
