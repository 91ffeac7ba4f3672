#include "support/replica.h"

#include <gtest/gtest.h>

#include <thread>
#include <tuple>

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
  std::tie(http_port_, metrics_port_) = ConfigPorts();
  ports_from_log_ = http_port_ == 0;
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

std::pair<int, int> ListeningPorts(const std::string& log) {
  auto line_start = log.rfind("msg=listening ");
  if (line_start == std::string::npos) return {0, 0};
  std::string line = log.substr(line_start, log.find('\n', line_start) - line_start);
  auto port_of = [&](const std::string& name) {
    auto p = line.find(" " + name + "=");
    if (p == std::string::npos) return 0;
    auto end = line.find(' ', p + 1);
    std::string addr = line.substr(p + name.size() + 2,
                                   end == std::string::npos ? end : end - p - name.size() - 2);
    auto colon = addr.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(addr.c_str() + colon + 1);
  };
  return {port_of("http"), port_of("metrics")};
}

std::pair<int, int> Replica::ConfigPorts() { return {FreePort(), FreePort()}; }

void Replica::ResolvePorts() const {
  if (!ports_from_log_) return;
  auto [http, metrics] = process_ ? ListeningPorts(process_->OwnLog()) : std::pair<int, int>{};
  http_port_ = http;
  metrics_port_ = metrics;
}

Replica::~Replica() = default;

void Replica::Spawn() {
  process_ = std::make_unique<ServerProcess>(std::vector<std::string>{"server", "-c", config_path_},
                                             env_, dir_.File(name_ + ".log"), binary_);
}

bool Replica::StartAndWait() {
  Spawn();
  if (ports_from_log_) {
    WaitUntil(
        [&] {
          ResolvePorts();
          return http_port_ != 0 || !process_->Running();
        },
        std::chrono::seconds(15));
  }
  return process_->WaitReady(http_port_);
}

void Replica::Start() { ASSERT_TRUE(StartAndWait()) << name_ << " did not start:\n" << Log(); }

int Replica::Stop(int signal_number) { return process_ ? process_->Stop(signal_number) : 0; }

std::string Replica::Url(const std::string& path) const {
  ResolvePorts();
  return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}
std::string Replica::MetricsUrl() const {
  ResolvePorts();
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
  return WaitUntil([&] { return SealStatus() == state; }, timeout);
}

int64_t Replica::Revision() const {
  nlohmann::json s = Status();
  if (!s.is_object() || !s.contains("state_backend")) return -1;
  return s["state_backend"].value("revision", int64_t{-1});
}

bool Replica::WaitForRevision(int64_t revision, std::chrono::milliseconds timeout) const {
  return WaitUntil([&] { return Revision() >= revision; }, timeout);
}

}  // namespace cc::testing
