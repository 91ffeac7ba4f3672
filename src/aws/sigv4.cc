#include "aws/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <vector>

#include "common/encoding.h"
#include "crypto/hmac.h"

namespace cc::aws {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Header values: trimmed, inner runs of spaces collapsed to one.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// The query of a URL is already percent-encoded; SigV4 wants its pairs sorted.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    std::string_view part = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string k(part.substr(0, eq));
      std::string v(eq == std::string_view::npos ? "" : part.substr(eq + 1));
      params.emplace_back(std::move(k), std::move(v));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view in, bool encode_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string AmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

SigningParts SignV4(net::HttpRequest& request, const Credentials& credentials,
                    std::string_view service, std::string_view region, int64_t unix_seconds) {
  auto url = net::ParseUrl(request.url);
  std::string host = url.ok() ? url->host : "";
  if (url.ok() && url->port != 0 &&
      !((url->scheme == "https" && url->port == 443) ||
        (url->scheme == "http" && url->port == 80))) {
    host += ":" + std::to_string(url->port);
  }
  std::string path = url.ok() ? url->path : "/";
  std::string query;
  if (auto q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (path.empty()) path = "/";

  const std::string amz_date = AmzDate(unix_seconds);
  const std::string date = amz_date.substr(0, 8);

  // Drop headers we are about to (re)set, then add them.
  auto& hs = request.headers;
  hs.erase(std::remove_if(hs.begin(), hs.end(),
                          [](const auto& h) {
                            std::string n = Lower(h.first);
                            return n == "host" || n == "x-amz-date" || n == "authorization" ||
                                   n == "x-amz-security-token";
                          }),
           hs.end());
  hs.emplace_back("Host", host);
  hs.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    hs.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  std::map<std::string, std::string> canonical;  // sorted by lower-case name
  for (const auto& [name, value] : hs) {
    std::string n = Lower(name);
    std::string v = CanonicalHeaderValue(value);
    auto [it, inserted] = canonical.emplace(n, v);
    if (!inserted) it->second += "," + v;
  }
  std::string canonical_headers, signed_headers;
  for (const auto& [n, v] : canonical) {
    canonical_headers += n + ":" + v + "\n";
    if (!signed_headers.empty()) signed_headers += ";";
    signed_headers += n;
  }

  SigningParts parts;
  parts.canonical_request = request.method + "\n" + UriEncode(path, false) + "\n" +
                            CanonicalQuery(query) + "\n" + canonical_headers + "\n" +
                            signed_headers + "\n" + HexEncode(crypto::Sha256(request.body));
  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  parts.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                         HexEncode(crypto::Sha256(parts.canonical_request));
  std::string k = crypto::HmacSha256("AWS4" + credentials.secret_access_key, date);
  k = crypto::HmacSha256(k, region);
  k = crypto::HmacSha256(k, service);
  k = crypto::HmacSha256(k, "aws4_request");
  parts.signature = HexEncode(crypto::HmacSha256(k, parts.string_to_sign));
  parts.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                        ", SignedHeaders=" + signed_headers + ", Signature=" + parts.signature;
  hs.emplace_back("Authorization", parts.authorization);
  return parts;
}

}  // namespace cc::aws
