// Promises the docs make that no other test would notice losing: signing
// through a backend outage, tamper detection on a running replica, the
// largest operator set, a PKCS#11 key through a real server, and no secret in
// any log. Each test drives real server processes over HTTP.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "records/records.h"
#include "state/sqlite_store.h"
#include "support/cluster.h"
#include "support/dynamodb_local.h"
#include "support/fault_proxy.h"
#include "support/test_servers.h"

namespace cc::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const std::map<std::string, std::string> kFastKdf = {{"CONTAINMENT_INSECURE_TEST_KDF", "1"}};
const net::Headers kOps = {{"Authorization", std::string("Bearer ") + kTestOpsToken}};

// Polls `check` every 100 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& check, milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return check();
}

int SignStatus(const Replica& r) {
  return Post(r.Url("/api/v1/eth2/sign/0xa1b2"), R"({"type":"ATTESTATION"})", kOps).status;
}

json InitOver(const Replica& r, const std::string& setup_token, const json& body) {
  auto res = Post(r.Url("/api/v1/chamber/init"), body.dump(),
                  {{"Authorization", "Bearer " + setup_token}});
  EXPECT_EQ(res.status, 200) << res.body;
  return json::parse(res.body, nullptr, false);
}

json KmsOnlyInit(const Cluster& c, size_t i) {
  return InitOver(const_cast<Cluster&>(c)[i], c.SetupToken(i),
                  {{"mode", "kms_only"},
                   {"kms_keys", {"local:a", "local:b", "local:c"}},
                   {"kms_threshold", 2}});
}

std::string Passphrase(const std::string& name) { return name + " correct horse battery"; }

net::HttpResponse Register(const Replica& r, const std::string& name, const std::string& token,
                           const json& secret) {
  json body = secret;
  body["operator"] = name;
  return Post(r.Url("/api/v1/chamber/register"), body.dump(),
              {{"Authorization", "Bearer " + token}});
}

net::HttpResponse Unseal(const Replica& r, const std::string& name, const json& secret) {
  json body = secret;
  body["operator"] = name;
  return Post(r.Url("/api/v1/chamber/unseal"), body.dump());
}

