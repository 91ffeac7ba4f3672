// PKCS#11 provider: AES-256-GCM inside an HSM (tested with SoftHSM2). The
// key never leaves the token; the encryption context is the GCM associated
// data. Keys are named by RFC 7512 URIs: pkcs11:token=LABEL;object=LABEL.
#pragma once

#include <memory>
#include <mutex>

#include "kms/kms.h"

namespace cc::kms {

struct Pkcs11Uri {
  std::string token;
  std::string object;
};
Result<Pkcs11Uri> ParsePkcs11Uri(const std::string& uri);

class Pkcs11Kms final : public Kms {
 public:
  // Loads the module; sessions are opened per token on first use.
  static Result<std::unique_ptr<Pkcs11Kms>> Open(const std::string& module_path,
                                                 const std::string& default_token, std::string pin);
  ~Pkcs11Kms() override;

  Result<std::string> Encrypt(const std::string& key_uri, const crypto::SecretBytes& plaintext,
                              const EncryptionContext& context) override;
  Result<crypto::SecretBytes> Decrypt(const std::string& key_uri, const std::string& ciphertext,
                                      const EncryptionContext& context) override;

 private:
  struct Module;
  struct Session;
  Pkcs11Kms(std::shared_ptr<Module> module, std::string default_token, std::string pin);
  Result<Session*> SessionFor(const std::string& token);
  Result<unsigned long> FindKey(Session& s, const std::string& label);

  std::shared_ptr<Module> module_;
  std::string default_token_;
  std::string pin_;
  std::mutex mu_;  // PKCS#11 sessions are not for concurrent use
  std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace cc::kms
