#include "tee/recipient.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace cc::tee {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CmsFree {
  void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

Result<RecipientKey> RecipientKey::Generate() {
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  if (!raw) return Status::Internal("recipient key: RSA-2048 generation failed: " + OpenSslError());
  RecipientKey k;
  k.key_ = std::shared_ptr<void>(raw, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(raw, &der);
  if (len <= 0) return Status::Internal("recipient key: cannot encode the public key");
  k.public_key_der_.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return k;
}

Result<crypto::SecretBytes> RecipientKey::OpenCiphertextForRecipient(std::string_view cms) const {
  if (cms.empty()) return Status::InvalidArgument("CiphertextForRecipient is empty");
  if (cms.size() > kMaxRecipientCiphertextBytes)
    return Status::TooLarge("CiphertextForRecipient has " + std::to_string(cms.size()) +
                            " bytes, more than a KMS answer can");
  std::unique_ptr<BIO, BioFree> in(BIO_new_mem_buf(cms.data(), static_cast<int>(cms.size())));
  std::unique_ptr<CMS_ContentInfo, CmsFree> ci(in ? d2i_CMS_bio(in.get(), nullptr) : nullptr);
  if (!ci) return Status::InvalidArgument("CiphertextForRecipient is not CMS: " + OpenSslError());
  if (OBJ_obj2nid(CMS_get0_type(ci.get())) != NID_pkcs7_enveloped)
    return Status::InvalidArgument("CiphertextForRecipient is CMS but not EnvelopedData");
  // Secure-memory BIO: its buffer is cleansed when freed.
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_secmem()));
  auto* pkey = static_cast<EVP_PKEY*>(key_.get());
  // CMS_DEBUG_DECRYPT: a key that fits no recipient is an error, not a random
  // content key that sometimes "opens" to garbage. The countermeasure that
  // default serves (a padding oracle on RSA PKCS#1 v1.5) does not apply: KMS
  // uses OAEP, and the ciphertext comes from KMS over TLS, not from a caller.
  if (!out ||
      CMS_decrypt(ci.get(), pkey, nullptr, nullptr, out.get(), CMS_BINARY | CMS_DEBUG_DECRYPT) != 1)
    return Status::PermissionDenied(
        "CiphertextForRecipient does not open with this enclave's key: " + OpenSslError());
  char* data = nullptr;
  long len = BIO_get_mem_data(out.get(), &data);
  if (len < 0) return Status::Internal("CMS output unavailable");
  return crypto::SecretBytes::CopyFrom(std::string_view(data, static_cast<size_t>(len)));
}

}  // namespace cc::tee
