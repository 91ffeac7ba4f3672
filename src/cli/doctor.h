// `state doctor`: one check per troubleshooting symptom (docs/operations.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "state/state_store.h"

namespace cc::cli {

// kOk only for what doctor actually checked and found right; kInfo for
// facts (configuration values); kSkip for a check it could not make.
struct Finding {
  enum Level { kOk, kInfo, kSkip, kWarn, kFail };
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
  // The KMS section with its secrets (the PKCS#11 PIN) when they could be
  // resolved; else `kms_secrets_error` says why not.
  std::optional<config::KmsConfig> kms;
  std::string kms_secrets_error;
  bool no_kms = false;    // --no-kms: never call a KMS (the manifest is not verified)
  std::string pcrs_file;  // --pcrs: a build's measurements, for the TEE check
};

std::vector<Finding> RunDoctor(const config::Config& config, const DoctorOptions& options);

// "the state was tampered with": opens the chamber's KMS keys (when the
// configuration allows) and verifies the manifest over every record.
void CheckIntegrity(const config::Config& config, const DoctorOptions& options,
                    const std::optional<state::Snapshot>& snap, std::vector<Finding>& out);

}  // namespace cc::cli
