// End-to-end ceremonies: three real server processes sharing one state
// backend (DynamoDB Local table, or one SQLite file), driven through the CLI
// as an operator would, with restarts (including kill -9).
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "support/cluster.h"
#include "support/test_servers.h"

namespace cc::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// The replicas' refresh interval (Cluster's default) and what the CLI
// promises for an operator seal: every replica seals "within one refresh
// interval (plus a moment)". A replica polls every interval; the seal lands
// at a random phase, so the worst case is one interval plus one poll and its
// reconcile. The moment is what bench/unseal and this suite measured: under
// 100 ms on an idle machine, so 500 ms leaves room for a loaded CI box.
constexpr milliseconds kInterval{1000};
constexpr milliseconds kSealBound = kInterval + milliseconds(500);
// Other propagation (init, registration, progress, tokens): a poll plus the
// KMS work the change triggers.
constexpr milliseconds kWithinInterval{2500};
constexpr milliseconds kStartup{10000};

const std::map<std::string, std::string> kFastKdf = {{"CONTAINMENT_INSECURE_TEST_KDF", "1"}};

CommandResult Cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return RunCli(std::move(args), env);
}

// Every replica has loaded at least what replica `from` has (its revision).
bool AllCaughtUpWith(const Cluster& c, const Replica& from, milliseconds timeout) {
  int64_t rev = from.Revision();
  if (rev < 0) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (size_t i = 0; i < c.size(); ++i) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!c.at(i).WaitForRevision(rev, std::max(left, milliseconds(1)))) return false;
  }
  return true;
}

