// `containment-chamber state {inspect,doctor,create-table}`: look at the state
// backend directly, with the server's configuration, never printing secrets.
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
  std::string pcrs_file;
};

Result<config::Config> LoadConfig(const StateArgs& a) {
  config::LoadOptions o;
  if (!a.config_file.empty()) o.file = a.config_file;
  o.environment = config::ProcessEnvironment();
  o.resolve_secrets = false;  // the state backend needs no tokens or PINs
  return config::Load(o);
}

int Report(const Status& st) {
  std::cerr << "error: " << st.message() << std::endl;
  return 1;
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
    out["created_at"] = snap->head.created_at;
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
            << "revision:   " << out["revision"] << "  schema: " << out["schema_version"]
            << "  created: " << out["created_at"] << "\n"
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
  DoctorOptions options;
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
  if (a.json) {
    std::cout << json{{"ok", !failed}, {"findings", out}}.dump(2) << std::endl;
  } else {
    for (const Finding& f : findings) {
      std::cout << "[" << LevelName(f.level) << "] " << f.check << ": " << f.message << "\n";
    }
    std::cout << (failed ? "doctor found problems\n" : "doctor found no problems\n");
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
    cmd->add_option("-c,--config", args->config_file, "The server's YAML configuration file");
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
  doctor->add_option("--pcrs", dargs->pcrs_file,
                     "A build's PCRs (nitro-cli describe-eif output or {\"0\": hex}) to compare "
                     "with the TEE blob");
  add("create-table", "Create the DynamoDB state table with the expected key schema", CreateTable);
}

}  // namespace cc::cli
