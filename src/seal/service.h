// The seal component's service interface: typed requests and results for
// every ceremony and for status. JSON lives only at the edge (api/ parses
// requests into these and renders results); seal/ never sees a wire format.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"
#include "records/enums.h"
#include "records/records.h"
#include "seal/seal_state.h"
#include "tee/pcrs.h"

namespace cc::seal {

using records::CredentialMethod;
using records::UnsealMode;

// Who is asking: the source address, for throttling anonymous callers.
struct Caller {
  std::string address;
};

// An operator's secret: a passphrase, or the 20-byte YubiKey HMAC-SHA1
// response. Held in locked, zeroized memory.
struct OperatorSecret {
  std::optional<crypto::SecretBytes> passphrase;
  std::optional<crypto::SecretBytes> yubikey_response;
};

struct InitRequest {
  UnsealMode mode = UnsealMode::kKmsOnly;
  std::vector<std::string> kms_keys;
  int kms_threshold = 0;
  std::vector<std::string> operators;  // quorum
  int operator_threshold = 0;          // quorum
};
struct InitResult {
  std::string chamber_id;
  UnsealMode mode = UnsealMode::kKmsOnly;
  std::string management_token;  // shown once
  uint64_t revision = 0;
  std::map<std::string, std::string> registration_tokens;  // quorum: operator -> cc-reg-…
};

struct RegisterRequest {
  std::string registration_token;
  std::string operator_name;
  OperatorSecret secret;
  Caller caller;
};
struct RegisterResult {
  std::string operator_name;
  CredentialMethod method = CredentialMethod::kPending;
  int registered = 0;
  int operators = 0;
  SealState status = SealState::kUninitialized;
};

struct ChallengeResult {
  std::string operator_name;
  std::string challenge;  // bytes
  int slot = 2;
  CredentialMethod method = CredentialMethod::kYubiKey;
};

struct UnsealRequest {
  std::string operator_name;
  OperatorSecret secret;
  Caller caller;
};
struct UnsealResult {
  std::string operator_name;
  int submitted = 0;
  int threshold = 0;
  int64_t expires_at = 0;
  bool already_unsealed = false;
  SealState status = SealState::kUninitialized;
};

// Lifts an operator seal in KMS-only mode: `authorized` when the caller
// presented a chamber_seal token; otherwise with a logged one-time token,
// or (no token) asks this replica to log one.
struct ResumeRequest {
  bool authorized = false;
  std::string resume_token;
  Caller caller;
};
struct ResumeResult {
  bool token_logged = false;
  uint64_t seal_epoch = 0;
  SealState status = SealState::kUninitialized;
};

struct SealRequest {
  std::string reason;
};
struct SealResult {
  uint64_t seal_epoch = 0;
  SealState status = SealState::kUninitialized;
};

// Without a nonce: start an attempt. With one: KMS-only presents the logged
// cc-root token; quorum presents one operator's secret.
struct RootTokenRequest {
  std::string nonce;
  std::string root_token;
  std::string operator_name;
  OperatorSecret secret;
  Caller caller;
};
struct RootTokenResult {
  std::string nonce;
  int64_t expires_at = 0;
  bool root_token_logged = false;  // KMS-only start
  int progress = 0;                // quorum
  int required = 0;                // quorum
  std::string management_token;    // when complete; shown once
  std::string token_id;
};

// Auth API writes (SPEC 7.1). Reads come from the Authorizer's index.
struct PolicyWrite {
  records::AuthPolicy policy;  // name, description, rules
  Caller caller;
};
struct PolicyDelete {
  std::string name;
  bool force = false;  // delete even while tokens are bound to it
  // Filled by the chamber: the server config has static policies, so auth
  // stays enforced whatever runtime policies remain.
  bool static_policies = false;
};
struct TokenCreate {
  std::vector<std::string> policies;
  std::optional<int64_t> ttl_seconds;
  std::optional<int64_t> expires_at;  // unix seconds
  std::string description;
  // Set when a client token asks (delegation limits, docs/auth.md): the
  // ceremony re-reads that token from verified state and lets it hand out
  // only its own policies, never outliving it. Unset for management tokens
  // and static policies.
  std::optional<std::string> delegator_token_id;
};
struct TokenRevoke {
  std::string id;
  // As in TokenCreate: a client token may revoke only client tokens whose
  // policies it holds itself.
  std::optional<std::string> delegator_token_id;
};
struct TokenCreated {
  records::AuthToken record;  // id, policies, created_at, expires_at (hash not shown)
  std::string token;          // the secret: shown in this answer only
};

// POST /api/v1/chamber/tee/blob: (re)writes the TEE auto-unseal blob from
// this replica, which must be unsealed inside a Nitro Enclave.
struct TeeBlobRequest {
  // The worker's refresh after an unseal: keep a stored blob that already
  // fits this chamber and this enclave's measurements.
  bool only_if_stale = false;
};
struct TeeBlobResult {
  bool written = false;                  // false: the stored blob was already current
  std::map<uint32_t, std::string> pcrs;  // raw values the blob is bound to
  uint32_t mk_generation = 0;
  int kms_threshold = 0;
  std::vector<std::string> kms_keys;
  int64_t created_at = 0;
  uint64_t revision = 0;
};

struct KmsKeyReport {
  std::string key;
  std::optional<bool> healthy;  // unknown until first used
  std::string last_error;
  int64_t unhealthy_since = 0;
};
struct OperatorReport {
  std::string name;
  bool registered = false;
  bool submitted = false;
};
struct SealReport {
  SealState status = SealState::kUninitialized;
  bool initialized = false;
  std::optional<UnsealMode> mode;
  int t = 0, n = 0;
  uint64_t seal_epoch = 0;
  bool sealed_by_operator = false;
  std::vector<OperatorReport> operators;  // quorum
  int registered = 0;                     // quorum
  int progress = 0;                       // quorum
  int kms_threshold = 0;
  std::vector<KmsKeyReport> kms_keys;
  std::vector<uint8_t> bad_shares;
  std::string last_error;
  std::string integrity_error;
  std::string hint;  // what happened and what to run next, for a human
  // CONTAINMENT_INSECURE_TEST_KDF=1: test-only Argon2id parameters (never production).
  bool insecure_test_kdf = false;
};
struct BackendReport {
  std::string backend, location, region, chamber_id;
  uint64_t revision = 0;
  double last_refresh_age_seconds = 0;
  uint64_t refresh_errors = 0;
  std::string last_error;
  std::optional<uint64_t> rollback_refused_revision;
  std::string foreign_chamber_refused;
};
// TEE auto-unseal on this replica (SPEC 4): the blob the backend holds and
// what the last attempt to use it found.
struct TeeReport {
  std::string platform = "none";  // tee.platform
  bool attestation = false;       // this replica can attest (inside an enclave)
  bool blob_present = false;
  std::map<uint32_t, std::string> blob_pcrs;  // raw values
  uint32_t blob_mk_generation = 0;
  int blob_kms_threshold = 0;
  std::vector<std::string> blob_kms_keys;
  int64_t blob_created_at = 0;
  std::string blob_stale;  // why the blob no longer fits the chamber ("" when it does)
  std::string blob_error;  // why this replica could not write the blob, last time
  std::string
      last_result;  // "" (never tried), unsealed, pcr_mismatch, kms_denied, stale_blob, error
  int64_t last_attempt_at = 0;
  std::string last_error;
  std::vector<tee::PcrMismatch> pcr_mismatches;
};
struct StatusReport {
  SealReport seal;
  BackendReport backend;
  TeeReport tee;
};

class ChamberService {
 public:
  virtual ~ChamberService() = default;
  virtual SealState State() const = 0;
  virtual StatusReport Status() const = 0;
  virtual Result<InitResult> Init(const std::string& setup_token, const InitRequest& request) = 0;
  virtual Result<RegisterResult> Register(const RegisterRequest& request) = 0;
  virtual Result<ChallengeResult> Challenge(const std::string& operator_name) = 0;
  virtual Result<UnsealResult> Unseal(const UnsealRequest& request) = 0;
  virtual Result<ResumeResult> Resume(const ResumeRequest& request) = 0;
  virtual Result<SealResult> Seal(const SealRequest& request) = 0;
  virtual Result<RootTokenResult> RootToken(const RootTokenRequest& request) = 0;

  virtual Result<records::AuthPolicy> CreatePolicy(const PolicyWrite& request) = 0;
  virtual Result<records::AuthPolicy> ReplacePolicy(const PolicyWrite& request) = 0;
  virtual cc::Status DeletePolicy(const PolicyDelete& request) = 0;
  virtual Result<TokenCreated> CreateToken(const TokenCreate& request) = 0;
  virtual cc::Status RevokeToken(const TokenRevoke& request) = 0;
  virtual Result<TeeBlobResult> CreateTeeBlob(const TeeBlobRequest& request) = 0;
};

}  // namespace cc::seal
