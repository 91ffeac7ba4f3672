// Internal to http_server.cc: what one listener shares with its connections,
// and the entry point that serves one accepted connection.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "api/connection_table.h"
#include "api/deadline_sweeper.h"
#include "api/http_server.h"
#include "api/worker_pool.h"

namespace cc::api::detail {

// Sockets bound to one io_context's executor (no type-erased executor on the
// hot path): each connection lives on one I/O thread.
using IoExecutor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;

// State of the whole server that sessions read.
struct ServerCore {
  explicit ServerCore(HttpServerOptions o) : options(std::move(o)) {}
  const HttpServerOptions options;
  std::unique_ptr<WorkerPool> workers;
  std::atomic<bool> stopping{false};

  // Live sessions, so Stop() can wait for them to finish.
  std::mutex live_mu;
  std::condition_variable live_cv;
  size_t live = 0;

  void Reject(std::string_view reason) const {
    if (options.on_rejection) options.on_rejection(reason);
  }
};

// One listening socket and what its connections share.
struct Endpoint {
  Endpoint(ServerCore& c, const ListenerSpec& s)
      : core(c),
        router(*s.router),
        limits(s.limits),
        table(s.max_connections, s.max_connections_per_address) {}
  ServerCore& core;
  const Router& router;
  const ParseLimits limits;
  ConnectionTable table;
  std::unique_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
};

// Admits `socket` to the endpoint's connection table (closing it when there
// is no room) and serves it on the socket's executor, whose deadlines
// `sweeper` checks.
void ServeConnection(Endpoint& endpoint, DeadlineSweeper& sweeper, Socket socket);

}  // namespace cc::api::detail