// Writes straight into the SQLite table, as someone with write access to
// the state backend but no KMS key would: no manifest update.
void RawCommit(const std::string& db, std::vector<state::Mutation> mutations) {
  auto store = state::SqliteStore::Open(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto head = (*store)->ReadHead();
  ASSERT_TRUE(head.ok());
  auto rev = (*store)->Commit({head->revision, std::move(mutations)});
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
}

state::Snapshot RawSnapshot(const std::string& db) {
  auto store = state::SqliteStore::Open(db);
  EXPECT_TRUE(store.ok());
  auto snap = (*store)->LoadSnapshot();
  EXPECT_TRUE(snap.ok());
  return snap.ok() ? *snap : state::Snapshot{};
}

std::string IntegrityError(const Replica& r) {
  return r.Status()["seal"].value("integrity_error", "");
}

// SPEC 5: an unsealed replica keeps its last good state and keeps signing
// while the backend is down; status shows how stale it is.
TEST(SafetyNet, UnsealedReplicaKeepsSigningThroughABackendOutage) {
  TempDir dir;
  std::string table = DynamoDbLocal::UniqueTableName();
  DynamoDbLocal::Get().Store(table);
  FaultProxy proxy(DynamoDbLocal::Get().endpoint());
  Replica r(dir, "r", DynamoStateYaml(table, proxy.endpoint()), DynamoDbLocal::Get().ServerEnv(),
            "kms: { local: { key_file: " + dir.File("dev.key") + " } }\n");
  r.Start();
  std::string setup = FindLogValue(r.Log(), "setup_token");
  InitOver(r, setup,
           {{"mode", "kms_only"}, {"kms_keys", {"local:a", "local:b"}}, {"kms_threshold", 2}});
  ASSERT_EQ(r.SealStatus(), "unsealed");

  proxy.SetDown(true);
  ASSERT_TRUE(WaitFor(
      [&] {
        json s = r.Status()["state_backend"];
        return s.value("refresh_errors", 0) >= 1 && s.value("last_refresh_age_seconds", 0.0) >= 2.0;
      },
      milliseconds(10000)))
      << r.Status().dump();
  // Every answer during the outage: still ready, the gate still open.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Get(r.Url("/healthcheck")).status, 200);
    EXPECT_EQ(SignStatus(r), 404);  // past the seal gate: no such key loaded
    json s = r.Status();
    EXPECT_EQ(s["seal"]["status"], "unsealed") << s.dump();
    EXPECT_NE(s["state_backend"].value("last_error", "").find("ServiceUnavailable"),
              std::string::npos);
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_NE(Get(r.MetricsUrl()).body.find("containment_healthy 1"), std::string::npos);

  proxy.SetDown(false);
  EXPECT_TRUE(WaitFor(
      [&] {
        return r.Status()["state_backend"].value("refresh_errors", 0) >= 1 &&
               r.Status()["state_backend"].value("last_refresh_age_seconds", 99.0) < 1.5;
      },
      milliseconds(40000)))
      << r.Status().dump();
  EXPECT_EQ(r.SealStatus(), "unsealed");
}

// An operator seal is recorded in plain JSON; only the manifest keeps
// someone with table access from writing the unsealed epoch back.
TEST(SafetyNet, ReplayedOlderStateIsRefusedByRunningAndFreshReplicas) {
  Cluster c(Backend::kSqlite, 2);
  c.StartAll();
  KmsOnlyInit(c, 0);
  ASSERT_TRUE(c.WaitAll("unsealed", milliseconds(5000)));
  const std::string db = c.dir().File("state.db");
  const state::Snapshot before_seal = RawSnapshot(db);

  ASSERT_EQ(Post(c[0].Url("/api/v1/chamber/seal"), "{}", kOps).status, 200);
  ASSERT_TRUE(c.WaitAll("sealed", milliseconds(5000)));

  // 1. Only the seal epoch record, written back as it was before the seal.
  RawCommit(db, {state::Mutation::Put({records::kSealEpoch, "current"},
                                      before_seal.Find({records::kSealEpoch, "current"})->body)});
  EXPECT_TRUE(WaitFor([&] { return !IntegrityError(c[0]).empty(); }, milliseconds(5000)))
      << c[0].Status().dump();
  EXPECT_EQ(c[0].SealStatus(), "sealed");
  EXPECT_EQ(SignStatus(c[0]), 503);
  c[1].Kill();
  c[1].Start();
  EXPECT_TRUE(WaitFor([&] { return !IntegrityError(c[1]).empty(); }, milliseconds(5000)))
      << c[1].Status().dump();
  EXPECT_EQ(c[1].SealStatus(), "sealed");

  // 2. The whole older state (manifest included) replayed at a newer head.
  std::vector<state::Mutation> replay;
  for (const auto& [key, rec] : before_seal.records)
    replay.push_back(state::Mutation::Put(key, rec.body));
  RawCommit(db, std::move(replay));
  c[1].Kill();
  c[1].Start();
  EXPECT_TRUE(WaitFor([&] { return IntegrityError(c[1]).find("manifest") != std::string::npos; },
                      milliseconds(5000)))
      << c[1].Status().dump();
  EXPECT_EQ(c[1].SealStatus(), "sealed");
  EXPECT_EQ(SignStatus(c[1]), 503);
  EXPECT_EQ(c[0].SealStatus(), "sealed");
}

// A row added by someone without the KMS keys seals a running replica at
// its next poll (fails closed), and readiness follows.
TEST(SafetyNet, AnAddedRecordSealsTheRunningReplica) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  KmsOnlyInit(c, 0);
  ASSERT_EQ(c[0].SealStatus(), "unsealed");
  RawCommit(c.dir().File("state.db"),
            {state::Mutation::Put({records::kAuthToken, "00112233"},
                                  R"({"type":"auth_token","v":1,"id":"00112233"})")});
  EXPECT_TRUE(WaitFor([&] { return IntegrityError(c[0]).find("manifest") != std::string::npos; },
                      milliseconds(5000)))
      << c[0].Status().dump();
  EXPECT_EQ(c[0].SealStatus(), "sealed");
  EXPECT_EQ(Get(c[0].Url("/healthcheck")).status, 503);
  EXPECT_EQ(SignStatus(c[0]), 503);
}

// Two operators submitting at the same moment to two replicas: the loser of
// the commit race re-reads and retries, so both submissions count.
TEST(SafetyNet, UnsealSubmissionsRacingOnTwoReplicasBothCount) {
  Cluster c(Backend::kSqlite, 2, kFastKdf);
  c.StartAll();
  const std::vector<std::string> names = {"alice", "bob", "carol"};
  json init = InitOver(c[0], c.SetupToken(0),
                       {{"mode", "quorum"},
                        {"kms_keys", {"local:a"}},
                        {"kms_threshold", 1},
                        {"operators", names},
                        {"operator_threshold", 3}});
  for (const auto& n : names) {
    ASSERT_EQ(
        Register(c[0], n, init["registration_tokens"][n], {{"passphrase", Passphrase(n)}}).status,
        200);
  }
  ASSERT_TRUE(c.WaitAll("kms_unsealed", milliseconds(5000)));
  for (int round = 0; round < 3; ++round) {
    auto a = std::async(std::launch::async, [&] {
      return Unseal(c[0], "alice", {{"passphrase", Passphrase("alice")}});
    });
    auto b = std::async(std::launch::async, [&] {
      return Unseal(c[1], "bob", {{"passphrase", Passphrase("bob")}});
    });
    auto ra = a.get(), rb = b.get();
    ASSERT_EQ(ra.status, 200) << ra.body;
    ASSERT_EQ(rb.status, 200) << rb.body;
  }
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(WaitFor([&] { return c[i].Status()["seal"].value("progress", -1) == 2; },
                        milliseconds(5000)))
        << c[i].Status().dump();
  }
  ASSERT_EQ(Unseal(c[1], "carol", {{"passphrase", Passphrase("carol")}}).status, 200);
  EXPECT_TRUE(c.WaitAll("unsealed", milliseconds(5000)));
}

