// Subcommands of the containment-chamber binary.
#pragma once

#include <CLI/CLI.hpp>

namespace cc::cli {

// Each Register* adds a subcommand to `app`; the command runs from its callback
// and reports its exit code through `exit_code`.
void RegisterServerCommand(CLI::App& app, int& exit_code);
void RegisterOperatorCommands(CLI::App& app, int& exit_code);
void RegisterStateCommands(CLI::App& app, int& exit_code);
void RegisterAuthCommands(CLI::App& app, int& exit_code);
void RegisterTeeCommands(CLI::App& app, int& exit_code);

}  // namespace cc::cli
