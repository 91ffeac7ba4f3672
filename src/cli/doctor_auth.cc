#include "cli/doctor_auth.h"

#include <nlohmann/json.hpp>

#include "cli/signer_client.h"
#include "records/records.h"

namespace cc::cli {
namespace {

using nlohmann::json;

constexpr char kCheck[] = "auth propagation";

struct TableAuth {
  size_t policies = 0, tokens = 0;
  uint64_t newest = 0;  // the newest revision that wrote a policy or token
};

TableAuth Count(const state::Snapshot& snap) {
  TableAuth t;
  for (const auto& [key, rec] : snap.records) {
    const bool policy = key.kind == records::kAuthPolicy, token = key.kind == records::kAuthToken;
    if (!policy && !token) continue;
    (policy ? t.policies : t.tokens)++;
    t.newest = std::max(t.newest, rec.revision);
  }
  return t;
}

// Why a signer has not loaded what the table holds, from its own status.
std::string WhyBehind(const config::Config& config, const json& status) {
  const json backend = status.value("state_backend", json::object());
  const json seal = status.value("seal", json::object());
  if (config.signer_state.refresh_interval_seconds == 0)
    return "refresh is disabled (signer_state.refresh_interval_seconds: 0): it reloads only on "
           "restart";
  if (backend.value("refresh_errors", 0) > 0 && backend.contains("last_error"))
    return "its refreshes fail: " + backend.value("last_error", "") +
           " (check its read permission on the table)";
  const double age = backend.value("last_refresh_age_seconds", 0.0);
  if (age > 3.0 * config.signer_state.refresh_interval_seconds + 2) {
    return "it has not polled the table for " + std::to_string(static_cast<int>(age)) +
           " s without an error: refresh looks disabled on it (refresh_interval_seconds: 0 in "
           "its configuration?)";
  }
  if (seal.contains("integrity_error"))
    return "it refuses the stored state: " + seal.value("integrity_error", "");
  if (backend.contains("rollback_refused_revision"))
    return "it refuses a table that went back to an older revision";
  return "it has not verified the newest revision yet (it needs its KMS layer open: see "
         "seal.status and kms.keys in its status)";
}

}  // namespace

void CheckAuthPropagation(const config::Config& config, const DoctorOptions& options,
                          const std::optional<state::Snapshot>& snap, std::vector<Finding>& out) {
  if (!snap) return;
  const TableAuth table = Count(*snap);
  out.push_back({Finding::kInfo, kCheck,
                 "the table holds " + std::to_string(table.policies) + " runtime policies and " +
                     std::to_string(table.tokens) + " tokens (newest change at revision " +
                     std::to_string(table.newest) + ")"});
  if (options.signer_url.empty()) return;
  auto client = SignerClient::Connect(
      {options.signer_url, options.auth_token, options.ca_file, options.allow_plaintext});
  if (!client.ok()) return;  // the refresh check reports it
  auto status = client->Get("/api/v1/chamber/status");
  if (!status.ok() || !status->contains("auth")) return;
  const json auth = (*status)["auth"];
  const uint64_t loaded = auth.value("revision", uint64_t{0});
  const size_t policies = auth.value("runtime_policies", size_t{0});
  const size_t tokens = auth.value("tokens", size_t{0});
  const std::string what = "the signer has loaded revision " + std::to_string(loaded) + " (" +
                           std::to_string(policies) + " policies, " + std::to_string(tokens) +
                           " tokens)";
  if (loaded < table.newest) {
    out.push_back({Finding::kFail, kCheck,
                   what + " but the table changed auth at revision " +
                       std::to_string(table.newest) + ": the signer is behind because " +
                       WhyBehind(config, *status)});
    return;
  }
  if (loaded > snap->head.revision) {
    out.push_back({Finding::kFail, kCheck,
                   what + ", newer than this table's revision " +
                       std::to_string(snap->head.revision) +
                       ": doctor and the signer are not reading the same table"});
    return;
  }
  if (policies != table.policies || tokens != table.tokens) {
    out.push_back({Finding::kWarn, kCheck,
                   what + ", but the counts differ from the table's: it may be reading another "
                          "table or an unreadable record was skipped"});
    return;
  }
  if (tokens > 0 && !auth.value("runtime_tokens_checkable", false)) {
    out.push_back({Finding::kWarn, kCheck,
                   what + ", but it does not hold the master key (sealed): runtime tokens are "
                          "refused until it unseals"});
    return;
  }
  out.push_back({Finding::kOk, kCheck, what + ", the same as the table"});
}

}  // namespace cc::cli
