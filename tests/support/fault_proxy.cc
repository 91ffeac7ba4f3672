#include "support/fault_proxy.h"

#include <httplib.h>

#include "net/http_client.h"

namespace cc::testing {

FaultProxy::FaultProxy(std::string upstream)
    : upstream_(std::move(upstream)), server_(std::make_unique<httplib::Server>()) {
  server_->set_keep_alive_max_count(1);  // no idle connections to wait for at stop
  server_->Post("/", [this](const httplib::Request& req, httplib::Response& res) {
    if (down_) {
      refused_++;
      res.status = 503;
      res.set_content(
          R"({"__type":"com.amazon.coral.availability#ServiceUnavailableException","message":"injected outage"})",
          "application/x-amz-json-1.0");
      return;
    }
    if (throttle_remaining_.fetch_sub(1) > 0) {
      throttled_++;
      res.status = 400;
      res.set_content(
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."})",
          "application/x-amz-json-1.0");
      return;
    }
    throttle_remaining_ = 0;
    net::HttpRequest fwd;
    fwd.method = "POST";
    fwd.url = upstream_ + "/";
    fwd.body = req.body;
    for (const auto& [k, v] : req.headers) {
      std::string lower = k;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "content-type" || lower.rfind("x-amz", 0) == 0 || lower == "authorization") {
        fwd.headers.emplace_back(k, v);
      }
    }
    auto r = net::Send(fwd);
    if (!r.ok()) {
      res.status = 502;
      return;
    }
    forwarded_++;
    res.status = static_cast<int>(r->status);
    res.set_content(r->body, r->Header("content-type").empty() ? "application/json"
                                                               : r->Header("content-type"));
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FaultProxy::~FaultProxy() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace cc::testing
