// Key derivation: HKDF-SHA256 for deriving keys from high-entropy secrets,
// Argon2id for passphrases (parameters stored beside each credential).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/secret.h"

namespace cc::crypto {

SecretBytes Hkdf(const SecretBytes& ikm, std::string_view salt, std::string_view info,
                 size_t length);

struct Argon2Params {
  std::string salt;  // 16 bytes
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;  // bytes
};

// Production defaults: 3 passes over 256 MiB (libsodium's MODERATE), new salt.
Argon2Params DefaultArgon2Params();
// Cheap parameters for tests; only honoured when test KDF is allowed.
Argon2Params TestArgon2Params();
// True when CONTAINMENT_INSECURE_TEST_KDF=1 was set (tests only; logged loudly).
bool InsecureTestKdfAllowed();
// Parameters the process will create credentials with.
Argon2Params NewCredentialArgon2Params();
// Refuses parameters below the production floor (2 passes, 64 MiB) unless test
// KDF is allowed, so a tampered row cannot downgrade the work factor.
Status CheckArgon2Params(const Argon2Params& params);

// How many Argon2id derivations this process has run (metrics, and tests
// that prove a throttled request did no KDF work).
uint64_t Argon2idRuns();

// 32-byte key from a passphrase.
Result<SecretBytes> Argon2id(std::string_view passphrase, const Argon2Params& params);

}  // namespace cc::crypto
