#include "tee/blob_seal.h"

#include <openssl/evp.h>

#include <memory>

#include "common/encoding.h"
#include "crypto/kdf.h"

namespace cc::tee {
namespace {

constexpr char kVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr char kSalt[] = "containment-chamber/tee-blob/v1";

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

void AppendField(std::string& out, std::string_view v) {
  uint32_t n = static_cast<uint32_t>(v.size());
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((n >> s) & 0xff));
  out.append(v);
}

// Unambiguous encoding: version, chamber id, then (index, value) per PCR in
// index order. It is both the HKDF input and the GCM associated data.
std::string Binding(std::string_view chamber_id, const Pcrs& pcrs) {
  std::string out(1, kVersion);
  AppendField(out, chamber_id);
  for (const auto& [index, value] : pcrs) {
    AppendField(out, std::to_string(index));
    AppendField(out, value);
  }
  return out;
}

crypto::SecretBytes DeriveKey(const std::string& binding) {
  return crypto::Hkdf(crypto::SecretBytes::CopyFrom(binding), kSalt, "aes-256-gcm key", 32);
}

}  // namespace

Result<std::string> SealToPcrs(std::string_view chamber_id, const Pcrs& pcrs,
                               const crypto::SecretBytes& plaintext) {
  if (pcrs.empty()) return Status::InvalidArgument("TEE blob: seal to at least one PCR");
  std::string aad = Binding(chamber_id, pcrs);
  crypto::SecretBytes key = DeriveKey(aad);
  std::string out(1, kVersion);
  out += RandomBytes(kNonceBytes);
  size_t header = out.size();
  out.resize(header + plaintext.size() + kTagBytes);
  auto* ct = reinterpret_cast<unsigned char*>(out.data() + header);
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                         reinterpret_cast<const unsigned char*>(out.data() + 1)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, ct + plaintext.size()) == 1;
  if (!ok) return Status::Internal("TEE blob: AES-256-GCM encryption failed");
  return out;
}

Result<crypto::SecretBytes> OpenWithPcrs(std::string_view chamber_id, const Pcrs& stored_pcrs,
                                         const Pcrs& current_pcrs, std::string_view sealed,
                                         std::vector<PcrMismatch>* drift) {
  std::vector<PcrMismatch> diff = ComparePcrs(stored_pcrs, current_pcrs);
  if (drift) *drift = diff;
  if (!diff.empty())
    return Status::FailedPrecondition("TEE blob: measurements changed since it was sealed: " +
                                      DescribeMismatches(diff));
  if (sealed.size() < 1 + kNonceBytes + kTagBytes || sealed[0] != kVersion)
    return Status::Corruption("TEE blob: not a version-1 sealed blob");
  // Key and AAD from the current values of the stored selection: equal to the
  // stored ones here, so a tampered stored list fails authentication below.
  Pcrs selected;
  for (const auto& [index, value] : stored_pcrs) selected[index] = current_pcrs.at(index);
  std::string aad = Binding(chamber_id, selected);
  crypto::SecretBytes key = DeriveKey(aad);
  size_t ct_len = sealed.size() - 1 - kNonceBytes - kTagBytes;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data() + 1);
  const auto* ct = nonce + kNonceBytes;
  crypto::SecretBytes out(ct_len);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct, static_cast<int>(ct_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) == 1;
  if (!ok)
    return Status::Corruption(
        "TEE blob: authentication failed (altered, or sealed for another chamber or PCR set)");
  return out;
}

}  // namespace cc::tee
