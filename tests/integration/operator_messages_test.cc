// Every operator message says what happened and what to run next: the CLI
// as a real process against a real server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "support/cluster.h"

namespace cc::testing {
namespace {

using nlohmann::json;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

CommandResult InitKmsOnly(Cluster& c, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"operator",        "init",   "--signer-url",   c[0].Url(),
                                   "--setup-token",   "env:ST", "--kms-key-arns", "local:a,local:b",
                                   "--kms-threshold", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCli(args, {{"ST", c.SetupToken(0)}});
}

TEST(OperatorMessages, AMissingOrRejectedTokenSaysHowToSupplyOne) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  auto none = RunCli({"operator", "status", "--signer-url", c[0].Url()});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_TRUE(Has(none.err, "HTTP 401")) << none.err;
  EXPECT_TRUE(Has(none.err, "hint: no token was given")) << none.err;
  EXPECT_TRUE(Has(none.err, "--auth-token env:NAME")) << none.err;
  EXPECT_TRUE(Has(none.err, "export CC_AUTH_TOKEN=$(cat data/ops-token)")) << none.err;

  auto wrong = RunCli(
      {"operator", "seal", "--signer-url", c[0].Url(), "--auth-token", "wrong-token-00000000"});
  EXPECT_EQ(wrong.exit_code, 3);
  EXPECT_TRUE(Has(wrong.err, "the signer rejected the token given with --auth-token")) << wrong.err;

  auto setup = RunCli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token",
                       "cc-setup-wrong", "--kms-key-arns", "local:a", "--kms-threshold", "1"});
  EXPECT_EQ(setup.exit_code, 3);
  EXPECT_TRUE(Has(setup.err, "invalid setup token")) << setup.err;
  EXPECT_TRUE(Has(setup.err, "grep setup_token=")) << setup.err;
}

TEST(OperatorMessages, InitSaysWhatTheManagementTokenIsForAndWhatToRunNext) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  auto init = InitKmsOnly(c);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_TRUE(Has(init.out, "Management token (shown once")) << init.out;
  EXPECT_TRUE(Has(init.out, "What it is for: it carries every management scope")) << init.out;
  EXPECT_TRUE(Has(init.out, "The ops token (a static policy")) << init.out;
  EXPECT_TRUE(Has(init.out, "unseals by itself")) << init.out;
  // The next command, copy-pasteable, for this signer's URL.
  EXPECT_TRUE(Has(init.out, "containment-chamber operator status --signer-url " + c[0].Url() +
                                " --auth-token env:CC_AUTH_TOKEN"))
      << init.out;

  auto again = InitKmsOnly(c);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_TRUE(Has(again.err, "already initialized")) << again.err;
  EXPECT_TRUE(Has(again.err, "hint: nothing was changed")) << again.err;
}

TEST(OperatorMessages, GenerateRootTokenNamesTheNextFlags) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  ASSERT_EQ(InitKmsOnly(c).exit_code, 0);
  ASSERT_TRUE(c[0].WaitForState("unsealed", std::chrono::seconds(5)));
  auto start = RunCli({"operator", "generate-root-token", "--signer-url", c[0].Url()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  std::string nonce = FindLogValue(c[0].Log(), "nonce");
  ASSERT_FALSE(nonce.empty()) << c[0].Log();
  EXPECT_TRUE(Has(start.out, "operator generate-root-token --signer-url " + c[0].Url() +
                                 " --nonce " + nonce + " --root-token cc-root-"))
      << start.out;
  EXPECT_TRUE(Has(start.out, "grep root_token=")) << start.out;

  auto half =
      RunCli({"operator", "generate-root-token", "--signer-url", c[0].Url(), "--nonce", nonce});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_TRUE(Has(half.err, "--nonce " + nonce + " --root-token cc-root-")) << half.err;

  auto done = RunCli({"operator", "generate-root-token", "--signer-url", c[0].Url(), "--nonce",
                      nonce, "--root-token", "env:RT"},
                     {{"RT", FindLogValue(c[0].Log(), "root_token")}});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_TRUE(Has(done.out, "New management token (shown once")) << done.out;
}

// A restart under an operator seal: no alarming "from=uninitialized" line;
// the log and status say why the chamber is sealed and how to lift it.
TEST(OperatorMessages, ARestartUnderAnOperatorSealSaysWhyAndHowToLiftIt) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  ASSERT_EQ(InitKmsOnly(c).exit_code, 0);
  ASSERT_TRUE(c[0].WaitForState("unsealed", std::chrono::seconds(5)));
  auto seal = RunCli({"operator", "seal", "--signer-url", c[0].Url(), "--auth-token", "env:OPS",
                      "--reason", "incident-42"},
                     {{"OPS", kTestOpsToken}});
  ASSERT_EQ(seal.exit_code, 0) << seal.err;
  const size_t before = c[0].Log().size();
  c[0].Stop(SIGTERM);
  c[0].Start();
  ASSERT_TRUE(c[0].WaitForState("sealed", std::chrono::seconds(5)));
  const std::string log = c[0].Log().substr(before);
  EXPECT_FALSE(Has(log, "from=uninitialized")) << log;
  EXPECT_TRUE(Has(log, "state=sealed")) << log;
  EXPECT_TRUE(Has(log, "incident-42")) << log;
  EXPECT_TRUE(Has(log, "unseal --resume")) << log;
  EXPECT_TRUE(Has(c[0].Status()["seal"].value("hint", ""), "unseal --resume"))
      << c[0].Status().dump();
}