// `replica` reports `state` at every look for `window` (a state that must
// hold, such as a sticky seal, is watched, not glanced at once).
::testing::AssertionResult StaysIn(const Replica& replica, const std::string& state,
                                   milliseconds window) {
  auto end = std::chrono::steady_clock::now() + window;
  int looks = 0;
  while (std::chrono::steady_clock::now() < end) {
    std::string now = replica.SealStatus();
    ++looks;
    if (now != state) {
      return ::testing::AssertionFailure() << replica.name() << " left '" << state << "' for '"
                                           << now << "' after " << looks << " looks";
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return ::testing::AssertionSuccess() << looks << " looks";
}

milliseconds Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
}

int SignStatus(const Replica& r) {
  return Post(r.Url("/api/v1/eth2/sign/0xa1b2"), R"({"type":"ATTESTATION"})",
              {{"Authorization", std::string("Bearer ") + kTestOpsToken}})
      .status;
}

class CeremonyTest : public ::testing::TestWithParam<Backend> {};

TEST_P(CeremonyTest, KmsOnlyInitUnsealRestartSealResume) {
  Cluster c(GetParam(), 3);
  c.StartAll();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(c[i].SealStatus(), "uninitialized");
    EXPECT_EQ(c.SetupToken(i).rfind("cc-setup-", 0), 0u) << c[i].Log();
  }
  EXPECT_NE(c.SetupToken(0), c.SetupToken(1));  // each replica logs its own
  EXPECT_EQ(SignStatus(c[0]), 503);

  // Another replica's token is refused; B's own works.
  auto wrong =
      Cli({"operator", "init", "--signer-url", c[1].Url(), "--setup-token", c.SetupToken(0),
           "--kms-key-arns", "local:a,local:b,local:c", "--kms-threshold", "2"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("invalid setup token"), std::string::npos) << wrong.err;
  auto init = Cli({"operator", "init", "--signer-url", c[1].Url(), "--setup-token", "env:SETUP",
                   "--kms-key-arns", "local:a,local:b,local:c", "--kms-threshold", "2", "--json"},
                  {{"SETUP", c.SetupToken(1)}});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  json out = json::parse(init.out);
  std::string mgmt = out["management_token"];
  EXPECT_EQ(mgmt.rfind("cc-mgmt-", 0), 0u);
  EXPECT_EQ(c[1].SealStatus(), "unsealed");
  // The others leave "uninitialized" within one refresh interval and auto-unseal.
  ASSERT_TRUE(c.WaitAll("unsealed", kWithinInterval)) << c[0].Status().dump() << c[2].Log();
  for (size_t i = 0; i < 3; ++i)
    EXPECT_EQ(SignStatus(c[i]), 404);  // seal gate open, no keys loaded
  EXPECT_EQ(Get(c[2].Url("/healthcheck")).status, 200);
  // The management token made on B works on C (tokens propagate).
  auto st = Get(c[2].Url("/api/v1/chamber/status"), {{"Authorization", "Bearer " + mgmt}});
  EXPECT_EQ(st.status, 200) << st.body;
  // Init again: 409.
  auto again = Post(c[0].Url("/api/v1/chamber/init"),
                    R"({"mode":"kms_only","kms_keys":["local:a"],"kms_threshold":1})",
                    {{"Authorization", "Bearer " + c.SetupToken(0)}});
  EXPECT_EQ(again.status, 409) << again.body;

  // kill -9 and restart: auto-unseal, no humans.
  c[0].Kill();
  auto t0 = std::chrono::steady_clock::now();
  c[0].Start();
  ASSERT_TRUE(c[0].WaitForState("unsealed", kStartup)) << c[0].Log();
  const milliseconds restart_to_unsealed = Since(t0);
  RecordProperty("restart_to_unsealed_ms", static_cast<int>(restart_to_unsealed.count()));

  // Operator seal at C seals every replica within one interval (plus a
  // moment, as the CLI says), and sticks.
  auto seal = Cli({"operator", "seal", "--signer-url", c[2].Url(), "--auth-token", "env:MGMT",
                   "--reason", "drill"},
                  {{"MGMT", mgmt}});
  auto sealed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(seal.exit_code, 0) << seal.err;
  EXPECT_NE(seal.out.find("every replica seals within one refresh interval (plus a moment)"),
            std::string::npos)
      << seal.out;
  EXPECT_EQ(c[2].SealStatus(), "sealed");
  ASSERT_TRUE(c.WaitAll("sealed", kSealBound - Since(sealed_at)))
      << "not every replica sealed within " << kSealBound.count() << " ms";
  RecordProperty("seal_to_all_sealed_ms", static_cast<int>(Since(sealed_at).count()));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(SignStatus(c[i]), 503);
  EXPECT_EQ(Get(c[0].Url("/healthcheck")).status, 503);
  // A restart under the seal stays sealed. The restarted replica first loads
  // the sealing revision; then it is watched for three times as long as a
  // restart took to auto-unseal above (at least 2 s): it must never unseal.
  int64_t sealed_revision = c[2].Revision();
  c[1].Kill();
  c[1].Start();
  ASSERT_TRUE(c[1].WaitForRevision(sealed_revision, kStartup));
  EXPECT_TRUE(StaysIn(c[1], "sealed", std::max(3 * restart_to_unsealed, milliseconds(2000))))
      << "an operator seal must survive a restart";
  EXPECT_EQ(c[1].process()->OwnLog().find("unsealed with the KMS keys"), std::string::npos)
      << c[1].process()->OwnLog();

  // Lift it with a static chamber_seal token: every replica unseals again.
  auto resume =
      Cli({"operator", "unseal", "--resume", "--signer-url", c[0].Url(), "--auth-token", "env:OPS"},
          {{"OPS", kTestOpsToken}});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  ASSERT_TRUE(c.WaitAll("unsealed", milliseconds(4000))) << c[1].Status().dump();

  // No secret in any log: tokens other than the logged one-time ones never appear.
  for (size_t i = 0; i < 3; ++i) {
    std::string log = c[i].Log();
    EXPECT_EQ(log.find(mgmt), std::string::npos);
    EXPECT_EQ(log.find(kTestOpsToken), std::string::npos);
  }
}

TEST_P(CeremonyTest, TwoReplicasRacingInitExactlyOneWins) {
  Cluster c(GetParam(), 2);
  c.StartAll();
  std::string body = R"({"mode":"kms_only","kms_keys":["local:a","local:b"],"kms_threshold":2})";
  auto fire = [&](size_t i) {
    return Post(c[i].Url("/api/v1/chamber/init"), body,
                {{"Authorization", "Bearer " + c.SetupToken(i)}});
  };
  auto a = std::async(std::launch::async, fire, 0);
  auto b = std::async(std::launch::async, fire, 1);
  auto ra = a.get(), rb = b.get();
  std::multiset<long> codes = {ra.status, rb.status};
  EXPECT_EQ(codes, (std::multiset<long>{200, 409})) << ra.body << " / " << rb.body;
  EXPECT_TRUE(c.WaitAll("unsealed", kWithinInterval));
  EXPECT_EQ(c[0].Status()["state_backend"]["revision"], c[1].Status()["state_backend"]["revision"]);
}

TEST_P(CeremonyTest, QuorumRegisterRestartUnsealAcrossReplicas) {
  const std::string yubi_secret = "000102030405060708090a0b0c0d0e0f10111213";
  Cluster c(GetParam(), 3, kFastKdf);
  c.StartAll();
  auto init = Cli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token", c.SetupToken(0),
                   "--kms-key-arns", "local:k1,local:k2,local:k3", "--kms-threshold", "2",
                   "--operators", "alice,bob,carol", "--operator-threshold", "2", "--json"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  json out = json::parse(init.out);
  json reg = out["registration_tokens"];
  ASSERT_EQ(reg.size(), 3u);
  ASSERT_TRUE(c.WaitAll("awaiting_registration", kWithinInterval));
  EXPECT_EQ(SignStatus(c[1]), 503);

  const std::map<std::string, std::string> pw = {{"PW_ALICE", "alice correct horse battery"},
                                                 {"PW_CAROL", "carol staple paperclip fern"}};
  auto env_with = [&](std::map<std::string, std::string> e) {
    e.insert(pw.begin(), pw.end());
    return e;
  };
  // A wrong registration token changes nothing.
  auto bad =
      Cli({"operator", "register", "--signer-url", c[0].Url(), "--operator", "alice",
           "--registration-token", reg["bob"].get<std::string>(), "--passphrase", "env:PW_ALICE"},
          pw);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("invalid registration token"), std::string::npos) << bad.err;

  auto ra = Cli({"operator", "register", "--signer-url", c[0].Url(), "--operator", "alice",
                 "--registration-token", "env:REG", "--passphrase", "env:PW_ALICE"},
                env_with({{"REG", reg["alice"].get<std::string>()}}));
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  auto rb = Cli({"operator", "register", "--signer-url", c[1].Url(), "--operator", "bob",
                 "--registration-token", reg["bob"].get<std::string>(), "--yubikey-slot", "2"},
                {{"CONTAINMENT_TEST_YUBIKEY_SECRET", yubi_secret}});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  // Replica 2 has not served either registration: once it has loaded them it
  // shows two of three registered, and still waits for the third.
  ASSERT_TRUE(c[2].WaitForRevision(c[1].Revision(), kWithinInterval));
  EXPECT_EQ(c[2].SealStatus(), "awaiting_registration");
  EXPECT_EQ(c[2].Status()["seal"]["registered"], 2) << c[2].Status().dump();
  // Registration tokens are one-time.
  auto reuse =
      Cli({"operator", "register", "--signer-url", c[2].Url(), "--operator", "alice",
           "--registration-token", reg["alice"].get<std::string>(), "--passphrase", "env:PW_ALICE"},
          pw);
  EXPECT_NE(reuse.exit_code, 0);
  auto rc =
      Cli({"operator", "register", "--signer-url", c[2].Url(), "--operator", "carol",
           "--registration-token", reg["carol"].get<std::string>(), "--passphrase", "env:PW_CAROL"},
          pw);
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  // All registered: every replica opens its KMS layer and waits for operators.
  ASSERT_TRUE(c.WaitAll("kms_unsealed", kWithinInterval)) << c[0].Status().dump();

  // Restart everything, one of them with kill -9.
  c[0].Kill();
  c[1].Stop();
  c[2].Kill();
  for (size_t i = 0; i < 3; ++i) c[i].Start();
  ASSERT_TRUE(c.WaitAll("kms_unsealed", kStartup));

  // A wrong passphrase is rejected at once and stores nothing.
  auto wrong = Cli({"operator", "unseal", "--signer-url", c[0].Url(), "--operator", "alice",
                    "--passphrase", "env:BAD"},
                   {{"BAD", "not alice's passphrase"}});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("wrong passphrase for operator 'alice'"), std::string::npos)
      << wrong.err;
  auto inspect = Cli({"state", "inspect", "-c", c.state_config(), "--json"}, c.CliEnv());
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  json records =
      json::parse(inspect.out)["records"];  // named: a range-for over a temporary's member dangles
  for (const auto& r : records) EXPECT_NE(r["kind"], "unseal_progress");

  // alice at replica 0; the progress shows on replica 2; a duplicate does not count.
  auto ua = Cli({"operator", "unseal", "--signer-url", c[0].Url(), "--operator", "alice",
                 "--passphrase", "env:PW_ALICE"},
                pw);
  ASSERT_EQ(ua.exit_code, 0) << ua.err;
  EXPECT_NE(ua.out.find("Unseal progress: 1/2"), std::string::npos) << ua.out;
  auto dup = Cli({"operator", "unseal", "--signer-url", c[1].Url(), "--operator", "alice",
                  "--passphrase", "env:PW_ALICE", "--json"},
                 pw);
  ASSERT_EQ(dup.exit_code, 0) << dup.err;
  EXPECT_EQ(json::parse(dup.out)["submitted"], 1);
  ASSERT_TRUE(AllCaughtUpWith(c, c[1], kWithinInterval));
  EXPECT_EQ(c[2].Status()["seal"]["progress"], 1) << c[2].Status().dump();
  EXPECT_EQ(c[2].SealStatus(), "kms_unsealed");

  // bob (YubiKey) at replica 2 reaches the threshold: every replica unseals.
  auto t0 = std::chrono::steady_clock::now();
  auto ub = Cli({"operator", "unseal", "--signer-url", c[2].Url(), "--operator", "bob",
                 "--yubikey-slot", "2"},
                {{"CONTAINMENT_TEST_YUBIKEY_SECRET", yubi_secret}});
  ASSERT_EQ(ub.exit_code, 0) << ub.err;
  ASSERT_TRUE(c.WaitAll("unsealed", kWithinInterval)) << c[0].Status().dump() << c[0].Log();
  RecordProperty(
      "last_submission_to_all_unsealed_ms",
      static_cast<int>(
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count()));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(SignStatus(c[i]), 404);
  // Used progress is removed once every replica has had time to see it
  // (2 x interval + 2 s after the quorum; docs/seal.md).
  auto progress_left = [&] {
    auto now = Cli({"state", "inspect", "-c", c.state_config(), "--json"}, c.CliEnv());
    json records = json::parse(now.out, nullptr, false).value("records", json::array());
    return std::count_if(records.begin(), records.end(),
                         [](const json& r) { return r["kind"] == "unseal_progress"; });
  };
  EXPECT_TRUE(WaitUntil([&] { return progress_left() == 0; }, 2 * kInterval + milliseconds(4000),
                        milliseconds(200)))
      << progress_left() << " unseal_progress records left";

  // Operator seal, sticky across a restart, lifted by a fresh quorum.
  auto seal = Cli({"operator", "seal", "--signer-url", c[1].Url(), "--auth-token", "env:OPS"},
                  {{"OPS", kTestOpsToken}});
  ASSERT_EQ(seal.exit_code, 0) << seal.err;
  ASSERT_TRUE(c.WaitAll("sealed", kSealBound));
  int64_t sealed_revision = c[1].Revision();
  c[2].Kill();
  c[2].Start();
  ASSERT_TRUE(c[2].WaitForRevision(sealed_revision, kStartup));
  // Quorum mode: the KMS layer reopens but no operator share is there.
  EXPECT_TRUE(StaysIn(c[2], "sealed", milliseconds(2000)));
  ASSERT_EQ(Cli({"operator", "unseal", "--signer-url", c[2].Url(), "--operator", "carol",
                 "--passphrase", "env:PW_CAROL"},
                pw)
                .exit_code,
            0);
  ASSERT_EQ(Cli({"operator", "unseal", "--signer-url", c[0].Url(), "--operator", "alice",
                 "--passphrase", "env:PW_ALICE"},
                pw)
                .exit_code,
            0);
  ASSERT_TRUE(c.WaitAll("unsealed", kWithinInterval)) << c[1].Status().dump();

  // No passphrase, registration token or YubiKey secret in any log.
  for (size_t i = 0; i < 3; ++i) {
    std::string log = c[i].Log();
    for (const auto& [k, v] : pw) EXPECT_EQ(log.find(v), std::string::npos) << k;
    for (const auto& [name, tok] : reg.items())
      EXPECT_EQ(log.find(tok.get<std::string>()), std::string::npos) << name;
    EXPECT_EQ(log.find(yubi_secret), std::string::npos);
    EXPECT_EQ(log.find(out["management_token"].get<std::string>()), std::string::npos);
  }
}

