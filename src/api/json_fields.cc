#include "api/json_fields.h"

namespace cc::api {

using nlohmann::json;

namespace {
Status Bad(const char* name, const std::string& must) {
  return Status::InvalidArgument("'" + std::string(name) + "' " + must);
}
}  // namespace

Result<std::string> StringField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return Bad(name, "is required");
  if (!it->is_string()) return Bad(name, "must be a string");
  return it->get<std::string>();
}

Result<std::string> OptionalString(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Bad(name, "must be a string");
  return it->get<std::string>();
}

Result<int> IntField(const json& body, const char* name, int min, int max) {
  auto it = body.find(name);
  Status bad = Bad(name, "must be an integer between " + std::to_string(min) + " and " +
                             std::to_string(max));
  if (it == body.end() || !it->is_number_integer()) return bad;
  // Read wide, then range-check: 4294967298 is out of range, never 2.
  if (it->is_number_unsigned()) {
    uint64_t u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(max) || static_cast<int64_t>(u) < min) return bad;
    return static_cast<int>(u);
  }
  int64_t v = it->get<int64_t>();
  if (v < min || v > max) return bad;
  return static_cast<int>(v);
}

Result<bool> BoolField(const json& body, const char* name, bool if_absent) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return if_absent;
  if (!it->is_boolean()) return Bad(name, "must be true or false");
  return it->get<bool>();
}

Result<std::vector<std::string>> StringListField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_array()) return Bad(name, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& e : *it) {
    if (!e.is_string()) return Bad(name, "must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::optional<crypto::SecretBytes>> SecretField(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<crypto::SecretBytes>();
  if (!it->is_string()) return Bad(name, "must be a string");
  const std::string& v = it->get_ref<const std::string&>();
  if (v.empty()) return std::optional<crypto::SecretBytes>();
  return std::optional<crypto::SecretBytes>(crypto::SecretBytes::CopyFrom(v));
}

}  // namespace cc::api
