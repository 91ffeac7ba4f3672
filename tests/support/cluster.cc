#include "support/cluster.h"

#include <thread>

#include "state/sqlite_store.h"
#include "support/dynamodb_local.h"

namespace cc::testing {

const char* BackendName(Backend b) { return b == Backend::kSqlite ? "Sqlite" : "DynamoDbLocal"; }

Cluster::Cluster(Backend backend, int replicas, std::map<std::string, std::string> extra_env,
                 std::string extra_yaml)
    : backend_(backend), env_(std::move(extra_env)) {
  std::string state_yaml;
  if (backend == Backend::kSqlite) {
    state_yaml = SqliteStateYaml(dir_.File("state.db"));
  } else {
    table_ = DynamoDbLocal::UniqueTableName();
    DynamoDbLocal::Get().Store(table_, true);
    state_yaml = DynamoStateYaml(table_, DynamoDbLocal::Get().endpoint());
    for (const auto& [k, v] : DynamoDbLocal::Get().ServerEnv()) env_.emplace(k, v);
  }
  std::string kms_yaml = extra_yaml.find("kms:") == std::string::npos
                             ? "kms: { local: { key_file: " + dir_.File("dev-kms.key") + " } }\n"
                             : "";
  state_config_ = dir_.File("state-cli.yaml");
  dir_.Write("state-cli.yaml", state_yaml);
  for (int i = 0; i < replicas; ++i) {
    replicas_.push_back(std::make_unique<Replica>(dir_, "r" + std::to_string(i), state_yaml, env_,
                                                  kms_yaml + extra_yaml));
  }
}

Cluster::~Cluster() {
  net::CloseIdleConnections();  // else each server waits out our idle keep-alive
  for (auto& r : replicas_) r->BeginStop();
}

void Cluster::StartAll() {
  for (auto& r : replicas_) r->Start();
}

std::map<std::string, std::string> Cluster::CliEnv() const { return env_; }

std::unique_ptr<state::StateStore> Cluster::OpenStore() const {
  if (backend_ == Backend::kDynamoDb) return DynamoDbLocal::Get().Store(table_, false);
  auto s = state::SqliteStore::Open(dir_.File("state.db"), state::SqliteStore::Mode::kReadOnly);
  if (!s.ok()) throw std::runtime_error(s.status().ToString());
  return std::move(*s);
}

std::string FindLogValue(const std::string& log, const std::string& name) {
  auto pos = log.find(name + "=");
  if (pos == std::string::npos) return "";
  pos += name.size() + 1;
  auto end = log.find_first_of(" \n", pos);
  return log.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

std::string Cluster::SetupToken(size_t i) const {
  return FindLogValue(replicas_[i]->Log(), "setup_token");
}

bool Cluster::WaitAll(const std::string& state, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& r : replicas_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!r->WaitForState(state, std::max(left, std::chrono::milliseconds(1)))) return false;
  }
  return true;
}

}  // namespace cc::testing
