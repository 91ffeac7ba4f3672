// `containment-chamber operator …`: the operator's client for a running signer.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/secret_arg.h"
#include "cli/signer_client.h"

namespace cc::cli {
namespace {

struct CommonArgs {
  std::string signer_url = "http://127.0.0.1:9000";
  std::string auth_token;
  std::string ca_file;
  bool allow_plaintext = false;
  bool json = false;
};

void AddCommonOptions(CLI::App* cmd, CommonArgs& a) {
  cmd->add_option("--signer-url", a.signer_url, "Signer base URL")->capture_default_str();
  cmd->add_option("--auth-token", a.auth_token, "Token with the needed scope (or env:NAME)");
  cmd->add_option("--ca-file", a.ca_file, "CA bundle to verify an https:// signer");
  cmd->add_flag("--allow-plaintext-signer", a.allow_plaintext,
                "Allow plain http:// to a non-loopback signer");
  cmd->add_flag("--json", a.json, "Machine-readable JSON output");
}

int Fail(const Status& st) {
  std::cerr << "error: " << st.message() << std::endl;
  switch (st.code()) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied: return 3;
    case ErrorCode::kUnavailable: return 4;
    default: return 1;
  }
}

Result<SignerClient> ConnectWith(const CommonArgs& a) {
  SignerConnection c;
  c.url = a.signer_url;
  c.ca_file = a.ca_file;
  c.allow_plaintext = a.allow_plaintext;
  if (!a.auth_token.empty()) {
    CC_ASSIGN_OR_RETURN(c.auth_token, ResolveSecretArg("--auth-token", a.auth_token));
  }
  return SignerClient::Connect(c);
}

void PrintStatus(const nlohmann::json& s) {
  const auto& seal = s.value("seal", nlohmann::json::object());
  const auto& backend = s.value("state_backend", nlohmann::json::object());
  std::cout << "seal status:   " << seal.value("status", "?") << "\n";
  for (const char* k : {"type", "t", "n", "progress"}) {
    if (seal.contains(k)) std::cout << "  " << k << ": " << seal[k].dump() << "\n";
  }
  std::cout << "state backend: " << backend.value("backend", "?");
  if (backend.contains("table")) std::cout << " table=" << backend["table"].get<std::string>();
  if (backend.contains("path")) std::cout << " path=" << backend["path"].get<std::string>();
  if (backend.contains("region")) std::cout << " region=" << backend["region"].get<std::string>();
  std::cout << "\n";
  for (const char* k : {"chamber_id", "revision", "last_refresh_age_seconds", "refresh_errors"}) {
    if (backend.contains(k)) std::cout << "  " << k << ": " << backend[k].dump() << "\n";
  }
}

}  // namespace

void RegisterOperatorCommands(CLI::App& app, int& exit_code) {
  CLI::App* op = app.add_subcommand("operator", "Operator commands against a running signer");
  op->require_subcommand(1);

  auto status_args = std::make_shared<CommonArgs>();
  CLI::App* status = op->add_subcommand("status", "Show seal and state-backend status");
  AddCommonOptions(status, *status_args);
  status->callback([status_args, &exit_code] {
    auto client = ConnectWith(*status_args);
    if (!client.ok()) {
      exit_code = Fail(client.status());
      return;
    }
    auto s = client->Get("/api/v1/chamber/status");
    if (!s.ok()) {
      exit_code = Fail(s.status());
      return;
    }
    if (status_args->json) {
      std::cout << s->dump(2) << std::endl;
    } else {
      PrintStatus(*s);
    }
    exit_code = 0;
  });
}

}  // namespace cc::cli
