// CLI secrets: `env:NAME` reads the value from the environment so it never
// appears in a process listing; otherwise the literal is used.
#pragma once

#include <string>

#include "common/status.h"

namespace cc::cli {

Result<std::string> ResolveSecretArg(const std::string& flag, const std::string& value);

}  // namespace cc::cli
