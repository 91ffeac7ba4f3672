// `operator unseal` (an operator's share, or --resume after an operator seal
// in KMS-only mode) and `operator seal` (the emergency stop).
#include <iostream>
#include <memory>

#include "cli/operator_common.h"
#include "cli/secret_arg.h"
#include "crypto/secret.h"

namespace cc::cli {
namespace {

using nlohmann::json;

// The replica logged a one-time token instead of lifting the seal: nothing
// was unsealed, so this is an error (exit 3, "not authorized") that says
// where the token is and the exact command that uses it.
Status ResumeTokenLogged(const CeremonyArgs& a) {
  std::string why = a.auth_token.empty()
                        ? "no --auth-token was given"
                        : "the token given with --auth-token was not accepted for chamber_seal";
  return Status::Unauthenticated(
      "nothing was unsealed: " + why + ", so the replica at " + a.signer_url +
      " wrote a one-time unseal token to its log instead (a WARN line with "
      "unseal_token=cc-unseal-..., valid 10 minutes).\nFind it on that replica's host with `grep "
      "unseal_token= data/server.log` (quickstart) or `journalctl -u containment-chamber | grep "
      "unseal_token=`, then run:\n  " +
      NextCommand(a, "unseal", "--resume --resume-token cc-unseal-...") +
      "\nOr give a static policy token with the chamber_seal scope:\n  " +
      NextCommand(a, "unseal", "--resume --auth-token env:CC_AUTH_TOKEN"));
}

Status RunResume(const CeremonyArgs& a, const SignerClient& client) {
  json body = {{"resume", true}};
  if (!a.resume_token.empty()) {
    CC_ASSIGN_OR_RETURN(std::string t, ResolveSecretArg("--resume-token", a.resume_token));
    body["resume_token"] = t;
    crypto::Wipe(t);
  }
  auto out = client.Post("/api/v1/chamber/unseal", body);
  if (body.contains("resume_token")) crypto::Wipe(body["resume_token"].get_ref<std::string&>());
  if (!out.ok() && out.status().code() == ErrorCode::kConflict && a.resume_token.empty()) {
    return Status(out.status().code(),
                  out.status().message() +
                      "\nhint: find it with `grep unseal_token= "
                      "data/server.log` (quickstart) or `journalctl -u "
                      "containment-chamber | grep unseal_token=`, then run: " +
                      NextCommand(a, "unseal", "--resume --resume-token cc-unseal-..."));
  }
  if (!out.ok()) {
    return WithTokenHint(out.status(),
                         a.resume_token.empty() ? TokenKind::kAuth : TokenKind::kResumeToken, a);
  }
  if (out->value("resume_token_logged", false)) {
    if (a.json) std::cout << out->dump(2) << std::endl;
    return ResumeTokenLogged(a);
  }
  Print(a, *out, [&] {
    std::cout << "Operator seal lifted (seal epoch " << out->value("seal_epoch", 0)
              << "). This replica is " << out->value("status", "")
              << "; the others unseal with their KMS keys within one refresh interval.\n";
  });
  return Status::Ok();
}

Status RunShare(const CeremonyArgs& a, const SignerClient& client) {
  if (a.operator_name.empty()) {
    return Status::InvalidArgument(
        "--operator is required (quorum mode: " + NextCommand(a, "unseal", "--operator NAME") +
        "), or --resume to lift an operator seal in KMS-only mode");
  }
  json body = {{"operator", a.operator_name}};
  CC_RETURN_IF_ERROR(AddOperatorSecret(a, client, /*confirm=*/false, body));
  auto out = client.Post("/api/v1/chamber/unseal", body);
  if (body.contains("passphrase")) crypto::Wipe(body["passphrase"].get_ref<std::string&>());
  if (!out.ok()) return out.status();
  Print(a, *out, [&] {
    if (out->contains("message")) std::cout << out->value("message", "") << "\n";
    if (out->contains("progress"))
      std::cout << "Unseal progress: " << out->value("progress", "") << "\n";
    std::cout << "Chamber is " << out->value("status", "") << " on this replica.\n";
    const int left = out->value("threshold", 0) - out->value("submitted", 0);
    if (out->contains("progress") && left > 0) {
      std::cout << "Next: " << left << " more operator(s) run, on any replica, within "
                << "signer_state.unseal_timeout_minutes:\n  "
                << NextCommand(a, "unseal", "--operator NAME") << "\n";
    }
  });
  return Status::Ok();
}

Status RunSeal(const CeremonyArgs& a) {
  CC_ASSIGN_OR_RETURN(SignerClient client, ConnectTo(a));
  json body = json::object();
  if (!a.reason.empty()) body["reason"] = a.reason;
  auto out = client.Post("/api/v1/chamber/seal", body);
  if (!out.ok()) return WithTokenHint(out.status(), TokenKind::kAuth, a);
  Print(a, *out, [&] {
    std::cout << "Sealed (seal epoch " << out->value("seal_epoch", 0)
              << "): this replica wiped the master key; every replica seals within one refresh "
                 "interval (plus a moment)\nand stays sealed across restarts until the seal is "
                 "lifted:\n"
                 "  KMS-only: "
              << NextCommand(a, "unseal", "--resume --auth-token env:CC_AUTH_TOKEN")
              << "\n  quorum:   enough operators each run "
              << NextCommand(a, "unseal", "--operator NAME") << "\n";
  });
  return Status::Ok();
}

}  // namespace

void AddUnsealCommand(CLI::App* op, int& exit_code) {
  auto a = std::make_shared<CeremonyArgs>();
  CLI::App* cmd = op->add_subcommand(
      "unseal", "Submit your unseal share, or --resume after an operator seal (KMS-only)");
  AddSignerOptions(cmd, *a);
  cmd->add_option("--operator", a->operator_name, "Your operator name (quorum mode)");
  AddSecretOptions(cmd, *a);
  cmd->add_flag("--resume", a->resume,
                "KMS-only: lift an operator seal (a chamber_seal --auth-token, or a logged "
                "one-time token)");
  cmd->add_option("--resume-token", a->resume_token,
                  "The cc-unseal-... token the replica logged (or env:NAME)");
  cmd->callback([a, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectTo(*a));
      return a->resume ? RunResume(*a, client) : RunShare(*a, client);
    });
  });
}

void AddSealCommand(CLI::App* op, int& exit_code) {
  auto a = std::make_shared<CeremonyArgs>();
  CLI::App* cmd =
      op->add_subcommand("seal", "Seal every replica (emergency; sticky across restarts)");
  AddSignerOptions(cmd, *a);
  cmd->add_option("--reason", a->reason, "Why (recorded in the state backend, shown in status)");
  cmd->callback([a, &exit_code] { Run(exit_code, [&] { return RunSeal(*a); }); });
}

}  // namespace cc::cli
