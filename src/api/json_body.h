// JSON request bodies at the API's edge: an empty body means {}, a form or
// multipart body is 415 (the API speaks application/json), anything else must
// be a JSON object (400), and optional fields the routes read must have the
// right type (400 naming the field) — a wrong type is never a 500.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/http_message.h"

namespace cc::api {

enum class FieldKind { kString, kBool };

struct FieldRule {
  const char* name;
  FieldKind kind;
};

// Parses the body into `out`; the error answer when it cannot.
std::optional<HttpResponse> ParseJsonBody(const HttpRequest& req, nlohmann::json& out);

// Fields that are present must have their kind (null counts as wrong).
std::optional<HttpResponse> CheckFieldTypes(const nlohmann::json& body,
                                            std::initializer_list<FieldRule> rules);

}  // namespace cc::api
