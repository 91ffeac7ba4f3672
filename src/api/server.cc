#include "api/server.h"

#include <httplib.h>

#include <chrono>

#include "api/json_fields.h"
#include "api/tls_certificates.h"
#include "common/log.h"

namespace cc::api {
namespace {

using nlohmann::json;

thread_local std::chrono::steady_clock::time_point request_start;
constexpr size_t kWorkerThreads = 128;

int HttpStatusFor(ErrorCode code) { return InfoFor(code).http_status; }

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& code,
               const std::string& message) {
  SendJson(res, status, json{{"error", code}, {"message", message}});
}

void SendStatusError(httplib::Response& res, const Status& st) {
  SendError(res, HttpStatusFor(st.code()), ErrorCodeName(st.code()), st.message());
}

// Route label for metrics: fixed paths as they are, parameterised ones as patterns.
std::string RouteLabel(const std::string& path) {
  static const char* kFixed[] = {"/upcheck", "/healthcheck", "/api/v1/chamber/status", "/metrics"};
  for (const char* p : kFixed) {
    if (path == p) return p;
  }
  if (path.rfind("/api/v1/eth2/sign/", 0) == 0) return "/api/v1/eth2/sign/{pubkey}";
  if (path.rfind("/api/v1/chamber/", 0) == 0) return path.size() < 64 ? path : "/api/v1/chamber/*";
  return "other";
}

std::string DefaultErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    default:
      return status >= 500 ? "internal" : "error";
  }
}

// Common behaviour of every listener: JSON errors, latency metrics, limits.
void ConfigureCommon(httplib::Server& server, size_t max_body, metrics::Registry& metrics) {
  // cpp-httplib serves each connection on a pool thread for its whole
  // keep-alive life, so the pool must exceed the expected number of
  // concurrent clients (validator clients, probes, operators).
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server.set_payload_max_length(max_body);
  server.set_keep_alive_max_count(1000);
  // cpp-httplib re-checks for shutdown only between keep-alive waits, so this
  // also bounds how long a graceful stop waits for idle clients.
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(10);
  server.set_write_timeout(10);
  server.set_tcp_nodelay(true);
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Called for every response >= 400; only fills in bodies the routes left empty
  // (unknown routes, 413 from the body limit, malformed requests).
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 413 ? "request body exceeds the configured limit"
                              : res.status == 404
                                  ? "no such route"
                                  : "request failed with HTTP " + std::to_string(res.status);
        SendError(res, res.status, DefaultErrorCode(res.status), message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log::Error("api", "handler failed", {{"path", req.path}, {"error", what}});
        SendError(res, 500, "internal", "internal error");
      });
  server.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - request_start).count();
    metrics.Observe("containment_http_request_duration_seconds",
                    {{"route", RouteLabel(req.path)}, {"status", std::to_string(res.status)}},
                    seconds);
  });
}

}  // namespace

