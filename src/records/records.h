// What the state backend stores, in the product's own words (SPEC 1 and 5).
// Each record body is a self-describing, versioned JSON document
// {"type": <kind>, "v": <version>, ...}; binary fields are base64. The store
// sees only opaque bodies; secrets inside are already wrapped (KMS, AEAD).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "records/enums.h"
#include "state/state_store.h"

namespace cc::records {

// Record kinds (RecordKey::kind) and their ids.
inline constexpr char kMasterKey[] = "master_key";                    // id "g<generation>"
inline constexpr char kQuorumConfig[] = "quorum_config";              // id "current" | "staged"
inline constexpr char kOperatorCredential[] = "operator_credential";  // id "g<gen>/<operator>"
inline constexpr char kAuthPolicy[] = "auth_policy";                  // id = policy name
inline constexpr char kAuthToken[] = "auth_token";                    // id = hex keyed hash prefix
inline constexpr char kTeeBlob[] = "tee_blob";                        // id "current"
inline constexpr char kUnsealProgress[] = "unseal_progress";          // id = operator name
inline constexpr char kSealEpoch[] = "seal_epoch";                    // id "current"
inline constexpr char kRootGeneration[] = "root_generation";          // id "current"
inline constexpr char kManifest[] = "manifest";                       // id "current"
inline constexpr char kOneTimeToken[] = "one_time_token";             // id = purpose

inline constexpr int kRecordVersion = 1;

// One Shamir share wrapped by one KMS key.
struct KmsShare {
  int index = 0;           // Shamir x coordinate, 1..255
  std::string key_uri;     // arn:aws:kms:..., pkcs11:..., local:NAME
  std::string ciphertext;  // provider ciphertext (binary)
};

// Master-key metadata for one generation. In KMS-only mode the KMS shares
// are shares of MK itself; in quorum mode they are shares of the outer key
// that wraps every operator credential and unseal progress.
struct MasterKeyMetadata {
  uint32_t generation = 1;
  UnsealMode mode = UnsealMode::kKmsOnly;
  int kms_threshold = 0;
  std::vector<KmsShare> kms_shares;
  std::string kms_secret_check;  // check value of the secret the KMS shares rebuild
  std::string mk_check;          // check value of MK
  int64_t created_at = 0;
};

struct OperatorEntry {
  std::string name;
  int share_index = 0;
  bool registered = false;
  std::string registration_token_hash;  // keyed hash; cleared once used
};

// The unseal configuration: mode, operators and thresholds. "staged" holds
// the next configuration while a rotation is in progress.
struct QuorumConfig {
  uint32_t generation = 1;
  uint32_t mk_generation = 1;
  UnsealMode mode = UnsealMode::kKmsOnly;
  std::vector<std::string> kms_keys;
  int kms_threshold = 0;
  int operator_threshold = 0;
  std::vector<OperatorEntry> operators;
  std::string rotation_nonce;  // staged configs only
  int64_t created_at = 0;
  const OperatorEntry* Find(const std::string& name) const;
  bool AllRegistered() const;
};

struct KdfParams {
  std::string salt;
  uint64_t opslimit = 0;
  uint64_t memlimit = 0;
};

// One operator's share: encrypted under a key from the operator's secret
// (passphrase via Argon2id, or YubiKey HMAC-SHA1 response), then wrapped by
// the outer key. Before registration `method` is "pending" and the share is
// wrapped by the outer key only.
struct OperatorCredential {
  std::string operator_name;
  uint32_t generation = 1;
  int share_index = 0;
  CredentialMethod method = CredentialMethod::kPending;
  KdfParams kdf;                  // passphrase
  std::string yubikey_challenge;  // yubikey
  int yubikey_slot = 2;
  std::string wrapped_share;
  int64_t registered_at = 0;
};

// A rule of a runtime policy. A field left out (nullopt) matches anything;
// a field given must contain the request's value.
struct PolicyRule {
  RuleEffect effect = RuleEffect::kAllow;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::vector<std::string>> keys;        // validator pubkeys, 0x + 96 lower hex
  std::optional<std::vector<std::string>> operations;  // Web3Signer signing `type` values
};

// A runtime policy (SPEC 6), created through the Auth API. id = name.
struct AuthPolicy {
  std::string name;
  std::string description;
  std::vector<PolicyRule> rules;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A runtime token: a management token (every scope) or a client token bound
// to policies. Only its keyed hash is stored. id = the public id (tok_…),
// random, not derived from the secret; used to list, inspect and revoke.
struct AuthToken {
  std::string id;
  std::string kind;  // "management" | "client"
  std::string hash;  // HMAC-SHA256 under a key derived from MK
  std::vector<std::string> policies;
  std::optional<int64_t> expires_at;
  int64_t created_at = 0;
  std::string description;
};

// Nitro auto-unseal blob (SPEC 4, docs/tee.md): Shamir shares of MK, each
// wrapped by one AWS KMS key of the chamber, sealed together in an AES-GCM
// layer bound to the enclave measurements `pcrs` (integrity only). The
// fields beside `sealed` say what it was made for, so a replica can tell a
// stale blob (another MK generation or KMS key set) without opening it.
struct TeeBlob {
  std::map<int, std::string> pcrs;  // PCR index -> raw value the layer is bound to
  uint32_t mk_generation = 1;
  int kms_threshold = 0;
  std::vector<std::string> kms_keys;  // the AWS keys holding a share, in share order
  std::string sealed;                 // tee::SealToPcrs(EncodeTeeBlobShares(shares))
  int64_t created_at = 0;
};

// One operator's accepted unseal submission, wrapped by the outer key.
struct UnsealProgress {
  std::string operator_name;
  uint32_t generation = 1;
  uint64_t seal_epoch = 0;  // submissions count only for the epoch they were made in
  std::string wrapped_share;
  int64_t submitted_at = 0;
  int64_t expires_at = 0;
};

// Operator seal: while `sealed`, every replica stays sealed, restarts included.
struct SealEpoch {
  uint64_t epoch = 0;
  bool sealed = false;
  int64_t changed_at = 0;
  std::string reason;
};

// A root-token generation attempt (SPEC 6).
struct RootGeneration {
  std::string nonce;
  std::string otp_hash;  // KMS-only: keyed hash of the logged one-time cc-root token
  std::map<std::string, std::string> progress;  // quorum: operator -> wrapped share
  int64_t started_at = 0;
  int64_t expires_at = 0;
};

// A one-time token the server logged (e.g. `unseal --resume` in KMS-only
// mode); kept as a keyed hash so any replica can accept it.
struct OneTimeToken {
  std::string purpose;
  std::string hash;
  int64_t expires_at = 0;
};

// A MAC over the whole state (every other record's key and body hash), so
// tampering, deletion, insertion or a row from another table is detected.
struct Manifest {
  uint64_t revision = 0;
  std::string mac;
};

// Encoding: Encode writes {"type","v",...}; Decode checks both and reports a
// malformed or foreign body as kCorruption naming the record.
std::string Encode(const MasterKeyMetadata& r);
std::string Encode(const QuorumConfig& r);
std::string Encode(const OperatorCredential& r);
std::string Encode(const AuthPolicy& r);
std::string Encode(const AuthToken& r);
std::string Encode(const TeeBlob& r);
std::string Encode(const UnsealProgress& r);
std::string Encode(const SealEpoch& r);
std::string Encode(const RootGeneration& r);
std::string Encode(const Manifest& r);
std::string Encode(const OneTimeToken& r);

template <typename T>
Result<T> Decode(const std::string& body);

// What a TeeBlob's sealed layer holds: the KMS-wrapped shares.
std::string EncodeTeeBlobShares(const std::vector<KmsShare>& shares);
Result<std::vector<KmsShare>> DecodeTeeBlobShares(std::string_view bytes);

// Decodes the record `key` of a snapshot; NotFound when absent.
template <typename T>
Result<T> Load(const state::Snapshot& snapshot, const state::RecordKey& key) {
  const state::Record* r = snapshot.Find(key);
  if (!r) return Status::NotFound("no record " + key.ToString());
  auto v = Decode<T>(r->body);
  if (!v.ok()) return v.status().WithContext(key.ToString());
  return v;
}

// Record ids.
std::string GenerationId(uint32_t generation);                                    // "g3"
std::string CredentialId(uint32_t generation, const std::string& operator_name);  // "g3/alice"

}  // namespace cc::records
