// Builds the configured StateStore (signer_state.backend).
#pragma once

#include <map>
#include <memory>

#include "aws/credentials.h"
#include "common/clock.h"
#include "config/config.h"
#include "state/state_store.h"

namespace cc::state {

struct StoreOptions {
  bool read_only = false;  // `state inspect` / `doctor`: never create files or heads
  std::map<std::string, std::string> environment;  // AWS credential chain input
  // Shared with the AWS KMS provider; built from `environment` when null.
  std::shared_ptr<aws::CredentialsProvider> credentials;
};

Result<std::unique_ptr<StateStore>> MakeStore(const config::SignerStateConfig& config, Clock& clock,
                                              const StoreOptions& options);

}  // namespace cc::state
