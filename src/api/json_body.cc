#include "api/json_body.h"

#include <strings.h>

#include <string>

namespace cc::api {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

std::optional<HttpResponse> ParseJsonBody(const HttpRequest& req, nlohmann::json& out) {
  if (req.body.empty()) {
    out = nlohmann::json::object();
    return std::nullopt;
  }
  std::string type = req.Header("Content-Type");
  if (StartsWithNoCase(type, "application/x-www-form-urlencoded") ||
      StartsWithNoCase(type, "multipart/")) {
    return HttpResponse::Error(415, "unsupported_media_type",
                               "request bodies must be application/json");
  }
  out = nlohmann::json::parse(req.body, nullptr, false);
  if (out.is_discarded() || !out.is_object()) {
    return HttpResponse::Error(400, "bad_request", "request body is not a JSON object");
  }
  return std::nullopt;
}

}  // namespace cc::api
