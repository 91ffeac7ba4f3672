// AWS Nitro Enclaves attestation documents: parsing and verification.
//
// Invariant: a document is reported valid only when (1) it is exactly one
// COSE_Sign1 (optionally tag 18) with protected header alg = ES384 and a
// payload that satisfies every type and size rule of AWS's attestation
// specification, (2) its cabundle starts with the configured root and the
// chain certificate ← cabundle (reversed) ← root verifies at the caller's time,
// (3) the ES384 signature over the COSE Sig_structure verifies with the leaf
// certificate's P-384 key, and (4) it is not a debug-mode document unless the
// caller allows those. Hostile input yields a specific AttestationError, never
// a crash or an allocation beyond a small multiple of the input size.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace cc::tee {

enum class AttestationError {
  kNone = 0,
  kMalformed,       // not CBOR, wrong types, missing or unknown field
  kTrailingBytes,   // bytes after the COSE_Sign1 item
  kTooDeep,         // CBOR nesting beyond what a document can have
  kFieldTooLarge,   // a field or the whole document over the spec's size limit
  kDuplicateKey,    // a map repeats a key
  kWrongAlgorithm,  // protected header alg is not ES384 (-35)
  kWrongDigest,     // digest is not "SHA384"
  kMissingPcr,      // PCR0, PCR1 or PCR2 absent
  kBadPcr,          // PCR index outside 0..31 or value not 32/48/64 bytes
  kEmptyCabundle,   // no CA certificates
  kBadCertificate,  // a certificate is not DER X.509 or its key is not P-384
  kWrongRoot,       // cabundle[0] is not the configured root
  kChainInvalid,    // the chain does not verify to the root
  kCertificateExpired,
  kCertificateNotYetValid,
  kBadSignature,  // ES384 signature does not verify with the leaf's key
  kDebugMode,     // PCR0-2 all zero and debug documents not allowed
};

// "bad_signature", "certificate_expired", ... (stable: used in JSON output).
const char* AttestationErrorName(AttestationError error);

// PCR index → raw register value (32, 48 or 64 bytes).
using Pcrs = std::map<uint32_t, std::string>;

struct AttestationDocument {
  std::string module_id;
  std::string digest;
  uint64_t timestamp_ms = 0;
  Pcrs pcrs;
  std::string certificate;            // DER
  std::vector<std::string> cabundle;  // DER, root first
  std::optional<std::string> public_key;
  std::optional<std::string> user_data;
  std::optional<std::string> nonce;
  // A debug-mode enclave reports PCR0, PCR1 and PCR2 as all zeros.
  bool debug_mode() const;
};

// The COSE_Sign1 parts that the signature covers, plus the parsed payload.
struct SignedAttestation {
  std::string protected_header;  // bstr contents as signed
  std::string payload;           // bstr contents as signed
  std::string signature;         // r || s, 96 bytes
  AttestationDocument document;
};

// A value, or the reason (for tests and --json) and the operator's message.
template <typename T>
class AttestationResult {
 public:
  AttestationResult(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  AttestationResult(AttestationError error, Status status)
      : v_(Failure{error, std::move(status)}) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  AttestationError error() const {
    return ok() ? AttestationError::kNone : std::get<Failure>(v_).error;
  }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Failure>(v_).status;
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  const T& operator*() const& { return value(); }

 private:
  struct Failure {
    AttestationError error;
    Status status;
  };
  std::variant<T, Failure> v_;
};

// Limits from AWS's attestation specification (docs/tee.md cites them).
inline constexpr size_t kMaxPayloadBytes = 16384;
inline constexpr size_t kMaxDocumentBytes = kMaxPayloadBytes + 1024;
inline constexpr size_t kMaxCertificateBytes = 1024;
inline constexpr size_t kMaxUserFieldBytes = 1024;  // public_key, user_data, nonce
inline constexpr size_t kMaxCabundleEntries = 16;
inline constexpr size_t kMaxModuleIdBytes = 256;

// Structure and field rules only: no signature, chain or time checks.
AttestationResult<SignedAttestation> ParseAttestation(std::string_view cose_sign1);

// The AWS Nitro Enclaves root G1 certificate (PEM), embedded in the binary.
std::string_view AwsNitroRootG1Pem();

struct VerifyOptions {
  int64_t at_unix_millis = 0;  // the time at which every certificate must be valid
  bool allow_debug = false;
};

// Verifies documents against one trusted root; reusable and thread-compatible.
class AttestationVerifier {
 public:
  // `root_pem` defaults to the AWS Nitro Enclaves root G1.
  static Result<AttestationVerifier> Create(std::string_view root_pem = AwsNitroRootG1Pem());
  AttestationResult<AttestationDocument> Verify(std::string_view cose_sign1,
                                                const VerifyOptions& options) const;
  const std::string& root_der() const { return root_der_; }

 private:
  std::string root_der_;
  std::shared_ptr<void> root_;  // X509*, opaque here
};

// "1725719859545 (2024-09-07T14:37:39.545Z)".
std::string DescribeUnixMillis(int64_t unix_millis);

}  // namespace cc::tee
