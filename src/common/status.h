// Status and Result<T>: the one error type used at every component boundary.
// Errors an operator reads (conflict, table missing, KMS access denied, wrong
// passphrase) travel as values with a kind and a message, never as exceptions.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cc {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // bad input from a caller (400)
  kNotFound,            // 404
  kConflict,            // the request conflicts with the current state (409)
  kAborted,             // lost a commit race to another writer: re-read and retry (409)
  kFailedPrecondition,  // state does not allow the operation (409)
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kTooLarge,            // 413, or a record over the backend's item limit
  kUnavailable,         // backend / KMS outage (503), retryable
  kThrottled,           // backend asked us to slow down, retryable
  kTooManyRequests,     // the caller must slow down (429), e.g. repeated wrong passphrases
  kCorruption,          // authentication of stored data failed
  kInternal,
};

// One table for every code: its wire name (the "error" field of a JSON
// error), its HTTP status and the CLI's exit code. The API, the operator CLI
// and the signer client all map through it, in both directions.
struct ErrorCodeInfo {
  ErrorCode code;
  const char* name;
  int http_status;
  int exit_code;
};
const ErrorCodeInfo& InfoFor(ErrorCode code);
const char* ErrorCodeName(ErrorCode code);
// The code a server's JSON error names; falls back to the HTTP status.
ErrorCode ErrorCodeFromWire(std::string_view name, int http_status);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {ErrorCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Status Aborted(std::string m) { return {ErrorCode::kAborted, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {ErrorCode::kFailedPrecondition, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {ErrorCode::kUnauthenticated, std::move(m)};
  }
  static Status PermissionDenied(std::string m) {
    return {ErrorCode::kPermissionDenied, std::move(m)};
  }
  static Status TooLarge(std::string m) { return {ErrorCode::kTooLarge, std::move(m)}; }
  static Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Status Throttled(std::string m) { return {ErrorCode::kThrottled, std::move(m)}; }
  static Status TooManyRequests(std::string m) {
    return {ErrorCode::kTooManyRequests, std::move(m)};
  }
  static Status Corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Retryable failures: outages and throttling, never conflicts or bad input.
  bool retryable() const {
    return code_ == ErrorCode::kUnavailable || code_ == ErrorCode::kThrottled;
  }

  // "conflict: head revision moved" — for logs and CLI output.
  std::string ToString() const;

  // Prefixes context to the message, keeping the code.
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace cc

// Early return on error, for Status-returning functions.
#define CC_RETURN_IF_ERROR(expr) \
  do {                           \
    ::cc::Status _st = (expr);   \
    if (!_st.ok()) return _st;   \
  } while (0)

#define CC_CONCAT_INNER(a, b) a##b
#define CC_CONCAT(a, b) CC_CONCAT_INNER(a, b)
// CC_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s status on error.
#define CC_ASSIGN_OR_RETURN(lhs, expr)                                              \
  auto CC_CONCAT(_res_, __LINE__) = (expr);                                         \
  if (!CC_CONCAT(_res_, __LINE__).ok()) return CC_CONCAT(_res_, __LINE__).status(); \
  lhs = std::move(CC_CONCAT(_res_, __LINE__)).value()
