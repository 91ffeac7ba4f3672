// The Auth API's JSON (SPEC 7.1): request bodies parsed into typed
// requests (a wrong type or value is a 400 naming the field), policies and
// tokens rendered (a token's secret only in the answer that creates it).
#pragma once

#include <nlohmann/json.hpp>

#include "auth/authorizer.h"
#include "seal/service.h"

namespace cc::api {

// POST body {"name", "description", "rules": [...]}; PUT passes the name
// from the path (`path_name`) and the body holds no name (or the same one).
Result<records::AuthPolicy> ParsePolicy(const nlohmann::json& body,
                                        const std::string& path_name = "");
Result<seal::TokenCreate> ParseTokenCreate(const nlohmann::json& body);

nlohmann::json PolicyJson(const records::AuthPolicy& policy);
nlohmann::json TokenJson(const records::AuthToken& token);  // never the secret
nlohmann::json TokenCreatedJson(const seal::TokenCreated& created);

}  // namespace cc::api
