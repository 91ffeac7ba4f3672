// Runtime auth end to end: 3 real server processes on one backend (SQLite
// file, DynamoDB Local table), the Auth API over HTTP and the CLI, and
// propagation and revocation measured on every response.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "support/cluster.h"

namespace cc::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const std::string kKey = "0x" + std::string(96, 'a');
// One refresh interval (1 s) plus the 200 ms the issue allows for a reload.
constexpr milliseconds kInForce{1200};

net::Headers Bearer(const std::string& t) { return {{"Authorization", "Bearer " + t}}; }

int Sign(const Replica& r, const std::string& token, const std::string& type = "ATTESTATION") {
  return static_cast<int>(Post(r.Url("/api/v1/eth2/sign/" + kKey), json{{"type", type}}.dump(),
                               token.empty() ? net::Headers{} : Bearer(token))
                              .status);
}

class AuthTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    c_ = std::make_unique<Cluster>(GetParam(), 3);
    c_->StartAll();
    auto init = Post((*c_)[0].Url("/api/v1/chamber/init"),
                     R"({"mode":"kms_only","kms_keys":["local:a","local:b"],"kms_threshold":2})",
                     Bearer(c_->SetupToken(0)));
    ASSERT_EQ(init.status, 200) << init.body;
    mgmt_ = json::parse(init.body)["management_token"];
    ASSERT_TRUE(c_->WaitAll("unsealed", milliseconds(5000)));
  }
  // Waits until `check` holds on replica i; the time it took.
  milliseconds Until(size_t i, const std::function<bool(const Replica&)>& check) {
    auto t0 = Clock::now();
    while (!check((*c_)[i]) && Clock::now() - t0 < std::chrono::seconds(10))
      std::this_thread::sleep_for(milliseconds(20));
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  }
  std::unique_ptr<Cluster> c_;
  std::string mgmt_;
};

