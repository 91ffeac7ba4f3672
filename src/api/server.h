// The HTTP surface: the API listener (plain HTTP, always up for probes), an
// optional HTTPS listener (tls.mode: file) serving the same routes, and a
// separate metrics listener, all on one HttpServer (Boost.Beast; see
// docs/http-server.md). Routes live in chamber_routes.cc.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "api/chamber_json.h"
#include "auth/authorizer.h"
#include "common/status.h"
#include "config/config.h"
#include "metrics/metrics.h"

namespace cc::api {

class HttpServer;
class Router;
class TlsCertificates;

class ApiServer {
 public:
  ApiServer(const config::Config& config, seal::ChamberService& chamber,
            const auth::Authorizer& authorizer, metrics::Registry& metrics);
  ~ApiServer();

  // Binds every listener; an error names the address that could not be bound.
  // A port of 0 binds a free port; the ports below (and the `listening` log
  // line) carry the bound ones.
  Status Start();
  // Stops accepting, lets in-flight requests finish, joins the threads.
  void Stop();

  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  int metrics_port() const { return metrics_port_; }

 private:
  void CertificateReloadLoop();

  const config::Config& config_;
  seal::ChamberService& service_;
  ChamberJson chamber_;  // the JSON face of service_
  const auth::Authorizer& authorizer_;
  metrics::Registry& metrics_;

  std::unique_ptr<Router> api_routes_;
  std::unique_ptr<Router> metrics_routes_;
  std::unique_ptr<TlsCertificates> certificates_;
  std::unique_ptr<HttpServer> http_;
  std::thread reload_thread_;
  int http_port_ = 0;
  int https_port_ = 0;
  int metrics_port_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace cc::api