ApiServer::ApiServer(const config::Config& config, ChamberView& chamber,
                     const auth::Authorizer& authorizer, metrics::Registry& metrics)
    : config_(config), chamber_(chamber), authorizer_(authorizer), metrics_(metrics) {}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::InstallApiRoutes(httplib::Server& server) {
  // Every non-probe route passes through here: 401/403 as JSON, counted.
  auto authorize = [this](const httplib::Request& req, httplib::Response& res,
                          std::string_view scope) {
    Status st = authorizer_.Check(req.get_header_value("Authorization"), scope);
    if (st.ok()) return true;
    metrics_.Inc("containment_auth_rejections_total");
    if (st.code() == ErrorCode::kUnauthenticated) {
      res.set_header("WWW-Authenticate", "Bearer");
    }
    SendStatusError(res, st);
    return false;
  };

  // Liveness: no auth, no state, always 200 even when sealed.
  server.Get("/upcheck", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("OK", "text/plain");
  });

  // Readiness: 200 only when the signer can sign right now.
  server.Get("/healthcheck", [this](const httplib::Request&, httplib::Response& res) {
    seal::SealState state = chamber_.State();
    bool ready = seal::CanSign(state);
    SendJson(
        res, ready ? 200 : 503,
        json{{"status", ready ? "UP" : "DOWN"}, {"seal", std::string(seal::SealStateName(state))}});
  });

  // Parses a JSON body; an empty body is {}. False (and a 400) when malformed.
  auto parse_body = [](const httplib::Request& req, httplib::Response& res, json& out) {
    if (req.body.empty()) {
      out = json::object();
      return true;
    }
    out = json::parse(req.body, nullptr, false);
    if (out.is_discarded() || !out.is_object()) {
      SendError(res, 400, "bad_request", "request body is not a JSON object");
      return false;
    }
    return true;
  };
  auto reply = [](httplib::Response& res, const Result<json>& r) {
    if (r.ok()) {
      SendJson(res, 200, *r);
    } else {
      SendStatusError(res, r.status());
    }
  };
  auto bearer = [](const httplib::Request& req) {
    auto t = auth::ParseAuthorization(req.get_header_value("Authorization"));
    return t ? t->token : std::string();
  };

  server.Post("/api/v1/chamber/init", [this, parse_body, reply, bearer](const httplib::Request& req,
                                                                        httplib::Response& res) {
    json body;
    if (!parse_body(req, res, body)) return;
    auto r = chamber_.Init(bearer(req), body);
    if (!r.ok() && r.status().code() == ErrorCode::kUnauthenticated) {
      metrics_.Inc("containment_auth_rejections_total");
    }
    reply(res, r);
  });
  server.Post("/api/v1/chamber/register", [this, parse_body, reply, bearer](
                                              const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!parse_body(req, res, body)) return;
    auto r = chamber_.Register(bearer(req), body, req.remote_addr);
    if (!r.ok() && r.status().code() == ErrorCode::kUnauthenticated) {
      metrics_.Inc("containment_auth_rejections_total");
    }
    reply(res, r);
  });
  server.Get("/api/v1/chamber/unseal/challenge",
             [this, reply](const httplib::Request& req, httplib::Response& res) {
               if (!req.has_param("operator")) {
                 SendError(res, 400, "bad_request", "the 'operator' query parameter is required");
                 return;
               }
               reply(res, chamber_.Challenge(req.get_param_value("operator")));
             });
  server.Post("/api/v1/chamber/unseal",
              [this, parse_body, reply](const httplib::Request& req, httplib::Response& res) {
                json body;
                if (!parse_body(req, res, body)) return;
                auto resume = BoolField(body, "resume", false);
                if (!resume.ok()) return reply(res, resume.status());
                if (*resume) {
                  bool authorized =
                      !req.get_header_value("Authorization").empty() &&
                      authorizer_.Check(req.get_header_value("Authorization"), "chamber_seal").ok();
                  reply(res, chamber_.Resume(authorized, body, req.remote_addr));
                  return;
                }
                reply(res, chamber_.Unseal(body, req.remote_addr));
              });
  server.Post("/api/v1/chamber/seal", [this, authorize, parse_body, reply](
                                          const httplib::Request& req, httplib::Response& res) {
    if (!authorize(req, res, "chamber_seal")) return;
    json body;
    if (!parse_body(req, res, body)) return;
    reply(res, chamber_.Seal(body));
  });
  server.Post("/api/v1/chamber/root-token",
              [this, parse_body, reply](const httplib::Request& req, httplib::Response& res) {
                json body;
                if (!parse_body(req, res, body)) return;
                reply(res, chamber_.RootToken(body, req.remote_addr));
              });
  // Specified but not part of this build yet (rotation, Auth API, TEE blob).
  for (const char* pattern : {R"(/api/v1/chamber/rotate/.*)", R"(/api/v1/chamber/auth/.*)",
                              R"(/api/v1/chamber/tee/blob)"}) {
    auto not_yet = [](const httplib::Request& req, httplib::Response& res) {
      SendError(res, 501, "not_implemented", req.path + " is not available in this build yet");
    };
    server.Post(pattern, not_yet);
    server.Get(pattern, not_yet);
  }

  server.Get("/api/v1/chamber/status",
             [this, authorize](const httplib::Request& req, httplib::Response& res) {
               if (!authorize(req, res, "chamber_status")) return;
               SendJson(res, 200, chamber_.Status());
             });

  // The seal gate. No validator keys are loaded by this product yet.
  server.Post(R"(/api/v1/eth2/sign/([^/]+))", [this, authorize](const httplib::Request& req,
                                                                httplib::Response& res) {
    if (!authorize(req, res, "sign")) return;
    seal::SealState state = chamber_.State();
    if (!seal::CanSign(state)) {
      SendError(res, 503, "sealed",
                "the signer is " + std::string(seal::SealStateName(state)) +
                    "; signing needs an unsealed chamber");
      return;
    }
    if (!req.body.empty() && !json::accept(req.body)) {
      SendError(res, 400, "bad_request", "request body is not valid JSON");
      return;
    }
    SendError(res, 404, "key_not_found", "no validator key " + req.matches[1].str() + " is loaded");
  });
}

