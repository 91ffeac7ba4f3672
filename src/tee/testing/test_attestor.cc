#include "tee/testing/test_attestor.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "tee/cbor.h"

namespace cc::tee::testing {
namespace {

struct Cert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext && X509_add_ext(cert, ext, -1) == 1, "extension");
  X509_EXTENSION_free(ext);
}

Cert MakeCert(const std::string& cn, const Cert* issuer, bool ca, int64_t not_before_s,
              int64_t not_after_s, long serial) {
  Cert c;
  c.key = EVP_EC_gen("P-384");
  c.cert = X509_new();
  Check(c.key && c.cert, "allocation");
  X509_set_version(c.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.cert), serial);
  ASN1_TIME_set(X509_getm_notBefore(c.cert), static_cast<time_t>(not_before_s));
  ASN1_TIME_set(X509_getm_notAfter(c.cert), static_cast<time_t>(not_after_s));
  X509_NAME* name = X509_get_subject_name(c.cert);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char*)"US", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char*)"Test", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char*)cn.c_str(), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert : c.cert;
  X509_set_issuer_name(c.cert, X509_get_subject_name(issuer_cert));
  X509_set_pubkey(c.cert, c.key);
  AddExt(c.cert, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExt(c.cert, issuer_cert, NID_key_usage,
         ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExt(c.cert, issuer_cert, NID_subject_key_identifier, "hash");
  Check(X509_sign(c.cert, issuer ? issuer->key : c.key, EVP_sha384()) > 0, "signing");
  return c;
}

std::string Der(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  Check(len > 0, "DER");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

CborPtr BytesOrNull(const std::optional<std::string>& v) {
  return v ? CborBytes(*v) : CborPtr(cbor_new_null());
}

}  // namespace

struct TestPki::Impl {
  Cert root, intermediate, leaf;
  ~Impl() {
    for (Cert* c : {&root, &intermediate, &leaf}) {
      X509_free(c->cert);
      EVP_PKEY_free(c->key);
    }
  }
};

TestPki::TestPki(int64_t created_at_ms, const std::string& name)
    : impl_(std::make_unique<Impl>()), created_at_ms_(created_at_ms) {
  int64_t t = created_at_ms / 1000;
  constexpr int64_t kYear = 365LL * 24 * 3600;
  impl_->root = MakeCert(name, nullptr, true, t - kYear, t + 10 * kYear, 1);
  impl_->intermediate = MakeCert("intermediate." + name, &impl_->root, true, t - 30 * 24 * 3600,
                                 t + 30 * 24 * 3600, 2);
  impl_->leaf = MakeCert("leaf." + name, &impl_->intermediate, false, t - 60, t + 3 * 3600, 3);
}

TestPki::TestPki(std::unique_ptr<Impl> impl, int64_t created_at_ms)
    : impl_(std::move(impl)), created_at_ms_(created_at_ms) {}

TestPki::~TestPki() = default;

namespace {

const char* const kPkiNames[] = {"root", "intermediate", "leaf"};

bool WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  return static_cast<bool>(out);
}

std::string Pem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace

Status TestPki::Save(const std::string& dir) const {
  const Cert* certs[] = {&impl_->root, &impl_->intermediate, &impl_->leaf};
  for (int i = 0; i < 3; ++i) {
    std::string cert =
        Pem([](BIO* b, void* o) { return PEM_write_bio_X509(b, static_cast<X509*>(o)); },
            certs[i]->cert);
    std::string key = Pem(
        [](BIO* b, void* o) {
          return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(o), nullptr, nullptr, 0,
                                          nullptr, nullptr);
        },
        certs[i]->key);
    std::string base = dir + "/" + kPkiNames[i];
    if (!WriteFile(base + ".pem", cert) || !WriteFile(base + ".key", key))
      return Status::Unavailable("test PKI: cannot write " + base);
  }
  if (!WriteFile(dir + "/created_at_ms", std::to_string(created_at_ms_)))
    return Status::Unavailable("test PKI: cannot write " + dir);
  return Status::Ok();
}

Result<std::unique_ptr<TestPki>> TestPki::Load(const std::string& dir) {
  auto impl = std::make_unique<Impl>();
  Cert* certs[] = {&impl->root, &impl->intermediate, &impl->leaf};
  for (int i = 0; i < 3; ++i) {
    std::string base = dir + "/" + kPkiNames[i];
    FILE* c = std::fopen((base + ".pem").c_str(), "r");
    FILE* k = std::fopen((base + ".key").c_str(), "r");
    if (c) certs[i]->cert = PEM_read_X509(c, nullptr, nullptr, nullptr);
    if (k) certs[i]->key = PEM_read_PrivateKey(k, nullptr, nullptr, nullptr);
    if (c) std::fclose(c);
    if (k) std::fclose(k);
    if (!certs[i]->cert || !certs[i]->key)
      return Status::NotFound("test PKI: cannot read " + base + ".pem/.key");
  }
  std::ifstream t(dir + "/created_at_ms");
  int64_t created_at_ms = 0;
  if (!(t >> created_at_ms)) return Status::NotFound("test PKI: no created_at_ms in " + dir);
  return std::unique_ptr<TestPki>(new TestPki(std::move(impl), created_at_ms));
}

