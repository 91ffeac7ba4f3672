// AWS Signature Version 4 for the JSON services we call (DynamoDB, KMS, STS).
// Checked against botocore in sigv4_test.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.h"

namespace cc::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;            // empty for long-term keys
  std::optional<int64_t> expires_unix;  // temporary credentials only
  std::string source;                   // "env", "shared-file:profile", "imds", ...
};

// The pieces of a signature, exposed so tests and debug logs can compare them.
struct SigningParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
  std::string authorization;
};

// Signs `request` in place: sets Host, X-Amz-Date, X-Amz-Security-Token (for
// temporary credentials) and Authorization. Every header present is signed.
SigningParts SignV4(net::HttpRequest& request, const Credentials& credentials,
                    std::string_view service, std::string_view region, int64_t unix_seconds);

// "20150830T123600Z" for a unix time.
std::string AmzDate(int64_t unix_seconds);
// RFC 3986 percent-encoding as SigV4 wants it; '/' kept when encode_slash is false.
std::string UriEncode(std::string_view in, bool encode_slash);

}  // namespace cc::aws