TEST_P(AuthTest, PoliciesPropagateAndARevokedTokenIsRefusedEverywhere) {
  Cluster& c = *c_;
  // The test replicas carry a static policy, so auth is enforced from the start.
  EXPECT_EQ(c[1].Status()["auth"]["enforced"], true);
  EXPECT_EQ(Sign(c[1], ""), 401);

  // A policy through the CLI, a token through the API (SPEC 7.1 shapes).
  auto created =
      RunCli({"auth", "policy", "create", "--name", "vc-alpha", "--rule",
              R"({"effect":"allow","scopes":["sign","public_keys"],"keys":[")" + kKey + R"("]})",
              "--rule", R"({"effect":"deny","operations":["VOLUNTARY_EXIT"]})", "--signer-url",
              c[0].Url(), "--auth-token", "env:MGMT", "--json"},
             {{"MGMT", mgmt_}});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(json::parse(created.out)["rules"].size(), 2u);
  auto tok = Post(c[0].Url("/api/v1/chamber/auth/tokens"),
                  R"({"policies":["vc-alpha"],"ttl_seconds":3600,"description":"vc on host-3"})",
                  Bearer(mgmt_));
  ASSERT_EQ(tok.status, 201) << tok.body;
  json t = json::parse(tok.body);
  const std::string token = t["token"], id = t["id"];
  EXPECT_EQ(token.rfind("cc_token_", 0), 0u);
  EXPECT_EQ(id.rfind("tok_", 0), 0u);
  EXPECT_FALSE(t["expires_at"].is_null());
  // In force on the other replicas within one interval.
  for (size_t i : {1u, 2u}) {
    EXPECT_LE(Until(i, [&](const Replica& r) { return Sign(r, token) == 404; }), kInForce);
  }
  EXPECT_EQ(Sign(c[1], token, "VOLUNTARY_EXIT"), 403);  // deny wins
  EXPECT_EQ(Sign(c[1], ""), 401);
  // The secret is never shown again.
  auto listed = Get(c[2].Url("/api/v1/chamber/auth/tokens"), Bearer(mgmt_));
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(token), std::string::npos);
  EXPECT_NE(listed.body.find(id), std::string::npos);
  EXPECT_EQ(c[2].Status()["auth"]["runtime_policies"], 1);

  // Narrowed on replica 2: refused on 0 and 1 within one interval.
  auto narrowed = RunCli({"auth", "policy", "create", "--name", "unused", "--rule",
                          R"({"effect":"allow","scopes":["public_keys"]})", "--signer-url",
                          c[2].Url(), "--auth-token", "env:MGMT"},
                         {{"MGMT", mgmt_}});
  ASSERT_EQ(narrowed.exit_code, 0) << narrowed.err;
  auto put = net::Send([&] {
    net::HttpRequest req;
    req.method = "PUT";
    req.url = c[2].Url("/api/v1/chamber/auth/policies/vc-alpha");
    req.body = R"({"rules":[{"effect":"allow","scopes":["public_keys"]}]})";
    req.headers = Bearer(mgmt_);
    req.headers.emplace_back("Content-Type", "application/json");
    return req;
  }());
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->status, 200) << put->body;
  for (size_t i : {0u, 1u}) {
    EXPECT_LE(Until(i, [&](const Replica& r) { return Sign(r, token) == 403; }), kInForce);
  }
  // Deleting a policy in use names the token; the CLI exits non-zero.
  auto del = RunCli({"auth", "policy", "delete", "vc-alpha", "--signer-url", c[1].Url(),
                     "--auth-token", "env:MGMT"},
                    {{"MGMT", mgmt_}});
  EXPECT_NE(del.exit_code, 0);
  EXPECT_NE(del.err.find(id), std::string::npos) << del.err;
  // A client token (no chamber_auth scope) is 403 with a hint; a wrong one 401 with one.
  auto narrow =
      RunCli({"auth", "token", "list", "--signer-url", c[1].Url(), "--auth-token", "env:TOKEN"},
             {{"TOKEN", token}});
  EXPECT_EQ(narrow.exit_code, 3) << narrow.err;
  EXPECT_NE(narrow.err.find("hint: the token is valid but its policy"), std::string::npos)
      << narrow.err;
  auto wrong =
      RunCli({"auth", "token", "list", "--signer-url", c[1].Url(), "--auth-token", "env:TOKEN"},
             {{"TOKEN", "cc_token_wrong-wrong-wrong-wrong"}});
  EXPECT_EQ(wrong.exit_code, 3) << wrong.err;
  EXPECT_NE(wrong.err.find("hint: "), std::string::npos) << wrong.err;

  // Revoked on replica 0 while a client hammers 1 and 2: after interval +
  // 200 ms, every single answer is 401.
  ASSERT_EQ(Post(c[0].Url("/api/v1/chamber/auth/policies"),
                 json{{"name", "vc-beta"}, {"rules", {{{"effect", "allow"}, {"scopes", {"sign"}}}}}}
                     .dump(),
                 Bearer(mgmt_))
                .status,
            201);
  auto tb = json::parse(
      Post(c[0].Url("/api/v1/chamber/auth/tokens"), R"({"policies":["vc-beta"]})", Bearer(mgmt_))
          .body);
  const std::string beta = tb["token"];
  for (size_t i : {1u, 2u}) Until(i, [&](const Replica& r) { return Sign(r, beta) == 404; });
  std::atomic<bool> stop{false};
  std::atomic<int64_t> revoked_at_ms{0};
  auto hammer = [&](size_t i) {
    std::vector<std::pair<int64_t, int>> seen;
    while (!stop) {
      int code = Sign(c[i], beta);
      seen.emplace_back(
          std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count(), code);
    }
    return seen;
  };
  auto h1 = std::async(std::launch::async, hammer, 1);
  auto h2 = std::async(std::launch::async, hammer, 2);
  std::this_thread::sleep_for(milliseconds(300));
  auto revoke = RunCli(
      {"auth", "token", "revoke", tb["id"], "--signer-url", c[0].Url(), "--auth-token", "env:MGMT"},
      {{"MGMT", mgmt_}});
  revoked_at_ms = std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  std::this_thread::sleep_for(milliseconds(2500));
  stop = true;
  for (auto* h : {&h1, &h2}) {
    auto seen = h->get();
    int after = 0;
    for (const auto& [at, code] : seen) {
      if (at > revoked_at_ms + kInForce.count()) {
        ++after;
        EXPECT_EQ(code, 401) << "accepted " << (at - revoked_at_ms) << " ms after revocation";
      } else {
        EXPECT_TRUE(code == 404 || code == 401) << code;
      }
    }
    EXPECT_GT(after, 10);
  }
}

