// `containment-chamber operator …`: the operator's client for a running signer.
#include <functional>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/prompt.h"
#include "cli/secret_arg.h"
#include "cli/signer_client.h"
#include "cli/yubikey.h"
#include "common/encoding.h"
#include "crypto/secret.h"

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
  return InfoFor(st.code()).exit_code;
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
  std::cout << "seal status:   " << seal.value("status", "?");
  if (seal.value("sealed_by_operator", false)) std::cout << " (operator seal in force)";
  std::cout << "\n";
  for (const char* k : {"type", "t", "n", "progress"}) {
    if (seal.contains(k)) std::cout << "  " << k << ": " << seal[k].dump() << "\n";
  }
  for (const auto& o : seal.value("operators", nlohmann::json::array())) {
    std::cout << "  operator " << o.value("name", "?") << ": "
              << (o.value("registered", false) ? "registered" : "not registered")
              << (o.value("submitted", false) ? ", share submitted" : "") << "\n";
  }
  for (const auto& k :
       seal.value("kms", nlohmann::json::object()).value("keys", nlohmann::json::array())) {
    std::cout << "  kms key " << k.value("key", "?") << ": "
              << (!k.contains("healthy")      ? "not used yet"
                  : k.value("healthy", false) ? "healthy"
                                              : "UNHEALTHY");
    if (k.contains("last_error")) std::cout << " (" << k.value("last_error", "") << ")";
    std::cout << "\n";
  }
  for (const char* k : {"last_error", "integrity_error"}) {
    if (seal.contains(k)) std::cout << "  " << k << ": " << seal.value(k, "") << "\n";
  }
  std::cout << "state backend: " << backend.value("backend", "?");
  if (backend.contains("table")) std::cout << " table=" << backend["table"].get<std::string>();
  if (backend.contains("path")) std::cout << " path=" << backend["path"].get<std::string>();
  if (backend.contains("region")) std::cout << " region=" << backend["region"].get<std::string>();
  std::cout << "\n";
  for (const char* k : {"chamber_id", "revision", "last_refresh_age_seconds", "refresh_errors",
                        "last_error", "rollback_refused_revision", "foreign_chamber_refused"}) {
    if (backend.contains(k)) std::cout << "  " << k << ": " << backend[k].dump() << "\n";
  }
}

struct CeremonyArgs : CommonArgs {
  std::string setup_token, registration_token, kms_key_arns, operators, operator_name, passphrase;
  std::string nonce, root_token, resume_token, reason;
  int kms_threshold = 0, operator_threshold = 0, yubikey_slot = 0;
  bool resume = false;
};

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// --passphrase / --yubikey-slot, shared by register, unseal and generate-root-token.
void AddSecretOptions(CLI::App* cmd, CeremonyArgs& a) {
  cmd->add_option("--passphrase", a.passphrase,
                  "Passphrase (env:NAME; prompted without echo if omitted)");
  cmd->add_option("--yubikey-slot", a.yubikey_slot,
                  "Use the YubiKey HMAC-SHA1 slot (1 or 2) instead of a passphrase");
}

// Adds the operator's secret to `body`: a passphrase (given, or prompted
// without echo) or the YubiKey's response to the operator's challenge.
Status AddOperatorSecret(const CeremonyArgs& a, const SignerClient& client, bool confirm,
                         nlohmann::json& body) {
  if (a.yubikey_slot != 0) {
    CC_ASSIGN_OR_RETURN(nlohmann::json ch,
                        client.Get("/api/v1/chamber/unseal/challenge?operator=" + a.operator_name));
    auto challenge = HexDecode(ch.value("challenge", ""));
    if (!challenge) return Status::Internal("the signer sent a malformed challenge");
    CC_ASSIGN_OR_RETURN(std::string response,
                        MakeYubiKeyResponder()->Respond(a.yubikey_slot, *challenge));
    body["yubikey_response"] = HexEncode(response);
    crypto::Wipe(response);
    return Status::Ok();
  }
  std::string pass;
  if (!a.passphrase.empty()) {
    CC_ASSIGN_OR_RETURN(pass, ResolveSecretArg("--passphrase", a.passphrase));
  } else {
    CC_ASSIGN_OR_RETURN(pass,
                        PromptSecret("Passphrase for operator " + a.operator_name + ": ", confirm));
  }
  body["passphrase"] = pass;
  crypto::Wipe(pass);
  return Status::Ok();
}

void Print(const CommonArgs& a, const nlohmann::json& out, const std::function<void()>& human) {
  if (a.json) {
    std::cout << out.dump(2) << std::endl;
  } else {
    human();
  }
}

