// `containment-chamber operator …` as a real process against a real server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  EXPECT_NE(human.out.find("seal status:   uninitialized"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("state backend: sqlite"), std::string::npos) << human.out;

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

}  // namespace
}  // namespace cc::testing
