#include "api/http_server.h"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>
#include <vector>

#include "api/http_session.h"
#include "common/log.h"

namespace cc::api {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// How often each I/O thread checks its connections' deadlines.
constexpr std::chrono::milliseconds kSweepPeriod{100};

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options) : core_(std::move(options)) {
    size_t n = core_.options.io_threads > 0 ? core_.options.io_threads
                                            : std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 0; i < n; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
      sweepers_.push_back(
          std::make_unique<detail::DeadlineSweeper>(*contexts_.back(), kSweepPeriod));
    }
  }
  ~Impl() { Stop(); }

  Result<int> Listen(const ListenerSpec& spec) {
    auto fail = [&](const std::string& why) -> Status {
      return Status::Unavailable("cannot listen for " + spec.what + " on " + spec.address + ":" +
                                 std::to_string(spec.port) + " (" + why + ")");
    };
    boost::system::error_code ec;
    auto address = asio::ip::make_address(spec.address, ec);
    if (ec) {  // a host name such as localhost: its first address
      tcp::resolver resolver(*contexts_.front());
      auto found = resolver.resolve(spec.address, "", tcp::resolver::passive, ec);
      if (ec || found.empty()) return fail("cannot resolve the address");
      address = found.begin()->endpoint().address();
    }
    auto listener = std::make_unique<Listener>();
    listener->endpoint = std::make_unique<detail::Endpoint>(core_, spec);
    if (spec.configure_tls) {
      auto& tls = listener->endpoint->tls;
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
      spec.configure_tls(tls->native_handle());
    }
    // Exclusive bind: SO_REUSEADDR (restart past TIME_WAIT) but never
    // SO_REUSEPORT, so a second process on the same port fails here.
    auto& ioc = *contexts_[listeners_.size() % contexts_.size()];
    listener->acceptor = std::make_unique<tcp::acceptor>(ioc);
    tcp::acceptor& acceptor = *listener->acceptor;
    tcp::endpoint where(address, static_cast<unsigned short>(spec.port));
    acceptor.open(where.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(where, ec);
    if (ec) return fail(ec == asio::error::address_in_use ? "address in use" : ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec.message());
    int port = acceptor.local_endpoint().port();
    listener->timer = std::make_unique<asio::steady_timer>(ioc);
    listeners_.push_back(std::move(listener));
    total_connections_ += spec.max_connections;
    RaiseDescriptorLimit(total_connections_);
    return port;
  }

  void Start() {
    core_.workers = std::make_unique<WorkerPool>(std::max(1, core_.options.worker_threads),
                                                 std::max(1, core_.options.worker_queue));
    for (auto& s : sweepers_) s->Start();
    for (auto& l : listeners_) Accept(*l);
    for (auto& ioc : contexts_) threads_.emplace_back([&ioc] { ioc->run(); });
  }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    core_.stopping = true;
    for (auto& l : listeners_) {
      asio::post(l->acceptor->get_executor(), [l = l.get()] {
        if (!l->acceptor) return;  // already gone: Stop() drains after reset
        boost::system::error_code ignored;
        l->acceptor->close(ignored);
        l->timer->cancel();
      });
      l->endpoint->table.EvictAll();
    }
    {
      std::unique_lock<std::mutex> lock(core_.live_mu);
      core_.live_cv.wait_for(lock, core_.options.shutdown_grace, [&] { return core_.live == 0; });
      if (core_.live > 0) {
        log::Warn("api", "stopping with requests still in progress",
                  {{"connections", std::to_string(core_.live)}});
      }
    }
    for (auto& g : guards_) g.reset();
    for (auto& ioc : contexts_) ioc->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    if (core_.workers) core_.workers->Stop();
    // Sockets and timers before their io_context; sessions go with their
    // queued handlers (and leave the sweepers, which outlive them).
    for (auto& s : sweepers_) s->Stop();
    for (auto& l : listeners_) {
      l->acceptor.reset();
      l->timer.reset();
    }
    // An aborted accept sits in its acceptor's context holding a socket of
    // another context; destroying the contexts would free one before the
    // other. Run those handlers (they return at once) while all still live.
    for (int round = 0; round < 16; ++round) {
      size_t ran = 0;
      for (auto& ioc : contexts_) {
        ioc->restart();
        ran += ioc->poll();
      }
      if (ran == 0) break;
    }
    contexts_.clear();
    sweepers_.clear();
    listeners_.clear();
  }

 private:
  struct Listener {
    std::unique_ptr<detail::Endpoint> endpoint;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::unique_ptr<asio::steady_timer> timer;  // backs off when out of descriptors
  };

  void Accept(Listener& l) {
    size_t i = next_context_++ % contexts_.size();
    auto& next = *contexts_[i];
    l.acceptor->async_accept(
        next, [this, &l, i](boost::system::error_code ec, detail::Socket socket) {
          if (ec == asio::error::operation_aborted || core_.stopping) return;
          if (!ec) {
            detail::ServeConnection(*l.endpoint, *sweepers_[i], std::move(socket));
            return Accept(l);
          }
          // Out of descriptors or a transient error: retry shortly, not in a loop.
          l.timer->expires_after(std::chrono::milliseconds(50));
          l.timer->async_wait([this, &l](boost::system::error_code wait_ec) {
            if (!wait_ec && !core_.stopping) Accept(l);
          });
        });
  }

  // Each connection is a descriptor; lift the soft limit toward the hard one.
  static void RaiseDescriptorLimit(size_t connections) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    rlim_t want = std::min<rlim_t>(lim.rlim_max, connections * 2 + 256);
    if (lim.rlim_cur >= want) return;
    lim.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  detail::ServerCore core_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<detail::DeadlineSweeper>> sweepers_;  // one per io_context
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_context_{0};  // acceptors on several threads
  size_t total_connections_ = 0;
  bool stopped_ = false;
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpServer::~HttpServer() = default;
Result<int> HttpServer::Listen(const ListenerSpec& spec) { return impl_->Listen(spec); }
void HttpServer::Start() { impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace cc::api
