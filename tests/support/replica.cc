#include "support/replica.h"

#include <gtest/gtest.h>

#include <thread>

namespace cc::testing {

std::string SqliteStateYaml(const std::string& path, int interval) {
  return "signer_state: { backend: sqlite, path: " + path +
         ", refresh_interval_seconds: " + std::to_string(interval) + " }\n";
}

std::string DynamoStateYaml(const std::string& table, const std::string& endpoint, int interval) {
  return "signer_state: { backend: dynamodb, table: " + table +
         ", region: us-east-1, endpoint_url: \"" + endpoint +
         "\", refresh_interval_seconds: " + std::to_string(interval) + " }\n";
}

Replica::Replica(const TempDir& dir, std::string name, std::string state_yaml,
                 std::map<std::string, std::string> env, std::string extra_yaml)
    : dir_(dir), name_(std::move(name)), env_(std::move(env)) {
  http_port_ = FreePort();
  metrics_port_ = FreePort();
  env_["CC_TEST_OPS_TOKEN"] = kTestOpsToken;
  config_path_ = dir_.File(name_ + ".yaml");
  dir_.Write(name_ + ".yaml",
             "server: { listen_address: 127.0.0.1, listen_port: " + std::to_string(http_port_) +
                 " }\nmetrics: { listen_address: 127.0.0.1, listen_port: " +
                 std::to_string(metrics_port_) + " }\n" + state_yaml +
                 "auth_policies:\n  ops: { token: \"env:CC_TEST_OPS_TOKEN\", allowed_scopes: "
                 "[chamber_status, chamber_seal, chamber_rotate, chamber_auth, sign] }\n" +
                 extra_yaml);
}

Replica::~Replica() = default;

void Replica::Spawn() {
  process_ = std::make_unique<ServerProcess>(std::vector<std::string>{"server", "-c", config_path_},
                                             env_, dir_.File(name_ + ".log"), binary_);
}

bool Replica::StartAndWait() {
  Spawn();
  return process_->WaitReady(http_port_);
}

void Replica::Start() { ASSERT_TRUE(StartAndWait()) << name_ << " did not start:\n" << Log(); }

int Replica::Stop(int signal_number) { return process_ ? process_->Stop(signal_number) : 0; }

std::string Replica::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}
std::string Replica::MetricsUrl() const {
  return "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics";
}
std::string Replica::Log() const { return ReadFile(dir_.File(name_ + ".log")); }

nlohmann::json Replica::Status() const {
  net::HttpRequest req;
  req.url = Url("/api/v1/chamber/status");
  req.headers = {{"Authorization", std::string("Bearer ") + kTestOpsToken}};
  req.timeout_ms = 3000;
  auto r = net::Send(req);
  if (!r.ok() || r->status != 200) return nlohmann::json::object();
  return nlohmann::json::parse(r->body, nullptr, false);
}

std::string Replica::SealStatus() const {
  nlohmann::json s = Status();
  if (!s.is_object() || !s.contains("seal")) return "";
  return s["seal"].value("status", "");
}

bool Replica::WaitForState(const std::string& state, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (SealStatus() == state) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace cc::testing
