// What every client command of a running signer shares: the connection
// flags (--signer-url, --auth-token, --ca-file, --allow-plaintext-signer,
// --json), connecting, and turning a Status into an exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/signer_client.h"
#include "common/status.h"

namespace cc::cli {

struct SignerArgs {
  std::string signer_url = "http://127.0.0.1:9000";
  std::string auth_token;
  std::string ca_file;
  bool allow_plaintext = false;
  bool json = false;
};

void AddSignerOptions(CLI::App* cmd, SignerArgs& args);
Result<SignerClient> ConnectTo(const SignerArgs& args);
// Prints "error: …" to stderr; the exit code from common/status.h's table.
int ExitWith(const Status& st);

}  // namespace cc::cli
