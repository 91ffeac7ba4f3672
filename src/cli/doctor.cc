// `state doctor`: one check per troubleshooting symptom (docs/operations.md
// "Reading doctor"). [ok] only for what it checked; [skip] names why not.
#include "cli/doctor.h"

#include <nlohmann/json.hpp>

#include "cli/doctor_auth.h"
#include "cli/doctor_tee.h"
#include "cli/signer_client.h"
#include "common/clock.h"
#include "records/records.h"
#include "state/store_factory.h"

namespace cc::cli {
namespace {

using nlohmann::json;

void Add(std::vector<Finding>& out, Finding::Level l, const char* check, std::string msg) {
  out.push_back({l, check, std::move(msg)});
}

// "starts as uninitialized unexpectedly"
std::optional<state::Snapshot> CheckIdentity(const config::Config& config,
                                             std::vector<Finding>& out) {
  const char* check = "table identity";
  auto store = state::MakeStore(config.signer_state, *SystemClock::Get(),
                                {true, config::ProcessEnvironment(), nullptr});
  if (!store.ok()) {
    Add(out, Finding::kFail, check, store.status().message());
    return std::nullopt;
  }
  state::StoreInfo info = (*store)->Info();
  std::string where =
      info.backend + " " + info.location + (info.region.empty() ? "" : " in " + info.region);
  auto head = (*store)->CheckIdentity();
  if (!head.ok()) {
    Add(out, Finding::kFail, check, head.status().message());
    return std::nullopt;
  }
  if (!head->has_value()) {
    Add(out, Finding::kWarn, check,
        where +
            " is empty: a signer started with this configuration creates a new, "
            "uninitialized chamber here. If you expected an initialized signer, check "
            "signer_state.table/path and region");
    return std::nullopt;
  }
  Add(out, Finding::kOk, check,
      where + " belongs to chamber " + (*head)->chamber_id + " (schema " +
          std::to_string((*head)->schema_version) + ", revision " +
          std::to_string((*head)->revision) + ")");
  auto snap = (*store)->LoadSnapshot();
  if (!snap.ok()) {
    Add(out, Finding::kFail, "read permission", "cannot load records: " + snap.status().message());
    return std::nullopt;
  }
  Add(out, Finding::kOk, "read permission",
      "head and " + std::to_string(snap->records.size()) + " records readable");
  if (!snap->Find({records::kQuorumConfig, "current"}) && snap->records.empty() &&
      snap->head.revision == 0) {  // records without a config: CheckIntegrity fails it
    Add(out, Finding::kWarn, check,
        "the chamber holds no unseal configuration: signers report 'uninitialized' until "
        "`operator init` runs against this table");
  }
  return std::move(*snap);
}

// The signer's own report that it refuses the backend (rolled back or replaced).
bool Refused(const json& backend, std::vector<Finding>& out) {
  const char* check = "refresh";
  if (backend.contains("rollback_refused_revision")) {
    Add(out, Finding::kFail, check,
        "the table was rolled back: it is at revision " +
            backend["rollback_refused_revision"].dump() + " while the signer has seen revision " +
            backend["revision"].dump() +
            ". The signer refuses to follow it: it keeps its last good state, and every ceremony "
            "(seal included) is refused. If an old backup was restored by mistake, restore the "
            "newest backup; if the rollback is deliberate, restart the replicas one at a time "
            "(docs/operations.md#rollback-refused)");
    return true;
  }
  if (backend.contains("foreign_chamber_refused")) {
    Add(out, Finding::kFail, check,
        "the table now holds another chamber (" + backend.value("foreign_chamber_refused", "") +
            ") than the signer serves; the signer refuses it. Put the right table back, or restart "
            "the replicas if the replacement is deliberate (docs/operations.md#rollback-refused)");
    return true;
  }
  return false;
}

// A running signer's view against the backend's.
void CompareWithSigner(int interval, const DoctorOptions& options,
                       const std::optional<state::Snapshot>& snap, std::vector<Finding>& out) {
  const char* check = "refresh";
  SignerConnection c{options.signer_url, options.auth_token, options.ca_file,
                     options.allow_plaintext};
  auto client = SignerClient::Connect(c);
  if (!client.ok()) {
    Add(out, Finding::kFail, check, client.status().message());
    return;
  }
  auto status = client->Get("/api/v1/chamber/status");
  if (!status.ok()) {
    Add(out, Finding::kFail, check,
        "cannot read the signer's status: " + status.status().message());
    return;
  }
  json backend = status->value("state_backend", json::object());
  std::string signer_chamber = backend.value("chamber_id", "");
  uint64_t signer_rev = backend.value("revision", uint64_t{0});
  double age = backend.value("last_refresh_age_seconds", 0.0);
  uint64_t errors = backend.value("refresh_errors", uint64_t{0});
  if (snap && signer_chamber != snap->head.chamber_id) {
    Add(out, Finding::kFail, check,
        "the signer serves chamber " + signer_chamber + " but this configuration's backend holds " +
            snap->head.chamber_id + ": they are not using the same table/path");
    return;
  }
  if (Refused(backend, out)) return;
  if (snap && signer_rev > snap->head.revision) {
    Add(out, Finding::kFail, check,
        "the signer has seen revision " + std::to_string(signer_rev) + " but the backend is at " +
            std::to_string(snap->head.revision) +
            ": the table was rolled back, or this is not the signer's table "
            "(docs/operations.md#rollback-refused)");
    return;
  }
  if (snap && signer_rev < snap->head.revision && interval > 0 && age > 2.0 * interval + 1) {
    Add(out, Finding::kFail, check,
        "the signer is at revision " + std::to_string(signer_rev) + ", the backend at " +
            std::to_string(snap->head.revision) + ", and its last successful refresh was " +
            std::to_string(static_cast<int>(age)) + " s ago: it is not refreshing" +
            (backend.contains("last_error") ? " (" + backend.value("last_error", "") + ")" : ""));
    return;
  }
  if (errors > 0) {
    Add(out, Finding::kWarn, check,
        "the signer has had " + std::to_string(errors) + " failed refreshes" +
            (backend.contains("last_error") ? "; last: " + backend.value("last_error", "") : ""));
  }
  Add(out, Finding::kOk, check,
      "the signer is at revision " + std::to_string(signer_rev) + ", refreshed " +
          std::to_string(age).substr(0, 4) + " s ago");
}

// "auth edits do not propagate"
void CheckRefresh(const config::Config& config, const DoctorOptions& options,
                  const std::optional<state::Snapshot>& snap, std::vector<Finding>& out) {
  const char* check = "refresh";
  int interval = config.signer_state.refresh_interval_seconds;
  if (interval == 0) {
    Add(out, Finding::kWarn, check,
        "signer_state.refresh_interval_seconds is 0: replicas never see each other's changes "
        "(auth edits, seal, unseal progress) until restarted");
  } else {
    Add(out, Finding::kInfo, check,
        "signer_state.refresh_interval_seconds is " + std::to_string(interval) +
            ": replicas poll the head every " + std::to_string(interval) + " s");
  }
  if (options.signer_url.empty()) {
    Add(out, Finding::kSkip, check,
        "a running signer's view was not compared: pass --signer-url and --auth-token");
    return;
  }
  CompareWithSigner(interval, options, snap, out);
}

// "unseal never reaches threshold"
void CheckQuorum(const std::optional<state::Snapshot>& snap, std::vector<Finding>& out) {
  const char* check = "operator credentials";
  if (!snap) return;
  auto cfg = records::Load<records::QuorumConfig>(*snap, {records::kQuorumConfig, "current"});
  if (!cfg.ok()) {
    if (cfg.status().code() != ErrorCode::kNotFound)
      Add(out, Finding::kFail, check, cfg.status().message());
    return;
  }
  if (cfg->mode != records::UnsealMode::kQuorum) {
    Add(out, Finding::kInfo, check, "KMS-only mode: no operator credentials needed");
    return;
  }
  int usable = 0;
  for (const auto& op : cfg->operators) {
    auto cred = records::Load<records::OperatorCredential>(
        *snap, {records::kOperatorCredential, records::CredentialId(cfg->mk_generation, op.name)});
    if (!cred.ok()) {
      Add(out, Finding::kFail, check,
          "operator '" + op.name + "' has no credential row in this table (" +
              cred.status().message() + "); was it registered against another table or region?");
    } else if (cred->method == records::CredentialMethod::kPending) {
      Add(out, Finding::kWarn, check, "operator '" + op.name + "' has not registered yet");
    } else {
      ++usable;
    }
  }
  Add(out, usable >= cfg->operator_threshold ? Finding::kOk : Finding::kFail, check,
      std::to_string(usable) + " of " + std::to_string(cfg->operators.size()) +
          " operators can unseal; the threshold is " + std::to_string(cfg->operator_threshold));

  const int64_t now = SystemClock::Get()->NowUnixSeconds();
  int live = 0;
  for (const auto& [key, rec] : snap->records) {
    if (key.kind != records::kUnsealProgress) continue;
    auto p = records::Decode<records::UnsealProgress>(rec.body);
    if (!p.ok()) {
      Add(out, Finding::kFail, "unseal progress", key.ToString() + ": " + p.status().message());
      continue;
    }
    if (p->expires_at <= now) {
      Add(out, Finding::kInfo, "unseal progress",
          "the submission of '" + p->operator_name + "' expired " +
              std::to_string(now - p->expires_at) + " s ago and no longer counts");
    } else {
      ++live;
      Add(out, Finding::kInfo, "unseal progress",
          "'" + p->operator_name + "' submitted; expires in " +
              std::to_string(p->expires_at - now) + " s");
    }
  }
  if (live > 0) {
    Add(out, Finding::kInfo, "unseal progress",
        std::to_string(live) + " of " + std::to_string(cfg->operator_threshold) +
            " shares submitted");
  }
}

}  // namespace

const char* LevelName(Finding::Level level) {
  switch (level) {
    case Finding::kOk:
      return "ok";
    case Finding::kInfo:
      return "info";
    case Finding::kSkip:
      return "skip";
    case Finding::kWarn:
      return "warn";
    case Finding::kFail:
      return "FAIL";
  }
  return "?";
}

std::vector<Finding> RunDoctor(const config::Config& config, const DoctorOptions& options) {
  std::vector<Finding> out;
  std::optional<state::Snapshot> snap = CheckIdentity(config, out);
  CheckIntegrity(config, options, snap, out);
  CheckRefresh(config, options, snap, out);
  CheckQuorum(snap, out);
  CheckAuthPropagation(config, options, snap, out);  // doctor_auth.cc
  CheckTeeAutoUnseal(config, options, snap, out);    // doctor_tee.cc
  return out;
}

}  // namespace cc::cli
