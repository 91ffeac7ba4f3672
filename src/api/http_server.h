// A generic HTTP/1.1 server on Boost.Beast/Asio that a hostile client cannot
// starve (docs/http-server.md):
// - a few I/O threads (one io_context each) serve every connection; routes
//   that may block run on a bounded worker pool, the rest inline;
// - deadlines cover the whole request head and the whole body, not each read;
//   idle keep-alive connections time out;
// - connections are capped per listener and per peer address, the longest
//   idle closed first; the request line, header bytes, header count and body
//   are limited (414, 431, 413);
// - listeners bind exclusively (no SO_REUSEPORT);
// - keep-alive and pipelining answer in order; HTTP/1.0 and Connection: close
//   are honoured; Stop() finishes in-flight requests within a bound.
// Routes, auth and JSON live elsewhere (router.h, chamber_routes.h).
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/request_parser.h"
#include "api/router.h"
#include "common/status.h"

namespace cc::api {

struct HttpServerOptions {
  int io_threads = 0;  // 0 = one per core
  int worker_threads = 4;
  int worker_queue = 64;
  std::chrono::milliseconds header_timeout{10'000};  // TLS handshake + head, from accept
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};  // between keep-alive requests
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds shutdown_grace{10'000};  // Stop() waits this long for requests
  // Called for each answered request: the route pattern ("other" when none
  // matched), the status and the handler time in seconds. Any thread.
  std::function<void(std::string_view route, int status, double seconds)> on_response;
  // Called when the server refuses or drops a client: "connection_limit",
  // "header_timeout", "body_timeout", "header_limit", "overloaded", ...
  std::function<void(std::string_view reason)> on_rejection;
};

struct ListenerSpec {
  std::string what;  // names the listener in errors: "the API (server.listen_port)"
  std::string address;
  int port = 0;                    // 0 = a free port
  const Router* router = nullptr;  // must outlive the server
  ParseLimits limits;
  size_t max_connections = 4096;
  size_t max_connections_per_address = 1024;
  // Non-null: serve HTTPS; called once with the listener's SSL_CTX (install
  // certificates, callbacks).
  std::function<void(SSL_CTX*)> configure_tls;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds address:port exclusively and listens; returns the bound port. The
  // error names `what`, the address and the port.
  Result<int> Listen(const ListenerSpec& spec);
  // Starts the I/O threads and the worker pool; call after every Listen.
  void Start();
  // Stops accepting, closes idle connections, lets requests in progress
  // finish (at most shutdown_grace), then joins every thread. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cc::api
