// scripts/quickstart.sh as a newcomer runs it (with the built binary and
// free ports): it prints the real init command, and on a second start says
// the chamber is initialized and shows its status.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <regex>

#include "support/cluster.h"

namespace cc::testing {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A copy of the repository's quickstart with build/ pointing at this build.
class Quickstart {
 public:
  Quickstart() : port_(FreePort()), metrics_port_(FreePort()) {
    mkdir(root_.File("scripts").c_str(), 0700);
    mkdir(root_.File("build").c_str(), 0700);
    root_.Write("scripts/quickstart.sh",
                ReadFile(std::string(CC_SOURCE_DIR) + "/scripts/quickstart.sh"));
    EXPECT_EQ(symlink(CC_BINARY, root_.File("build/containment-chamber").c_str()), 0);
  }
  ~Quickstart() {
    script_.reset();  // SIGKILLs the script if still running...
    std::string pid = ReadFile(root_.File("data/server.pid"));  // ...and its server, if left
    if (!pid.empty()) kill(std::stoi(pid), SIGKILL);
  }

  // Starts the script; waits until it printed `marker` (or exited).
  std::string Start(const std::string& marker) {
    ++runs_;
    std::string log = root_.File("quickstart-" + std::to_string(runs_) + ".out");
    script_ = std::make_unique<ChildProcess>(
        "bash", std::vector<std::string>{root_.File("scripts/quickstart.sh"), "--skip-build"},
        std::map<std::string, std::string>{
            {"CONTAINMENT_SERVER__LISTEN_PORT", std::to_string(port_)},
            {"CONTAINMENT_METRICS__LISTEN_PORT", std::to_string(metrics_port_)}},
        log);
    WaitUntil([&] { return !script_->Running() || Has(ReadFile(log), marker); },
              std::chrono::seconds(30), std::chrono::milliseconds(100));
    return ReadFile(log);
  }
  int Stop() { return script_->Stop(SIGTERM); }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const TempDir& root() const { return root_; }

 private:
  TempDir root_;
  int port_, metrics_port_, runs_ = 0;
  std::unique_ptr<ChildProcess> script_;
};

TEST(Quickstart, PrintsTheRealInitCommandThenTheStatusOnRestart) {
  Quickstart q;
  std::string first = q.Start("Ctrl-C stops the server");
  ASSERT_TRUE(Has(first, "Ctrl-C stops the server")) << first;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      first, m, std::regex(R"(operator init --signer-url (\S+) --setup-token (cc-setup-\S+) )")))
      << first;
  EXPECT_EQ(m[1], q.Url());
  const std::string token = m[2];
  EXPECT_EQ(token, FindLogValue(ReadFile(q.root().File("data/server.log")), "setup_token"));
  // `grep setup_token=` finds only the real token, never a placeholder.
  for (size_t at = first.find("setup_token="); at != std::string::npos;
       at = first.find("setup_token=", at + 1)) {
    EXPECT_EQ(first.substr(at + 12, token.size()), token) << first;
  }

  auto init = RunCli({"operator", "init", "--signer-url", q.Url(), "--setup-token", token,
                      "--kms-key-arns", "local:a,local:b,local:c", "--kms-threshold", "2"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(q.Stop(), 0);
  net::HttpRequest up;
  up.url = q.Url() + "/upcheck";
  auto answer = net::Send(up);
  EXPECT_FALSE(answer.ok() && answer->status == 200) << "the server outlived the quickstart";

  std::string second = q.Start("Ctrl-C stops the server");
  EXPECT_TRUE(Has(second, "The chamber is already initialized; this is a restart.")) << second;
  EXPECT_TRUE(Has(second, "  status:            unsealed\n")) << second;
  EXPECT_FALSE(Has(second, "operator init")) << second;
  EXPECT_EQ(q.Stop(), 0);
}

TEST(Quickstart, SaysWhichPortIsTakenAndHowToPickOthers) {
  Quickstart q;
  std::string first = q.Start("Ctrl-C stops the server");
  ASSERT_TRUE(Has(first, "Ctrl-C stops the server")) << first;
  // A second quickstart on the same port (another engineer's signer, say).
  ChildProcess second("bash", {q.root().File("scripts/quickstart.sh"), "--skip-build"},
                      {{"CONTAINMENT_SERVER__LISTEN_PORT", q.Url().substr(q.Url().rfind(':') + 1)}},
                      q.root().File("second.out"));
  EXPECT_EQ(second.Wait(), 1);
  std::string out = ReadFile(q.root().File("second.out"));
  EXPECT_TRUE(Has(out, "is already in use")) << out;
  EXPECT_TRUE(Has(out, "CONTAINMENT_SERVER__LISTEN_PORT=9100")) << out;
  EXPECT_EQ(q.Stop(), 0);
}

}  // namespace
}  // namespace cc::testing
