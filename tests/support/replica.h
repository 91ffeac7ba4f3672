// A signer replica for integration tests: its own ports and config file,
// sharing a state backend with other replicas; can be restarted or killed.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/harness.h"

namespace cc::testing {

// A static operator token every test replica accepts (all chamber scopes).
inline constexpr char kTestOpsToken[] = "ops-token-0123456789abcdef";

// YAML for signer_state sections.
std::string SqliteStateYaml(const std::string& path, int refresh_interval_seconds = 1);
std::string DynamoStateYaml(const std::string& table, const std::string& endpoint,
                            int refresh_interval_seconds = 1);

// The ports in a signer's `listening` log line (the last one in `log`):
// {http, metrics}; {0, 0} when there is none yet.
std::pair<int, int> ListeningPorts(const std::string& log);

class Replica {
 public:
  // `state_yaml` is the signer_state section; `extra_yaml` adds other sections.
  Replica(const TempDir& dir, std::string name, std::string state_yaml,
          std::map<std::string, std::string> env = {}, std::string extra_yaml = "");
  ~Replica();

  void Start();  // fails the test if the process does not become ready
  bool StartAndWait();
  void Spawn();  // starts the process without waiting for it
  int Stop(int signal_number = 15);
  void Kill() { Stop(9); }
  // Runs another build of the server (e.g. CC_TESTHOOKS_BINARY) from the next start.
  void set_binary(std::string binary) { binary_ = std::move(binary); }
  // Sends SIGTERM without waiting; the destructor waits and checks the log.
  void BeginStop() {
    if (process_) process_->Signal(15);
  }

  std::string Url(const std::string& path = "") const;
  std::string MetricsUrl() const;
  std::string Log() const;
  const std::string& name() const { return name_; }
  const std::string& config_path() const { return config_path_; }
  const std::map<std::string, std::string>& env() const { return env_; }
  ServerProcess* process() { return process_.get(); }

  // GET /api/v1/chamber/status with the ops token.
  nlohmann::json Status() const;
  std::string SealStatus() const;
  // Polls until the seal status equals `state` or the timeout passes.
  bool WaitForState(const std::string& state, std::chrono::milliseconds timeout) const;
  // state_backend.revision from status (-1 when status cannot be read).
  int64_t Revision() const;
  // Polls until this replica has loaded `revision` (or a later one).
  bool WaitForRevision(int64_t revision, std::chrono::milliseconds timeout) const;

  // The ports written into the config. Today the signer needs real port
  // numbers, so free ones are picked in advance. Once the signer accepts
  // `listen_port: 0` (and logs the ports it bound in its `listening` line),
  // make this return {0, 0}: nothing else changes, Url() and MetricsUrl() then
  // read the ports from the current process's `listening` line. The one
  // function to change.
  static std::pair<int, int> ConfigPorts();

 private:
  // With ports from the log: re-reads them from the current process's output.
  void ResolvePorts() const;

  const TempDir& dir_;
  std::string name_;
  std::map<std::string, std::string> env_;
  std::string config_path_;
  bool ports_from_log_ = false;
  mutable int http_port_ = 0;
  mutable int metrics_port_ = 0;
  std::string binary_ = CC_BINARY;
  std::unique_ptr<ServerProcess> process_;
};

}  // namespace cc::testing
