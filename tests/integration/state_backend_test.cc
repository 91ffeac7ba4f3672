// The server and the `state` commands against real backends: SQLite files
// and DynamoDB Local, as separate processes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "support/dynamodb_local.h"
#include "support/fault_proxy.h"
#include "support/replica.h"

namespace cc::testing {
namespace {

using nlohmann::json;

TEST(StateBackendServer, MissingDynamoTableIsAStartupErrorNamingTableAndRegion) {
  TempDir dir;
  std::string table = DynamoDbLocal::UniqueTableName("absent");
  Replica r(dir, "r1", DynamoStateYaml(table, DynamoDbLocal::Get().endpoint()),
            DynamoDbLocal::Get().ServerEnv());
  EXPECT_FALSE(r.StartAndWait());
  EXPECT_EQ(r.process()->Wait(), 1);
  std::string log = r.Log();
  EXPECT_NE(log.find("DynamoDB table '" + table + "' does not exist in region us-east-1"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("uninitialized"), std::string::npos) << log;
}

TEST(StateBackendServer, ForeignTableIsRefused) {
  TempDir dir;
  std::string table = DynamoDbLocal::UniqueTableName("keys");
  DynamoDbLocal::Get().Store(table);  // right key schema...
  ASSERT_TRUE(
      DynamoDbLocal::Get()
          .Client()
          ->Call("PutItem", {{"TableName", table},
                             {"Item", {{"pk", {{"S", "0xa1b2"}}}, {"sk", {{"S", "keystore"}}}}}})
          .ok());  // ...foreign items
  Replica r(dir, "r1", DynamoStateYaml(table, DynamoDbLocal::Get().endpoint()),
            DynamoDbLocal::Get().ServerEnv());
  EXPECT_FALSE(r.StartAndWait());
  EXPECT_NE(r.process()->Wait(), 0);
  EXPECT_NE(r.Log().find("is not a Containment Chamber state table"), std::string::npos) << r.Log();
}

TEST(StateBackendServer, ReplicasOnOneDynamoTableShareTheChamberAndReportIt) {
  TempDir dir;
  std::string table = DynamoDbLocal::UniqueTableName();
  DynamoDbLocal::Get().Store(table);
  std::string yaml = DynamoStateYaml(table, DynamoDbLocal::Get().endpoint());
  Replica a(dir, "a", yaml, DynamoDbLocal::Get().ServerEnv()),
      b(dir, "b", yaml, DynamoDbLocal::Get().ServerEnv());
  a.Start();
  b.Start();
  json sa = a.Status()["state_backend"], sb = b.Status()["state_backend"];
  EXPECT_EQ(sa["backend"], "dynamodb");
  EXPECT_EQ(sa["table"], table);
  EXPECT_EQ(sa["region"], "us-east-1");
  EXPECT_EQ(sa["chamber_id"].get<std::string>().size(), 32u);
  EXPECT_EQ(sa["chamber_id"], sb["chamber_id"]);
  EXPECT_EQ(sa["refresh_errors"], 0);
  EXPECT_LT(sa["last_refresh_age_seconds"].get<double>(), 3.0);
  EXPECT_NE(a.Log().find("msg=\"state backend\" backend=dynamodb table=" + table +
                         " region=us-east-1 chamber_id=" + sa["chamber_id"].get<std::string>()),
            std::string::npos)
      << a.Log();
}

TEST(StateBackendServer, OutageKeepsServingAndShowsStalenessThenRecovers) {
  TempDir dir;
  std::string table = DynamoDbLocal::UniqueTableName();
  DynamoDbLocal::Get().Store(table);
  FaultProxy proxy(DynamoDbLocal::Get().endpoint());
  Replica r(dir, "r", DynamoStateYaml(table, proxy.endpoint()), DynamoDbLocal::Get().ServerEnv());
  r.Start();
  proxy.SetDown(true);
  // Staleness grows while the backend is down; wait until it shows 2 s.
  json s;
  EXPECT_TRUE(WaitUntil(
      [&] {
        s = r.Status()["state_backend"];
        return s.value("refresh_errors", 0) >= 1 && s.value("last_refresh_age_seconds", 0.0) >= 2.0;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(100)))
      << s.dump();
  EXPECT_EQ(Get(r.Url("/upcheck")).status, 200);
  EXPECT_NE(s.value("last_error", "").find("ServiceUnavailable"), std::string::npos) << s.dump();
  auto metrics = Get(r.MetricsUrl()).body;
  EXPECT_NE(metrics.find("containment_state_refresh_errors_total "), std::string::npos);
  EXPECT_EQ(metrics.find("containment_state_refresh_errors_total 0"), std::string::npos) << metrics;

  proxy.SetDown(false);
  // Backoff is capped at 30 s with jitter (half fixed): recovery within 35 s.
  EXPECT_TRUE(WaitUntil(
      [&] { return r.Status()["state_backend"].value("last_refresh_age_seconds", 99.0) < 1.5; },
      std::chrono::seconds(35), std::chrono::milliseconds(200)))
      << r.Status().dump();
  EXPECT_NE(r.Log().find("msg=\"refresh recovered\""), std::string::npos);
}

// A state backend written by a newer build (schema_version above ours) is
// refused at startup with a message that says so, on both backends, and the
// server does not touch it.
TEST(StateBackendServer, NewerSchemaVersionIsRefusedOnBothBackends) {
  TempDir dir;
  const std::string newer = std::to_string(state::kSchemaVersion + 1);
  // SQLite: a state file made by a first start, then marked newer.
  Replica first(dir, "first", SqliteStateYaml(dir.File("s.db")));
  first.Start();
  first.Stop();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("s.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, ("UPDATE cc_head SET schema_version = " + newer).c_str(), nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Replica sq(dir, "sq", SqliteStateYaml(dir.File("s.db")));
  EXPECT_FALSE(sq.StartAndWait());
  EXPECT_NE(sq.process()->Wait(), 0);
  EXPECT_NE(sq.Log().find("has schema version " + newer), std::string::npos) << sq.Log();

  // DynamoDB: a head written by a newer build.
  std::string table = DynamoDbLocal::UniqueTableName("newer");
  auto store = DynamoDbLocal::Get().Store(table);
  ASSERT_TRUE(state::OpenOrCreate(*store, 1).ok());
  ASSERT_TRUE(
      DynamoDbLocal::Get()
          .Client()
          ->Call("UpdateItem", {{"TableName", table},
                                {"Key", {{"pk", {{"S", "chamber"}}}, {"sk", {{"S", "head"}}}}},
                                {"UpdateExpression", "SET schema_version = :v"},
                                {"ExpressionAttributeValues", {{":v", {{"N", newer}}}}}})
          .ok());
  Replica dy(dir, "dy", DynamoStateYaml(table, DynamoDbLocal::Get().endpoint()),
             DynamoDbLocal::Get().ServerEnv());
  EXPECT_FALSE(dy.StartAndWait());
  EXPECT_NE(dy.process()->Wait(), 0);
  EXPECT_NE(dy.Log().find("has schema version " + newer), std::string::npos) << dy.Log();
  auto head = DynamoDbLocal::Get().Client()->Call(
      "GetItem", {{"TableName", table},
                  {"Key", {{"pk", {{"S", "chamber"}}}, {"sk", {{"S", "head"}}}}},
                  {"ConsistentRead", true}});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ((*head)["Item"]["revision"]["N"], "0") << "the server must not write to it";
}

TEST(StateCommands, CreateTableThenInspectAndDoctor) {
  TempDir dir;
  std::string table = DynamoDbLocal::UniqueTableName();
  dir.Write("c.yaml", DynamoStateYaml(table, DynamoDbLocal::Get().endpoint()));
  auto env = DynamoDbLocal::Get().ServerEnv();
  auto created = RunCli({"state", "create-table", "-c", dir.File("c.yaml")}, env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto doctor_empty = RunCli({"state", "doctor", "-c", dir.File("c.yaml")}, env);
  EXPECT_EQ(doctor_empty.exit_code, 0) << doctor_empty.out << doctor_empty.err;
  EXPECT_NE(
      doctor_empty.out.find("[warn] table identity: dynamodb " + table + " in us-east-1 is empty"),
      std::string::npos)
      << doctor_empty.out;

  Replica r(dir, "r", DynamoStateYaml(table, DynamoDbLocal::Get().endpoint()), env);
  r.Start();
  auto inspect = RunCli({"state", "inspect", "-c", dir.File("c.yaml"), "--json"}, env);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  json j = json::parse(inspect.out);
  EXPECT_EQ(j["backend"], "dynamodb");
  EXPECT_EQ(j["chamber_id"], r.Status()["state_backend"]["chamber_id"]);

  auto doctor = RunCli({"state", "doctor", "-c", dir.File("c.yaml"), "--signer-url", r.Url(),
                        "--auth-token", "env:CC_TEST_OPS_TOKEN"},
                       {{"CC_TEST_OPS_TOKEN", kTestOpsToken},
                        {"AWS_ACCESS_KEY_ID", "x"},
                        {"AWS_SECRET_ACCESS_KEY", "y"}});
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
  EXPECT_NE(doctor.out.find("[ok] table identity"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("[ok] refresh: the signer is at revision"), std::string::npos)
      << doctor.out;
}

TEST(StateCommands, DoctorAndInspectRefuseASlashingDatabase) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("slashing.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE signed_attestations (pubkey TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  dir.Write("c.yaml", SqliteStateYaml(dir.File("slashing.db")));
  auto doctor = RunCli({"state", "doctor", "-c", dir.File("c.yaml")});
  EXPECT_EQ(doctor.exit_code, 1);
  EXPECT_NE(doctor.out.find("[FAIL] table identity"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find("signed_attestations"), std::string::npos) << doctor.out;
  auto inspect = RunCli({"state", "inspect", "-c", dir.File("c.yaml")});
  EXPECT_EQ(inspect.exit_code, 1);
  // Neither command changed the file into a state file.
  auto again = RunCli({"state", "inspect", "-c", dir.File("c.yaml")});
  EXPECT_NE(again.err.find("signed_attestations"), std::string::npos) << again.err;
}

TEST(StateCommands, InspectOfAMissingSqliteFileSaysSoAndCreatesNothing) {
  TempDir dir;
  dir.Write("c.yaml", SqliteStateYaml(dir.File("nope.db")));
  auto inspect = RunCli({"state", "inspect", "-c", dir.File("c.yaml")});
  EXPECT_EQ(inspect.exit_code, 1);
  EXPECT_NE(inspect.err.find("no state file at " + dir.File("nope.db")), std::string::npos)
      << inspect.err;
}

TEST(StateBackendServer, RefreshDisabledStillSeesItsOwnStateAtStartup) {
  TempDir dir;
  Replica a(dir, "a", SqliteStateYaml(dir.File("s.db"), 0));
  a.Start();
  EXPECT_NE(a.Log().find("refresh_interval_seconds is 0"), std::string::npos);
  EXPECT_EQ(a.Status()["state_backend"]["revision"], 0);
}

}  // namespace
}  // namespace cc::testing
