#include "crypto/kdf.h"

#include <atomic>

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include <cstdlib>
#include <stdexcept>

namespace cc::crypto {
namespace {
constexpr uint64_t kFloorOps = 2;
constexpr uint64_t kFloorMem = 64ull << 20;
}  // namespace

SecretBytes Hkdf(const SecretBytes& ikm, std::string_view salt, std::string_view info,
                 size_t length) {
  SecretBytes out(length);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  size_t outlen = length;
  bool ok = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, reinterpret_cast<const unsigned char*>(salt.data()),
                                        static_cast<int>(salt.size())) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm.data(), static_cast<int>(ikm.size())) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, reinterpret_cast<const unsigned char*>(info.data()),
                                        static_cast<int>(info.size())) > 0 &&
            EVP_PKEY_derive(ctx, out.data(), &outlen) > 0 && outlen == length;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) throw std::runtime_error("HKDF failed");
  return out;
}

Argon2Params DefaultArgon2Params() {
  Argon2Params p;
  p.salt.resize(crypto_pwhash_SALTBYTES);
  randombytes_buf(p.salt.data(), p.salt.size());
  p.opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
  p.memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
  return p;
}

Argon2Params TestArgon2Params() {
  Argon2Params p = DefaultArgon2Params();
  p.opslimit = 1;
  p.memlimit = 64 * 1024;
  return p;
}

bool InsecureTestKdfAllowed() {
  static const bool allowed = [] {
    const char* v = std::getenv("CONTAINMENT_INSECURE_TEST_KDF");
    return v && std::string_view(v) == "1";
  }();
  return allowed;
}

Argon2Params NewCredentialArgon2Params() {
  return InsecureTestKdfAllowed() ? TestArgon2Params() : DefaultArgon2Params();
}

Status CheckArgon2Params(const Argon2Params& p) {
  if (p.salt.size() != crypto_pwhash_SALTBYTES) {
    return Status::Corruption("Argon2id salt must be " + std::to_string(crypto_pwhash_SALTBYTES) +
                              " bytes");
  }
  if (p.opslimit > 10 || p.memlimit > (4ull << 30)) {
    return Status::Corruption("Argon2id parameters are implausibly large");
  }
  if (!InsecureTestKdfAllowed() && (p.opslimit < kFloorOps || p.memlimit < kFloorMem)) {
    return Status::Corruption("Argon2id parameters (" + std::to_string(p.opslimit) + " passes, " +
                              std::to_string(p.memlimit >> 20) +
                              " MiB) are below the allowed floor of 2 passes and 64 MiB");
  }
  return Status::Ok();
}

namespace {
std::atomic<uint64_t> argon2id_runs{0};
}  // namespace

uint64_t Argon2idRuns() { return argon2id_runs.load(); }

Result<SecretBytes> Argon2id(std::string_view passphrase, const Argon2Params& params) {
  CC_RETURN_IF_ERROR(CheckArgon2Params(params));
  argon2id_runs.fetch_add(1);
  SecretBytes key(32);
  if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(params.salt.data()), params.opslimit,
                    static_cast<size_t>(params.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Unavailable("Argon2id ran out of memory");
  }
  return key;
}

}  // namespace cc::crypto