// `state doctor` answers "auth edits do not propagate": the table's auth
// against what a signer has loaded, and why a signer is behind.
// A client token with chamber_auth hands out only what it holds: no policy
// changes, tokens only for its own policies and never outliving it, and it
// revokes only such tokens (never a management token).
TEST_P(AuthTest, AClientTokenWithChamberAuthCannotGrantItselfMore) {
  Cluster& c = *c_;
  auto policy = [&](const std::string& name, json scopes) {
    return Post(c[0].Url("/api/v1/chamber/auth/policies"),
                json{{"name", name}, {"rules", {{{"effect", "allow"}, {"scopes", scopes}}}}}.dump(),
                Bearer(mgmt_));
  };
  ASSERT_EQ(policy("delegate", {"chamber_auth", "sign"}).status, 201);
  ASSERT_EQ(policy("all", {"sign", "public_keys", "chamber_status", "chamber_seal",
                           "chamber_rotate", "chamber_auth"})
                .status,
            201);
  auto made = Post(c[0].Url("/api/v1/chamber/auth/tokens"),
                   json{{"policies", {"delegate"}}, {"ttl_seconds", 3600}}.dump(), Bearer(mgmt_));
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string delegate = json::parse(made.body)["token"];
  const std::string delegate_expiry = json::parse(made.body)["expires_at"];
  ASSERT_LE(Until(1, [&](const Replica& r) { return Sign(r, delegate) != 401; }), kInForce);
  const std::string url = c[1].Url("/api/v1/chamber/auth");

  auto escalate =
      Post(url + "/policies",
           json{{"name", "mine"}, {"rules", {{{"effect", "allow"}, {"scopes", {"chamber_seal"}}}}}}
               .dump(),
           Bearer(delegate));
  EXPECT_EQ(escalate.status, 403) << escalate.body;
  EXPECT_EQ(Delete(url + "/policies/all?force=true", Bearer(delegate)).status, 403);
  auto broader = Post(url + "/tokens", json{{"policies", {"all"}}}.dump(), Bearer(delegate));
  EXPECT_EQ(broader.status, 403) << broader.body;
  // Its own policy: allowed, and capped at its own expiry.
  auto child = Post(url + "/tokens", json{{"policies", {"delegate"}}}.dump(), Bearer(delegate));
  ASSERT_EQ(child.status, 201) << child.body;
  EXPECT_EQ(json::parse(child.body)["expires_at"], delegate_expiry);
  const std::string child_id = json::parse(child.body)["id"];
  // Management tokens are out of its reach; its own kind of token is not.
  auto listed = json::parse(Get(url + "/tokens", Bearer(mgmt_)).body)["tokens"];
  std::string mgmt_id;
  for (const auto& t : listed)
    if (t["kind"] == "management") mgmt_id = t["id"];
  ASSERT_FALSE(mgmt_id.empty()) << listed.dump();
  EXPECT_EQ(Delete(url + "/tokens/" + mgmt_id, Bearer(delegate)).status, 403);
  EXPECT_EQ(Get(c[1].Url("/api/v1/chamber/status"), Bearer(mgmt_)).status, 200);
  ASSERT_LE(
      Until(1,
            [&](const Replica& r) {
              return Get(r.Url("/api/v1/chamber/auth/tokens/" + child_id), Bearer(mgmt_)).status ==
                     200;
            }),
      kInForce);
  EXPECT_EQ(Delete(url + "/tokens/" + child_id, Bearer(delegate)).status, 204);
}