// The largest operator set init accepts, end to end; one more is refused
// and stores nothing.
TEST(SafetyNet, SixteenOperatorsInitRegisterRestartAndUnseal) {
  Cluster c(Backend::kSqlite, 1, kFastKdf);
  c.StartAll();
  std::vector<std::string> names;
  for (int i = 1; i <= 17; ++i) names.push_back("op" + std::to_string(i));
  json seventeen = {{"mode", "quorum"},
                    {"kms_keys", {"local:a"}},
                    {"kms_threshold", 1},
                    {"operators", names},
                    {"operator_threshold", 9}};
  auto refused = Post(c[0].Url("/api/v1/chamber/init"), seventeen.dump(),
                      {{"Authorization", "Bearer " + c.SetupToken(0)}});
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(c[0].Status()["state_backend"]["revision"], 0);

  names.pop_back();
  json init = InitOver(c[0], c.SetupToken(0),
                       {{"mode", "quorum"},
                        {"kms_keys", {"local:a"}},
                        {"kms_threshold", 1},
                        {"operators", names},
                        {"operator_threshold", 9}});
  ASSERT_EQ(init["registration_tokens"].size(), 16u);
  for (const auto& n : names) {
    auto r = Register(c[0], n, init["registration_tokens"][n], {{"passphrase", Passphrase(n)}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(c[0].Status()["seal"]["registered"], 16);
  c[0].Kill();
  c[0].Start();
  ASSERT_TRUE(c[0].WaitForState("kms_unsealed", milliseconds(5000))) << c[0].Status().dump();
  for (int i = 0; i < 9; ++i) {
    auto r = Unseal(c[0], names[i], {{"passphrase", Passphrase(names[i])}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_TRUE(c[0].WaitForState("unsealed", milliseconds(5000))) << c[0].Status().dump();
  EXPECT_EQ(SignStatus(c[0]), 404);
}

// docs/kms.md: a SoftHSM2 key may be one of the chamber's KMS keys; the
// server wraps and, after a restart, unwraps through the HSM.
TEST(SafetyNet, Pkcs11KeysThroughARunningServerSurviveARestart) {
  SoftHsmToken token("chamber", {"wrap-1", "wrap-2"});
  TempDir keydir;
  Cluster c(Backend::kSqlite, 1,
            {{"SOFTHSM2_CONF", token.conf_path()}, {"HSM_PIN", SoftHsmToken::kPin}},
            "kms:\n  local: { key_file: " + keydir.File("dev.key") + " }\n  pkcs11: { module: " +
                SoftHsmToken::kModule + ", token_label: chamber, pin: \"env:HSM_PIN\" }\n");
  c.StartAll();
  const std::vector<std::string> keys = {token.KeyUri("wrap-1"), token.KeyUri("wrap-2"), "local:a"};
  InitOver(c[0], c.SetupToken(0), {{"mode", "kms_only"}, {"kms_keys", keys}, {"kms_threshold", 3}});
  ASSERT_EQ(c[0].SealStatus(), "unsealed");
  c[0].Kill();
  c[0].Start();
  ASSERT_TRUE(c[0].WaitForState("unsealed", milliseconds(8000)))
      << c[0].Status().dump() << c[0].Log();
  const json status = c[0].Status();  // a local: never iterate a temporary
  for (const auto& k : status["seal"]["kms"]["keys"]) {
    EXPECT_EQ(k.value("healthy", false), true) << k.dump();
  }
  EXPECT_EQ(SignStatus(c[0]), 404);
}

// Every secret a test creates or the server holds, in every encoding a log
// might carry, is absent from every server log.
TEST(SafetyNet, NoSecretInAnyLog) {
  const std::string arn = "arn:aws:kms:us-east-1:111122223333:key/k1";
  KmsDouble kms({arn});
  TempDir keydir;
  const std::string secrets_file = keydir.File("secrets.txt");
  std::map<std::string, std::string> env = kms.ServerEnv();
  env.insert(kFastKdf.begin(), kFastKdf.end());
  env["CONTAINMENT_TEST_SECRETS_FILE"] = secrets_file;  // read by the recorder
  Cluster c(Backend::kSqlite, 2, env,
            "kms:\n  local: { key_file: " + keydir.File("dev.key") +
                " }\n  aws: { endpoint_url: \"" + kms.endpoint() + "\" }\n");
  for (size_t i = 0; i < c.size(); ++i) c[i].set_binary(CC_TESTHOOKS_BINARY);
  c.StartAll();
  std::vector<std::string> secrets = {kTestOpsToken, KmsDouble::kSecretKey};
  const std::string yubi = "000102030405060708090a0b0c0d0e0f10111213";
  json init = InitOver(c[0], c.SetupToken(0),
                       {{"mode", "quorum"},
                        {"kms_keys", {arn, "local:a"}},
                        {"kms_threshold", 2},
                        {"operators", {"alice", "bob", "carol"}},
                        {"operator_threshold", 2}});
  secrets.push_back(init["management_token"]);
  for (const auto& [name, tok] : init["registration_tokens"].items()) secrets.push_back(tok);
  ASSERT_EQ(Register(c[0], "alice", init["registration_tokens"]["alice"],
                     {{"passphrase", Passphrase("alice")}})
                .status,
            200);
  ASSERT_EQ(
      Register(c[1], "bob", init["registration_tokens"]["bob"], {{"passphrase", Passphrase("bob")}})
          .status,
      200);
  ASSERT_EQ(
      Register(c[1], "carol", init["registration_tokens"]["carol"], {{"yubikey_response", yubi}})
          .status,
      200);
  secrets.insert(secrets.end(), {Passphrase("alice"), Passphrase("bob"), yubi});
  ASSERT_TRUE(c.WaitAll("kms_unsealed", milliseconds(5000)));
  const std::string wrong = "not alice's passphrase at all";
  secrets.push_back(wrong);
  EXPECT_EQ(Unseal(c[1], "alice", {{"passphrase", wrong}}).status, 401);
  ASSERT_EQ(Unseal(c[1], "alice", {{"passphrase", Passphrase("alice")}}).status, 200);
  ASSERT_EQ(Unseal(c[0], "carol", {{"yubikey_response", yubi}}).status, 200);
  ASSERT_TRUE(c.WaitAll("unsealed", milliseconds(5000)));

  // A management token from a quorum root-token generation.
  auto start = Post(c[0].Url("/api/v1/chamber/root-token"), "{}");
  ASSERT_EQ(start.status, 200) << start.body;
  std::string nonce = json::parse(start.body)["nonce"];
  json last;
  for (const std::string n : {"alice", "bob"}) {
    auto r = Post(c[1].Url("/api/v1/chamber/root-token"),
                  json{{"nonce", nonce}, {"operator", n}, {"passphrase", Passphrase(n)}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    last = json::parse(r.body);
  }
  ASSERT_TRUE(last.contains("management_token")) << last.dump();
  secrets.push_back(last["management_token"]);
  ASSERT_EQ(Post(c[1].Url("/api/v1/chamber/seal"), "{}",
                 {{"Authorization", "Bearer " + last["management_token"].get<std::string>()}})
                .status,
            200);
  ASSERT_TRUE(c.WaitAll("sealed", milliseconds(5000)));
  for (size_t i = 0; i < c.size(); ++i) c[i].Stop();

  // What the servers held: master key, outer key, KMS and operator shares.
  std::set<std::string> kinds;
  std::ifstream in(secrets_file);
  for (std::string what, hex; in >> what >> hex;) {
    kinds.insert(what);
    auto raw = HexDecode(hex);
    ASSERT_TRUE(raw.has_value());
    secrets.push_back(*raw);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"kms_layer_secret", "kms_share", "master_key",
                                          "operator_share"}));
  secrets.push_back(ReadFile(keydir.File("dev.key")));  // the local KMS root key

  std::vector<std::string> needles;
  for (const auto& s : secrets) {
    needles.push_back(s);
    needles.push_back(HexEncode(s));
    std::string upper = HexEncode(s);
    for (auto& ch : upper) ch = static_cast<char>(toupper(ch));
    needles.push_back(upper);
    needles.push_back(Base64Encode(s));
    needles.push_back(Base64UrlEncode(s));
  }
  for (size_t i = 0; i < c.size(); ++i) {
    const std::string log = c[i].Log();
    ASSERT_FALSE(log.empty());
    for (const auto& n : needles) {
      // Short base64 renderings of short secrets could match by chance.
      if (n.size() < 12) continue;
      EXPECT_EQ(log.find(n), std::string::npos) << "replica " << i << " logged a secret: " << n;
    }
  }
}

}  // namespace
}  // namespace cc::testing
