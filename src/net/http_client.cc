#include "net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

namespace cc::net {
namespace {

void EnsureCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.pop_back();
    static_cast<Headers*>(user)->emplace_back(name, value);
  }
  return size * n;
}

// Counts HTTP bytes as libcurl writes and reads them: request line, headers
// and body out; status line, headers and body in.
struct WireCount {
  size_t sent = 0, received = 0;
};
int CountWire(CURL*, curl_infotype type, char*, size_t size, void* user) {
  auto* w = static_cast<WireCount*>(user);
  if (type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT) w->sent += size;
  if (type == CURLINFO_HEADER_IN || type == CURLINFO_DATA_IN) w->received += size;
  return 0;
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

// One easy handle per thread, reset between requests: libcurl keeps the
// connection cache on the handle, so polls to the same endpoint reuse one
// TCP/TLS connection instead of handshaking every interval.
struct ThreadCurl {
  CURL* handle = nullptr;
  ~ThreadCurl() {
    if (handle) curl_easy_cleanup(handle);
  }
};

namespace {
thread_local ThreadCurl cached;
}  // namespace

void CloseIdleConnections() {
  if (cached.handle) curl_easy_cleanup(cached.handle);
  cached.handle = nullptr;
}

Result<HttpResponse> Send(const HttpRequest& request) {
  EnsureCurl();
  if (!cached.handle) cached.handle = curl_easy_init();
  CURL* curl = cached.handle;
  if (!curl) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(curl);
  HttpResponse response;
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    headers = curl_slist_append(headers, (k + ": " + v).c_str());
  }
  // libcurl adds "Expect: 100-continue" for large bodies; AWS does not need it.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // never route secrets through an env proxy
  if (!request.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
  // The debug callback sees exactly what goes over the wire (before TLS);
  // CURLINFO_REQUEST_SIZE would count a small body twice.
  WireCount wire;
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, CountWire);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &wire);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  response.wire_bytes_sent = wire.sent;
  response.wire_bytes_received = wire.received;
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Status::Unavailable(std::string(curl_easy_strerror(rc)) + " (" + request.method + " " +
                               request.url + ")");
  }
  return response;
}

Result<ParsedUrl> ParseUrl(const std::string& url) {
  ParsedUrl out;
  auto sep = url.find("://");
  if (sep == std::string::npos) return Status::InvalidArgument("not a URL: '" + url + "'");
  out.scheme = url.substr(0, sep);
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "" : rest.substr(slash);
  auto at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      return Status::InvalidArgument("bad IPv6 host in '" + url + "'");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Status::InvalidArgument("URL has no host: '" + url + "'");
  if (!port.empty()) {
    try {
      out.port = std::stoi(port);
    } catch (...) {
      return Status::InvalidArgument("bad port in '" + url + "'");
    }
  }
  return out;
}

bool IsLoopbackHost(const std::string& host) {
  std::string h = host;
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

Status CheckSignerUrl(const std::string& url, bool allow_plaintext) {
  CC_ASSIGN_OR_RETURN(ParsedUrl u, ParseUrl(url));
  if (u.scheme == "https") return Status::Ok();
  if (u.scheme != "http") {
    return Status::InvalidArgument("--signer-url must be http:// or https://, got '" + url + "'");
  }
  if (IsLoopbackHost(u.host) || allow_plaintext) return Status::Ok();
  return Status::InvalidArgument("refusing plain http:// to non-loopback host " + u.host +
                                 ": tokens would cross the network unencrypted; use https:// or "
                                 "pass --allow-plaintext-signer");
}

}  // namespace cc::net
