// The generic HttpServer in-process, over real sockets: routes that block run
// on the bounded worker pool, so they never delay inline routes; a full queue
// is 503 `overloaded` with Retry-After; Stop() lets a running request finish.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <semaphore>

#include "api/http_server.h"
#include "integration/raw_http.h"

namespace cc::testing {
namespace {

using namespace std::chrono_literals;
using api::Execution;
using api::HttpRequest;
using api::HttpResponse;

class WorkerPoolServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/fast", Execution::kInline,
                [](const HttpRequest&) { return HttpResponse::Text(200, "fast"); });
    router_.Add("GET", "/whoami", Execution::kInline,
                [](const HttpRequest& r) { return HttpResponse::Text(200, r.remote_address); });
    router_.Add("GET", "/slow", Execution::kWorker, [this](const HttpRequest&) {
      started_.release();
      gate_.wait();
      return HttpResponse::Text(200, "slow");
    });
    api::HttpServerOptions options;
    options.io_threads = 2;
    options.worker_threads = 1;
    options.worker_queue = 1;
    server_ = std::make_unique<api::HttpServer>(options);
    api::ListenerSpec spec;
    spec.what = "the test listener";
    spec.address = "127.0.0.1";
    spec.router = &router_;
    auto port = server_->Listen(spec);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    server_->Start();
  }
  void TearDown() override {
    Release();
    server_->Stop();
  }
  void Release() {
    if (!released_) release_.set_value();
    released_ = true;
  }
  static constexpr char kSlow[] = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";

  api::Router router_;
  std::unique_ptr<api::HttpServer> server_;
  int port_ = 0;
  std::promise<void> release_;
  std::shared_future<void> gate_ = release_.get_future().share();
  bool released_ = false;
  std::counting_semaphore<16> started_{0};
};

TEST_F(WorkerPoolServerTest, BlockedWorkersNeverDelayInlineRoutesAndAFullQueueIs503) {
  RawConnection running(port_);
  running.Send(kSlow);
  ASSERT_TRUE(started_.try_acquire_for(10s));  // the one worker is now blocked

  RawConnection a(port_), b(port_);
  a.Send(kSlow);
  b.Send(kSlow);
  // One of them waits in the queue (limit 1), the other is refused at once.
  RawConnection* refused = nullptr;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !refused && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (a.Readable()) refused = &a;
    if (b.Readable()) refused = &b;
  }
  ASSERT_NE(refused, nullptr);
  auto overloaded = refused->Read(1, 5s);
  ASSERT_EQ(overloaded.size(), 1u);
  EXPECT_EQ(overloaded[0].status, 503);
  EXPECT_TRUE(overloaded[0].Has("Retry-After: 1")) << overloaded[0].head;
  EXPECT_EQ(nlohmann::json::parse(overloaded[0].body)["error"], "overloaded");

  RawConnection who(port_);
  who.Send("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n");
  auto peer = who.Read(1, 5s);
  ASSERT_EQ(peer.size(), 1u);
  EXPECT_EQ(peer[0].body, "127.0.0.1");  // handlers see the peer address

  for (int i = 0; i < 20; ++i) {
    RawConnection fast(port_);
    fast.Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = fast.Read(1, 5s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, "fast");
  }

  Release();
  RawConnection& queued = refused == &a ? b : a;
  for (RawConnection* c : {&running, &queued}) {
    auto r = c->Read(1, 10s);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].body, "slow");
  }
}

TEST_F(WorkerPoolServerTest, PipelinedAnswersWaitForTheSlowOneBeforeThem) {
  RawConnection c(port_);
  c.Send(std::string(kSlow) + "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(started_.try_acquire_for(10s));
  EXPECT_TRUE(c.Read(1, 300ms).empty());  // /fast must not overtake /slow
  Release();
  auto r = c.Read(2, 10s);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].body, "slow");
  EXPECT_EQ(r[1].body, "fast");
}

TEST_F(WorkerPoolServerTest, StopLetsTheRunningRequestFinish) {
  RawConnection c(port_);
  c.Send(kSlow);
  ASSERT_TRUE(started_.try_acquire_for(10s));
  std::thread stopper([this] { server_->Stop(); });
  // Stop has begun once the listener refuses new connections.
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       RawConnection(port_).ok() && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
  }
  Release();
  auto r = c.Read(1, 10s);
  stopper.join();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, "slow");
  EXPECT_TRUE(r[0].Has("Connection: close")) << r[0].head;
}

TEST(HttpServerListenTest, HostNamesResolveAndBadAddressesNameTheListener) {
  api::Router router;
  api::HttpServer server({});
  api::ListenerSpec spec;
  spec.what = "the test listener";
  spec.address = "localhost";
  spec.router = &router;
  auto port = server.Listen(spec);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_GT(*port, 0);
  spec.address = "no-such-host.invalid";
  auto bad = server.Listen(spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot listen for the test listener on "
                                        "no-such-host.invalid:0"),
            std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace cc::testing
