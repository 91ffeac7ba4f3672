// `containment-chamber state {inspect,doctor,create-table}`: look at the state
// backend directly, with the server's configuration, never printing secrets.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/doctor.h"
#include "cli/secret_arg.h"
#include "common/clock.h"
#include "config/config.h"
#include "state/dynamodb_store.h"
#include "state/store_factory.h"

namespace cc::cli {
namespace {

using nlohmann::json;

struct StateArgs {
  std::string config_file;
  bool json = false;
  std::string signer_url;
  std::string auth_token;
  std::string ca_file;
  bool allow_plaintext = false;
  bool no_kms = false;
  std::string pcrs_file;
};

// The server's configuration is required: without it these commands would
// look at a default ./data/state.db and report on a file nobody uses.
Result<config::Config> LoadConfig(const StateArgs& a, bool resolve_secrets = false) {
  if (a.config_file.empty()) {
    return Status::InvalidArgument(
        "give the server's configuration file with -c FILE (the quickstart's is "
        "data/quickstart.yaml; a package install's is /etc/containment-chamber/config.yaml)");
  }
  config::LoadOptions o;
  o.file = a.config_file;
  o.environment = config::ProcessEnvironment();
  o.resolve_secrets = resolve_secrets;  // the state backend needs no tokens or PINs
  return config::Load(o);
}

int Report(const Status& st) {
  std::cerr << "error: " << st.message() << std::endl;
  return InfoFor(st.code()).exit_code;
}

// 2026-11-24T10:14:08Z
std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  char buf[32] = "?";
  if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int Inspect(const StateArgs& a) {
  auto cfg = LoadConfig(a);
  if (!cfg.ok()) return Report(cfg.status());
  auto store = state::MakeStore(cfg->signer_state, *SystemClock::Get(),
                                {true, config::ProcessEnvironment(), nullptr});
  if (!store.ok()) return Report(store.status());
  auto head = (*store)->CheckIdentity();
  if (!head.ok()) return Report(head.status());
  state::StoreInfo info = (*store)->Info();
  json out = {{"backend", info.backend}, {"location", info.location}};
  if (!info.region.empty()) out["region"] = info.region;
  if (!head->has_value()) {
    out["empty"] = true;
    out["records"] = json::array();
  } else {
    auto snap = (*store)->LoadSnapshot();
    if (!snap.ok()) return Report(snap.status());
    out["chamber_id"] = snap->head.chamber_id;
    out["schema_version"] = snap->head.schema_version;
    out["created_at"] = Rfc3339(snap->head.created_at);
    out["revision"] = snap->head.revision;
    json records = json::array();
    for (const auto& [key, r] : snap->records) {
      records.push_back(
          {{"kind", key.kind}, {"id", key.id}, {"revision", r.revision}, {"bytes", r.body.size()}});
    }
    out["records"] = records;
  }
  if (a.json) {
    std::cout << out.dump(2) << std::endl;
    return 0;
  }
  std::cout << "backend:    " << info.backend << " " << info.location
            << (info.region.empty() ? "" : " (" + info.region + ")") << "\n";
  if (out.value("empty", false)) {
    std::cout << "empty: no chamber has been created here yet\n";
    return 0;
  }
  std::cout << "chamber id: " << out["chamber_id"].get<std::string>() << "\n"
            << "revision:   " << out["revision"] << "\n"
            << "schema:     " << out["schema_version"] << "\n"
            << "created:    " << out["created_at"].get<std::string>() << "\n"
            << "records:    " << out["records"].size() << "\n";
  for (const auto& r : out["records"]) {
    std::printf("  %-22s %-32s rev %-6llu %6llu bytes\n", r["kind"].get<std::string>().c_str(),
                r["id"].get<std::string>().c_str(),
                static_cast<unsigned long long>(r["revision"].get<uint64_t>()),
                static_cast<unsigned long long>(r["bytes"].get<uint64_t>()));
  }
  return 0;
}

int Doctor(const StateArgs& a) {
  auto cfg = LoadConfig(a);
  if (!cfg.ok()) return Report(cfg.status());
  // Doctor reports KMS and backend problems as findings; the components'
  // own WARN lines would only repeat them on stderr (CONTAINMENT_LOG wins).
  setenv("CONTAINMENT_LOG", "error", /*overwrite=*/0);
  DoctorOptions options;
  options.no_kms = a.no_kms;
  if (auto full = LoadConfig(a, /*resolve_secrets=*/true); full.ok()) {
    options.kms = full->kms;  // with the PKCS#11 PIN, when its env: variable is set
  } else {
    options.kms_secrets_error = full.status().message();
  }
  options.signer_url = a.signer_url;
  options.ca_file = a.ca_file;
  options.allow_plaintext = a.allow_plaintext;
  options.pcrs_file = a.pcrs_file;
  if (!a.auth_token.empty()) {
    auto t = ResolveSecretArg("--auth-token", a.auth_token);
    if (!t.ok()) return Report(t.status());
    options.auth_token = *t;
  }
  std::vector<Finding> findings = RunDoctor(*cfg, options);
  bool failed = false;
  json out = json::array();
  for (const Finding& f : findings) {
    failed = failed || f.level == Finding::kFail;
    out.push_back({{"level", LevelName(f.level)}, {"check", f.check}, {"message", f.message}});
  }
  const auto skipped = std::count_if(findings.begin(), findings.end(),
                                     [](const Finding& f) { return f.level == Finding::kSkip; });
  if (a.json) {
    std::cout << json{{"ok", !failed}, {"config", a.config_file}, {"findings", out}}.dump(2)
              << std::endl;
  } else {
    std::cout << "config: " << a.config_file << "\n";
    for (const Finding& f : findings) {
      std::cout << "[" << LevelName(f.level) << "] " << f.check << ": " << f.message << "\n";
    }
    if (failed) {
      std::cout << "doctor found problems: see [FAIL] above\n";
    } else if (skipped > 0) {
      std::cout << "doctor found no problems in what it checked; " << skipped
                << " check(s) skipped: see [skip] above\n";
    } else {
      std::cout << "doctor found no problems\n";
    }
  }
  return failed ? 1 : 0;
}

int CreateTable(const StateArgs& a) {
  auto cfg = LoadConfig(a);
  if (!cfg.ok()) return Report(cfg.status());
  if (cfg->signer_state.backend != "dynamodb") {
    return Report(Status::InvalidArgument("create-table is for signer_state.backend: dynamodb"));
  }
  auto store = state::MakeStore(cfg->signer_state, *SystemClock::Get(),
                                {false, config::ProcessEnvironment(), nullptr});
  if (!store.ok()) return Report(store.status());
  Status st = static_cast<state::DynamoDbStore&>(**store).CreateTable();
  if (!st.ok()) return Report(st);
  std::cout << "created DynamoDB table " << cfg->signer_state.table << " in "
            << cfg->signer_state.region << " (pk/sk, on-demand billing)\n";
  return 0;
}

}  // namespace

void RegisterStateCommands(CLI::App& app, int& exit_code) {
  CLI::App* st = app.add_subcommand("state", "Inspect and diagnose the state backend");
  st->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const StateArgs&)) {
    auto args = std::make_shared<StateArgs>();
    CLI::App* cmd = st->add_subcommand(name, help);
    cmd->add_option("-c,--config", args->config_file,
                    "The server's YAML configuration file (required)");
    cmd->add_flag("--json", args->json, "Machine-readable JSON output");
    cmd->callback([args, run, &exit_code] { exit_code = run(*args); });
    return std::make_pair(cmd, args);
  };
  add("inspect", "List records: kinds, ids, revisions, sizes (never contents)", Inspect);
  auto [doctor, dargs] = add("doctor", "Check the state backend for known problems", Doctor);
  doctor->add_option("--signer-url", dargs->signer_url,
                     "Also compare with a running signer's view (needs chamber_status)");
  doctor->add_option("--auth-token", dargs->auth_token, "Token for --signer-url (or env:NAME)");
  doctor->add_option("--ca-file", dargs->ca_file, "CA bundle to verify an https:// signer");
  doctor->add_flag("--allow-plaintext-signer", dargs->allow_plaintext,
                   "Allow plain http:// to a non-loopback signer");
  doctor->add_flag("--no-kms", dargs->no_kms,
                   "Never call a KMS (the integrity manifest is then not verified)");
  doctor->add_option("--pcrs", dargs->pcrs_file,
                     "A build's PCRs (nitro-cli describe-eif output or {\"0\": hex}) to compare "
                     "with the TEE blob");
  add("create-table", "Create the DynamoDB state table with the expected key schema", CreateTable);
}

}  // namespace cc::cli
