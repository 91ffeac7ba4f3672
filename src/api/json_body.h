// JSON request bodies at the API's edge: an empty body means {}, a form or
// multipart body is 415 (the API speaks application/json), anything else must
// be a JSON object (400). Typed reads of its fields are in json_fields.h.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "api/http_message.h"

namespace cc::api {

// Parses the body into `out`; the error answer when it cannot.
std::optional<HttpResponse> ParseJsonBody(const HttpRequest& req, nlohmann::json& out);

}  // namespace cc::api
