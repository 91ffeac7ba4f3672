#include "api/chamber_routes.h"

#include <memory>

#include "api/json_body.h"
#include "api/json_fields.h"
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
    return HttpResponse::Json(200, chamber_.Status());
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

  HttpResponse RootToken(const HttpRequest& req) {
    json body;
    if (auto error = Ceremony(req, body)) return *error;
    return Reply(chamber_.RootToken(body, req.remote_address));
  }

  // The seal gate. No validator keys are loaded by this product yet.
  HttpResponse Sign(const HttpRequest& req) const {
    if (auto denied = Authorize(req, "sign")) return *denied;
    seal::SealState state = chamber_.State();
    if (!seal::CanSign(state)) {
      return HttpResponse::Error(503, "sealed",
                                 "the signer is " + std::string(seal::SealStateName(state)) +
                                     "; signing needs an unsealed chamber");
    }
    json body;
    if (auto error = ParseJsonBody(req, body)) return *error;
    return HttpResponse::Error(
        404, "key_not_found",
        "no validator key " + DisplaySafe(req.path_params.at("pubkey")) + " is loaded");
  }

 private:
  // Every non-probe route passes through here: 401/403 as JSON, counted.
  std::optional<HttpResponse> Authorize(const HttpRequest& req, std::string_view scope) const {
    cc::Status st = authorizer_.Check(req.Header("Authorization"), scope);
    if (st.ok()) return std::nullopt;
    metrics_.Inc("containment_auth_rejections_total");
    HttpResponse r = StatusError(st);
    if (st.code() == ErrorCode::kUnauthenticated)
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
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
      metrics_.Inc("containment_auth_rejections_total");
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
  on_worker("POST", "/api/v1/eth2/sign/{pubkey}", &ChamberRoutes::Sign);
  // Specified but not part of this build yet (rotation, Auth API, TEE blob).
  for (const char* pattern :
       {"/api/v1/chamber/rotate/*", "/api/v1/chamber/auth/*", "/api/v1/chamber/tee/blob"}) {
    for (const char* method : {"GET", "POST"}) {
      router.Add(method, pattern, kInline, [](const HttpRequest& q) {
        return HttpResponse::Error(501, "not_implemented",
                                   DisplaySafe(q.path) + " is not available in this build yet");
      });
    }
  }
}

}  // namespace cc::api
