#include "api/auth_json.h"

#include "api/json_fields.h"
#include "common/time_format.h"

namespace cc::api {

using nlohmann::json;

namespace {

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("'" + field + "' " + what);
}

Result<std::optional<std::vector<std::string>>> OptionalList(const json& rule,
                                                             const std::string& at,
                                                             const char* name) {
  auto it = rule.find(name);
  if (it == rule.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) return Bad(at + "." + name, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& e : *it) {
    if (!e.is_string()) return Bad(at + "." + name, "must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<records::PolicyRule> ParseRule(const json& rule, const std::string& at) {
  if (!rule.is_object()) return Bad(at, "must be an object");
  for (const auto& [k, v] : rule.items()) {
    if (k != "effect" && k != "scopes" && k != "keys" && k != "operations")
      return Bad(at + "." + k, "is not a rule field (effect, scopes, keys, operations)");
  }
  records::PolicyRule r;
  auto effect = rule.find("effect");
  if (effect == rule.end() || !effect->is_string())
    return Bad(at + ".effect", "must be \"allow\" or \"deny\"");
  auto e = records::Parse<records::RuleEffect>(effect->get<std::string>());
  if (!e) return Bad(at + ".effect", "must be \"allow\" or \"deny\"");
  r.effect = *e;
  CC_ASSIGN_OR_RETURN(r.scopes, OptionalList(rule, at, "scopes"));
  CC_ASSIGN_OR_RETURN(r.keys, OptionalList(rule, at, "keys"));
  CC_ASSIGN_OR_RETURN(r.operations, OptionalList(rule, at, "operations"));
  return r;
}

std::optional<std::string> Time(const std::optional<int64_t>& t) {
  if (!t) return std::nullopt;
  return FormatRfc3339(*t);
}

}  // namespace

Result<records::AuthPolicy> ParsePolicy(const json& body, const std::string& path_name) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  records::AuthPolicy p;
  CC_ASSIGN_OR_RETURN(std::string name, OptionalString(body, "name"));
  if (!path_name.empty()) {
    if (!name.empty() && name != path_name)
      return Bad("name", "differs from the policy named in the path");
    name = path_name;
  } else if (name.empty()) {
    return Bad("name", "is required");
  }
  p.name = name;
  CC_ASSIGN_OR_RETURN(p.description, OptionalString(body, "description"));
  auto rules = body.find("rules");
  if (rules == body.end() || !rules->is_array()) return Bad("rules", "must be a list of rules");
  for (size_t i = 0; i < rules->size(); ++i) {
    CC_ASSIGN_OR_RETURN(records::PolicyRule r,
                        ParseRule((*rules)[i], "rules[" + std::to_string(i) + "]"));
    p.rules.push_back(std::move(r));
  }
  return p;
}

Result<seal::TokenCreate> ParseTokenCreate(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  seal::TokenCreate t;
  CC_ASSIGN_OR_RETURN(t.policies, StringListField(body, "policies"));
  CC_ASSIGN_OR_RETURN(t.description, OptionalString(body, "description"));
  if (auto ttl = body.find("ttl_seconds"); ttl != body.end() && !ttl->is_null()) {
    CC_ASSIGN_OR_RETURN(int v, IntField(body, "ttl_seconds", 1, 10 * 365 * 24 * 3600));
    t.ttl_seconds = v;
  }
  CC_ASSIGN_OR_RETURN(std::string expires, OptionalString(body, "expires_at"));
  if (!expires.empty()) {
    auto ms = ParseRfc3339Millis(expires);
    if (!ms.ok()) return ms.status().WithContext("'expires_at'");
    t.expires_at = *ms / 1000;
  }
  return t;
}

json PolicyJson(const records::AuthPolicy& p) {
  json rules = json::array();
  for (const auto& r : p.rules) {
    json j = {{"effect", std::string(records::Name(r.effect))}};
    if (r.scopes) j["scopes"] = *r.scopes;
    if (r.keys) j["keys"] = *r.keys;
    if (r.operations) j["operations"] = *r.operations;
    rules.push_back(std::move(j));
  }
  return {{"name", p.name},
          {"description", p.description},
          {"rules", rules},
          {"created_at", FormatRfc3339(p.created_at)},
          {"updated_at", FormatRfc3339(p.updated_at)}};
}

json TokenJson(const records::AuthToken& t) {
  json j = {{"id", t.id},
            {"kind", t.kind},
            {"policies", t.policies},
            {"description", t.description},
            {"created_at", FormatRfc3339(t.created_at)}};
  auto expires = Time(t.expires_at);
  j["expires_at"] = expires ? json(*expires) : json(nullptr);
  return j;
}

json TokenCreatedJson(const seal::TokenCreated& c) {
  json j = TokenJson(c.record);
  j["token"] = c.token;
  return j;
}

}  // namespace cc::api
