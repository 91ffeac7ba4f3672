#include "crypto/hmac.h"

#include <sodium.h>

#include <cstring>

namespace cc::crypto {
namespace {

// Absorbs `data` into a keyed state, returns the MAC and wipes the state.
std::string FinishMac(crypto_auth_hmacsha256_state& st, std::string_view data) {
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()),
                                data.size());
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&st, sizeof st);
  return out;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return FinishMac(st, data);
}

HmacKey::HmacKey(std::string_view key) : state_(sizeof(crypto_auth_hmacsha256_state)) {
  auto* st = reinterpret_cast<crypto_auth_hmacsha256_state*>(state_.data());
  crypto_auth_hmacsha256_init(st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
}

std::string HmacKey::Mac(std::string_view data) const {
  crypto_auth_hmacsha256_state st;
  std::memcpy(&st, state_.data(), sizeof st);
  return FinishMac(st, data);
}

std::string Sha256(std::string_view data) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cc::crypto
