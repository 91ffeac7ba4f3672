#include "crypto/aead.h"

#include <sodium.h>

namespace cc::crypto {
namespace {
void AppendField(std::string& out, std::string_view v) {
  uint32_t n = static_cast<uint32_t>(v.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.append(v);
}
}  // namespace

std::string BindingAad(const Binding& b) {
  std::string out = "cc-aead-v1";
  for (std::string_view v : {std::string_view(b.chamber_id), std::string_view(b.record_kind),
                             std::string_view(b.record_id), std::string_view(b.field)}) {
    AppendField(out, v);
  }
  return out;
}

Result<std::string> AeadSeal(const SecretBytes& key, std::string_view plaintext,
                             const Binding& binding) {
  return AeadSealRaw(key, plaintext, BindingAad(binding));
}

Result<SecretBytes> AeadOpen(const SecretBytes& key, std::string_view sealed,
                             const Binding& binding) {
  auto r = AeadOpenRaw(key, sealed, BindingAad(binding));
  if (!r.ok()) {
    return Status::Corruption("cannot open " + binding.Describe() +
                              ": wrong key, altered data, or a value from another row or table");
  }
  return r;
}

Result<std::string> AeadSealRaw(const SecretBytes& key, std::string_view plaintext,
                                std::string_view aad) {
  if (key.size() != kAeadKeyBytes) return Status::Internal("AEAD key must be 32 bytes");
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr, nonce, key.data());
  return out;
}

Result<SecretBytes> AeadOpenRaw(const SecretBytes& key, std::string_view sealed,
                                std::string_view aad) {
  if (key.size() != kAeadKeyBytes) return Status::Internal("AEAD key must be 32 bytes");
  constexpr size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kOverhead) return Status::Corruption("sealed value is truncated");
  SecretBytes out(sealed.size() - kOverhead);
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &mlen, nullptr, nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nonce, key.data()) != 0) {
    return Status::Corruption("authentication failed");
  }
  return out;
}

}  // namespace cc::crypto
