// containment-chamber: the signer's state backend and seal/unseal control plane.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/operator_common.h"
#include "common/process.h"
#include "common/version.h"

int main(int argc, char** argv) {
  // Operator commands hold passphrases and tokens too: no core dumps, no
  // ptrace by other processes of this user, before any secret is read.
  if (cc::Status st = cc::HardenProcess(); !st.ok()) {
    std::cerr << "error: " << st.message() << std::endl;
    return 1;
  }
  CLI::App app{"Containment Chamber: seal/unseal control plane for an Ethereum remote signer",
               "containment-chamber"};
  app.set_version_flag("--version", std::string("containment-chamber ") + cc::kVersion);
  app.require_subcommand(1);
  // The codes of common/status.h's ErrorCodeInfo table.
  app.footer(
      "Exit codes: 0 done; 1 failed (the error says why); 2 bad input or flags; 3 not "
      "authorized (a token is missing or was rejected, or a one-time token must first be read "
      "from the replica's log); 4 retry later (signer, backend or KMS unreachable, throttled, or "
      "another replica changed the chamber at the same time).\n");
  cc::cli::SetProgramName(argc > 0 ? argv[0] : "");  // next-step commands name it as typed
  int exit_code = 0;
  cc::cli::RegisterServerCommand(app, exit_code);
  cc::cli::RegisterOperatorCommands(app, exit_code);
  cc::cli::RegisterStateCommands(app, exit_code);
  cc::cli::RegisterAuthCommands(app, exit_code);
  cc::cli::RegisterTeeCommands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is bad input (2).
    return app.exit(e) == 0 ? 0 : cc::InfoFor(cc::ErrorCode::kInvalidArgument).exit_code;
  }
  return exit_code;
}
