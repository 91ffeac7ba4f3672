#include "api/auth_routes.h"

#include <algorithm>
#include <memory>

#include "api/auth_json.h"
#include "api/json_body.h"
#include "api/text_escape.h"
#include "common/log.h"

namespace cc::api {
namespace {

using nlohmann::json;

constexpr char kPolicies[] = "/api/v1/chamber/auth/policies";
constexpr char kPolicy[] = "/api/v1/chamber/auth/policies/{name}";
constexpr char kTokens[] = "/api/v1/chamber/auth/tokens";
constexpr char kToken[] = "/api/v1/chamber/auth/tokens/{id}";

HttpResponse StatusError(const Status& st) {
  return HttpResponse::Error(InfoFor(st.code()).http_status, ErrorCodeName(st.code()),
                             st.message());
}

HttpResponse Forbidden(const std::string& message) {
  return HttpResponse::Error(403, "permission_denied", message);
}

// Delegation limits (docs/auth.md): a client token with chamber_auth may
// hand out, and take back, only what it holds itself; the token ceremonies
// check that against verified state (delegator_token_id). Policy changes
// are for management tokens and static policies.
bool IsClient(const auth::Decision& d) { return d.caller == auth::Decision::Caller::kClient; }

constexpr char kPolicyChangeRefused[] =
    "a client token may not create, change or delete policies (it could grant itself more than "
    "it holds); use a management token or a static policy with chamber_auth";

class AuthRoutes {
 public:
  AuthRoutes(seal::ChamberService& chamber, const auth::Authorizer& authorizer,
             metrics::Registry& metrics)
      : chamber_(chamber), authorizer_(authorizer), metrics_(metrics) {}

  // Runs `f` when the caller may use the Auth API; logs every management action.
  HttpResponse Guarded(const HttpRequest& req, const char* route,
                       const std::function<HttpResponse(const auth::Decision&)>& f) const {
    auth::Decision d;
    if (auto denied = Authorize(authorizer_, metrics_, req, route, {"chamber_auth", "", ""}, &d))
      return *denied;
    HttpResponse r = f(d);
    if (req.method != "GET") {
      log::Info("audit", "auth api",
                {{"route", req.method + " " + route},
                 {"by", d.who},
                 {"policy", d.policy},
                 {"status", std::to_string(r.status)}});
    }
    return r;
  }

  HttpResponse ListPolicies(const HttpRequest& req) const {
    return Guarded(req, kPolicies, [&](const auth::Decision&) {
      json list = json::array();
      if (auto idx = authorizer_.index())
        for (const auto& [name, p] : idx->policies()) list.push_back(PolicyJson(p.record));
      return HttpResponse::Json(200, {{"policies", list}});
    });
  }

  HttpResponse GetPolicy(const HttpRequest& req) const {
    return Guarded(req, kPolicy, [&](const auth::Decision&) {
      const std::string& name = req.path_params.at("name");
      auto idx = authorizer_.index();
      const auth::CompiledPolicy* p = idx ? idx->FindPolicy(name) : nullptr;
      if (!p)
        return HttpResponse::Error(404, "not_found", "no policy named '" + DisplaySafe(name) + "'");
      return HttpResponse::Json(200, PolicyJson(p->record));
    });
  }

  HttpResponse CreatePolicy(const HttpRequest& req) {
    return Guarded(req, kPolicies, [&](const auth::Decision& d) {
      if (IsClient(d)) return Forbidden(kPolicyChangeRefused);
      json body;
      if (auto error = ParseJsonBody(req, body)) return *error;
      auto policy = ParsePolicy(body);
      if (!policy.ok()) return StatusError(policy.status());
      auto out = chamber_.CreatePolicy({std::move(*policy), {req.remote_address}});
      return out.ok() ? HttpResponse::Json(201, PolicyJson(*out)) : StatusError(out.status());
    });
  }

  HttpResponse ReplacePolicy(const HttpRequest& req) {
    return Guarded(req, kPolicy, [&](const auth::Decision& d) {
      if (IsClient(d)) return Forbidden(kPolicyChangeRefused);
      json body;
      if (auto error = ParseJsonBody(req, body)) return *error;
      auto policy = ParsePolicy(body, req.path_params.at("name"));
      if (!policy.ok()) return StatusError(policy.status());
      auto out = chamber_.ReplacePolicy({std::move(*policy), {req.remote_address}});
      return out.ok() ? HttpResponse::Json(200, PolicyJson(*out)) : StatusError(out.status());
    });
  }