TEST_P(CeremonyTest, RootTokenKmsOnlyUsesALoggedOneTimeToken) {
  Cluster c(GetParam(), 2);
  c.StartAll();
  ASSERT_EQ(Cli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token", c.SetupToken(0),
                 "--kms-key-arns", "local:a", "--kms-threshold", "1"})
                .exit_code,
            0);
  ASSERT_TRUE(c.WaitAll("unsealed", kWithinInterval));
  auto start = Cli({"operator", "generate-root-token", "--signer-url", c[1].Url(), "--json"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  std::string nonce = json::parse(start.out)["nonce"];
  std::string otp = FindLogValue(c[1].Log(), "root_token");
  ASSERT_EQ(otp.rfind("cc-root-", 0), 0u) << c[1].Log();
  ASSERT_TRUE(AllCaughtUpWith(c, c[1], kWithinInterval));  // the attempt is in the backend
  // Completed on the other replica (behind a load balancer, that happens).
  auto bad = Cli({"operator", "generate-root-token", "--signer-url", c[0].Url(), "--nonce", nonce,
                  "--root-token", "cc-root-wrong"});
  EXPECT_NE(bad.exit_code, 0);
  auto done = Cli({"operator", "generate-root-token", "--signer-url", c[0].Url(), "--nonce", nonce,
                   "--root-token", "env:OTP", "--json"},
                  {{"OTP", otp}});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  std::string token = json::parse(done.out)["management_token"];
  ASSERT_TRUE(AllCaughtUpWith(c, c[0], kWithinInterval));
  EXPECT_EQ(Get(c[1].Url("/api/v1/chamber/status"), {{"Authorization", "Bearer " + token}}).status,
            200);
  // One-time: the same token cannot finish another generation.
  auto replay = Cli({"operator", "generate-root-token", "--signer-url", c[0].Url(), "--nonce",
                     nonce, "--root-token", otp});
  EXPECT_NE(replay.exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CeremonyTest,
                         ::testing::Values(Backend::kSqlite, Backend::kDynamoDb),
                         [](const ::testing::TestParamInfo<Backend>& i) {
                           return BackendName(i.param);
                         });

// With fewer KMS keys reachable than the threshold, a replica stays sealed and
// says which keys failed and why; it unseals once enough come back.
TEST(CeremonyKms, KmsOnlyStaysSealedAndNamesFailingKeys) {
  const std::vector<std::string> arns = {"arn:aws:kms:us-east-1:111122223333:key/k1",
                                         "arn:aws:kms:us-east-1:111122223333:key/k2",
                                         "arn:aws:kms:eu-west-1:111122223333:key/k3"};
  KmsDouble kms(arns);
  Cluster c(Backend::kSqlite, 1, kms.ServerEnv(),
            "kms: { aws: { endpoint_url: \"" + kms.endpoint() + "\" } }\n");
  c.StartAll();
  ASSERT_EQ(Cli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token", c.SetupToken(0),
                 "--kms-key-arns", arns[0] + "," + arns[1] + "," + arns[2], "--kms-threshold", "2"})
                .exit_code,
            0);
  EXPECT_EQ(c[0].SealStatus(), "unsealed");
  kms.Control({{"disable", arns[0]}});
  kms.Control({{"deny", arns[2]}});
  c[0].Kill();
  c[0].Start();
  // The replica listens before it has asked KMS: wait for its first attempt's verdict.
  const std::string verdict = "1 of 3 KMS keys answered; 2 are needed";
  json s;
  EXPECT_TRUE(WaitUntil(
      [&] {
        s = c[0].Status()["seal"];
        return s.value("last_error", "").find(verdict) != std::string::npos;
      },
      kStartup))
      << s.dump();
  EXPECT_EQ(s["status"], "sealed") << s.dump();
  std::map<std::string, json> keys;
  for (const auto& k : s["kms"]["keys"]) keys[k["key"]] = k;
  EXPECT_EQ(keys[arns[0]]["healthy"], false);
  EXPECT_NE(keys[arns[0]].value("last_error", "").find("disabled"), std::string::npos) << s.dump();
  EXPECT_NE(keys[arns[2]].value("last_error", "").find("AccessDeniedException"), std::string::npos);
  EXPECT_EQ(keys[arns[1]]["healthy"], true);
  EXPECT_EQ(SignStatus(c[0]), 503);
  // One key comes back: the replica retries on its own and unseals.
  kms.Control({{"enable", arns[0]}});
  EXPECT_TRUE(c[0].WaitForState("unsealed", milliseconds(8000))) << c[0].Status().dump();
  EXPECT_EQ(kms.Stats()["bad_signatures"], 0);
}

