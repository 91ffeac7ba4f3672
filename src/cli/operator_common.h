// What every `containment-chamber operator …` subcommand shares: the
// connection flags, the operator's secret, output, and errors that say what
// to run next (a rejected token names how to supply the right one).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/signer_args.h"
#include "cli/signer_client.h"
#include "common/status.h"

namespace cc::cli {

struct CeremonyArgs : SignerArgs {
  std::string setup_token, registration_token, kms_key_arns, operators, operator_name, passphrase;
  std::string nonce, root_token, resume_token, reason;
  int kms_threshold = 0, operator_threshold = 0, yubikey_slot = 0;
  bool resume = false;
};

// --passphrase / --yubikey-slot, shared by register, unseal and generate-root-token.
void AddSecretOptions(CLI::App* cmd, CeremonyArgs& a);

// Adds the operator's secret to `body`: a passphrase (given, or prompted
// without echo) or the YubiKey's response to the operator's challenge.
Status AddOperatorSecret(const CeremonyArgs& a, const SignerClient& client, bool confirm,
                         nlohmann::json& body);

std::vector<std::string> SplitList(const std::string& s);

// The binary as the operator invoked it (argv[0]: `containment-chamber` on
// PATH, `./build/containment-chamber` in a checkout), for NextCommand.
void SetProgramName(std::string name);

// "containment-chamber operator status --signer-url URL …": a command to run
// next, copy-pasteable, naming --signer-url only when it is not the default.
std::string NextCommand(const SignerArgs& a, const std::string& subcommand,
                        const std::string& flags = "");

// Which token a request carried, so a 401 can say how to get the right one.
enum class TokenKind { kAuth, kSetup, kRegistration, kRootToken, kResumeToken };
// A 401 from the signer, with how to supply the token it wants.
Status WithTokenHint(const Status& st, TokenKind kind, const SignerArgs& a);

// JSON with --json, else the human text.
void Print(const SignerArgs& a, const nlohmann::json& out, const std::function<void()>& human);

// Runs `body` and turns its Status into the exit code.
void Run(int& exit_code, const std::function<Status()>& body);

// One function per `operator` subcommand.
void AddStatusCommand(CLI::App* op, int& exit_code);
void AddInitCommand(CLI::App* op, int& exit_code);
void AddRegisterCommand(CLI::App* op, int& exit_code);
void AddUnsealCommand(CLI::App* op, int& exit_code);
void AddSealCommand(CLI::App* op, int& exit_code);
void AddRootTokenCommand(CLI::App* op, int& exit_code);

}  // namespace cc::cli
