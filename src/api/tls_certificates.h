// Serves the TLS certificate and key from files, re-reading them when they
// change (cert-manager style atomic replacement). A broken replacement is
// logged and the previous pair keeps serving.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace cc::api {

class TlsCertificates {
 public:
  TlsCertificates(std::string cert_path, std::string key_path);
  ~TlsCertificates();

  // Loads the pair now; fails if either file is missing or they do not match.
  Status Load();
  // Re-reads the files if their modification time or size changed.
  // Returns true when a new pair was installed.
  bool ReloadIfChanged();
  // Installs a certificate callback so each handshake uses the current pair.
  void Attach(SSL_CTX* ctx);
  // SHA-256 fingerprint of the current certificate (hex), for logs and tests.
  std::string Fingerprint() const;

 private:
  struct Pair;
  static int CertCallback(SSL* ssl, void* arg);
  std::string FileStamp() const;

  std::string cert_path_;
  std::string key_path_;
  mutable std::mutex mu_;
  std::shared_ptr<Pair> current_;
  std::string stamp_;
};

}  // namespace cc::api