void ApiServer::InstallMetricsRoutes(httplib::Server& server) {
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4");
  });
}

Status ApiServer::Start() {
  auto bind = [](httplib::Server& s, const std::string& host, int port,
                 const char* what) -> Result<int> {
    if (!s.bind_to_port(host, port)) {
      return Status::Unavailable(std::string("cannot listen for ") + what + " on " + host + ":" +
                                 std::to_string(port) + " (address in use or not available)");
    }
    return port;
  };

  http_ = std::make_unique<httplib::Server>();
  ConfigureCommon(*http_, config_.max_request_body_bytes, metrics_);
  InstallApiRoutes(*http_);
  CC_ASSIGN_OR_RETURN(http_port_, bind(*http_, config_.server.listen_address,
                                       config_.server.listen_port, "the API (server.listen_port)"));

  if (config_.tls.mode == "file") {
    certificates_ = std::make_unique<TlsCertificates>(config_.tls.cert_path, config_.tls.key_path);
    CC_RETURN_IF_ERROR(certificates_->Load());
    auto* certs = certificates_.get();
    https_ = std::make_unique<httplib::SSLServer>([certs](SSL_CTX& ctx) {
      certs->Attach(&ctx);
      return true;
    });
    ConfigureCommon(*https_, config_.max_request_body_bytes, metrics_);
    InstallApiRoutes(*https_);
    CC_ASSIGN_OR_RETURN(https_port_, bind(*https_, config_.server.listen_address,
                                          config_.tls.listen_port, "HTTPS (tls.listen_port)"));
  }

  metrics_server_ = std::make_unique<httplib::Server>();
  ConfigureCommon(*metrics_server_, 4096, metrics_);
  InstallMetricsRoutes(*metrics_server_);
  CC_ASSIGN_OR_RETURN(metrics_port_,
                      bind(*metrics_server_, config_.metrics.listen_address,
                           config_.metrics.listen_port, "metrics (metrics.listen_port)"));

  for (httplib::Server* s : {http_.get(), https_.get(), metrics_server_.get()}) {
    if (s) threads_.emplace_back([s] { s->listen_after_bind(); });
  }
  if (certificates_ && config_.tls.reload_interval_seconds > 0) {
    threads_.emplace_back([this] { CertificateReloadLoop(); });
  }
  log::Info("api", "listening",
            {{"http", config_.server.listen_address + ":" + std::to_string(http_port_)},
             {"https", https_ ? config_.server.listen_address + ":" + std::to_string(https_port_)
                              : "disabled"},
             {"metrics", config_.metrics.listen_address + ":" + std::to_string(metrics_port_)}});
  return Status::Ok();
}

void ApiServer::CertificateReloadLoop() {
  std::unique_lock<std::mutex> l(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(l, std::chrono::seconds(config_.tls.reload_interval_seconds));
    if (stopping_) break;
    l.unlock();
    certificates_->ReloadIfChanged();
    l.lock();
  }
}

void ApiServer::Stop() {
  {
    std::lock_guard<std::mutex> l(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (httplib::Server* s : {http_.get(), https_.get(), metrics_server_.get()}) {
    if (s) s->stop();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace cc::api
