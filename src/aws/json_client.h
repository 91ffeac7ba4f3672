// A small client for AWS JSON-protocol services (DynamoDB, KMS): SigV4
// signing, AWS error parsing, retries of throttling and outages with the
// shared backoff helper, and request accounting for metrics and benchmarks.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/credentials.h"
#include "common/clock.h"
#include "common/retry.h"
#include "common/status.h"

namespace cc::aws {

struct ServiceSpec {
  std::string service;        // SigV4 service name: "dynamodb", "kms"
  std::string target_prefix;  // "DynamoDB_20120810", "TrentService"
  std::string content_type;   // "application/x-amz-json-1.0" / "-1.1"
  std::string display_name;   // "DynamoDB", "KMS" (for messages)
};

ServiceSpec DynamoDbService();
ServiceSpec KmsService();

// The parsed outcome of one call, successful or not.
struct AwsReply {
  long http_status = 0;
  nlohmann::json body;     // parsed JSON ({} when empty or unparsable)
  std::string error_type;  // "ConditionalCheckFailedException" (namespace stripped); "" on success
  std::string error_message;
  bool ok() const { return http_status == 200 && error_type.empty(); }
};

// Called after every HTTP exchange: operation, and the HTTP bytes sent and
// received on the wire (request/status line, headers and body; 0 received
// when the exchange failed).
using RequestObserver = std::function<void(const std::string& op, size_t sent, size_t received)>;

// Maps an AWS error type to our error code (throttling → kThrottled, 5xx →
// kUnavailable, ResourceNotFound → kNotFound, ...).
ErrorCode ErrorCodeForAws(const std::string& error_type, long http_status);

class JsonClient {
 public:
  JsonClient(ServiceSpec spec, std::string region, std::string endpoint_url,
             std::shared_ptr<CredentialsProvider> credentials, Clock& clock,
             BackoffPolicy backoff = {});

  // One signed exchange, no retries. Transport failures are a Status.
  Result<AwsReply> CallOnce(const std::string& op, const nlohmann::json& request);
  // Retries throttling, 5xx and transport errors; an AWS error reply becomes a
  // Status whose message names the service, operation and AWS error type.
  Result<nlohmann::json> Call(const std::string& op, const nlohmann::json& request);
  // As Call, but a non-retryable AWS error comes back as a reply the caller
  // inspects (TransactionCanceledException reasons and the like).
  Result<AwsReply> CallWithRetries(const std::string& op, const nlohmann::json& request);

  void set_observer(RequestObserver o) { observer_ = std::move(o); }
  const std::string& region() const { return region_; }
  const std::string& endpoint() const { return endpoint_; }
  static Status ToStatus(const ServiceSpec& spec, const std::string& op, const AwsReply& reply);

 private:
  ServiceSpec spec_;
  std::string region_;
  std::string endpoint_;
  std::shared_ptr<CredentialsProvider> credentials_;
  Clock& clock_;
  BackoffPolicy backoff_;
  RequestObserver observer_;
};

}  // namespace cc::aws
