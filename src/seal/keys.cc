#include "seal/keys.h"

#include "common/encoding.h"
#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "records/records.h"

namespace cc::seal {

LayerKeys LayerKeys::From(const crypto::SecretBytes& s) {
  return {crypto::Hkdf(s, "cc-layer-v1", "manifest-mac", 32),
          crypto::Hkdf(s, "cc-layer-v1", "registration", 32),
          crypto::Hkdf(s, "cc-layer-v1", "credential-wrap", 32),
          crypto::Hkdf(s, "cc-layer-v1", "progress-wrap", 32)};
}

crypto::SecretBytes TokenHashKey(const crypto::SecretBytes& mk) {
  return crypto::Hkdf(mk, "cc-mk-v1", "token-hash", 32);
}

crypto::Binding BindingFor(const std::string& chamber_id, const state::RecordKey& key,
                           const std::string& field) {
  return {chamber_id, key.kind, key.id, field};
}

crypto::Binding ProgressBinding(const std::string& chamber_id, const std::string& operator_name,
                                uint64_t seal_epoch, uint32_t generation, int64_t expires_at) {
  return {chamber_id, records::kUnsealProgress, operator_name,
          "share|epoch=" + std::to_string(seal_epoch) + "|generation=" +
              std::to_string(generation) + "|expires=" + std::to_string(expires_at)};
}

kms::EncryptionContext KmsContext(const std::string& chamber_id, const state::RecordKey& key,
                                  const std::string& field) {
  return {{"chamber", chamber_id}, {"record", key.ToString()}, {"field", field}};
}

std::string ManifestMac(const crypto::SecretBytes& mac_key, const std::string& chamber_id,
                        uint64_t revision, const std::map<state::RecordKey, std::string>& bodies) {
  std::string data = "cc-manifest-v1|" + chamber_id + "|" + std::to_string(revision) + "\n";
  for (const auto& [key, body] : bodies) {
    if (key.kind == records::kManifest) continue;
    // Length-prefixed, so no choice of ids can make two states collide.
    data += std::to_string(key.kind.size()) + ":" + key.kind + std::to_string(key.id.size()) + ":" +
            key.id + HexEncode(crypto::Sha256(body)) + "\n";
  }
  return crypto::HmacSha256(mac_key.view(), data);
}

}  // namespace cc::seal