// Runs `body` and turns its Status into the exit code.
void Run(int& exit_code, const std::function<Status()>& body) {
  Status st = body();
  exit_code = st.ok() ? 0 : Fail(st);
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

  // ---- init
  auto init = std::make_shared<CeremonyArgs>();
  CLI::App* init_cmd = op->add_subcommand(
      "init", "Initialize the chamber (KMS-only, or operator quorum with --operators)");
  AddCommonOptions(init_cmd, *init);
  init_cmd
      ->add_option("--setup-token", init->setup_token,
                   "The cc-setup-… token the replica logged (or env:NAME)")
      ->required();
  init_cmd
      ->add_option("--kms-key-arns", init->kms_key_arns,
                   "KMS keys, comma-separated (arn:aws:kms:…, pkcs11:…, local:NAME)")
      ->required();
  init_cmd
      ->add_option("--kms-threshold", init->kms_threshold, "How many KMS keys are needed to unseal")
      ->required();
  init_cmd->add_option("--operators", init->operators,
                       "Operator names, comma-separated (quorum mode)");
  init_cmd->add_option("--operator-threshold", init->operator_threshold,
                       "How many operators are needed to unseal");
  init_cmd->callback([init, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CeremonyArgs a = *init;
      CC_ASSIGN_OR_RETURN(std::string setup, ResolveSecretArg("--setup-token", a.setup_token));
      a.auth_token = setup;
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectWith(a));
      nlohmann::json body = {{"kms_keys", SplitList(a.kms_key_arns)},
                             {"kms_threshold", a.kms_threshold}};
      if (!a.operators.empty()) {
        body["mode"] = "quorum";
        body["operators"] = SplitList(a.operators);
        body["operator_threshold"] = a.operator_threshold;
      } else {
        body["mode"] = "kms_only";
      }
      CC_ASSIGN_OR_RETURN(nlohmann::json out, client.Post("/api/v1/chamber/init", body));
      Print(a, out, [&] {
        std::cout << "Chamber " << out.value("chamber_id", "") << " initialized in "
                  << out.value("mode", "")
                  << " mode.\n\nManagement token (shown once; store it safely):\n  "
                  << out.value("management_token", "") << "\n";
        if (out.contains("registration_tokens")) {
          std::cout << "\nOne-time registration tokens; give each operator theirs:\n";
          for (const auto& [name, tok] : out["registration_tokens"].items()) {
            std::cout << "  " << name << ": " << tok.get<std::string>() << "\n";
          }
          std::cout
              << "\nEach operator then runs: containment-chamber operator register --operator NAME "
                 "--registration-token env:TOKEN\n";
        }
      });
      return Status::Ok();
    });
  });

  // ---- register
  auto reg = std::make_shared<CeremonyArgs>();
  CLI::App* reg_cmd =
      op->add_subcommand("register", "Register an operator's passphrase or YubiKey");
  AddCommonOptions(reg_cmd, *reg);
  reg_cmd->add_option("--operator", reg->operator_name, "Your operator name")->required();
  reg_cmd
      ->add_option("--registration-token", reg->registration_token,
                   "Your one-time cc-reg-… token (or env:NAME)")
      ->required();
  AddSecretOptions(reg_cmd, *reg);
  reg_cmd->callback([reg, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CeremonyArgs a = *reg;
      CC_ASSIGN_OR_RETURN(a.auth_token,
                          ResolveSecretArg("--registration-token", a.registration_token));
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectWith(a));
      nlohmann::json body = {{"operator", a.operator_name}};
      CC_RETURN_IF_ERROR(AddOperatorSecret(a, client, /*confirm=*/true, body));
      auto out = client.Post("/api/v1/chamber/register", body);
      crypto::Wipe(body["passphrase"].is_string() ? body["passphrase"].get_ref<std::string&>()
                                                  : a.passphrase);
      if (!out.ok()) return out.status();
      Print(a, *out, [&] {
        std::cout << "Operator " << a.operator_name << " registered (" << out->value("method", "")
                  << "). " << (*out)["registered"] << " of " << (*out)["operators"]
                  << " operators registered; chamber is " << out->value("status", "") << ".\n";
      });
      return Status::Ok();
    });
  });

  // ---- unseal
  auto uns = std::make_shared<CeremonyArgs>();
  CLI::App* uns_cmd = op->add_subcommand(
      "unseal", "Submit your unseal share, or --resume after an operator seal (KMS-only)");
  AddCommonOptions(uns_cmd, *uns);
  uns_cmd->add_option("--operator", uns->operator_name, "Your operator name (quorum mode)");
  AddSecretOptions(uns_cmd, *uns);
  uns_cmd->add_flag(
      "--resume", uns->resume,
      "KMS-only: lift an operator seal (needs a chamber_seal token, or a logged one-time token)");
  uns_cmd->add_option("--resume-token", uns->resume_token,
                      "The cc-unseal-… token the replica logged (or env:NAME)");
  uns_cmd->callback([uns, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CeremonyArgs a = *uns;
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectWith(a));
      nlohmann::json body;
      if (a.resume) {
        body = {{"resume", true}};
        if (!a.resume_token.empty()) {
          CC_ASSIGN_OR_RETURN(std::string t, ResolveSecretArg("--resume-token", a.resume_token));
          body["resume_token"] = t;
        }
      } else {
        if (a.operator_name.empty())
          return Status::InvalidArgument("--operator is required (or --resume)");
        body = {{"operator", a.operator_name}};
        CC_RETURN_IF_ERROR(AddOperatorSecret(a, client, /*confirm=*/false, body));
      }
      auto out = client.Post("/api/v1/chamber/unseal", body);
      if (body.contains("passphrase")) crypto::Wipe(body["passphrase"].get_ref<std::string&>());
      if (!out.ok()) return out.status();
      Print(a, *out, [&] {
        if (out->contains("message")) std::cout << out->value("message", "") << "\n";
        if (out->contains("progress"))
          std::cout << "Unseal progress: " << out->value("progress", "") << "\n";
        if (out->contains("status"))
          std::cout << "Chamber is " << out->value("status", "") << " on this replica.\n";
      });
      return Status::Ok();
    });
  });

  // ---- seal
  auto seal = std::make_shared<CeremonyArgs>();
  CLI::App* seal_cmd =
      op->add_subcommand("seal", "Seal every replica (emergency; sticky across restarts)");
  AddCommonOptions(seal_cmd, *seal);
  seal_cmd->add_option("--reason", seal->reason, "Why (recorded in the state backend)");
  seal_cmd->callback([seal, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectWith(*seal));
      nlohmann::json body = nlohmann::json::object();
      if (!seal->reason.empty()) body["reason"] = seal->reason;
      CC_ASSIGN_OR_RETURN(nlohmann::json out, client.Post("/api/v1/chamber/seal", body));
      Print(*seal, out, [&] {
        std::cout << "Sealed (epoch " << out["seal_epoch"]
                  << "); every replica seals within one refresh interval.\n";
      });
      return Status::Ok();
    });
  });

  // ---- generate-root-token
  auto root = std::make_shared<CeremonyArgs>();
  CLI::App* root_cmd = op->add_subcommand("generate-root-token", "Generate a new management token");
  AddCommonOptions(root_cmd, *root);
  root_cmd->add_option("--nonce", root->nonce, "Continue the attempt with this nonce");
  root_cmd->add_option("--root-token", root->root_token,
                       "KMS-only: the cc-root-… token the replica logged (or env:NAME)");
  root_cmd->add_option("--operator", root->operator_name, "Quorum mode: your operator name");
  AddSecretOptions(root_cmd, *root);
  root_cmd->callback([root, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CeremonyArgs a = *root;
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectWith(a));
      nlohmann::json body = nlohmann::json::object();
      if (!a.nonce.empty()) {
        body["nonce"] = a.nonce;
        if (!a.root_token.empty()) {
          CC_ASSIGN_OR_RETURN(std::string t, ResolveSecretArg("--root-token", a.root_token));
          body["root_token"] = t;
        } else if (!a.operator_name.empty()) {
          body["operator"] = a.operator_name;
          CC_RETURN_IF_ERROR(AddOperatorSecret(a, client, /*confirm=*/false, body));
        } else {
          return Status::InvalidArgument(
              "with --nonce, give --root-token (KMS-only) or --operator (quorum)");
        }
      }
      auto out = client.Post("/api/v1/chamber/root-token", body);
      if (body.contains("passphrase")) crypto::Wipe(body["passphrase"].get_ref<std::string&>());
      if (!out.ok()) return out.status();
      Print(a, *out, [&] {
        if (out->contains("management_token")) {
          std::cout << "New management token (shown once):\n  "
                    << out->value("management_token", "") << "\n";
        } else {
          std::cout << "Root-token generation " << out->value("nonce", "") << " started.";
          if (out->contains("message")) std::cout << " " << out->value("message", "");
          if (out->contains("required")) {
            std::cout << " Progress " << (*out)["progress"] << "/" << (*out)["required"]
                      << "; each operator runs generate-root-token --nonce "
                      << out->value("nonce", "") << " --operator NAME.";
          }
          std::cout << "\n";
        }
      });
      return Status::Ok();
    });
  });
}

}  // namespace cc::cli