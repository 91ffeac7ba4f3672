// Review findings from an attacker's read (issue 11): someone who can write
// the state table but holds no KMS key, or an anonymous caller. Each test
// failed on the design before the state writer verified what it commits.
#include "seal/chamber.h"

#include "seal/chamber_test_fixture.h"

namespace cc::seal::testing {
namespace {

// The state as it is in the table, changed by `edit`, at a newer head: what
// a table writer without KMS keys can do.
void Tamper(state::MemoryTable& table, const std::function<void(state::Snapshot&)>& edit) {
  state::Snapshot snap = table.Contents();
  edit(snap);
  snap.head.revision++;
  table.Restore(snap);
}

// The repro: lower the operator threshold in the stored config; the replica
// seals and reports it. Then every route that commits is tried,
// anonymous ones first: none commits, and the state stays flagged.
TEST_F(ChamberTest, NoCeremonyCommitsOverTamperedState) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice", "bob"}, 2));
  Tamper(*table_, [](state::Snapshot& s) {
    auto cfg = records::Load<records::QuorumConfig>(s, {records::kQuorumConfig, "current"});
    cfg->operator_threshold = 1;
    s.records[{records::kQuorumConfig, "current"}].body = records::Encode(*cfg);
  });
  a->Poll();
  ASSERT_EQ((*a)->State(), SealState::kSealed);
  ASSERT_FALSE((*a)->Status().seal.integrity_error.empty());
  const uint64_t rev = table_->Contents().head.revision;

  EXPECT_EQ((*a)->RootToken({}).status().code(), ErrorCode::kCorruption);
  EXPECT_EQ((*a)->Unseal(RightUnseal("alice")).status().code(), ErrorCode::kCorruption);
  EXPECT_EQ((*a)->Resume({}).status().code(), ErrorCode::kFailedPrecondition);  // quorum mode
  EXPECT_EQ(
      (*a)->Register({"cc-reg-x", "alice", Passphrase("a long passphrase"), {}}).status().code(),
      ErrorCode::kConflict);  // already registered
  EXPECT_EQ((*a)->Seal({}).status().code(), ErrorCode::kCorruption);
  a->Poll();
  EXPECT_EQ(table_->Contents().head.revision, rev) << "something committed over tampered state";
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_FALSE((*a)->Status().seal.integrity_error.empty());
  // A fresh replica agrees.
  auto b = NewReplica();
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_FALSE((*b)->Status().seal.integrity_error.empty());
}

// KMS-only: the anonymous routes (root-token start, resume) would commit a
// one-time token record; over tampered state they must not.
TEST_F(ChamberTest, NoAnonymousRequestLaundersATamperedKmsOnlyState) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  ASSERT_TRUE((*a)->Seal({}).ok());
  Tamper(*table_, [](state::Snapshot& s) {
    s.records[{records::kSealEpoch, "current"}].body =
        records::Encode(records::SealEpoch{1, false, 1, "forged"});
  });
  a->Poll();
  const uint64_t rev = table_->Contents().head.revision;
  EXPECT_EQ((*a)->RootToken({}).status().code(), ErrorCode::kCorruption);
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_FALSE((*a)->Resume({}).ok());
  a->Poll();
  EXPECT_EQ(table_->Contents().head.revision, rev);
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_FALSE((*a)->Status().seal.integrity_error.empty());
}

// Unseal progress rows copied back (SQLite keeps old copies in its WAL) with
// the current epoch and a later expiry: the share no longer opens, because
// epoch and expiry are bound into its ciphertext.
TEST_F(ChamberTest, ProgressEditedToLookCurrentDoesNotOpen) {
  const std::string chamber = "c1";
  crypto::SecretBytes key = crypto::SecretBytes::Random(32);
  auto sealed = crypto::AeadSeal(key, "share", ProgressBinding(chamber, "alice", 0, 1, 1000));
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(crypto::AeadOpen(key, *sealed, ProgressBinding(chamber, "alice", 0, 1, 1000)).ok());
  EXPECT_FALSE(crypto::AeadOpen(key, *sealed, ProgressBinding(chamber, "alice", 1, 1, 1000)).ok());
  EXPECT_FALSE(crypto::AeadOpen(key, *sealed, ProgressBinding(chamber, "alice", 0, 2, 1000)).ok());
  EXPECT_FALSE(crypto::AeadOpen(key, *sealed, ProgressBinding(chamber, "alice", 0, 1, 9999)).ok());
  EXPECT_FALSE(crypto::AeadOpen(key, *sealed, ProgressBinding(chamber, "bob", 0, 1, 1000)).ok());
}

