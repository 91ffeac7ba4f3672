// DynamoDB-specific behaviour against DynamoDB Local: the wrong-table guard,
// throttling retries and outages (through a fault-injecting proxy).
#include "state/dynamodb_store.h"

#include <gtest/gtest.h>

#include "support/dynamodb_local.h"
#include "support/fault_proxy.h"

namespace cc::state {
namespace {

using nlohmann::json;
using testing::DynamoDbLocal;

TEST(DynamoDbStore, MissingTableIsAnErrorNamingTableAndRegion) {
  std::string table = DynamoDbLocal::UniqueTableName("missing");
  auto store = DynamoDbLocal::Get().Store(table, /*create=*/false);
  auto id = store->CheckIdentity();
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(id.status().message().find(table), std::string::npos) << id.status().message();
  EXPECT_NE(id.status().message().find("us-east-1"), std::string::npos);
  // And nothing was created by looking.
  auto listed = DynamoDbLocal::Get().Client()->Call("DescribeTable", {{"TableName", table}});
  EXPECT_EQ(listed.status().code(), ErrorCode::kNotFound);
}

TEST(DynamoDbStore, RefusesATableWithAnotherKeySchema) {
  std::string table = DynamoDbLocal::UniqueTableName("keys");
  auto client = DynamoDbLocal::Get().Client();
  ASSERT_TRUE(
      client
          ->Call("CreateTable",
                 {{"TableName", table},
                  {"AttributeDefinitions", {{{"AttributeName", "pubkey"}, {"AttributeType", "S"}}}},
                  {"KeySchema", {{{"AttributeName", "pubkey"}, {"KeyType", "HASH"}}}},
                  {"BillingMode", "PAY_PER_REQUEST"}})
          .ok());
  auto id = DynamoDbLocal::Get().Store(table, false)->CheckIdentity();
  EXPECT_EQ(id.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(id.status().message().find("key schema is (pubkey)"), std::string::npos)
      << id.status().message();
}

TEST(DynamoDbStore, RefusesATableHoldingForeignItems) {
  std::string table = DynamoDbLocal::UniqueTableName("slashing");
  auto store = DynamoDbLocal::Get().Store(table);
  ASSERT_TRUE(
      DynamoDbLocal::Get()
          .Client()
          ->Call("PutItem", {{"TableName", table},
                             {"Item", {{"pk", {{"S", "0xabc"}}}, {"sk", {{"S", "slot#123"}}}}}})
          .ok());
  auto id = store->CheckIdentity();
  EXPECT_EQ(id.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(id.status().message().find("slot#123"), std::string::npos) << id.status().message();
  // OpenOrCreate must not plant a head in someone else's table.
  EXPECT_FALSE(OpenOrCreate(*store, 1).ok());
  EXPECT_EQ(store->ReadHead().status().code(), ErrorCode::kNotFound);
}

TEST(DynamoDbStore, ThrottlingIsRetriedNotReportedAsFailure) {
  std::string table = DynamoDbLocal::UniqueTableName();
  DynamoDbLocal::Get().Store(table);
  testing::FaultProxy proxy(DynamoDbLocal::Get().endpoint());
  auto store = DynamoDbLocal::Get().Store(table, false, proxy.endpoint());
  ASSERT_TRUE(OpenOrCreate(*store, 1).ok());
  proxy.ThrottleNext(2);
  auto head = store->ReadHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(proxy.throttled(), 2);
  proxy.ThrottleNext(2);
  auto rev = store->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  EXPECT_EQ(*rev, 1u);
}

TEST(DynamoDbStore, OutageIsUnavailableAndChangesNothing) {
  std::string table = DynamoDbLocal::UniqueTableName();
  auto direct = DynamoDbLocal::Get().Store(table);
  ASSERT_TRUE(OpenOrCreate(*direct, 1).ok());
  testing::FaultProxy proxy(DynamoDbLocal::Get().endpoint());
  auto store = DynamoDbLocal::Get().Store(table, false, proxy.endpoint());
  proxy.SetDown(true);
  auto rev = store->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  EXPECT_EQ(rev.status().code(), ErrorCode::kUnavailable) << rev.status().ToString();
  EXPECT_GE(proxy.refused(), 2);  // retried before giving up
  EXPECT_EQ(direct->ReadHead()->revision, 0u);

  auto closed = DynamoDbLocal::Get().Store(table, false, "http://127.0.0.1:1");
  EXPECT_EQ(closed->ReadHead().status().code(), ErrorCode::kUnavailable);
}

// A TransactWriteItems that DynamoDB applied but whose reply never arrived.
// The client retries the identical request (same ClientRequestToken); the
// commit must come back as a success, applied exactly once.
class LostCommitReply : public ::testing::TestWithParam<testing::FaultProxy::Fault> {
 protected:
  void SetUp() override {
    direct_ = DynamoDbLocal::Get().Store(table_);
    ASSERT_TRUE(OpenOrCreate(*direct_, 1).ok());
    store_ = DynamoDbLocal::Get().Store(table_, false, proxy_.endpoint());
  }
  // The ClientRequestToken of every TransactWriteItems the proxy forwarded.
  std::vector<std::string> CommitTokens() const {
    std::vector<std::string> tokens;
    for (const auto& ex : proxy_.Exchanges()) {
      if (ex.target == "DynamoDB_20120810.TransactWriteItems") {
        tokens.push_back(json::parse(ex.body).value("ClientRequestToken", ""));
      }
    }
    return tokens;
  }
  std::string table_ = DynamoDbLocal::UniqueTableName("lost");
  std::unique_ptr<DynamoDbStore> direct_;
  testing::FaultProxy proxy_{DynamoDbLocal::Get().endpoint()};
  std::unique_ptr<DynamoDbStore> store_;
};

TEST_P(LostCommitReply, RetryWithTheSameTokenIsRecognisedAndAppliedOnce) {
  proxy_.LoseRepliesAfterForwarding(GetParam(), 1, "TransactWriteItems");
  auto rev = store_->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  EXPECT_EQ(*rev, 1u);
  EXPECT_EQ(proxy_.replies_lost(), 1);
  std::vector<std::string> tokens = CommitTokens();
  ASSERT_EQ(tokens.size(), 2u) << "the lost reply must be retried once";
  EXPECT_FALSE(tokens[0].empty());
  EXPECT_EQ(tokens[0], tokens[1]) << "a retry must carry the same ClientRequestToken";
  auto snap = direct_->LoadSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->head.revision, 1u);
  EXPECT_EQ(snap->Find({"auth_policy", "ops"})->body, "v1");
  // The next commit builds on it normally.
  auto next = store_->Commit({1, {Mutation::Put({"auth_policy", "ops"}, "v2")}});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(direct_->ReadHead()->revision, 2u);
}

TEST_P(LostCommitReply, RetryDynamoDbNoLongerRecognisesIsStillOurCommit) {
  // After the 10-minute idempotency window DynamoDB treats the retry as a new
  // request; its head condition then fails. The store must recognise its own
  // applied commit (the token in the change-log entry), not report a conflict.
  proxy_.LoseRepliesAfterForwarding(GetParam(), 1, "TransactWriteItems");
  int commits = 0;
  proxy_.RewriteRequests([&](const std::string& target, const std::string& body) {
    if (target.find("TransactWriteItems") == std::string::npos || commits++ == 0) return body;
    json j = json::parse(body);
    j["ClientRequestToken"] = "forgotten-" + std::to_string(commits);
    return j.dump();
  });
  auto rev = store_->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "v1")}});
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  EXPECT_EQ(*rev, 1u);
  EXPECT_EQ(CommitTokens().size(), 2u);
  EXPECT_EQ(direct_->ReadHead()->revision, 1u);
}

