// `operator generate-root-token`: a new management token, Vault-style. Every
// answer names the exact next command (--nonce, --root-token, --operator).
#include <iostream>
#include <memory>

#include "cli/operator_common.h"
#include "cli/secret_arg.h"
#include "crypto/secret.h"

namespace cc::cli {
namespace {

using nlohmann::json;

void PrintStarted(const CeremonyArgs& a, const json& out) {
  const std::string nonce = out.value("nonce", "");
  if (!out.contains("required")) {  // KMS-only: a token in the replica's log
    std::cout << "Root-token generation started (nonce " << nonce << ", valid 10 minutes).\n"
              << "The replica at " << a.signer_url
              << " wrote a one-time cc-root-... token to its log (a WARN line with root_token=).\n"
                 "Find it on that replica's host with `grep root_token= data/server.log` "
                 "(quickstart) or\n`journalctl -u containment-chamber | grep root_token=`, then "
                 "run:\n  "
              << NextCommand(a, "generate-root-token",
                             "--nonce " + nonce + " --root-token cc-root-...")
              << "\n";
    return;
  }
  const int progress = out.value("progress", 0), required = out.value("required", 0);
  std::cout << "Root-token generation " << nonce << ": " << progress << " of " << required
            << " operators.\n";
  if (progress < required) {
    std::cout << "Next, " << (required - progress)
              << " more operator(s) each run (on any replica):\n  "
              << NextCommand(a, "generate-root-token", "--nonce " + nonce + " --operator NAME")
              << "\n";
  }
}

Status RunRootToken(const CeremonyArgs& a) {
  CC_ASSIGN_OR_RETURN(SignerClient client, ConnectTo(a));
  json body = json::object();
  TokenKind kind = TokenKind::kAuth;
  if (!a.nonce.empty()) {
    body["nonce"] = a.nonce;
    if (!a.root_token.empty()) {
      CC_ASSIGN_OR_RETURN(std::string t, ResolveSecretArg("--root-token", a.root_token));
      body["root_token"] = t;
      crypto::Wipe(t);
      kind = TokenKind::kRootToken;
    } else if (!a.operator_name.empty()) {
      body["operator"] = a.operator_name;
      CC_RETURN_IF_ERROR(AddOperatorSecret(a, client, /*confirm=*/false, body));
    } else {
      return Status::InvalidArgument(
          "with --nonce, give --root-token (KMS-only: " +
          NextCommand(a, "generate-root-token",
                      "--nonce " + a.nonce + " --root-token cc-root-...") +
          ") or --operator (quorum: " +
          NextCommand(a, "generate-root-token", "--nonce " + a.nonce + " --operator NAME") + ")");
    }
  }
  auto out = client.Post("/api/v1/chamber/root-token", body);
  for (const char* secret : {"passphrase", "root_token"}) {
    if (body.contains(secret)) crypto::Wipe(body[secret].get_ref<std::string&>());
  }
  if (!out.ok()) return WithTokenHint(out.status(), kind, a);
  Print(a, *out, [&] {
    if (!out->contains("management_token")) return PrintStarted(a, *out);
    std::cout << "New management token (shown once; store it in your secrets manager now):\n  "
              << out->value("management_token", "")
              << "\nIt carries every management scope on every replica while the chamber is "
                 "unsealed; pass it\nas --auth-token env:NAME.\n";
  });
  return Status::Ok();
}

}  // namespace

void AddRootTokenCommand(CLI::App* op, int& exit_code) {
  auto a = std::make_shared<CeremonyArgs>();
  CLI::App* cmd = op->add_subcommand("generate-root-token", "Generate a new management token");
  AddSignerOptions(cmd, *a);
  cmd->add_option("--nonce", a->nonce, "Continue the attempt with this nonce");
  cmd->add_option("--root-token", a->root_token,
                  "KMS-only: the cc-root-... token the replica logged (or env:NAME)");
  cmd->add_option("--operator", a->operator_name, "Quorum mode: your operator name");
  AddSecretOptions(cmd, *a);
  cmd->callback([a, &exit_code] { Run(exit_code, [&] { return RunRootToken(*a); }); });
}

}  // namespace cc::cli
