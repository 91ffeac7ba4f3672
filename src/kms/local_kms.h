// Development-only KMS: keys derived from one local key file. Anyone who can
// read the file can unseal; the server says so loudly at startup.
#pragma once

#include "kms/kms.h"

namespace cc::kms {

class LocalKms final : public Kms {
 public:
  // Reads the 32-byte key file, creating it (0600) if absent.
  static Result<std::unique_ptr<LocalKms>> Open(const std::string& key_file);
  // What Open would refuse, without creating anything: a directory, a file
  // that is not 32 bytes, or one other users may read or write (absent is
  // fine: created on first use). The server checks it at startup.
  static Status CheckKeyFile(const std::string& key_file);

  Result<std::string> Encrypt(const std::string& key_uri, const crypto::SecretBytes& plaintext,
                              const EncryptionContext& context) override;
  Result<crypto::SecretBytes> Decrypt(const std::string& key_uri, const std::string& ciphertext,
                                      const EncryptionContext& context) override;

 private:
  explicit LocalKms(crypto::SecretBytes root) : root_(std::move(root)) {}
  crypto::SecretBytes KeyFor(const std::string& key_uri) const;
  crypto::SecretBytes root_;
};

}  // namespace cc::kms
