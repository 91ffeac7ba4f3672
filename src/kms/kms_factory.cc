#include "kms/kms_factory.h"

#include <algorithm>

#include "kms/aws_kms.h"
#include "kms/local_kms.h"
#include "kms/pkcs11_kms.h"

namespace cc::kms {

std::unique_ptr<KmsRouter> MakeKms(const config::KmsConfig& config, Clock& clock,
                                   std::shared_ptr<aws::CredentialsProvider> aws_credentials) {
  auto router = std::make_unique<KmsRouter>();
  auto allowed = [&](const char* name) {
    return std::find(config.providers.begin(), config.providers.end(), name) !=
           config.providers.end();
  };
  if (allowed("aws")) {
    router->SetProviderFactory(
        "aws",
        [&clock, aws_credentials,
         endpoint = config.aws_endpoint_url]() -> Result<std::unique_ptr<Kms>> {
          return std::unique_ptr<Kms>(new AwsKms(aws_credentials, clock, endpoint));
        });
  }
  if (allowed("pkcs11")) {
    router->SetProviderFactory("pkcs11",
                               [module = config.pkcs11_module, token = config.pkcs11_token_label,
                                pin = config.pkcs11_pin]() -> Result<std::unique_ptr<Kms>> {
                                 CC_ASSIGN_OR_RETURN(auto p, Pkcs11Kms::Open(module, token, pin));
                                 return std::unique_ptr<Kms>(std::move(p));
                               });
  }
  if (allowed("local") && !config.local_key_file.empty()) {
    router->SetProviderFactory("local",
                               [file = config.local_key_file]() -> Result<std::unique_ptr<Kms>> {
                                 CC_ASSIGN_OR_RETURN(auto p, LocalKms::Open(file));
                                 return std::unique_ptr<Kms>(std::move(p));
                               });
  }
  return router;
}

}  // namespace cc::kms