  HttpResponse DeletePolicy(const HttpRequest& req) {
    return Guarded(req, kPolicy, [&](const auth::Decision& d) {
      if (IsClient(d)) return Forbidden(kPolicyChangeRefused);
      auto force = req.QueryParam("force");
      if (force && *force != "true" && *force != "false")
        return HttpResponse::Error(400, "invalid_argument", "'force' must be true or false");
      Status st = chamber_.DeletePolicy({req.path_params.at("name"), force && *force == "true"});
      return st.ok() ? HttpResponse::Text(204, "") : StatusError(st);
    });
  }

  HttpResponse ListTokens(const HttpRequest& req) const {
    return Guarded(req, kTokens, [&](const auth::Decision&) {
      json list = json::array();
      if (auto idx = authorizer_.index())
        for (const auto& [id, t] : idx->tokens()) list.push_back(TokenJson(t));
      return HttpResponse::Json(200, {{"tokens", list}});
    });
  }

  HttpResponse GetToken(const HttpRequest& req) const {
    return Guarded(req, kToken, [&](const auth::Decision&) {
      const std::string& id = req.path_params.at("id");
      auto idx = authorizer_.index();
      const records::AuthToken* t = idx ? idx->FindById(id) : nullptr;
      if (!t)
        return HttpResponse::Error(404, "not_found", "no token with id '" + DisplaySafe(id) + "'");
      return HttpResponse::Json(200, TokenJson(*t));
    });
  }

  HttpResponse CreateToken(const HttpRequest& req) {
    return Guarded(req, kTokens, [&](const auth::Decision& d) {
      json body;
      if (auto error = ParseJsonBody(req, body)) return *error;
      auto create = ParseTokenCreate(body);
      if (!create.ok()) return StatusError(create.status());
      if (IsClient(d)) create->delegator_token_id = d.who;
      auto out = chamber_.CreateToken(*create);
      if (!out.ok()) return StatusError(out.status());
      HttpResponse r = HttpResponse::Json(201, TokenCreatedJson(*out));
      crypto::Wipe(out->token);
      return r;
    });
  }

  HttpResponse RevokeToken(const HttpRequest& req) {
    return Guarded(req, kToken, [&](const auth::Decision& d) {
      seal::TokenRevoke revoke{req.path_params.at("id"), std::nullopt};
      if (IsClient(d)) revoke.delegator_token_id = d.who;
      Status st = chamber_.RevokeToken(revoke);
      return st.ok() ? HttpResponse::Text(204, "") : StatusError(st);
    });
  }

 private:
  seal::ChamberService& chamber_;
  const auth::Authorizer& authorizer_;
  metrics::Registry& metrics_;
};

}  // namespace

std::optional<HttpResponse> Authorize(const auth::Authorizer& authorizer,
                                      metrics::Registry& metrics, const HttpRequest& req,
                                      const std::string& route, const auth::AccessRequest& access,
                                      auth::Decision* decision) {
  auth::Decision d = authorizer.Decide(req.Header("Authorization"), access);
  metrics.Inc("containment_auth_decisions_total", {{"result", d.allowed() ? "allow" : "deny"}});
  if (decision) *decision = d;
  if (d.allowed()) return std::nullopt;
  metrics.Inc("containment_auth_rejections_total", {{"reason", d.reason}});
  log::Info("audit", "request refused",
            {{"route", req.method + " " + route},
             {"scope", std::string(access.scope)},
             {"by", d.who},
             {"policy", d.policy},
             {"reason", d.reason},
             {"source", req.remote_address}});
  Status st = d.ToStatus();
  HttpResponse r = StatusError(st);
  if (st.code() == ErrorCode::kUnauthenticated)
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

void AddAuthRoutes(Router& router, seal::ChamberService& chamber,
                   const auth::Authorizer& authorizer, metrics::Registry& metrics) {
  auto r = std::make_shared<AuthRoutes>(chamber, authorizer, metrics);
  auto add = [&](const char* method, const char* pattern, Execution where, auto member) {
    router.Add(method, pattern, where,
               [r, member](const HttpRequest& q) { return ((*r).*member)(q); });
  };
  // Reads come from memory: inline. Writes commit: worker pool.
  add("GET", kPolicies, Execution::kInline, &AuthRoutes::ListPolicies);
  add("GET", kPolicy, Execution::kInline, &AuthRoutes::GetPolicy);
  add("POST", kPolicies, Execution::kWorker, &AuthRoutes::CreatePolicy);
  add("PUT", kPolicy, Execution::kWorker, &AuthRoutes::ReplacePolicy);
  add("DELETE", kPolicy, Execution::kWorker, &AuthRoutes::DeletePolicy);
  add("GET", kTokens, Execution::kInline, &AuthRoutes::ListTokens);
  add("GET", kToken, Execution::kInline, &AuthRoutes::GetToken);
  add("POST", kTokens, Execution::kWorker, &AuthRoutes::CreateToken);
  add("DELETE", kToken, Execution::kWorker, &AuthRoutes::RevokeToken);
}

}  // namespace cc::api
