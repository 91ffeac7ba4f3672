// `state doctor`: one check per troubleshooting symptom of SPEC section 9.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace cc::cli {

struct Finding {
  enum Level { kOk, kInfo, kWarn, kFail };
  Level level;
  std::string check;  // the symptom area, e.g. "table identity"
  std::string message;
};
const char* LevelName(Finding::Level level);

struct DoctorOptions {
  std::string signer_url;  // optional: compare with a running signer
  std::string auth_token;
  std::string ca_file;
  bool allow_plaintext = false;
  std::string pcrs_file;  // --pcrs: a build's measurements, for the TEE check
};

std::vector<Finding> RunDoctor(const config::Config& config, const DoctorOptions& options);

}  // namespace cc::cli
