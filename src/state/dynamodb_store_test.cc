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

TEST(DynamoDbStore, IdlePollIsOneSmallRead) {
  std::string table = DynamoDbLocal::UniqueTableName();
  auto store = DynamoDbLocal::Get().Store(table);
  ASSERT_TRUE(OpenOrCreate(*store, 1).ok());
  StoreStats before = store->Stats();
  ASSERT_TRUE(store->ReadHead().ok());
  StoreStats after = store->Stats();
  EXPECT_EQ(after.TotalRequests() - before.TotalRequests(), 1u);
  EXPECT_LT(after.bytes_read - before.bytes_read, 1024u);
}

}  // namespace
}  // namespace cc::state
