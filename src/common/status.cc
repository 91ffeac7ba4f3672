#include "common/status.h"

namespace cc {
namespace {

// Exit codes: 1 anything else, 2 bad input, 3 not authorized, 4 retry later.
constexpr ErrorCodeInfo kTable[] = {
    {ErrorCode::kOk, "ok", 200, 0},
    {ErrorCode::kInvalidArgument, "invalid_argument", 400, 2},
    {ErrorCode::kNotFound, "not_found", 404, 1},
    {ErrorCode::kConflict, "conflict", 409, 1},
    {ErrorCode::kAborted, "aborted", 409, 4},
    {ErrorCode::kFailedPrecondition, "failed_precondition", 409, 1},
    {ErrorCode::kUnauthenticated, "unauthenticated", 401, 3},
    {ErrorCode::kPermissionDenied, "permission_denied", 403, 3},
    {ErrorCode::kTooLarge, "too_large", 413, 2},
    {ErrorCode::kUnavailable, "unavailable", 503, 4},
    {ErrorCode::kThrottled, "throttled", 503, 4},
    {ErrorCode::kTooManyRequests, "too_many_requests", 429, 4},
    // Stored state failed authentication: the service cannot act (never a 500).
    {ErrorCode::kCorruption, "corruption", 503, 1},
    {ErrorCode::kInternal, "internal", 500, 1},
};

}  // namespace

const ErrorCodeInfo& InfoFor(ErrorCode code) {
  for (const auto& e : kTable) {
    if (e.code == code) return e;
  }
  return kTable[sizeof(kTable) / sizeof(kTable[0]) - 1];
}

const char* ErrorCodeName(ErrorCode code) { return InfoFor(code).name; }

ErrorCode ErrorCodeFromWire(std::string_view name, int http_status) {
  for (const auto& e : kTable) {
    if (name == e.name) return e.code;
  }
  // An error body that names no code: the first code with this status.
  for (const auto& e : kTable) {
    if (e.code != ErrorCode::kOk && e.http_status == http_status) return e.code;
  }
  return ErrorCode::kInternal;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace cc
