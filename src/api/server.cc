#include "api/server.h"

#include <chrono>

#include "api/auth_routes.h"
#include "api/chamber_routes.h"
#include "api/http_server.h"
#include "api/router.h"
#include "api/tls_certificates.h"
#include "common/log.h"

namespace cc::api {
namespace {

constexpr char kLatency[] = "containment_http_request_duration_seconds";
constexpr char kRejections[] = "containment_http_rejections_total";
constexpr size_t kMetricsMaxBody = 4096;
constexpr size_t kMetricsMaxConnections = 256;

HttpServerOptions ServerOptions(const config::HttpConfig& c, metrics::Registry& metrics) {
  using std::chrono::seconds;
  HttpServerOptions o;
  o.io_threads = c.io_threads;
  o.worker_threads = c.worker_threads;
  o.worker_queue = c.worker_queue;
  o.header_timeout = seconds(c.header_timeout_seconds);
  o.body_timeout = seconds(c.body_timeout_seconds);
  o.idle_timeout = seconds(c.idle_timeout_seconds);
  o.write_timeout = seconds(std::max(10, c.header_timeout_seconds));
  o.on_response = [&metrics](std::string_view route, int status, double seconds) {
    metrics.Observe(kLatency, {{"route", std::string(route)}, {"status", std::to_string(status)}},
                    seconds);
  };
  o.on_rejection = [&metrics](std::string_view reason) {
    metrics.Inc(kRejections, {{"reason", std::string(reason)}});
  };
  return o;
}

ParseLimits Limits(const config::Config& c, size_t max_body) {
  ParseLimits l;
  l.max_header_bytes = static_cast<uint32_t>(c.http.max_header_bytes);
  l.max_headers = static_cast<size_t>(c.http.max_headers);
  l.max_request_line = std::min<size_t>(l.max_request_line, l.max_header_bytes);
  l.max_body_bytes = max_body;
  return l;
}

std::string HostPort(const std::string& address, int port) {
  return address + ":" + std::to_string(port);
}

}  // namespace

ApiServer::ApiServer(const config::Config& config, seal::ChamberService& chamber,
                     const auth::Authorizer& authorizer, metrics::Registry& metrics)
    : config_(config),
      service_(chamber),
      chamber_(chamber),
      authorizer_(authorizer),
      metrics_(metrics) {
  metrics_.DescribeCounter(kRejections,
                           "Clients the HTTP server refused or dropped, by reason (limits, "
                           "deadlines, a full worker queue)");
}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  const config::HttpConfig& h = config_.http;
  bool tls = config_.tls.mode == "file";
  api_routes_ = std::make_unique<Router>();
  AddChamberRoutes(*api_routes_, chamber_, authorizer_, metrics_,
                   {tls && !h.allow_plaintext_ceremonies, [this] { return https_port_; }});
  AddAuthRoutes(*api_routes_, service_, authorizer_, metrics_);
  metrics_routes_ = std::make_unique<Router>();
  metrics_routes_->Add("GET", "/metrics", Execution::kInline, [this](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(200, metrics_.Render());
    r.content_type = "text/plain; version=0.0.4";
    return r;
  });

  http_ = std::make_unique<HttpServer>(ServerOptions(h, metrics_));
  ListenerSpec api;
  api.what = "the API (server.listen_port)";
  api.address = config_.server.listen_address;
  api.port = config_.server.listen_port;
  api.router = api_routes_.get();
  api.limits = Limits(config_, config_.max_request_body_bytes);
  api.max_connections = static_cast<size_t>(h.max_connections);
  api.max_connections_per_address = static_cast<size_t>(h.max_connections_per_address);
  CC_ASSIGN_OR_RETURN(http_port_, http_->Listen(api));

  if (tls) {
    certificates_ = std::make_unique<TlsCertificates>(config_.tls.cert_path, config_.tls.key_path);
    CC_RETURN_IF_ERROR(certificates_->Load());
    ListenerSpec https = api;
    https.what = "HTTPS (tls.listen_port)";
    https.port = config_.tls.listen_port;
    https.configure_tls = [certs = certificates_.get()](SSL_CTX* ctx) { certs->Attach(ctx); };
    CC_ASSIGN_OR_RETURN(https_port_, http_->Listen(https));
  }

  ListenerSpec metrics;
  metrics.what = "metrics (metrics.listen_port)";
  metrics.address = config_.metrics.listen_address;
  metrics.port = config_.metrics.listen_port;
  metrics.router = metrics_routes_.get();
  metrics.limits = Limits(config_, kMetricsMaxBody);
  metrics.max_connections = kMetricsMaxConnections;
  metrics.max_connections_per_address = kMetricsMaxConnections;
  CC_ASSIGN_OR_RETURN(metrics_port_, http_->Listen(metrics));

  http_->Start();
  if (certificates_ && config_.tls.reload_interval_seconds > 0) {
    reload_thread_ = std::thread([this] { CertificateReloadLoop(); });
  }
  log::Info("api", "listening",
            {{"http", HostPort(config_.server.listen_address, http_port_)},
             {"https", tls ? HostPort(config_.server.listen_address, https_port_) : "disabled"},
             {"metrics", HostPort(config_.metrics.listen_address, metrics_port_)}});
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
  if (http_) http_->Stop();
  if (reload_thread_.joinable()) reload_thread_.join();
}

}  // namespace cc::api