TEST_P(LostCommitReply, ANewCommitOfTheSameChangeIsAConflictNotASecondApply) {
  // Every reply lost: the client gives up without knowing the outcome.
  proxy_.LoseRepliesAfterForwarding(GetParam(), 100, "TransactWriteItems");
  auto unknown = store_->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "first")}});
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnavailable) << unknown.status().ToString();
  std::vector<std::string> tokens = CommitTokens();
  ASSERT_GE(tokens.size(), 2u);
  for (const auto& t : tokens) EXPECT_EQ(t, tokens[0]);
  proxy_.LoseRepliesAfterForwarding(GetParam(), 0);
  // The caller tries again as a new commit (another token) on the revision it knew.
  auto again = store_->Commit({0, {Mutation::Put({"auth_policy", "ops"}, "second")}});
  EXPECT_EQ(again.status().code(), ErrorCode::kConflict) << again.status().ToString();
  EXPECT_NE(CommitTokens().back(), tokens[0]);
  auto snap = direct_->LoadSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->head.revision, 1u) << "applied exactly once";
  EXPECT_EQ(snap->Find({"auth_policy", "ops"})->body, "first");
}

INSTANTIATE_TEST_SUITE_P(Faults, LostCommitReply,
                         ::testing::Values(testing::FaultProxy::Fault::kDropConnection,
                                           testing::FaultProxy::Fault::kBrokenResponse),
                         [](const ::testing::TestParamInfo<testing::FaultProxy::Fault>& i) {
                           return i.param == testing::FaultProxy::Fault::kDropConnection
                                      ? "ConnectionDropped"
                                      : "BrokenResponse";
                         });

TEST(DynamoDbStore, IdlePollIsOneSmallRead) {
  std::string table = DynamoDbLocal::UniqueTableName();
  auto store = DynamoDbLocal::Get().Store(table);
  ASSERT_TRUE(OpenOrCreate(*store, 1).ok());
  StoreStats before = store->Stats();
  ASSERT_TRUE(store->ReadHead().ok());
  StoreStats after = store->Stats();
  EXPECT_EQ(after.TotalRequests() - before.TotalRequests(), 1u);
  EXPECT_GT(after.wire_bytes_received - before.wire_bytes_received, 0u);
  EXPECT_LT((after.wire_bytes_sent - before.wire_bytes_sent) +
                (after.wire_bytes_received - before.wire_bytes_received),
            2048u);
}

TEST(DynamoDbStore, WireBytesAreWhatCrossedTheWireBothWays) {
  // The proxy counts the bytes it read from and wrote to the store's client:
  // request and status lines, headers and bodies. The store's counters must
  // agree exactly, for small reads and for a large snapshot.
  std::string table = DynamoDbLocal::UniqueTableName();
  DynamoDbLocal::Get().Store(table);
  testing::FaultProxy proxy(DynamoDbLocal::Get().endpoint());
  auto store = DynamoDbLocal::Get().Store(table, false, proxy.endpoint());
  ASSERT_TRUE(OpenOrCreate(*store, 1).ok());
  ASSERT_TRUE(
      store->Commit({0, {Mutation::Put({"tee_blob", "current"}, std::string(300000, 'b'))}}).ok());
  ASSERT_TRUE(store->ReadHead().ok());
  ASSERT_TRUE(store->LoadSnapshot().ok());
  StoreStats s = store->Stats();
  EXPECT_EQ(s.wire_bytes_sent, proxy.bytes_from_clients());
  EXPECT_EQ(s.wire_bytes_received, proxy.bytes_to_clients());
  EXPECT_GT(s.wire_bytes_sent, 300000u);      // the commit's body
  EXPECT_GT(s.wire_bytes_received, 400000u);  // the snapshot's body (base64)
}

}  // namespace
}  // namespace cc::state
