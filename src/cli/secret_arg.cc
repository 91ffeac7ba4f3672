#include "cli/secret_arg.h"

#include <cstdlib>

namespace cc::cli {

Result<std::string> ResolveSecretArg(const std::string& flag, const std::string& value) {
  if (value.rfind("env:", 0) != 0) return value;
  std::string name = value.substr(4);
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  if (!v) return Status::InvalidArgument(flag + ": environment variable " + name + " is not set");
  return std::string(v);
}

}  // namespace cc::cli
