// The request and the answer as routes see them: plain structs, no Boost
// types, so product routes never depend on the HTTP machinery
// (src/api/http_server.h) that parses and writes them.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string path;    // the request-target up to '?', not decoded
  std::string query;   // after '?', not decoded
  int version = 11;    // 10 for HTTP/1.0, 11 for HTTP/1.1
  HeaderList headers;  // names as sent, in order (at most server.max_headers)
  std::string body;
  bool secure = false;                             // arrived on the HTTPS listener
  std::string remote_address;                      // the peer's IP address, for logs and lockouts
  std::map<std::string, std::string> path_params;  // {name} segments of the matched route

  // The first header with this name (case-insensitive); "" when absent.
  std::string Header(std::string_view name) const;
  // A percent-decoded query parameter; nullopt when absent.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  HeaderList headers;  // extra headers: WWW-Authenticate, Retry-After, Allow

  static HttpResponse Text(int status, std::string body);
  // Never throws: invalid UTF-8 in strings is replaced, not an error.
  static HttpResponse Json(int status, const nlohmann::json& body);
  // A document already rendered as JSON (api/json_writer.h).
  static HttpResponse RenderedJson(int status, std::string body);
  // The error shape of SPEC section 7: {"error": code, "message": text}.
  static HttpResponse Error(int status, std::string_view code, std::string_view message);
};

// Standard reason phrase's short code for an error status ("not_found", ...).
std::string_view ErrorCodeForStatus(int status);

}  // namespace cc::api
