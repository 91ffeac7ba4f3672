#include "aws/json_client.h"

#include "net/http_client.h"

namespace cc::aws {

using nlohmann::json;

ServiceSpec DynamoDbService() {
  return {"dynamodb", "DynamoDB_20120810", "application/x-amz-json-1.0", "DynamoDB"};
}
ServiceSpec KmsService() { return {"kms", "TrentService", "application/x-amz-json-1.1", "KMS"}; }

ErrorCode ErrorCodeForAws(const std::string& t, long http_status) {
  if (t == "ThrottlingException" || t == "ProvisionedThroughputExceededException" ||
      t == "RequestLimitExceeded" || t == "LimitExceededException" ||
      t == "TransactionInProgressException") {
    return ErrorCode::kThrottled;
  }
  if (t == "ResourceNotFoundException" || t == "NotFoundException") return ErrorCode::kNotFound;
  if (t == "ConditionalCheckFailedException" || t == "TransactionConflictException" ||
      t == "TransactionCanceledException" || t == "IdempotentParameterMismatchException") {
    return ErrorCode::kConflict;
  }
  if (t == "AccessDeniedException" || t == "UnrecognizedClientException" ||
      t == "InvalidSignatureException" || t == "MissingAuthenticationTokenException" ||
      t == "ExpiredTokenException" || t == "IncompleteSignature" ||
      t == "IncompleteSignatureException") {
    return ErrorCode::kPermissionDenied;
  }
  if (t == "DisabledException" || t == "KMSInvalidStateException" ||
      t == "InvalidKeyUsageException" || t == "IncorrectKeyException") {
    return ErrorCode::kFailedPrecondition;
  }
  if (t == "InvalidCiphertextException") return ErrorCode::kCorruption;
  if (t == "KeyUnavailableException" || t == "DependencyTimeoutException" ||
      t == "KMSInternalException" || t == "InternalServerError" || t == "ServiceUnavailable" ||
      t == "InternalFailure" || http_status >= 500) {
    return ErrorCode::kUnavailable;
  }
  if (t == "ValidationException" || t == "SerializationException") {
    return ErrorCode::kInvalidArgument;
  }
  return ErrorCode::kInternal;
}

JsonClient::JsonClient(ServiceSpec spec, std::string region, std::string endpoint_url,
                       std::shared_ptr<CredentialsProvider> credentials, Clock& clock,
                       BackoffPolicy backoff)
    : spec_(std::move(spec)),
      region_(std::move(region)),
      endpoint_(std::move(endpoint_url)),
      credentials_(std::move(credentials)),
      clock_(clock),
      backoff_(backoff) {
  if (endpoint_.empty()) endpoint_ = "https://" + spec_.service + "." + region_ + ".amazonaws.com";
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

Result<AwsReply> JsonClient::CallOnce(const std::string& op, const json& request) {
  CC_ASSIGN_OR_RETURN(Credentials creds, credentials_->Get());
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint_ + "/";
  req.body = request.dump();
  req.headers = {{"Content-Type", spec_.content_type},
                 {"X-Amz-Target", spec_.target_prefix + "." + op}};
  SignV4(req, creds, spec_.service, region_, clock_.NowUnixSeconds());
  Result<net::HttpResponse> resp = net::Send(req);
  if (observer_) {
    observer_(op, resp.ok() ? resp->wire_bytes_sent : req.body.size(),
              resp.ok() ? resp->wire_bytes_received : 0);
  }
  if (!resp.ok()) {
    return resp.status().WithContext(spec_.display_name + " " + op + " at " + endpoint_);
  }
  AwsReply reply;
  reply.http_status = resp->status;
  reply.body = resp->body.empty() ? json::object() : json::parse(resp->body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = json::object();
  if (resp->status != 200) {
    std::string type = reply.body.value("__type", "");
    if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
    if (type.empty())
      type = resp->Header("x-amzn-errortype").substr(0, resp->Header("x-amzn-errortype").find(':'));
    if (type.empty()) type = "HTTP" + std::to_string(resp->status);
    reply.error_type = type;
    reply.error_message = reply.body.value("message", reply.body.value("Message", ""));
  }
  return reply;
}

Status JsonClient::ToStatus(const ServiceSpec& spec, const std::string& op, const AwsReply& r) {
  std::string msg = spec.display_name + " " + op + ": " + r.error_type;
  if (!r.error_message.empty()) msg += ": " + r.error_message;
  if (r.error_type == "InvalidSignatureException" &&
      r.error_message.find("expired") != std::string::npos) {
    msg += " (is this machine's clock off by more than 5 minutes?)";
  }
  return Status(ErrorCodeForAws(r.error_type, r.http_status), msg);
}

Result<AwsReply> JsonClient::CallWithRetries(const std::string& op, const json& request) {
  return Retry<AwsReply>(backoff_, [&]() -> Result<AwsReply> {
    CC_ASSIGN_OR_RETURN(AwsReply reply, CallOnce(op, request));
    if (!reply.ok()) {
      Status st = ToStatus(spec_, op, reply);
      if (st.retryable()) return st;
    }
    return reply;
  });
}

Result<json> JsonClient::Call(const std::string& op, const json& request) {
  CC_ASSIGN_OR_RETURN(AwsReply reply, CallWithRetries(op, request));
  if (!reply.ok()) return ToStatus(spec_, op, reply);
  return std::move(reply.body);
}

}  // namespace cc::aws
