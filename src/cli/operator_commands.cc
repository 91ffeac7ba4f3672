// `containment-chamber operator …`: the operator's client for a running
// signer. One function per subcommand (operator_*.cc); shared flags, token
// hints and output in operator_common.h.
#include "cli/commands.h"
#include "cli/operator_common.h"

namespace cc::cli {

void RegisterOperatorCommands(CLI::App& app, int& exit_code) {
  CLI::App* op = app.add_subcommand("operator", "Operator commands against a running signer");
  op->require_subcommand(1);
  AddStatusCommand(op, exit_code);
  AddInitCommand(op, exit_code);
  AddRegisterCommand(op, exit_code);
  AddUnsealCommand(op, exit_code);
  AddSealCommand(op, exit_code);
  AddRootTokenCommand(op, exit_code);
}

}  // namespace cc::cli