TEST_P(AuthTest, DoctorComparesTheTablesAuthWithWhatASignerLoaded) {
  Cluster& c = *c_;
  ASSERT_EQ(Post(c[0].Url("/api/v1/chamber/auth/policies"),
                 R"({"name":"p","rules":[{"effect":"allow","scopes":["sign"]}]})", Bearer(mgmt_))
                .status,
            201);
  Until(1, [&](const Replica& r) { return r.Status()["auth"].value("runtime_policies", 0) == 1; });
  auto doctor = [&](const Replica& r) {
    std::map<std::string, std::string> env = c.CliEnv();
    env["OPS"] = kTestOpsToken;
    return RunCli({"state", "doctor", "-c", c.state_config(), "--signer-url", r.Url(),
                   "--auth-token", "env:OPS"},
                  env);
  };
  auto ok = doctor(c[1]);
  EXPECT_NE(ok.out.find("the same as the table"), std::string::npos) << ok.out << ok.err;
  // A replica that does not refresh falls behind, and doctor says why.
  Replica stale(c.dir(), "stale", c.StateYaml(0), c.CliEnv(),
                "kms: { local: { key_file: " + c.dir().File("dev-kms.key") + " } }\n");
  stale.Start();
  ASSERT_EQ(Post(c[0].Url("/api/v1/chamber/auth/policies"),
                 R"({"name":"q","rules":[{"effect":"allow","scopes":["sign"]}]})", Bearer(mgmt_))
                .status,
            201);
  std::this_thread::sleep_for(milliseconds(5500));  // longer than 3 intervals + 2 s
  auto behind = doctor(stale);
  EXPECT_NE(behind.out.find("the signer is behind because it has not polled"), std::string::npos)
      << behind.out << behind.err;
}

TEST_P(AuthTest, AnExpiringTokenIsRefusedEverywhereOnceItExpires) {
  Cluster& c = *c_;
  ASSERT_EQ(Post(c[0].Url("/api/v1/chamber/auth/policies"),
                 R"({"name":"p","rules":[{"effect":"allow","scopes":["sign"]}]})", Bearer(mgmt_))
                .status,
            201);
  auto tok = RunCli({"auth", "token", "create", "--policies", "p", "--ttl", "3s", "--signer-url",
                     c[0].Url(), "--auth-token", "env:MGMT", "--json"},
                    {{"MGMT", mgmt_}});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::string token = json::parse(tok.out)["token"];
  for (size_t i : {0u, 1u, 2u}) Until(i, [&](const Replica& r) { return Sign(r, token) == 404; });
  std::this_thread::sleep_for(milliseconds(3100));
  for (size_t i : {0u, 1u, 2u}) EXPECT_EQ(Sign(c[i], token), 401);
}

TEST_P(AuthTest, BadAuthApiInputIs400NamingTheField) {
  Cluster& c = *c_;
  auto bad = [&](const std::string& body, const std::string& field) {
    auto r = Post(c[0].Url("/api/v1/chamber/auth/policies"), body, Bearer(mgmt_));
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << r.body;
  };
  bad(R"({"name":"p","rules":[{"effect":"allow","scopes":["sing"]}]})", "rules[0].scopes");
  bad(R"({"name":"p","rules":[{"effect":"allow","keys":["0x12"]}]})", "rules[0].keys");
  bad(R"({"name":"p","rules":[{"effect":"deny","operations":["EXIT"]}]})", "rules[0].operations");
  bad(R"({"name":"p","rules":[{"effect":"allow"}]})", "rules[0]");
  bad(R"({"name":"p","rules":[{"effect":"maybe","scopes":["sign"]}]})", "rules[0].effect");
  bad(R"({"name":7,"rules":[]})", "name");
  auto t =
      Post(c[0].Url("/api/v1/chamber/auth/tokens"), R"({"policies":["p","p"]})", Bearer(mgmt_));
  EXPECT_EQ(t.status, 400) << t.body;
  // The Auth API needs a token with chamber_auth.
  EXPECT_EQ(Get(c[0].Url("/api/v1/chamber/auth/policies")).status, 401);
  EXPECT_EQ(c[0].Status()["state_backend"]["revision"], 1);  // nothing was written
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb),
                         [](const ::testing::TestParamInfo<Backend>& i) {
                           return BackendName(i.param);
                         });

}  // namespace
}  // namespace cc::testing
