// One connection's life: [TLS handshake] → wait for a request (idle timeout)
// → read its head (header deadline) → read its body (body deadline) → run the
// route inline or on the worker pool → write the answer → again, in order,
// until the client or the server closes. Every step runs on the connection's
// own I/O thread; a worker hands its answer back by posting to it.
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "api/deadline_sweeper.h"
#include "api/http_session.h"
#include "api/request_parser.h"
#include "api/response_wire.h"
#include "api/text_escape.h"
#include "common/log.h"

namespace cc::api::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using PlainStream = Socket;
using TlsStream = beast::ssl_stream<Socket>;

// After an error answer, unread request bytes are drained for a while so the
// client reads the answer instead of a reset (a "lingering close").
constexpr size_t kLingerBytes = 1 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>>, public Deadlined {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(Endpoint& endpoint, DeadlineSweeper& sweeper, Stream stream, std::string address)
      : address_(std::move(address)),
        ep_(endpoint),
        core_(endpoint.core),
        sweeper_(sweeper),
        stream_(std::move(stream)),
        buffer_(endpoint.limits.max_header_bytes + 64 * 1024) {
    std::lock_guard<std::mutex> l(core_.live_mu);
    core_.live++;
  }
  ~Session() {
    if (started_on_thread_) sweeper_.Remove(this);
    ep_.table.Release(slot_);
    std::lock_guard<std::mutex> l(core_.live_mu);
    if (--core_.live == 0) core_.live_cv.notify_all();
  }

  void Start(std::shared_ptr<ConnectionSlot> slot) {
    slot_ = std::move(slot);
    sweeper_.Add(this);
    started_on_thread_ = true;
    ExpireAfter(opt().header_timeout);  // handshake + first head
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->ReadRequest();
                              });
    } else {
      ReadRequest();
    }
  }

  // A phase outlived its deadline (see DeadlineSweeper).
  void OnDeadline() override {
    if (closed_) return;
    if (writing_) {
      core_.Reject("write_timeout");
    } else if (serving_) {
      core_.Reject("body_timeout");
    } else if (!lingering_ && (first_ || slot_->activity() == Activity::kReading)) {
      core_.Reject("header_timeout");
    }
    Close();
  }

  // From the connection table (on this connection's thread): close now, or
  // after the answer when a request is in progress.
  void Evict() {
    if (serving_) {
      close_after_ = true;
    } else {
      Close();
    }
  }

 private:
  Socket& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& opt() const { return core_.options; }

  void ReadRequest() {
    if (closed_) return;
    if (core_.stopping || close_after_) return Shutdown();
    parser_.emplace(ep_.limits);
    parser_->request().secure = kTls;
    parser_->request().remote_address = address_;
    if (buffer_.size() > 0) return ReadHead();  // pipelined
    slot_->Set(Activity::kWaiting);
    if (!first_) ExpireAfter(opt().idle_timeout);
    stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, 4096)),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->OnReadError(ec);
                              self->buffer_.commit(n);
                              self->ReadHead();
                            });
  }

  void ReadHead() {
    slot_->Set(Activity::kReading);
    if (!first_) ExpireAfter(opt().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->OnReadError(ec);
                              self->OnHead();
                            });
  }

  void OnHead() {
    slot_->Set(Activity::kServing);
    serving_ = true;
    HttpRequest& req = parser_->request();
    if (!parser_->is_done() && req.version >= 11 &&
        beast::iequals(req.Header("Expect"), "100-continue")) {
      ExpireAfter(opt().write_timeout);
      asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    ExpireAfter(opt().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->Dispatch();
                     });
  }

  void OnReadError(const beast::error_code& ec) {
    if (closed_) return;
    auto failure = ClassifyReadError(ec, parser_ ? parser_->rejection() : 0);
    if (!failure) return Close();
    SendError(failure->status, failure->message, failure->reason);
  }

  void Dispatch() {
    HttpRequest& req = parser_->request();
    keep_alive_ = parser_->keep_alive();
    started_ = Clock::now();
    ExpireNever();  // the handler may take its time; the write has its own deadline
    RouteMatch m = ep_.router.Find(req.method, req.path);
    if (!m.route) {
      if (!m.allowed_methods.empty()) {
        HttpResponse r = HttpResponse::Error(405, "method_not_allowed",
                                             DisplaySafe(req.method, 16) + " is not allowed here");
        r.headers.emplace_back("Allow", m.allowed_methods);
        return Respond("other", std::move(r));
      }
      return Respond("other", HttpResponse::Error(404, "not_found",
                                                  "no route for " + DisplaySafe(req.method, 16) +
                                                      " " + DisplaySafe(req.path)));
    }
    req.path_params = std::move(m.params);
    const Route* route = m.route;
    if (route->execution == Execution::kInline) return Respond(route->pattern, Invoke(*route));
    auto self = this->shared_from_this();
    // The posted answer takes the worker's reference, so the session is
    // never destroyed on a worker thread.
    bool queued = core_.workers->TrySubmit([self, route]() mutable {
      HttpResponse r = self->Invoke(*route);
      IoExecutor executor = self->stream_.get_executor();
      asio::post(executor, [self = std::move(self), route, r = std::move(r)]() mutable {
        self->Respond(route->pattern, std::move(r));
      });
    });
    if (!queued) {
      core_.Reject("overloaded");
      HttpResponse r =
          HttpResponse::Error(503, "overloaded", "the server is busy; retry in a moment");
      r.headers.emplace_back("Retry-After", "1");
      Respond(route->pattern, std::move(r));
    }
  }

  HttpResponse Invoke(const Route& route) {
    const HttpRequest& req = parser_->request();
    try {
      return route.handler(req);
    } catch (const std::exception& e) {
      log::Error("api", "handler failed",
                 {{"route", route.pattern},
                  {"path", DisplaySafe(req.path)},
                  {"error", DisplaySafe(e.what())}});
    } catch (...) {
      log::Error("api", "handler failed", {{"route", route.pattern}});
    }
    return HttpResponse::Error(500, "internal", "internal error");
  }

  void Respond(std::string_view route, HttpResponse r) {
    if (closed_) return;
    if (core_.options.on_response) {
      std::chrono::duration<double> spent = Clock::now() - started_;
      core_.options.on_response(route, r.status, spent.count());
    }
    keep_alive_ = keep_alive_ && !close_after_ && !core_.stopping;
    Write(std::move(r), parser_->request().version);
  }

  void Write(HttpResponse r, int version) {
    SerializeResponse(r, version, keep_alive_, out_);
    ExpireAfter(opt().write_timeout);
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        self->serving_ = false;
                        self->first_ = false;
                        if (ec) return self->Close();
                        if (!self->keep_alive_) return self->Shutdown();
                        self->ReadRequest();
                      });
  }

  // An error answer that ends the connection (the request may be unread).
  void SendError(int status, std::string_view message, std::string_view reason) {
    core_.Reject(reason);
    serving_ = true;
    keep_alive_ = false;
    int version = parser_ ? parser_->request().version : 11;
    Write(HttpResponse::Error(status, ErrorCodeForStatus(status), message), version);
  }

  // Closes after the last answer: TLS close_notify, or a lingering close.
  void Shutdown() {
    if (closed_) return;
    slot_->Set(Activity::kWaiting);
    lingering_ = true;
    ExpireAfter(kLingerTime);
    if constexpr (kTls) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ignored;
      lowest().shutdown(tcp::socket::shutdown_send, ignored);
      Drain();
    }
  }

  void Drain() {
    buffer_.consume(buffer_.size());
    lowest().async_read_some(buffer_.prepare(4096),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > kLingerBytes) return self->Close();
                               self->Drain();
                             });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    serving_ = false;
    ep_.table.Release(slot_);
    beast::error_code ignored;
    lowest().close(ignored);
  }

  const std::string address_;
  Endpoint& ep_;
  ServerCore& core_;
  DeadlineSweeper& sweeper_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string out_;  // the answer being written
  std::shared_ptr<ConnectionSlot> slot_;
  Clock::time_point started_;
  size_t drained_ = 0;
  bool first_ = true;         // the first request's deadline runs from accept
  bool serving_ = false;      // a request is past its head and not yet answered
  bool keep_alive_ = true;    // for the answer being written
  bool close_after_ = false;  // evicted while serving: close after the answer
  bool closed_ = false;
  bool writing_ = false;
  bool lingering_ = false;          // answered the last request; draining until close
  bool started_on_thread_ = false;  // listed in the sweeper
};

template <class S>
void Admit(Endpoint& ep, const std::string& address, std::shared_ptr<S> session,
           IoExecutor executor) {
  std::weak_ptr<S> weak = session;
  auto slot = ep.table.Admit(address, [weak, executor] {
    asio::post(executor, [weak] {
      if (auto s = weak.lock()) s->Evict();
    });
  });
  if (!slot) {
    ep.core.Reject("connection_limit");
    return;  // the session and its socket go away here
  }
  asio::post(executor, [session, slot] { session->Start(slot); });
}

}  // namespace

void ServeConnection(Endpoint& ep, DeadlineSweeper& sweeper, Socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  std::string address = remote.address().to_string();
  IoExecutor executor = socket.get_executor();
  if (ep.tls) {
    Admit(ep, address,
          std::make_shared<Session<TlsStream>>(ep, sweeper, TlsStream(std::move(socket), *ep.tls),
                                               address),
          executor);
  } else {
    Admit(ep, address,
          std::make_shared<Session<PlainStream>>(ep, sweeper, std::move(socket), address),
          executor);
  }
}

}  // namespace cc::api::detail
