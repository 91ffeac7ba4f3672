// The HTTP surface: the API listener (plain HTTP, always up for probes), an
// optional HTTPS listener (tls.mode: file) serving the same routes, and a
// separate metrics listener. Built on cpp-httplib (see docs/http-server.md).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "api/chamber_view.h"
#include "auth/authorizer.h"
#include "common/status.h"
#include "config/config.h"
#include "metrics/metrics.h"

namespace httplib {
class Server;
}

namespace cc::api {

class TlsCertificates;

class ApiServer {
 public:
  ApiServer(const config::Config& config, ChamberView& chamber, const auth::Authorizer& authorizer,
            metrics::Registry& metrics);
  ~ApiServer();

  // Binds every listener; an error names the address that could not be bound.
  Status Start();
  // Stops accepting, lets in-flight requests finish, joins the threads.
  void Stop();

  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  int metrics_port() const { return metrics_port_; }

 private:
  void InstallApiRoutes(httplib::Server& server);
  void InstallMetricsRoutes(httplib::Server& server);
  void CertificateReloadLoop();

  const config::Config& config_;
  ChamberView& chamber_;
  const auth::Authorizer& authorizer_;
  metrics::Registry& metrics_;

  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<httplib::Server> https_;
  std::unique_ptr<httplib::Server> metrics_server_;
  std::unique_ptr<TlsCertificates> certificates_;
  std::vector<std::thread> threads_;
  int http_port_ = 0;
  int https_port_ = 0;
  int metrics_port_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace cc::api
