// A state backend that went back to an older revision, or now holds another
// chamber: ceremonies say so and what to do, instead of reporting a race.
#include "seal/chamber_test_fixture.h"

namespace cc::seal::testing {
namespace {

bool Has(const cc::Status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

TEST_F(ChamberTest, ARolledBackTableIsNamedNotReportedAsARace) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  const state::Snapshot backup = table_->Contents();
  ASSERT_TRUE((*a)->Seal({"first"}).ok());  // one more commit after the "backup"
  const uint64_t seen = table_->Contents().head.revision;
  ASSERT_GT(seen, backup.head.revision);
  table_->Restore(backup);  // someone restores the older backup
  a->Poll();

  const std::string at = "revision " + std::to_string(backup.head.revision) +
                         " while this replica has seen revision " + std::to_string(seen);
  auto root = (*a)->RootToken({});
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), ErrorCode::kFailedPrecondition) << root.status().ToString();
  EXPECT_TRUE(Has(root.status(), "the state backend was rolled back")) << root.status().message();
  EXPECT_TRUE(Has(root.status(), at)) << root.status().message();
  EXPECT_TRUE(Has(root.status(), "refuses to follow it")) << root.status().message();
  EXPECT_TRUE(Has(root.status(), "restore the newest backup")) << root.status().message();
  EXPECT_FALSE(Has(root.status(), "at the same time")) << root.status().message();

  // The emergency seal answers the same (and still holds on this replica).
  auto sealed = (*a)->Seal({});
  EXPECT_EQ(sealed.status().code(), ErrorCode::kFailedPrecondition) << sealed.status().ToString();
  EXPECT_TRUE(Has(sealed.status(), at)) << sealed.status().message();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_EQ(table_->Contents().head.revision, backup.head.revision);  // left alone
}

TEST_F(ChamberTest, AReplacedTableIsNamedNotReportedAsARace) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  const std::string ours = table_->Contents().head.chamber_id;
  auto other_table = std::make_shared<state::MemoryTable>();
  Replica other(other_table, dir_.File("dev.key"), clock_);
  ASSERT_TRUE(other->Init(setup_tokens_.back(), KmsOnly()).ok());
  state::Snapshot theirs = other_table->Contents();
  theirs.head.revision += 10;  // newer, but another chamber
  table_->Restore(theirs);
  a->Poll();

  auto root = (*a)->RootToken({});
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().code(), ErrorCode::kFailedPrecondition) << root.status().ToString();
  EXPECT_TRUE(Has(root.status(), "now holds another chamber (" + theirs.head.chamber_id +
                                     ") than the one this replica serves (" + ours + ")"))
      << root.status().message();
  EXPECT_FALSE(Has(root.status(), "at the same time")) << root.status().message();
}

}  // namespace
}  // namespace cc::seal::testing
