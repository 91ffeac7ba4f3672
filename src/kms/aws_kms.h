// AWS KMS over its JSON 1.1 API with SigV4 (TrentService.Encrypt/Decrypt).
// The key's region comes from its ARN; `endpoint_url` (tests, VPC endpoints)
// overrides the endpoint for every region. Throttling and outages are retried.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "aws/json_client.h"
#include "kms/kms.h"

namespace cc::kms {

class AwsKms final : public Kms {
 public:
  AwsKms(std::shared_ptr<aws::CredentialsProvider> credentials, Clock& clock,
         std::string endpoint_url = "", BackoffPolicy backoff = {});

  Result<std::string> Encrypt(const std::string& key_uri, const crypto::SecretBytes& plaintext,
                              const EncryptionContext& context) override;
  Result<crypto::SecretBytes> Decrypt(const std::string& key_uri, const std::string& ciphertext,
                                      const EncryptionContext& context) override;

  // Decrypt for a Nitro Enclave (KMS's Recipient parameter, RSAES_OAEP_SHA_256):
  // KMS checks the attestation document against the key policy and answers
  // CiphertextForRecipient, a CMS EnvelopedData to the document's public key
  // (tee::RecipientKey opens it). A Plaintext in that answer is an error.
  Result<std::string> DecryptForRecipient(const std::string& key_uri, const std::string& ciphertext,
                                          const EncryptionContext& context,
                                          const std::string& attestation_document) override;

  // The region of arn:aws:kms:REGION:ACCOUNT:key/ID.
  static Result<std::string> RegionOf(const std::string& arn);

 private:
  Result<aws::JsonClient*> ClientFor(const std::string& arn);
  Status Explain(const std::string& arn, const std::string& op, const Status& st) const;

  std::shared_ptr<aws::CredentialsProvider> credentials_;
  Clock& clock_;
  std::string endpoint_url_;
  BackoffPolicy backoff_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<aws::JsonClient>> clients_;  // by region
};

}  // namespace cc::kms
