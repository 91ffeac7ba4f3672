#include "api/tls_certificates.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>

#include "common/encoding.h"
#include "common/log.h"

namespace cc::api {

struct TlsCertificates::Pair {
  X509* cert = nullptr;
  STACK_OF(X509) * chain = nullptr;
  EVP_PKEY* key = nullptr;
  ~Pair() {
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

TlsCertificates::TlsCertificates(std::string cert_path, std::string key_path)
    : cert_path_(std::move(cert_path)), key_path_(std::move(key_path)) {}

TlsCertificates::~TlsCertificates() = default;

std::string TlsCertificates::FileStamp() const {
  std::string stamp;
  for (const auto& p : {cert_path_, key_path_}) {
    struct stat st {};
    if (stat(p.c_str(), &st) != 0) return "";
    stamp += std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
             std::to_string(st.st_size) + ":" + std::to_string(st.st_ino) + ";";
  }
  return stamp;
}

static std::string OpensslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Status TlsCertificates::Load() {
  std::string stamp = FileStamp();
  auto pair = std::make_shared<Pair>();
  FILE* f = fopen(cert_path_.c_str(), "r");
  if (!f) return Status::InvalidArgument("tls.file.cert_path: cannot open " + cert_path_);
  pair->cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  pair->chain = sk_X509_new_null();
  while (X509* extra = PEM_read_X509(f, nullptr, nullptr, nullptr))
    sk_X509_push(pair->chain, extra);
  fclose(f);
  ERR_clear_error();
  if (!pair->cert) {
    return Status::InvalidArgument("tls.file.cert_path: no PEM certificate in " + cert_path_);
  }
  f = fopen(key_path_.c_str(), "r");
  if (!f) return Status::InvalidArgument("tls.file.key_path: cannot open " + key_path_);
  pair->key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  fclose(f);
  if (!pair->key) {
    return Status::InvalidArgument("tls.file.key_path: no PEM private key in " + key_path_ + " (" +
                                   OpensslError() + ")");
  }
  if (X509_check_private_key(pair->cert, pair->key) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("tls.file.key_path: the key does not match the certificate");
  }
  std::lock_guard<std::mutex> l(mu_);
  current_ = std::move(pair);
  stamp_ = stamp;
  return Status::Ok();
}

bool TlsCertificates::ReloadIfChanged() {
  std::string stamp = FileStamp();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stamp.empty() || stamp == stamp_) return false;
  }
  Status st = Load();
  if (!st.ok()) {
    log::Error("tls", "certificate reload failed; keeping the previous certificate",
               {{"error", st.message()}});
    std::lock_guard<std::mutex> l(mu_);
    stamp_ = stamp;  // do not retry the same broken files every poll
    return false;
  }
  log::Info("tls", "certificate reloaded", {{"sha256", Fingerprint()}});
  return true;
}

int TlsCertificates::CertCallback(SSL* ssl, void* arg) {
  auto* self = static_cast<TlsCertificates*>(arg);
  std::shared_ptr<Pair> pair;
  {
    std::lock_guard<std::mutex> l(self->mu_);
    pair = self->current_;
  }
  if (!pair) return 0;
  if (SSL_use_certificate(ssl, pair->cert) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, pair->key) != 1) return 0;
  if (sk_X509_num(pair->chain) > 0 && SSL_set1_chain(ssl, pair->chain) != 1) return 0;
  return 1;
}

void TlsCertificates::Attach(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_cert_cb(ctx, &TlsCertificates::CertCallback, this);
}

std::string TlsCertificates::Fingerprint() const {
  std::lock_guard<std::mutex> l(mu_);
  if (!current_) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(current_->cert, EVP_sha256(), md, &n);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), n));
}

}  // namespace cc::api
