// Secrets typed by an operator: read from the terminal with echo off.
#pragma once

#include <string>

#include "common/status.h"

namespace cc::cli {

// Prompts on /dev/tty without echo. With `confirm`, asks twice and requires
// both to match. Fails when there is no terminal.
Result<std::string> PromptSecret(const std::string& prompt, bool confirm);

}  // namespace cc::cli
