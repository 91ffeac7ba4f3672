// Authenticated encryption (XChaCha20-Poly1305, libsodium) whose associated
// data binds a ciphertext to where it is stored: chamber (the state table's
// identity), record key and field. A value copied into another row, field or
// table fails to open. We bind the chamber id rather than the table name so
// a DynamoDB restore into a new table name keeps working.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/secret.h"

namespace cc::crypto {

inline constexpr size_t kAeadKeyBytes = 32;

struct Binding {
  std::string chamber_id;
  std::string record_kind;
  std::string record_id;
  std::string field;
  std::string Describe() const { return record_kind + "/" + record_id + " field " + field; }
};

// Unambiguous encoding of a binding (length-prefixed, versioned).
std::string BindingAad(const Binding& binding);

// With caller-built associated data (KMS providers bind key and context).
Result<std::string> AeadSealRaw(const SecretBytes& key, std::string_view plaintext,
                                std::string_view aad);
Result<SecretBytes> AeadOpenRaw(const SecretBytes& key, std::string_view sealed,
                                std::string_view aad);

// nonce || ciphertext || tag.
Result<std::string> AeadSeal(const SecretBytes& key, std::string_view plaintext,
                             const Binding& binding);
// kCorruption when the key is wrong, the ciphertext was altered, or it was
// sealed for another binding. The message names the binding, never content.
Result<SecretBytes> AeadOpen(const SecretBytes& key, std::string_view sealed,
                             const Binding& binding);

}  // namespace cc::crypto
