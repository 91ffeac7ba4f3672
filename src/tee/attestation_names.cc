// Stable names of attestation errors (CLI --json, logs) and time rendering.
#include <cstdio>
#include <ctime>

#include "tee/attestation.h"

namespace cc::tee {

const char* AttestationErrorName(AttestationError e) {
  switch (e) {
    case AttestationError::kNone:
      return "none";
    case AttestationError::kMalformed:
      return "malformed";
    case AttestationError::kTrailingBytes:
      return "trailing_bytes";
    case AttestationError::kTooDeep:
      return "too_deep";
    case AttestationError::kFieldTooLarge:
      return "field_too_large";
    case AttestationError::kDuplicateKey:
      return "duplicate_key";
    case AttestationError::kWrongAlgorithm:
      return "wrong_algorithm";
    case AttestationError::kWrongDigest:
      return "wrong_digest";
    case AttestationError::kMissingPcr:
      return "missing_pcr";
    case AttestationError::kBadPcr:
      return "bad_pcr";
    case AttestationError::kEmptyCabundle:
      return "empty_cabundle";
    case AttestationError::kBadCertificate:
      return "bad_certificate";
    case AttestationError::kWrongRoot:
      return "wrong_root";
    case AttestationError::kChainInvalid:
      return "chain_invalid";
    case AttestationError::kCertificateExpired:
      return "certificate_expired";
    case AttestationError::kCertificateNotYetValid:
      return "certificate_not_yet_valid";
    case AttestationError::kBadSignature:
      return "bad_signature";
    case AttestationError::kDebugMode:
      return "debug_mode";
  }
  return "unknown";
}

std::string DescribeUnixMillis(int64_t unix_millis) {
  time_t secs = static_cast<time_t>(unix_millis / 1000);
  struct tm tm;
  char buf[32] = "?";
  if (unix_millis >= 0 && gmtime_r(&secs, &tm)) strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_millis >= 0 ? unix_millis % 1000 : 0));
  return std::to_string(unix_millis) + " (" + buf + ms + ")";
}

}  // namespace cc::tee
