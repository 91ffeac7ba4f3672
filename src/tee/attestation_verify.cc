// Verification of a parsed attestation document: the cabundle must start with
// the configured root, the chain must verify at the caller's time with
// OpenSSL's X509_STORE, and the ES384 signature over the COSE Sig_structure
// must verify with the leaf certificate's P-384 key.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>

#include "tee/attestation.h"
#include "tee/cbor.h"

namespace cc::tee {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
void FreeStack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), FreeStack>>;

using Verified = AttestationResult<AttestationDocument>;

Verified Fail(AttestationError e, const std::string& message) {
  Status st = e == AttestationError::kDebugMode
                  ? Status::FailedPrecondition("attestation document: " + message)
                  : Status::Unauthenticated("attestation document: " + message);
  return Verified(e, std::move(st));
}

// DER → X509, refusing trailing bytes.
X509Ptr ParseDer(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) cert.reset();
  return cert;
}

// COSE Sig_structure for COSE_Sign1: ["Signature1", protected, h'', payload].
std::string SigStructure(const SignedAttestation& s) {
  CborPtr arr(cbor_new_definite_array(4));
  bool ok = arr && cbor_array_push(arr.get(), CborText("Signature1").get()) &&
            cbor_array_push(arr.get(), CborBytes(s.protected_header).get()) &&
            cbor_array_push(arr.get(), CborBytes("").get()) &&
            cbor_array_push(arr.get(), CborBytes(s.payload).get());
  return ok ? SerializeCbor(arr.get()) : std::string();
}

bool IsP384(EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
         std::string_view(group, len) == "secp384r1";
}

// r || s (48 + 48 bytes) → DER ECDSA-Sig-Value, the form OpenSSL verifies.
std::string DerSignature(std::string_view raw) {
  SigPtr sig(ECDSA_SIG_new());
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, 48, nullptr);
  BIGNUM* s = BN_bin2bn(p + 48, 48, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// A failure, or nullopt when the check passes.
std::optional<Verified> CheckChain(X509* root, X509* leaf, const std::vector<std::string>& bundle,
                                   int64_t at_millis) {
  StackPtr untrusted(sk_X509_new_null());
  // cabundle is root first; the intermediates follow it.
  for (size_t i = 1; i < bundle.size(); ++i) {
    X509Ptr c = ParseDer(bundle[i]);
    if (!c)
      return Fail(AttestationError::kBadCertificate,
                  "cabundle[" + std::to_string(i) + "] is not a DER X.509 certificate");
    if (!sk_X509_push(untrusted.get(), c.get()))
      return Fail(AttestationError::kChainInvalid, "out of memory");
    c.release();
  }
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), root) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) != 1)
    return Fail(AttestationError::kChainInvalid, "cannot set up chain verification");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at_millis / 1000));
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(kMaxCabundleEntries));
  if (X509_verify_cert(ctx.get()) == 1) return std::nullopt;
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  std::string where =
      depth == 0 ? "the leaf certificate" : "chain certificate " + std::to_string(depth);
  std::string when = " at " + DescribeUnixMillis(at_millis);
  if (err == X509_V_ERR_CERT_HAS_EXPIRED)
    return Fail(
        AttestationError::kCertificateExpired,
        where + " had expired" + when + " (leaf certificates live about 3 hours; use --at)");
  if (err == X509_V_ERR_CERT_NOT_YET_VALID)
    return Fail(AttestationError::kCertificateNotYetValid, where + " was not yet valid" + when);
  return Fail(AttestationError::kChainInvalid, "certificate chain does not verify to the root: " +
                                                   std::string(X509_verify_cert_error_string(err)) +
                                                   " (" + where + ")");
}

std::optional<Verified> CheckSignature(X509* leaf, const SignedAttestation& s) {
  EVP_PKEY* key = X509_get0_pubkey(leaf);
  if (!key || !IsP384(key))
    return Fail(AttestationError::kBadCertificate, "the leaf certificate's key is not ECDSA P-384");
  std::string tbs = SigStructure(s);
  std::string der = DerSignature(s.signature);
  MdCtxPtr md(EVP_MD_CTX_new());
  bool ok =
      !tbs.empty() && !der.empty() && md &&
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha384(), nullptr, key) == 1 &&
      EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(tbs.data()), tbs.size()) == 1;
  if (!ok)
    return Fail(AttestationError::kBadSignature,
                "ES384 signature does not verify with the leaf certificate's key");
  return std::nullopt;
}

}  // namespace

Result<AttestationVerifier> AttestationVerifier::Create(std::string_view root_pem) {
  std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>> bio(
      BIO_new_mem_buf(root_pem.data(), static_cast<int>(root_pem.size())));
  X509Ptr root(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!root) return Status::InvalidArgument("the attestation root is not a PEM X.509 certificate");
  unsigned char* der = nullptr;
  int len = i2d_X509(root.get(), &der);
  if (len <= 0) return Status::InvalidArgument("cannot encode the attestation root");
  AttestationVerifier v;
  v.root_der_.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  v.root_ =
      std::shared_ptr<void>(root.release(), [](void* p) { X509_free(static_cast<X509*>(p)); });
  return v;
}

AttestationResult<AttestationDocument> AttestationVerifier::Verify(
    std::string_view cose, const VerifyOptions& options) const {
  auto parsed = ParseAttestation(cose);
  if (!parsed.ok()) return Verified(parsed.error(), parsed.status());
  const AttestationDocument& doc = parsed->document;
  if (doc.cabundle.front() != root_der_)
    return Fail(
        AttestationError::kWrongRoot,
        "cabundle[0] is not the configured root certificate (another PKI, or --root wrong)");
  X509Ptr leaf = ParseDer(doc.certificate);
  if (!leaf)
    return Fail(AttestationError::kBadCertificate, "certificate is not a DER X.509 certificate");
  // The leaf signs documents: when it states key usage, digitalSignature must be in it.
  if ((X509_get_extension_flags(leaf.get()) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE))
    return Fail(AttestationError::kChainInvalid, "the leaf certificate may not sign (key usage)");
  auto root = static_cast<X509*>(root_.get());
  if (auto f = CheckChain(root, leaf.get(), doc.cabundle, options.at_unix_millis))
    return std::move(*f);
  if (auto f = CheckSignature(leaf.get(), *parsed)) return std::move(*f);
  if (doc.debug_mode() && !options.allow_debug)
    return Fail(AttestationError::kDebugMode,
                "PCR0, PCR1 and PCR2 are all zero: the enclave runs in debug mode (allow_debug "
                "not set)");
  return std::move(parsed).value().document;
}

}  // namespace cc::tee