TEST(CeremonyQuorum, RootTokenNeedsThresholdOperatorsAndDoctorChecksCredentials) {
  Cluster c(Backend::kSqlite, 2, kFastKdf);
  c.StartAll();
  auto init = Cli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token", c.SetupToken(0),
                   "--kms-key-arns", "local:a", "--kms-threshold", "1", "--operators", "alice,bob",
                   "--operator-threshold", "2", "--json"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  json reg = json::parse(init.out)["registration_tokens"];
  auto doctor = Cli({"state", "doctor", "-c", c.state_config()}, c.CliEnv());
  EXPECT_EQ(doctor.exit_code, 1) << doctor.out;  // nobody registered: threshold unreachable
  EXPECT_NE(doctor.out.find("[warn] operator credentials: operator 'alice' has not registered yet"),
            std::string::npos)
      << doctor.out;
  std::map<std::string, std::string> pw = {{"PA", "alice passphrase 123"},
                                           {"PB", "bob passphrase 4567"}};
  ASSERT_EQ(Cli({"operator", "register", "--signer-url", c[0].Url(), "--operator", "alice",
                 "--registration-token", reg["alice"], "--passphrase", "env:PA"},
                pw)
                .exit_code,
            0);
  ASSERT_EQ(Cli({"operator", "register", "--signer-url", c[1].Url(), "--operator", "bob",
                 "--registration-token", reg["bob"], "--passphrase", "env:PB"},
                pw)
                .exit_code,
            0);
  ASSERT_EQ(Cli({"operator", "unseal", "--signer-url", c[0].Url(), "--operator", "alice",
                 "--passphrase", "env:PA"},
                pw)
                .exit_code,
            0);
  auto progress = Cli({"state", "doctor", "-c", c.state_config()}, c.CliEnv());
  EXPECT_EQ(progress.exit_code, 0) << progress.out;
  EXPECT_NE(progress.out.find("[ok] operator credentials: 2 of 2 operators can unseal"),
            std::string::npos)
      << progress.out;
  EXPECT_NE(progress.out.find("'alice' submitted; expires in"), std::string::npos) << progress.out;
  ASSERT_EQ(Cli({"operator", "unseal", "--signer-url", c[1].Url(), "--operator", "bob",
                 "--passphrase", "env:PB"},
                pw)
                .exit_code,
            0);
  ASSERT_TRUE(c.WaitAll("unsealed", kWithinInterval));

  auto start = Cli({"operator", "generate-root-token", "--signer-url", c[0].Url(), "--json"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  json s = json::parse(start.out);
  EXPECT_EQ(s["required"], 2);
  std::string nonce = s["nonce"];
  ASSERT_TRUE(AllCaughtUpWith(c, c[0], kWithinInterval));  // the attempt is in the backend
  auto one = Cli({"operator", "generate-root-token", "--signer-url", c[1].Url(), "--nonce", nonce,
                  "--operator", "alice", "--passphrase", "env:PA", "--json"},
                 pw);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_FALSE(json::parse(one.out).contains("management_token"));
  auto bad = Cli({"operator", "generate-root-token", "--signer-url", c[1].Url(), "--nonce", nonce,
                  "--operator", "bob", "--passphrase", "env:PA"},
                 pw);
  EXPECT_NE(bad.exit_code, 0);
  auto two = Cli({"operator", "generate-root-token", "--signer-url", c[1].Url(), "--nonce", nonce,
                  "--operator", "bob", "--passphrase", "env:PB", "--json"},
                 pw);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  std::string token = json::parse(two.out)["management_token"];
  ASSERT_TRUE(AllCaughtUpWith(c, c[1], kWithinInterval));
  EXPECT_EQ(Get(c[0].Url("/api/v1/chamber/status"), {{"Authorization", "Bearer " + token}}).status,
            200);
}

// Bad input gets a clear error and changes nothing.
TEST(CeremonyBadInput, MalformedWrongOrUnreachableChangesNothing) {
  const std::string arn = "arn:aws:kms:us-east-1:111122223333:key/bad-input";
  KmsDouble kms({arn});
  Cluster c(Backend::kSqlite, 1, kms.ServerEnv(),
            "kms: { aws: { endpoint_url: \"" + kms.endpoint() + "\" } }\n");
  c.StartAll();
  const net::Headers setup = {{"Authorization", "Bearer " + c.SetupToken(0)}};
  auto revision = [&] { return c[0].Status()["state_backend"]["revision"].get<int>(); };
  struct Case {
    std::string body;
    net::Headers headers;
    long status;
    std::string error;
  };
  const std::string good = R"({"mode":"kms_only","kms_keys":[")" + arn + R"("],"kms_threshold":1})";
  for (const Case& k : std::vector<Case>{
           {"{not json", setup, 400, "bad_request"},
           {"[1,2]", setup, 400, "bad_request"},
           {R"({"mode":"kms_only","kms_keys":"x","kms_threshold":1})", setup, 400,
            "invalid_argument"},
           {good, {{"Authorization", "Bearer cc-setup-wrong"}}, 401, "unauthenticated"},
           {good, {}, 401, "unauthenticated"},
           {std::string(2 << 20, 'x'), setup, 413, "payload_too_large"}}) {
    auto r = Post(c[0].Url("/api/v1/chamber/init"), k.body, k.headers);
    EXPECT_EQ(r.status, k.status) << k.body.substr(0, 40) << " -> " << r.body;
    EXPECT_EQ(json::parse(r.body, nullptr, false).value("error", ""), k.error) << r.body;
  }
  // KMS down during init: 503 naming the key, nothing stored.
  kms.Control({{"down", true}});
  auto down = Post(c[0].Url("/api/v1/chamber/init"), good, setup);
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find(arn), std::string::npos) << down.body;
  EXPECT_EQ(revision(), 0);
  EXPECT_EQ(c[0].SealStatus(), "uninitialized");
  // The same request succeeds once KMS is back.
  kms.Control({{"down", false}});
  EXPECT_EQ(Post(c[0].Url("/api/v1/chamber/init"), good, setup).status, 200);
  // Quorum-only routes on a KMS-only chamber: 409 with a reason, no change.
  int before = revision();
  auto reg = Post(c[0].Url("/api/v1/chamber/register"),
                  R"({"operator":"x","passphrase":"long enough pass"})");
  EXPECT_EQ(reg.status, 409) << reg.body;
  auto uns = Post(c[0].Url("/api/v1/chamber/unseal"),
                  R"({"operator":"x","passphrase":"long enough pass"})");
  EXPECT_EQ(uns.status, 409) << uns.body;
  EXPECT_EQ(revision(), before);
}

TEST(CeremonyKdf, ProductionArgon2idRegistersAndUnseals) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  auto init = Cli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token", c.SetupToken(0),
                   "--kms-key-arns", "local:a", "--kms-threshold", "1", "--operators", "solo",
                   "--operator-threshold", "1", "--json"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::string reg = json::parse(init.out)["registration_tokens"]["solo"];
  ASSERT_EQ(Cli({"operator", "register", "--signer-url", c[0].Url(), "--operator", "solo",
                 "--registration-token", reg, "--passphrase", "env:PW"},
                {{"PW", "a production strength passphrase"}})
                .exit_code,
            0);
  ASSERT_TRUE(c[0].WaitForState("kms_unsealed", kWithinInterval));
  auto short_pw =
      Post(c[0].Url("/api/v1/chamber/unseal"), R"({"operator":"solo","passphrase":"short"})");
  EXPECT_EQ(short_pw.status, 401);
  ASSERT_EQ(Cli({"operator", "unseal", "--signer-url", c[0].Url(), "--operator", "solo",
                 "--passphrase", "env:PW"},
                {{"PW", "a production strength passphrase"}})
                .exit_code,
            0);
  EXPECT_TRUE(c[0].WaitForState("unsealed", kWithinInterval));
}

}  // namespace
}  // namespace cc::testing
