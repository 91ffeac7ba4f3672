// Typed reads of request fields. Every mistake is a 400 that names the
// field and what it must be; nothing here throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/secret.h"

namespace cc::api {

// A required string field.
Result<std::string> StringField(const nlohmann::json& body, const char* name);
// An optional string field ("" when absent or null).
Result<std::string> OptionalString(const nlohmann::json& body, const char* name);
// An integer within [min, max] (never truncated).
Result<int> IntField(const nlohmann::json& body, const char* name, int min, int max);
Result<bool> BoolField(const nlohmann::json& body, const char* name, bool if_absent);
Result<std::vector<std::string>> StringListField(const nlohmann::json& body, const char* name);
// An optional secret string, copied into locked memory.
Result<std::optional<crypto::SecretBytes>> SecretField(const nlohmann::json& body,
                                                       const char* name);

}  // namespace cc::api
