// `operator init` and `operator register`: the first start of a chamber.
// Each says what was created, what its tokens are for, and what to run next.
#include <iostream>
#include <memory>

#include "cli/operator_common.h"
#include "cli/secret_arg.h"
#include "crypto/secret.h"

namespace cc::cli {
namespace {

using nlohmann::json;

void PrintManagementToken(const json& out) {
  std::cout
      << "Management token (shown once; store it in your secrets manager now):\n  "
      << out.value("management_token", "")
      << "\n\nWhat it is for: it carries every management scope (status, seal, rotations, the "
         "Auth API) on\nevery replica, but only while the chamber is unsealed. Use it to create "
         "policies and tokens\nfor people and validator clients. The ops token (a static policy "
         "in the server's config under\nauth_policies:, e.g. the quickstart's data/ops-token) "
         "works even while sealed: keep using it for\nstatus, seal and unseal --resume. Lost the "
         "management token? `operator generate-root-token`\nmakes a new one.\n";
}

void PrintInitNext(const CeremonyArgs& a, const json& out) {
  if (!out.contains("registration_tokens")) {
    std::cout << "\nThe chamber unseals by itself with its KMS keys, now and at every restart. "
                 "Next, check it:\n  "
              << NextCommand(a, "status", "--auth-token env:CC_AUTH_TOKEN") << "\n";
    return;
  }
  std::cout << "\nOne-time registration tokens; give each operator theirs, privately:\n";
  for (const auto& [name, tok] : out["registration_tokens"].items())
    std::cout << "  " << name << ": " << tok.get<std::string>() << "\n";
  std::cout << "\nNext, each operator registers a passphrase (or --yubikey-slot 2); the chamber "
               "is awaiting_registration\nuntil all have:\n  "
            << NextCommand(a, "register", "--operator NAME --registration-token env:CC_REG_TOKEN")
            << "\nThen, after every restart, " << a.operator_threshold
            << " operators unseal it:\n  " << NextCommand(a, "unseal", "--operator NAME") << "\n";
}

Status RunInit(const CeremonyArgs& args) {
  CeremonyArgs a = args;
  CC_ASSIGN_OR_RETURN(std::string setup, ResolveSecretArg("--setup-token", a.setup_token));
  SignerArgs conn = a;
  conn.auth_token = setup;
  CC_ASSIGN_OR_RETURN(SignerClient client, ConnectTo(conn));
  json body = {{"kms_keys", SplitList(a.kms_key_arns)}, {"kms_threshold", a.kms_threshold}};
  if (!a.operators.empty()) {
    body["mode"] = "quorum";
    body["operators"] = SplitList(a.operators);
    body["operator_threshold"] = a.operator_threshold;
  } else {
    body["mode"] = "kms_only";
  }
  auto out = client.Post("/api/v1/chamber/init", body);
  crypto::Wipe(setup);
  if (!out.ok() && out.status().code() == ErrorCode::kConflict) {
    return Status(ErrorCode::kConflict,
                  out.status().message() + "\nhint: nothing was changed; see its state with: " +
                      NextCommand(a, "status", "--auth-token env:CC_AUTH_TOKEN"));
  }
  if (!out.ok()) return WithTokenHint(out.status(), TokenKind::kSetup, a);
  Print(a, *out, [&] {
    std::cout << "Chamber " << out->value("chamber_id", "") << " initialized in "
              << out->value("mode", "") << " mode.\n\n";
    PrintManagementToken(*out);
    PrintInitNext(a, *out);
  });
  return Status::Ok();
}

Status RunRegister(const CeremonyArgs& args) {
  CeremonyArgs a = args;
  CC_ASSIGN_OR_RETURN(a.auth_token, ResolveSecretArg("--registration-token", a.registration_token));
  CC_ASSIGN_OR_RETURN(SignerClient client, ConnectTo(a));
  json body = {{"operator", a.operator_name}};
  CC_RETURN_IF_ERROR(AddOperatorSecret(a, client, /*confirm=*/true, body));
  auto out = client.Post("/api/v1/chamber/register", body);
  if (body.contains("passphrase")) crypto::Wipe(body["passphrase"].get_ref<std::string&>());
  if (!out.ok()) return WithTokenHint(out.status(), TokenKind::kRegistration, a);
  Print(a, *out, [&] {
    const int registered = out->value("registered", 0), operators = out->value("operators", 0);
    std::cout << "Operator " << a.operator_name << " registered (" << out->value("method", "")
              << "). " << registered << " of " << operators << " operators registered; chamber is "
              << out->value("status", "") << ".\n";
    if (registered < operators) {
      std::cout << "Next: the other operators register with their own registration tokens.\n";
    } else {
      std::cout << "Every operator is registered. After each restart, enough operators unseal "
                   "it:\n  "
                << NextCommand(a, "unseal", "--operator NAME") << "\n";
    }
  });
  return Status::Ok();
}

}  // namespace

void AddInitCommand(CLI::App* op, int& exit_code) {
  auto a = std::make_shared<CeremonyArgs>();
  CLI::App* cmd = op->add_subcommand(
      "init", "Initialize the chamber (KMS-only, or operator quorum with --operators)");
  AddSignerOptions(cmd, *a);
  cmd->add_option("--setup-token", a->setup_token,
                  "The one-time cc-setup-... token the replica logged (or env:NAME)")
      ->required();
  cmd->add_option("--kms-key-arns", a->kms_key_arns,
                  "KMS keys, comma-separated (arn:aws:kms:..., pkcs11:..., local:NAME)")
      ->required();
  cmd->add_option("--kms-threshold", a->kms_threshold, "How many KMS keys are needed to unseal")
      ->required()
      ->check(CLI::Range(1, 255));
  cmd->add_option("--operators", a->operators, "Operator names, comma-separated (quorum mode)");
  cmd->add_option("--operator-threshold", a->operator_threshold,
                  "How many operators are needed to unseal")
      ->check(CLI::Range(1, 255));
  cmd->callback([a, &exit_code] { Run(exit_code, [&] { return RunInit(*a); }); });
}

void AddRegisterCommand(CLI::App* op, int& exit_code) {
  auto a = std::make_shared<CeremonyArgs>();
  CLI::App* cmd = op->add_subcommand("register", "Register an operator's passphrase or YubiKey");
  AddSignerOptions(cmd, *a);
  cmd->add_option("--operator", a->operator_name, "Your operator name")->required();
  cmd->add_option("--registration-token", a->registration_token,
                  "Your one-time cc-reg-... token (or env:NAME)")
      ->required();
  AddSecretOptions(cmd, *a);
  cmd->callback([a, &exit_code] { Run(exit_code, [&] { return RunRegister(*a); }); });
}

}  // namespace cc::cli
