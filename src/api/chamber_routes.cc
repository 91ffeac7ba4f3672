#include "api/chamber_routes.h"

#include <memory>

#include "api/auth_json.h"
#include "api/auth_routes.h"
#include "api/json_body.h"
#include "api/json_fields.h"
#include "api/status_document.h"
#include "api/text_escape.h"

namespace cc::api {
namespace {

using nlohmann::json;

HttpResponse StatusError(const Status& st) {
  return HttpResponse::Error(InfoFor(st.code()).http_status, ErrorCodeName(st.code()),
                             st.message());
}

HttpResponse Reply(const Result<json>& r) {
  return r.ok() ? HttpResponse::Json(200, *r) : StatusError(r.status());
}

class ChamberRoutes {
 public:
  ChamberRoutes(ChamberView& chamber, const auth::Authorizer& authorizer,
                metrics::Registry& metrics, ChamberRouteOptions options)
      : chamber_(chamber), authorizer_(authorizer), metrics_(metrics), options_(options) {}

  HttpResponse Health() const {
    seal::SealState state = chamber_.State();
    bool ready = seal::CanSign(state);
    return HttpResponse::Json(
        ready ? 200 : 503,
        {{"status", ready ? "UP" : "DOWN"}, {"seal", std::string(seal::SealStateName(state))}});
  }

  HttpResponse Status(const HttpRequest& req) const {
    if (auto denied = Authorize(req, "chamber_status")) return *denied;
    return HttpResponse::RenderedJson(200,
                                      StatusDocument(chamber_.Status(), authorizer_.Summary()));
  }

  // Vault's sys/seal-status: open, and nothing about keys, tables or endpoints.
  HttpResponse SealStatus() const {
    return HttpResponse::RenderedJson(200, SealStatusDocument(chamber_.Status().seal));
  }

  // No validator keys are loaded by this product yet: an empty list.
  HttpResponse PublicKeys(const HttpRequest& req) const {
    if (auto denied = Authorize(req, "public_keys")) return *denied;
    return HttpResponse::Json(200, json::array());
  }

  HttpResponse Init(const HttpRequest& req) {
    json body;
    if (auto error = Ceremony(req, body)) return *error;
    return CountRejection(chamber_.Init(Bearer(req), body));
  }

  HttpResponse Register(const HttpRequest& req) {
    json body;
    if (auto error = Ceremony(req, body)) return *error;
    return CountRejection(chamber_.Register(Bearer(req), body, req.remote_address));
  }

  HttpResponse Challenge(const HttpRequest& req) {
    auto name = req.QueryParam("operator");
    if (!name) {
      return HttpResponse::Error(400, "bad_request", "the 'operator' query parameter is required");
    }
    if (DisplaySafe(*name) != *name) {  // control characters or invalid UTF-8
      return HttpResponse::Error(400, "bad_request",
                                 "the 'operator' query parameter is not a valid operator name");
    }
    return Reply(chamber_.Challenge(*name));
  }

  HttpResponse Unseal(const HttpRequest& req) {
    json body;
    if (auto error = Ceremony(req, body)) return *error;
    auto resume = BoolField(body, "resume", false);
    if (!resume.ok()) return StatusError(resume.status());
    if (*resume) {
      std::string header = req.Header("Authorization");
      bool authorized = !header.empty() && authorizer_.Check(header, "chamber_seal").ok();
      return Reply(chamber_.Resume(authorized, body, req.remote_address));
    }
    return Reply(chamber_.Unseal(body, req.remote_address));
  }

  HttpResponse Seal(const HttpRequest& req) {
    if (auto denied = Authorize(req, "chamber_seal")) return *denied;
    json body;
    if (auto error = ParseJsonBody(req, body)) return *error;
    return Reply(chamber_.Seal(body));
  }

  HttpResponse TeeBlob(const HttpRequest& req) {
    if (auto denied = Authorize(req, "chamber_seal")) return *denied;
    json body;
    if (auto error = ParseJsonBody(req, body)) return *error;
    return Reply(chamber_.CreateTeeBlob(body));
  }

  HttpResponse RootToken(const HttpRequest& req) {
    json body;
    if (auto error = Ceremony(req, body)) return *error;
    return Reply(chamber_.RootToken(body, req.remote_address));
  }

  // The seal gate. Auth comes first (a caller learns nothing about keys it
  // may not use): 401, then 400 for a body without a readable `type`, 403,
  // then 503 sealed, then 404 (no validator keys are loaded by this product).
  HttpResponse Sign(const HttpRequest& req) const {
    const std::string& pubkey = req.path_params.at("pubkey");
    json body;
    std::optional<HttpResponse> bad_body = ParseJsonBody(req, body);
    std::string type;
    if (!bad_body && body.contains("type") && body["type"].is_string()) type = body["type"];
    auth::Decision d;
    auto denied = api::Authorize(authorizer_, metrics_, req, "/api/v1/eth2/sign/{pubkey}",
                                 {"sign", pubkey, type}, &d);
    if (denied && d.verdict == auth::Decision::Verdict::kUnauthenticated) return *denied;
    if (bad_body) return *bad_body;
    if (type.empty()) {
      return HttpResponse::Error(400, "invalid_argument",
                                 "a sign request needs a JSON body with a string 'type' (e.g. "
                                 "ATTESTATION)");
    }
    if (denied) return *denied;
    seal::SealState state = chamber_.State();
    if (!seal::CanSign(state)) {
      return HttpResponse::Error(503, "sealed",
                                 "the signer is " + std::string(seal::SealStateName(state)) +
                                     "; signing needs an unsealed chamber");
    }
    return HttpResponse::Error(404, "key_not_found",
                               "no validator key " + DisplaySafe(pubkey) + " is loaded");
  }

