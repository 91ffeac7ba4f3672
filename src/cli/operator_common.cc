#include "cli/operator_common.h"

#include <iostream>

#include "cli/prompt.h"
#include "cli/secret_arg.h"
#include "cli/yubikey.h"
#include "common/encoding.h"
#include "crypto/secret.h"

namespace cc::cli {

void AddSecretOptions(CLI::App* cmd, CeremonyArgs& a) {
  cmd->add_option("--passphrase", a.passphrase,
                  "Passphrase (env:NAME; prompted without echo if omitted)");
  cmd->add_option("--yubikey-slot", a.yubikey_slot,
                  "Use the YubiKey HMAC-SHA1 slot (1 or 2) instead of a passphrase")
      ->check(CLI::Range(1, 2));
}

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

namespace {
std::string& ProgramName() {
  static std::string name = "containment-chamber";
  return name;
}
}  // namespace

void SetProgramName(std::string name) {
  if (!name.empty() && name.find_first_of(" \t\n'\"$`") == std::string::npos)
    ProgramName() = std::move(name);
}

std::string NextCommand(const SignerArgs& a, const std::string& subcommand,
                        const std::string& flags) {
  std::string cmd = ProgramName() + " operator " + subcommand;
  if (a.signer_url != SignerArgs{}.signer_url) cmd += " --signer-url " + a.signer_url;
  if (!a.ca_file.empty()) cmd += " --ca-file " + a.ca_file;
  if (a.allow_plaintext) cmd += " --allow-plaintext-signer";
  return flags.empty() ? cmd : cmd + " " + flags;
}

namespace {

// How to supply a token with the needed scope (status, seal, --resume).
std::string AuthTokenHint(const SignerArgs& a) {
  std::string why = a.auth_token.empty() ? "no token was given"
                                         : "the signer rejected the token given with --auth-token";
  return why +
         ". Pass a token with the needed scope as --auth-token TOKEN, or as --auth-token "
         "env:NAME to read it from the environment variable NAME: a static policy's token (the "
         "server config's auth_policies:), or a management token from `operator init` or "
         "`operator generate-root-token` (accepted only while the replica is unsealed). With "
         "the quickstart: export CC_AUTH_TOKEN=$(cat data/ops-token) and add --auth-token "
         "env:CC_AUTH_TOKEN";
}

std::string HintFor(TokenKind kind, const SignerArgs& a) {
  switch (kind) {
    case TokenKind::kAuth:
      return AuthTokenHint(a);
    case TokenKind::kSetup:
      return "the setup token is one-time and only in the log of the replica you are talking to "
             "(a WARN line carrying setup_token=); each replica logs its own and a restart "
             "logs a new one. Find it with `grep setup_token= data/server.log` (quickstart) or "
             "`journalctl -u containment-chamber | grep setup_token=`, and send init to that "
             "same replica (--signer-url)";
    case TokenKind::kRegistration:
      return "use the one-time cc-reg-... token `operator init` returned for this operator name; "
             "it works once, for that operator only";
    case TokenKind::kRootToken:
      return "the cc-root-... token is in the log of the replica that answered the first "
             "generate-root-token (grep root_token=); it is valid 10 minutes, once. Start again "
             "with: " +
             NextCommand(a, "generate-root-token");
    case TokenKind::kResumeToken:
      return "the cc-unseal-... token is in the log of the replica that answered the first "
             "`unseal --resume` (grep unseal_token=); it is valid 10 minutes, once. Ask for a new "
             "one with: " +
             NextCommand(a, "unseal", "--resume");
  }
  return "";
}

}  // namespace

Status WithTokenHint(const Status& st, TokenKind kind, const SignerArgs& a) {
  if (st.code() == ErrorCode::kUnauthenticated)
    return Status(st.code(), st.message() + "\nhint: " + HintFor(kind, a));
  if (st.code() == ErrorCode::kPermissionDenied && kind == TokenKind::kAuth) {
    return Status(st.code(), st.message() +
                                 "\nhint: the token is valid but its policy does not allow this "
                                 "command; use a token whose allowed_scopes include it");
  }
  return st;
}

void Print(const SignerArgs& a, const nlohmann::json& out, const std::function<void()>& human) {
  if (a.json) {
    std::cout << out.dump(2) << std::endl;
  } else {
    human();
  }
}

void Run(int& exit_code, const std::function<Status()>& body) {
  Status st = body();
  exit_code = st.ok() ? 0 : ExitWith(st);
}

}  // namespace cc::cli