TEST(OperatorMessages, ResumeWithoutATokenFailsAndSaysWhereTheTokenIs) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  ASSERT_EQ(InitKmsOnly(c).exit_code, 0);
  auto seal = RunCli({"operator", "seal", "--signer-url", c[0].Url(), "--auth-token", "env:OPS"},
                     {{"OPS", kTestOpsToken}});
  ASSERT_EQ(seal.exit_code, 0) << seal.err;
  EXPECT_TRUE(Has(seal.out, "--resume --auth-token env:CC_AUTH_TOKEN")) << seal.out;

  auto resume = RunCli({"operator", "unseal", "--resume", "--signer-url", c[0].Url()});
  EXPECT_EQ(resume.exit_code, 3) << resume.out << resume.err;  // not authorized: nothing unsealed
  EXPECT_TRUE(Has(resume.err, "nothing was unsealed: no --auth-token was given")) << resume.err;
  EXPECT_TRUE(Has(resume.err, "unseal_token=cc-unseal-")) << resume.err;
  EXPECT_TRUE(Has(resume.err, "operator unseal --signer-url " + c[0].Url() +
                                  " --resume --resume-token cc-unseal-"))
      << resume.err;
  EXPECT_EQ(c[0].SealStatus(), "sealed");

  auto done = RunCli(
      {"operator", "unseal", "--resume", "--signer-url", c[0].Url(), "--resume-token", "env:UT"},
      {{"UT", FindLogValue(c[0].Log(), "unseal_token")}});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_TRUE(Has(done.out, "Operator seal lifted")) << done.out;
  EXPECT_TRUE(c[0].WaitForState("unsealed", std::chrono::seconds(5)));
}

TEST(OperatorMessages, StatusIsOneHumanFormatWithTheHintAndJsonForMachines) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  auto human = RunCli({"operator", "status", "--signer-url", c[0].Url(), "--auth-token", "env:O"},
                      {{"O", kTestOpsToken}});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_TRUE(Has(human.out, "Seal\n  status:            uninitialized\n")) << human.out;
  EXPECT_TRUE(Has(human.out, "  initialized:       no\n")) << human.out;
  EXPECT_TRUE(Has(human.out, "  hint:              initialize with the setup token")) << human.out;
  EXPECT_TRUE(Has(human.out, "State backend\n  backend:           sqlite\n")) << human.out;
  EXPECT_TRUE(Has(human.out, "\nAuth\n  enforced:          yes\n")) << human.out;
  EXPECT_FALSE(Has(human.out, "\"")) << "quoted values:\n" << human.out;

  auto js =
      RunCli({"operator", "status", "--signer-url", c[0].Url(), "--auth-token", "env:O", "--json"},
             {{"O", kTestOpsToken}});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  json j = json::parse(js.out);
  EXPECT_EQ(j["seal"]["status"], "uninitialized");
  EXPECT_TRUE(Has(j["seal"].value("hint", ""), "operator init")) << js.out;
  EXPECT_FALSE(j["seal"].contains("insecure_test_kdf")) << js.out;
}

TEST(OperatorMessages, InspectPrintsRfc3339Times) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  auto human = RunCli({"state", "inspect", "-c", c.state_config()});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_TRUE(std::regex_search(human.out,
                                std::regex(R"(\ncreated:    \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n)")))
      << human.out;
  auto js = RunCli({"state", "inspect", "-c", c.state_config(), "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  EXPECT_TRUE(std::regex_match(json::parse(js.out)["created_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << js.out;
}

TEST(OperatorMessages, ThresholdsAreRangeCheckedNeverTruncated) {
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  for (const char* bad : {"4294967298", "0", "256", "two"}) {
    auto r = InitKmsOnly(c, {"--kms-threshold", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out << r.err;
    EXPECT_TRUE(Has(r.err, "--kms-threshold")) << r.err;
  }
  auto op = InitKmsOnly(c, {"--operators", "a,b", "--operator-threshold", "4294967298"});
  EXPECT_EQ(op.exit_code, 2) << op.out << op.err;
  EXPECT_TRUE(Has(op.err, "--operator-threshold")) << op.err;
  EXPECT_EQ(c[0].SealStatus(), "uninitialized");
}

TEST(OperatorMessages, InsecureTestKdfIsLoudInTheLogAndInStatus) {
  Cluster c(Backend::kSqlite, 1, {{"CONTAINMENT_INSECURE_TEST_KDF", "1"}});
  c.StartAll();
  EXPECT_TRUE(Has(c[0].Log(),
                  "CONTAINMENT_INSECURE_TEST_KDF=1: operator passphrases use "
                  "test-only Argon2id parameters"))
      << c[0].Log();
  EXPECT_EQ(c[0].Status()["seal"].value("insecure_test_kdf", false), true);
  auto human = RunCli({"operator", "status", "--signer-url", c[0].Url(), "--auth-token", "env:O"},
                      {{"O", kTestOpsToken}});
  EXPECT_TRUE(Has(human.out, "WARNING: this replica runs with CONTAINMENT_INSECURE_TEST_KDF=1"))
      << human.out;
}

}  // namespace
}  // namespace cc::testing
