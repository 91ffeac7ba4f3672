// The enclave's side of KMS's Recipient flow: an ephemeral RSA-2048 key pair
// whose public half goes into the attestation document, and the opening of
// KMS's CiphertextForRecipient (CMS EnvelopedData, RFC 5652) with its private
// half. Invariant: the private key never leaves this object (it is not
// exported, printed or serialized) and is freed with the object; recovered
// plaintext goes straight into SecretBytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/secret.h"

namespace cc::tee {

// A CiphertextForRecipient larger than this is refused unparsed (KMS answers
// at most 4096 bytes of plaintext plus an RSA-2048 key transport).
inline constexpr size_t kMaxRecipientCiphertextBytes = 64 * 1024;

class RecipientKey {
 public:
  static Result<RecipientKey> Generate();  // RSA-2048, e = 65537

  // SubjectPublicKeyInfo (DER), for the attestation document's public_key.
  const std::string& public_key_der() const { return public_key_der_; }

  // Decrypts a CMS EnvelopedData (BER or DER) addressed to this key with
  // OpenSSL's CMS API (RSAES-OAEP key transport, AES content encryption).
  Result<crypto::SecretBytes> OpenCiphertextForRecipient(std::string_view cms) const;

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY*
  std::string public_key_der_;
};

}  // namespace cc::tee