 private:
  // Every non-probe route passes through here: 401/403 as JSON, counted, audited.
  std::optional<HttpResponse> Authorize(const HttpRequest& req, std::string_view scope) const {
    return api::Authorize(authorizer_, metrics_, req, req.method + " " + req.path, {scope, "", ""});
  }

  // Ceremonies carry secrets: HTTPS only while TLS is on (unless allowed),
  // then a JSON object body (ChamberJson checks its fields' types).
  std::optional<HttpResponse> Ceremony(const HttpRequest& req, json& body) const {
    if (!req.secure && options_.ceremonies_need_https) {
      int port = options_.https_port ? options_.https_port() : 0;
      return HttpResponse::Error(
          403, "https_required",
          "this ceremony carries secrets and is served only over HTTPS (port " +
              std::to_string(port) +
              ") while tls.mode is file; set server.allow_plaintext_ceremonies: true to allow "
              "it on plain HTTP");
    }
    return ParseJsonBody(req, body);
  }

  HttpResponse CountRejection(const Result<json>& r) {
    if (!r.ok() && r.status().code() == ErrorCode::kUnauthenticated) {
      metrics_.Inc("containment_auth_rejections_total", {{"reason", "invalid_ceremony_token"}});
    }
    return Reply(r);
  }

  static std::string Bearer(const HttpRequest& req) {
    auto t = auth::ParseAuthorization(req.Header("Authorization"));
    return t ? t->token : std::string();
  }

  ChamberView& chamber_;
  const auth::Authorizer& authorizer_;
  metrics::Registry& metrics_;
  const ChamberRouteOptions options_;
};

// The chamber reports a wrong JSON type as an exception in places; that is a
// bad request, never a 500.
template <class F>
Handler BadTypesAre400(F f) {
  return [f = std::move(f)](const HttpRequest& req) -> HttpResponse {
    try {
      return f(req);
    } catch (const nlohmann::json::exception&) {
      return HttpResponse::Error(400, "bad_request", "a request field has the wrong type");
    }
  };
}

}  // namespace

void AddChamberRoutes(Router& router, ChamberView& chamber, const auth::Authorizer& authorizer,
                      metrics::Registry& metrics, ChamberRouteOptions options) {
  auto r = std::make_shared<ChamberRoutes>(chamber, authorizer, metrics, std::move(options));
  constexpr auto kInline = Execution::kInline;
  constexpr auto kWorker = Execution::kWorker;
  // Liveness: no auth, no state, always 200 even when sealed.
  router.Add("GET", "/upcheck", kInline,
             [](const HttpRequest&) { return HttpResponse::Text(200, "OK"); });
  router.Add("GET", "/healthcheck", kInline, [r](const HttpRequest&) { return r->Health(); });
  router.Add("GET", "/api/v1/chamber/status", kInline,
             [r](const HttpRequest& q) { return r->Status(q); });
  auto on_worker = [&](const char* method, const char* pattern, auto member) {
    router.Add(method, pattern, kWorker,
               BadTypesAre400([r, member](const HttpRequest& q) { return ((*r).*member)(q); }));
  };
  on_worker("POST", "/api/v1/chamber/init", &ChamberRoutes::Init);
  on_worker("POST", "/api/v1/chamber/register", &ChamberRoutes::Register);
  on_worker("GET", "/api/v1/chamber/unseal/challenge", &ChamberRoutes::Challenge);
  on_worker("POST", "/api/v1/chamber/unseal", &ChamberRoutes::Unseal);
  on_worker("POST", "/api/v1/chamber/seal", &ChamberRoutes::Seal);
  on_worker("POST", "/api/v1/chamber/root-token", &ChamberRoutes::RootToken);
  on_worker("POST", "/api/v1/chamber/tee/blob", &ChamberRoutes::TeeBlob);
  on_worker("POST", "/api/v1/eth2/sign/{pubkey}", &ChamberRoutes::Sign);
  router.Add("GET", "/api/v1/chamber/seal-status", kInline,
             [r](const HttpRequest&) { return r->SealStatus(); });
  router.Add("GET", "/api/v1/eth2/publicKeys", kInline,
             [r](const HttpRequest& q) { return r->PublicKeys(q); });
  // Specified but not part of this build yet (rotation: a later issue).
  for (const char* pattern : {"/api/v1/chamber/rotate/*"}) {
    for (const char* method : {"GET", "POST"}) {
      router.Add(method, pattern, kInline, [](const HttpRequest& q) {
        return HttpResponse::Error(501, "not_implemented",
                                   DisplaySafe(q.path) + " is not available in this build yet");
      });
    }
  }
}

}  // namespace cc::api