// Deleting the quorum config must not make a chamber look fresh: that would
// log a setup token, and init would overwrite the master-key shares.
TEST_F(ChamberTest, AMissingConfigIsAnIntegrityErrorNotAFreshChamber) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  const size_t tokens_before = setup_tokens_.size();
  Tamper(*table_, [](state::Snapshot& s) { s.records.erase({records::kQuorumConfig, "current"}); });
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_NE((*a)->Status().seal.integrity_error.find("configuration is missing"),
            std::string::npos);
  auto b = NewReplica();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_EQ(setup_tokens_.size(), tokens_before) << "no setup token for a broken chamber";
  const uint64_t rev = table_->Contents().head.revision;
  EXPECT_EQ((*b)->Init("cc-setup-anything", KmsOnly()).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(table_->Contents().head.revision, rev);
}

// An unseal that reaches a replica after the config row vanished but before
// its worker noticed: refused as an integrity error, never a read of the
// missing config.
TEST_F(ChamberTest, AnUnsealOverAMissingConfigIsAnIntegrityError) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  Tamper(*table_, [](state::Snapshot& s) { s.records.erase({records::kQuorumConfig, "current"}); });
  auto r = (*a)->Unseal(RightUnseal("alice"));
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption) << r.status().ToString();
}

// Init onto a table that holds any record at all is refused, even when the
// head is still at its creation revision.
TEST_F(ChamberTest, InitNeedsATableWithNoChamberRecords) {
  auto first = NewReplica();  // creates the head
  state::Snapshot snap = table_->Contents();
  snap.records[{records::kAuthPolicy, "leftover"}] = {{records::kAuthPolicy, "leftover"}, 0, "{}"};
  table_->Restore(snap);
  const size_t tokens = setup_tokens_.size();
  auto a = NewReplica();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_EQ(setup_tokens_.size(), tokens);
  EXPECT_EQ((*a)->Init(setup_tokens_.back(), KmsOnly()).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(table_->Contents().records.size(), 1u);
}

// An init whose reply was lost after the backend applied it: the operator
// still gets the management and registration tokens.
TEST_F(ChamberTest, AnInitWhoseReplyWasLostStillReturnsItsTokens) {
  auto a = NewReplica();
  a->store().fail_commits = true;
  a->store().apply_anyway = true;
  auto out = (*a)->Init(setup_tokens_.back(),
                        InitRequest{UnsealMode::kQuorum, {"local:a"}, 1, {"alice", "bob"}, 2});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->management_token.rfind("cc-mgmt-", 0), 0u);
  EXPECT_EQ(out->registration_tokens.size(), 2u);
  a->store().fail_commits = false;
  auto reg = (*a)->Register(
      {out->registration_tokens["alice"], "alice", Passphrase(RightPassphrase("alice")), {}});
  EXPECT_TRUE(reg.ok()) << reg.status().ToString();
}

// An emergency seal holds on this replica even when it cannot be recorded
// (backend down); the KMS layer does not bring MK back on its own.
TEST_F(ChamberTest, AnEmergencySealHoldsLocallyWhenTheBackendIsDown) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  a->store().fail_commits = true;
  auto sealed = (*a)->Seal({"incident"});
  EXPECT_FALSE(sealed.ok());
  EXPECT_NE(sealed.status().message().find("this replica is sealed"), std::string::npos)
      << sealed.status().ToString();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  a->Poll();
  clock_.Advance(std::chrono::minutes(2));
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  a->store().fail_commits = false;
  ASSERT_TRUE((*a)->Resume({true, "", {}}).ok());
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
}

// The challenge route answers the same shape for any name, so it does not
// tell which operator names exist; made-up challenges are stable.
TEST_F(ChamberTest, ChallengeDoesNotRevealWhichOperatorsExist) {
  auto a = NewReplica();
  ASSERT_NO_FATAL_FAILURE(InitQuorumRegistered(*a, {"alice"}, 1));
  auto real = (*a)->Challenge("alice");
  auto fake = (*a)->Challenge("mallory");
  ASSERT_TRUE(real.ok());
  ASSERT_TRUE(fake.ok());
  EXPECT_EQ(fake->challenge.size(), real->challenge.size());
  EXPECT_EQ(fake->operator_name, "mallory");
  EXPECT_EQ((*a)->Challenge("mallory")->challenge, fake->challenge);
}

}  // namespace
}  // namespace cc::seal::testing
