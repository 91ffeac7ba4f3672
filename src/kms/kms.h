// KMS providers wrap and unwrap small secrets (Shamir shares) under a named
// key with an encryption context that binds the ciphertext to where it is
// stored. The key URI picks the provider (SPEC 4):
//   arn:aws:kms:REGION:ACCOUNT:key/ID        -> aws    (AWS KMS JSON API, SigV4)
//   pkcs11:token=LABEL;object=LABEL          -> pkcs11 (AES-GCM inside an HSM)
//   local:NAME                               -> local  (a key file; development only)
// A threshold of keys may mix providers and regions.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "crypto/secret.h"
#include "metrics/metrics.h"

namespace cc::kms {

// Identifiers only (chamber id, record, field): AWS logs it in CloudTrail.
using EncryptionContext = std::map<std::string, std::string>;

class Kms {
 public:
  virtual ~Kms() = default;
  virtual Result<std::string> Encrypt(const std::string& key_uri,
                                      const crypto::SecretBytes& plaintext,
                                      const EncryptionContext& context) = 0;
  virtual Result<crypto::SecretBytes> Decrypt(const std::string& key_uri,
                                              const std::string& ciphertext,
                                              const EncryptionContext& context) = 0;
  // Decrypt for a Nitro Enclave (KMS's Recipient): the answer is a CMS
  // EnvelopedData that only the key in the attestation document opens
  // (tee::RecipientKey). Only AWS KMS has it; others answer kFailedPrecondition.
  virtual Result<std::string> DecryptForRecipient(const std::string& key_uri,
                                                  const std::string& ciphertext,
                                                  const EncryptionContext& context,
                                                  const std::string& attestation_document);
};

// "aws", "pkcs11" or "local"; InvalidArgument for anything else.
Result<std::string> ProviderOf(const std::string& key_uri);

// Canonical bytes of (key URI, context), used as associated data by the
// providers that do their own AEAD (local, pkcs11).
std::string ContextAad(const std::string& key_uri, const EncryptionContext& context);

// The health of one key as last seen (SPEC 7: healthy, last_error, unhealthy_since).
struct KeyHealth {
  bool healthy = true;
  std::string last_error;
  int64_t unhealthy_since = 0;  // unix seconds
  int64_t last_used = 0;
};

// Routes each call to the provider its key URI names and records key health.
class KmsRouter final : public Kms {
 public:
  using Factory = std::function<Result<std::unique_ptr<Kms>>()>;
  void SetProvider(const std::string& name, std::unique_ptr<Kms> provider);
  // Opened on first use, so a deployment that never names a local: key never
  // creates a development key file, and one without an HSM never loads a module.
  void SetProviderFactory(const std::string& name, Factory factory);
  // Checks a URI is well-formed and its provider configured.
  Status CheckKeyUri(const std::string& key_uri);
  // Publishes each key's health as containment_kms_key_healthy{key} (0/1).
  void SetMetrics(metrics::Registry* metrics) { metrics_ = metrics; }

  Result<std::string> Encrypt(const std::string& key_uri, const crypto::SecretBytes& plaintext,
                              const EncryptionContext& context) override;
  Result<crypto::SecretBytes> Decrypt(const std::string& key_uri, const std::string& ciphertext,
                                      const EncryptionContext& context) override;
  Result<std::string> DecryptForRecipient(const std::string& key_uri, const std::string& ciphertext,
                                          const EncryptionContext& context,
                                          const std::string& attestation_document) override;

  std::map<std::string, KeyHealth> Health() const;

 private:
  Result<Kms*> Route(const std::string& key_uri);
  void Record(const std::string& key_uri, const Status& st);
  // Routes, runs `op` on the provider, and records the key's health.
  template <typename T>
  Result<T> Call(const std::string& key_uri, const std::function<Result<T>(Kms&)>& op);

  std::mutex providers_mu_;
  std::map<std::string, std::unique_ptr<Kms>> providers_;
  std::map<std::string, Factory> factories_;
  mutable std::mutex mu_;
  std::map<std::string, KeyHealth> health_;
  metrics::Registry* metrics_ = nullptr;
};

}  // namespace cc::kms
