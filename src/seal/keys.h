// The chamber's key hierarchy, in one place.
//
//   MK (master key, 256 bit)  -- encrypts validator keys; split into Shamir shares
//     KMS-only: MK's shares are wrapped by the KMS keys. The "KMS-layer secret" is MK.
//     quorum:   MK's shares go to operators; each share is encrypted under a key
//               from the operator's secret, then wrapped by the outer key (OK).
//               OK's shares are wrapped by the KMS keys; the KMS-layer secret is OK.
//
// Keys derived from the KMS-layer secret (available to every replica that can
// reach its KMS keys) authenticate the state: the manifest MAC, registration
// token hashes, and (quorum) the wrapping of credentials and unseal progress.
// Keys derived from MK (only while unsealed) hash runtime tokens.
#pragma once

#include <string>

#include "crypto/aead.h"
#include "crypto/secret.h"
#include "kms/kms.h"
#include "state/state_store.h"

namespace cc::seal {

// Check-value labels (crypto::KeyCheckValue).
inline constexpr char kKmsLayerLabel[] = "kms-layer";
inline constexpr char kMasterKeyLabel[] = "master-key";

struct LayerKeys {
  crypto::SecretBytes manifest_mac;     // HMAC key over the whole state
  crypto::SecretBytes registration;     // HMAC key for registration and one-time token hashes
  crypto::SecretBytes credential_wrap;  // AEAD key: outer layer of operator credentials
  crypto::SecretBytes progress_wrap;    // AEAD key: unseal progress
  static LayerKeys From(const crypto::SecretBytes& kms_layer_secret);
};

// HMAC key for runtime token hashes (management and client tokens).
crypto::SecretBytes TokenHashKey(const crypto::SecretBytes& master_key);

// Where a wrapped value lives, for AEAD bindings and KMS encryption contexts.
crypto::Binding BindingFor(const std::string& chamber_id, const state::RecordKey& key,
                           const std::string& field);
// Unseal progress is bound to its row and to the epoch, generation and
// expiry stored beside it: a row copied back later, or edited to look
// current, no longer opens.
crypto::Binding ProgressBinding(const std::string& chamber_id, const std::string& operator_name,
                                uint64_t seal_epoch, uint32_t generation, int64_t expires_at);

kms::EncryptionContext KmsContext(const std::string& chamber_id, const state::RecordKey& key,
                                  const std::string& field);

// MAC over every record but the manifest (kind, id, SHA-256 of the body), the
// chamber id and the revision the manifest is written at.
std::string ManifestMac(const crypto::SecretBytes& mac_key, const std::string& chamber_id,
                        uint64_t revision, const std::map<state::RecordKey, std::string>& bodies);

}  // namespace cc::seal
