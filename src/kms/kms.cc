#include "kms/kms.h"

#include <ctime>

namespace cc::kms {

Result<std::string> ProviderOf(const std::string& uri) {
  if (uri.rfind("arn:aws:kms:", 0) == 0 || uri.rfind("arn:aws-", 0) == 0) return std::string("aws");
  if (uri.rfind("pkcs11:", 0) == 0) return std::string("pkcs11");
  if (uri.rfind("local:", 0) == 0 && uri.size() > 6) return std::string("local");
  return Status::InvalidArgument("KMS key '" + uri +
                                 "' is not an AWS KMS ARN, a pkcs11: URI or a local:NAME key");
}

std::string ContextAad(const std::string& key_uri, const EncryptionContext& context) {
  std::string out = "cc-kms-context-v1";
  auto add = [&out](const std::string& v) {
    uint32_t n = static_cast<uint32_t>(v.size());
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out += v;
  };
  add(key_uri);
  for (const auto& [k, v] : context) {  // std::map: sorted by key
    add(k);
    add(v);
  }
  return out;
}

Result<std::string> Kms::DecryptForRecipient(const std::string& key_uri, const std::string&,
                                             const EncryptionContext&, const std::string&) {
  return Status::FailedPrecondition("KMS key '" + key_uri +
                                    "' cannot decrypt for a Nitro Enclave: only AWS KMS keys "
                                    "support a Recipient (attestation document)");
}

void KmsRouter::SetProvider(const std::string& name, std::unique_ptr<Kms> provider) {
  std::lock_guard<std::mutex> l(providers_mu_);
  providers_[name] = std::move(provider);
}

void KmsRouter::SetProviderFactory(const std::string& name, Factory factory) {
  std::lock_guard<std::mutex> l(providers_mu_);
  factories_[name] = std::move(factory);
}

Result<Kms*> KmsRouter::Route(const std::string& key_uri) {
  CC_ASSIGN_OR_RETURN(std::string name, ProviderOf(key_uri));
  std::lock_guard<std::mutex> l(providers_mu_);
  auto it = providers_.find(name);
  if (it != providers_.end()) return it->second.get();
  auto f = factories_.find(name);
  if (f == factories_.end()) {
    return Status::FailedPrecondition("KMS key '" + key_uri + "' needs the '" + name +
                                      "' provider, which is not configured (kms." + name + ")");
  }
  auto made = f->second();
  if (!made.ok()) return made.status().WithContext("KMS key " + key_uri);
  Kms* raw = made->get();
  providers_[name] = std::move(*made);
  return raw;
}

Status KmsRouter::CheckKeyUri(const std::string& key_uri) { return Route(key_uri).status(); }

// The key label of containment_kms_key_healthy: the URI without a PKCS#11
// query (RFC 7512 allows pin-value there; a PIN must never reach Prometheus).
static std::string KeyLabel(const std::string& key_uri) {
  return key_uri.rfind("pkcs11:", 0) == 0 ? key_uri.substr(0, key_uri.find('?')) : key_uri;
}

void KmsRouter::Record(const std::string& key_uri, const Status& st) {
  std::lock_guard<std::mutex> l(mu_);
  KeyHealth& h = health_[key_uri];
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  h.last_used = now;
  // Outages and denials make a key unhealthy; a ciphertext that does not
  // open is a data problem, not the key's.
  bool key_problem =
      !st.ok() && st.code() != ErrorCode::kCorruption && st.code() != ErrorCode::kInvalidArgument;
  if (key_problem) {
    if (h.healthy) h.unhealthy_since = now;
    h.healthy = false;
    h.last_error = st.message();
  } else if (st.ok()) {
    h.healthy = true;
    h.unhealthy_since = 0;
  }
  // Only URIs that name a provider: a malformed one from a request body must
  // not add a series.
  if (metrics_ && ProviderOf(key_uri).ok()) {
    metrics_->Set("containment_kms_key_healthy", {{"key", KeyLabel(key_uri)}}, h.healthy ? 1 : 0);
  }
}

template <typename T>
Result<T> KmsRouter::Call(const std::string& key_uri, const std::function<Result<T>(Kms&)>& op) {
  auto p = Route(key_uri);
  if (!p.ok()) {
    Record(key_uri, p.status());
    return p.status();
  }
  Result<T> r = op(**p);
  Record(key_uri, r.status());
  return r;
}

Result<std::string> KmsRouter::Encrypt(const std::string& key_uri,
                                       const crypto::SecretBytes& plaintext,
                                       const EncryptionContext& context) {
  return Call<std::string>(key_uri, [&](Kms& k) { return k.Encrypt(key_uri, plaintext, context); });
}

Result<crypto::SecretBytes> KmsRouter::Decrypt(const std::string& key_uri,
                                               const std::string& ciphertext,
                                               const EncryptionContext& context) {
  return Call<crypto::SecretBytes>(key_uri,
                                   [&](Kms& k) { return k.Decrypt(key_uri, ciphertext, context); });
}

Result<std::string> KmsRouter::DecryptForRecipient(const std::string& key_uri,
                                                   const std::string& ciphertext,
                                                   const EncryptionContext& context,
                                                   const std::string& attestation_document) {
  CC_ASSIGN_OR_RETURN(Kms * provider, Route(key_uri));
  auto r = provider->DecryptForRecipient(key_uri, ciphertext, context, attestation_document);
  // A refusal here is usually a key policy's attestation condition after a
  // new build: the TEE status reports it; key health stays about the key.
  if (r.ok()) Record(key_uri, Status::Ok());
  return r;
}

std::map<std::string, KeyHealth> KmsRouter::Health() const {
  std::lock_guard<std::mutex> l(mu_);
  return health_;
}

}  // namespace cc::kms
