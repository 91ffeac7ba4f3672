// `containment-chamber server -c FILE`: loads configuration, starts the
// listeners and runs until SIGTERM/SIGINT, then shuts down gracefully.
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "api/server.h"
#include "api/tls_certificates.h"
#include "auth/authorizer.h"
#include "cli/commands.h"
#include "common/log.h"
#include "common/test_hooks.h"
#include "config/config.h"
#include "crypto/kdf.h"
#include "kms/kms_factory.h"
#include "kms/local_kms.h"
#include "metrics/metrics.h"
#include "seal/chamber.h"
#include "state/refresher.h"
#include "state/store_factory.h"
#include "tee/attestor.h"

namespace cc::cli {
namespace {

struct ServerArgs {
  std::string config_file;
  std::map<std::string, std::string> flag_values;  // config path → value
};

// tee.platform: nitro opens the Nitro Secure Module; without it (not in an
// enclave) the replica runs in its configured mode and says so. The test
// build may supply a test attestor instead (common/test_hooks.h).
seal::TeeOptions TeeFor(const config::Config& config) {
  seal::TeeOptions tee;
  tee.platform = config.tee_platform;
  if (config.tee_platform != "nitro") return tee;
  if (auto test = test_hooks::TestTeeFromEnvironment()) {
    log::Warn("tee",
              "TEST attestor in use: attestation documents come from a test CA, not the "
              "Nitro Secure Module (test build only)");
    tee.attestor = std::move(test->attestor);
    tee.root_pem = std::move(test->root_pem);
    return tee;
  }
  auto nsm = tee::NsmAttestor::Open();
  if (!nsm.ok()) {
    log::Warn("tee",
              "tee.platform is nitro but the Nitro Secure Module is not available; TEE "
              "auto-unseal is off on this replica",
              {{"error", nsm.status().message()}});
    return tee;
  }
  tee.attestor = std::shared_ptr<tee::Attestor>(std::move(*nsm));
  return tee;
}

int StartupError(const Status& st) {
  log::Error("server", "cannot start", {{"error", st.ToString()}});
  std::cerr << "error: " << st.message() << std::endl;
  return 1;
}

// Before anything is created (the state file) or logged (the setup token):
// the test-KDF warning, and problems in files the configuration names (a TLS
// pair that does not load; a local KMS key file that is a directory, the
// wrong size or readable by others).
Status Preflight(const config::Config& config) {
  if (crypto::InsecureTestKdfAllowed()) {
    log::WarnAlways("server",
                    "CONTAINMENT_INSECURE_TEST_KDF=1: operator passphrases use test-only Argon2id "
                    "parameters and weak stored parameters are accepted; NEVER set it in "
                    "production (status shows insecure_test_kdf)",
                    {});
  }
  if (config.tls.mode == "file") {
    CC_RETURN_IF_ERROR(api::TlsCertificates(config.tls.cert_path, config.tls.key_path).Load());
  }
  const auto& providers = config.kms.providers;
  if (std::find(providers.begin(), providers.end(), "local") != providers.end() &&
      !config.kms.local_key_file.empty()) {
    CC_RETURN_IF_ERROR(kms::LocalKms::CheckKeyFile(config.kms.local_key_file));
  }
  return Status::Ok();
}

int RunServer(const ServerArgs& args) {
  config::LoadOptions options;
  if (!args.config_file.empty()) options.file = args.config_file;
  options.environment = config::ProcessEnvironment();
  for (const auto& [path, value] : args.flag_values) options.cli.emplace_back(path, value);
  auto cfg = config::Load(options);
  if (!cfg.ok()) {
    std::cerr << "config error: " << cfg.status().message() << std::endl;
    return 2;
  }
  const config::Config& config = *cfg;

  log::Init();  // the process is already hardened (main)
  if (Status st = Preflight(config); !st.ok()) return StartupError(st);

  // Signals are taken synchronously by sigwait below; block them before any
  // thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  metrics::Registry& registry = metrics::Global();
  auth::Authorizer authorizer(config);
  const auto& state_cfg = config.signer_state;
  Clock& clock = *SystemClock::Get();

  // The state backend: identity check (wrong-table guard), head, first load.
  // One credential chain for DynamoDB and AWS KMS.
  auto aws_credentials =
      std::make_shared<aws::DefaultCredentialChain>(config::ProcessEnvironment(), clock);
  auto store = state::MakeStore(state_cfg, clock, {false, {}, aws_credentials});
  if (!store.ok()) return StartupError(store.status());
  state::StoreInfo info = (*store)->Info();
  auto head = state::OpenOrCreate(**store, clock.NowUnixSeconds());
  if (!head.ok()) return StartupError(head.status());
  log::Info("state", "state backend",
            {{"backend", info.backend},
             {info.backend == "dynamodb" ? "table" : "path", info.location},
             {"region", info.region.empty() ? "-" : info.region},
             {"chamber_id", head->chamber_id},
             {"revision", std::to_string(head->revision)}});
  state::Refresher refresher(**store, clock,
                             state::RefreshOptions{state_cfg.refresh_interval_seconds}, &registry);
  if (Status st = refresher.Initialize(); !st.ok()) return StartupError(st);
  if (state_cfg.refresh_interval_seconds == 0) {
    log::Warn("server",
              "signer_state.refresh_interval_seconds is 0: cross-replica refresh is disabled; "
              "this replica reads state only at startup and after its own writes, and will not "
              "see changes made by other replicas");
  }
  refresher.Start();

  std::unique_ptr<kms::KmsRouter> kms = kms::MakeKms(config.kms, clock, aws_credentials);
  kms->SetMetrics(&registry);
  seal::Chamber chamber(
      refresher, *kms, clock,
      {state_cfg.refresh_interval_seconds, state_cfg.unseal_timeout_minutes, info}, &registry,
      TeeFor(config));
  chamber.SetAuthorizer(&authorizer);
  chamber.Start();

  if (!authorizer.Enforced()) {
    log::Warn("auth",
              "no auth policy exists (static or runtime): signing and public keys are open to "
              "anyone who can reach this port until one is created (docs/auth.md)");
  }
  api::ApiServer server(config, chamber, authorizer, registry);
  if (Status st = server.Start(); !st.ok()) return StartupError(st);

  int sig = 0;
  sigwait(&signals, &sig);
  log::Info("server", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.Stop();
  chamber.Stop();
  refresher.Stop();
  log::Info("server", "stopped");
  return 0;
}

}  // namespace

void RegisterServerCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServerArgs>();
  CLI::App* cmd = app.add_subcommand("server", "Run the signer's control plane");
  cmd->add_option("-c,--config", args->config_file, "YAML configuration file");
  // One flag per configuration key, e.g. --server-listen-port for server.listen_port.
  for (const auto& [flag, path] : config::CliFlagPaths()) {
    std::string p = path;
    cmd->add_option_function<std::string>(
        "--" + flag, [args, p](const std::string& v) { args->flag_values[p] = v; },
        "overrides " + path);
  }
  cmd->callback([args, &exit_code] { exit_code = RunServer(*args); });
}

}  // namespace cc::cli
