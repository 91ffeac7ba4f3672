// Several replicas sharing one state backend (an SQLite file or a DynamoDB
// Local table) and one local dev KMS key file, for end-to-end ceremony tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "state/state_store.h"
#include "support/replica.h"

namespace cc::testing {

enum class Backend { kSqlite, kDynamoDb };
const char* BackendName(Backend b);

class Cluster {
 public:
  // `extra_env` goes to every replica; `extra_yaml` to every config.
  Cluster(Backend backend, int replicas, std::map<std::string, std::string> extra_env = {},
          std::string extra_yaml = "");

  // Stops every replica with SIGTERM at once (then each is waited for and its
  // output checked for sanitizer reports).
  ~Cluster();

  void StartAll();
  Replica& operator[](size_t i) { return *replicas_[i]; }
  const Replica& at(size_t i) const { return *replicas_[i]; }
  size_t size() const { return replicas_.size(); }
  const TempDir& dir() const { return dir_; }
  const std::string& state_config() const { return state_config_; }  // for `state` commands
  std::map<std::string, std::string> CliEnv() const;                 // env for `state` commands
  // A client of the replicas' state backend, for tests that read it directly.
  std::unique_ptr<state::StateStore> OpenStore() const;

  // The setup token replica i logged (empty if none).
  std::string SetupToken(size_t i) const;
  // Waits until every replica reports `state`; returns the slowest wait.
  bool WaitAll(const std::string& state, std::chrono::milliseconds timeout) const;

 private:
  TempDir dir_;
  Backend backend_;
  std::string table_;  // DynamoDB only
  std::string state_config_;
  std::map<std::string, std::string> env_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

// The first `name=value` value in `log` (e.g. setup_token=…).
std::string FindLogValue(const std::string& log, const std::string& name);

}  // namespace cc::testing
