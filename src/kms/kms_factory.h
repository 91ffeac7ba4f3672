// The process's KMS: a router with the three providers, each opened lazily.
#pragma once

#include <memory>

#include "aws/credentials.h"
#include "config/config.h"
#include "kms/kms.h"

namespace cc::kms {

std::unique_ptr<KmsRouter> MakeKms(const config::KmsConfig& config, Clock& clock,
                                   std::shared_ptr<aws::CredentialsProvider> aws_credentials);

}  // namespace cc::kms
