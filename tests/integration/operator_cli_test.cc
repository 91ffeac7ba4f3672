// `containment-chamber operator …` as a real process against a real server.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/cluster.h"
#include "support/harness.h"

namespace cc::testing {
namespace {

TEST(OperatorCliTest, StatusPrintsStateAndJson) {
  TempDir dir;
  int port = FreePort();
  dir.Write("config.yaml", "server: { listen_port: " + std::to_string(port) +
                               " }\nmetrics: { listen_port: " + std::to_string(FreePort()) +
                               " }\nsigner_state: { path: " + dir.File("s.db") +
                               " }\nauth_policies: { ops: { token: \"env:OPS\" } }\n");
  ServerProcess server({"server", "-c", dir.File("config.yaml")}, {{"OPS", "ops-token-0123456789"}},
                       dir.File("log"));
  ASSERT_TRUE(server.WaitReady(port)) << server.Log();
  std::string url = "http://127.0.0.1:" + std::to_string(port);

  auto human = RunCli({"operator", "status", "--signer-url", url, "--auth-token", "env:TOKEN"},
                      {{"TOKEN", "ops-token-0123456789"}});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("Seal\n  status:            uninitialized\n"), std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("State backend\n  backend:           sqlite\n"), std::string::npos)
      << human.out;

  auto js = RunCli({"operator", "status", "--signer-url", url, "--auth-token",
                    "ops-token-0123456789", "--json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  auto j = nlohmann::json::parse(js.out);
  EXPECT_EQ(j["seal"]["status"], "uninitialized");

  auto denied =
      RunCli({"operator", "status", "--signer-url", url, "--auth-token", "wrong-token-00000000"});
  EXPECT_EQ(denied.exit_code, 3);
  EXPECT_NE(denied.err.find("HTTP 401"), std::string::npos) << denied.err;
}

TEST(OperatorCliTest, RefusesPlainHttpToARemoteHost) {
  // Refused before any connection is attempted.
  auto r = RunCli({"operator", "status", "--signer-url", "http://signer.example:9000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("refusing plain http:// to non-loopback host signer.example"),
            std::string::npos)
      << r.err;
}

TEST(OperatorCliTest, UnreachableSignerIsAClearError) {
  int port = FreePort();
  auto r =
      RunCli({"operator", "status", "--signer-url", "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("cannot reach the signer"), std::string::npos) << r.err;
}

TEST(OperatorCliTest, MissingEnvSecretIsNamed) {
  auto r = RunCli({"operator", "status", "--auth-token", "env:CC_TEST_NOT_SET"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: --auth-token: environment variable CC_TEST_NOT_SET is not set\n");
}

// Runs the CLI on a pseudo-terminal, answering each prompt in turn; returns
// the exit code and everything the terminal showed.
std::pair<int, std::string> RunOnTerminal(
    const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& answers) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = CC_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  std::string seen;
  size_t next = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[512];
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;  // the child closed the terminal
      seen.append(buf, n);
    }
    if (next < answers.size() && seen.find(answers[next].first) != std::string::npos) {
      std::string line = answers[next].second + "\n";
      (void)!write(master, line.data(), line.size());
      seen.erase(
          0, seen.find(answers[next].first) + answers[next].first.size());  // consume the prompt
      ++next;
    }
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, seen};
}

TEST(OperatorCliTest, PassphrasesArePromptedWithoutEcho) {
  Cluster c(Backend::kSqlite, 1, {{"CONTAINMENT_INSECURE_TEST_KDF", "1"}});
  c.StartAll();
  auto init = RunCli({"operator", "init", "--signer-url", c[0].Url(), "--setup-token",
                      c.SetupToken(0), "--kms-key-arns", "local:a", "--kms-threshold", "1",
                      "--operators", "solo", "--operator-threshold", "1", "--json"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::string reg = nlohmann::json::parse(init.out)["registration_tokens"]["solo"];
  const std::string secret = "typed at the terminal 42";
  auto [rc, screen] =
      RunOnTerminal({"operator", "register", "--signer-url", c[0].Url(), "--operator", "solo",
                     "--registration-token", reg},
                    {{"Passphrase for operator solo: ", secret}, {"Repeat to confirm: ", secret}});
  EXPECT_EQ(rc, 0) << screen;
  EXPECT_EQ(screen.find(secret), std::string::npos) << "the passphrase was echoed:\n" << screen;
  EXPECT_NE(screen.find("Operator solo registered"), std::string::npos) << screen;
  ASSERT_TRUE(c[0].WaitForState("kms_unsealed", std::chrono::seconds(3)));

  // Unseal prompts once.
  auto [rc2, screen2] =
      RunOnTerminal({"operator", "unseal", "--signer-url", c[0].Url(), "--operator", "solo"},
                    {{"Passphrase for operator solo: ", secret}});
  EXPECT_EQ(rc2, 0) << screen2;
  EXPECT_EQ(screen2.find(secret), std::string::npos);
  EXPECT_TRUE(c[0].WaitForState("unsealed", std::chrono::seconds(3))) << screen2;
}

}  // namespace
}  // namespace cc::testing
