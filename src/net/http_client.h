// The one HTTP client of the project (libcurl): the operator CLI, the AWS
// clients (DynamoDB, KMS, credential providers) and the tests all use it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cc::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  long timeout_ms = 10'000;
  long connect_timeout_ms = 3'000;
  std::string ca_file;  // extra CA bundle for https (tests, private PKI)
};

struct HttpResponse {
  long status = 0;
  std::string body;
  Headers headers;  // names lower-cased
  // HTTP bytes as sent on the wire (before TLS): request line, headers and
  // body sent; status line, headers and body received.
  size_t wire_bytes_sent = 0;
  size_t wire_bytes_received = 0;
  std::string Header(const std::string& lower_name) const;
};

// Transport failures (refused, timeout, TLS) are kUnavailable with curl's reason.
Result<HttpResponse> Send(const HttpRequest& request);
// Closes the calling thread's idle keep-alive connections (Send reuses them),
// e.g. before stopping a server this thread talked to.
void CloseIdleConnections();

struct ParsedUrl {
  std::string scheme;  // lower-case
  std::string host;    // without brackets
  int port = 0;        // 0 when absent
  std::string path;    // "/..." ("" when absent)
};
Result<ParsedUrl> ParseUrl(const std::string& url);
bool IsLoopbackHost(const std::string& host);

// Refuses plain http:// to a non-loopback host unless explicitly allowed:
// operator tokens and secrets must not cross a network in clear text.
Status CheckSignerUrl(const std::string& url, bool allow_plaintext);

}  // namespace cc::net