std::string TestPki::RootPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, impl_->root.cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}
std::string TestPki::RootDer() const { return Der(impl_->root.cert); }
std::string TestPki::IntermediateDer() const { return Der(impl_->intermediate.cert); }
std::string TestPki::LeafDer() const { return Der(impl_->leaf.cert); }

std::string TestPki::SignWithLeaf(const std::string& message) const {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  size_t len = 0;
  Check(EVP_DigestSignInit(md, nullptr, EVP_sha384(), nullptr, impl_->leaf.key) == 1 &&
            EVP_DigestSign(md, nullptr, &len, (const unsigned char*)message.data(),
                           message.size()) == 1,
        "sign init");
  std::string der(len, '\0');
  Check(EVP_DigestSign(md, (unsigned char*)der.data(), &len, (const unsigned char*)message.data(),
                       message.size()) == 1,
        "sign");
  EVP_MD_CTX_free(md);
  const unsigned char* p = (const unsigned char*)der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  Check(sig != nullptr, "signature DER");
  std::string raw(96, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), (unsigned char*)raw.data(), 48);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), (unsigned char*)raw.data() + 48, 48);
  ECDSA_SIG_free(sig);
  return raw;
}

Pcrs SamplePcrs(char seed) {
  Pcrs p;
  for (uint32_t i = 0; i < 16; ++i)
    p[i] = i < 3 ? std::string(48, static_cast<char>(seed + i)) : std::string(48, '\0');
  return p;
}

std::string EncodePayload(const DocumentFields& f) {
  CborPtr pcrs(cbor_new_definite_map(f.pcrs.size()));
  for (const auto& [i, v] : f.pcrs)
    CborMapPut(pcrs.get(), CborPtr(cbor_build_uint8(i)), CborBytes(v));
  CborPtr bundle(cbor_new_definite_array(f.cabundle.size()));
  for (const auto& c : f.cabundle) cbor_array_push(bundle.get(), CborBytes(c).get());
  CborPtr m(cbor_new_definite_map(9));
  CborMapPut(m.get(), CborText("module_id"), CborText(f.module_id));
  CborMapPut(m.get(), CborText("digest"), CborText(f.digest));
  CborMapPut(m.get(), CborText("timestamp"), CborPtr(cbor_build_uint64(f.timestamp_ms)));
  CborMapPut(m.get(), CborText("pcrs"), std::move(pcrs));
  CborMapPut(m.get(), CborText("certificate"), CborBytes(f.certificate));
  CborMapPut(m.get(), CborText("cabundle"), std::move(bundle));
  CborMapPut(m.get(), CborText("public_key"), BytesOrNull(f.public_key));
  CborMapPut(m.get(), CborText("user_data"), BytesOrNull(f.user_data));
  CborMapPut(m.get(), CborText("nonce"), BytesOrNull(f.nonce));
  return SerializeCbor(m.get());
}

std::string SignCose(const TestPki& pki, const std::string& payload,
                     std::optional<std::string> protected_header) {
  if (!protected_header) {
    CborPtr h(cbor_new_definite_map(1));
    CborMapPut(h.get(), CborPtr(cbor_build_uint8(1)), CborPtr(cbor_build_negint8(34)));  // -35
    protected_header = SerializeCbor(h.get());
  }
  CborPtr tbs(cbor_new_definite_array(4));
  cbor_array_push(tbs.get(), CborText("Signature1").get());
  cbor_array_push(tbs.get(), CborBytes(*protected_header).get());
  cbor_array_push(tbs.get(), CborBytes("").get());
  cbor_array_push(tbs.get(), CborBytes(payload).get());
  std::string signature = pki.SignWithLeaf(SerializeCbor(tbs.get()));
  CborPtr cose(cbor_new_definite_array(4));
  cbor_array_push(cose.get(), CborBytes(*protected_header).get());
  cbor_array_push(cose.get(), CborPtr(cbor_new_definite_map(0)).get());
  cbor_array_push(cose.get(), CborBytes(payload).get());
  cbor_array_push(cose.get(), CborBytes(signature).get());
  return SerializeCbor(cose.get());
}

DocumentFields TestAttestor::Fields() const {
  DocumentFields f;
  f.timestamp_ms = static_cast<uint64_t>(pki_.created_at_ms());
  f.pcrs = pcrs_;
  f.certificate = pki_.LeafDer();
  f.cabundle = {pki_.RootDer(), pki_.IntermediateDer()};
  return f;
}

std::string TestAttestor::Make(const DocumentFields& fields) const {
  return SignCose(pki_, EncodePayload(fields));
}

Result<std::string> TestAttestor::Attest(std::string_view public_key_der, std::string_view nonce,
                                         std::string_view user_data) {
  DocumentFields f = Fields();
  if (!public_key_der.empty()) f.public_key = std::string(public_key_der);
  if (!nonce.empty()) f.nonce = std::string(nonce);
  if (!user_data.empty()) f.user_data = std::string(user_data);
  return Make(f);
}

}  // namespace cc::tee::testing
