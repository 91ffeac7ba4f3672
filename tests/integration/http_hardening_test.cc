// The HTTP front end as a hostile client tries it (issue 13): slowloris,
// header floods, a second process on the same port, pipelining, thousands of
// idle connections, graceful stop. Real sockets against the real binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "integration/raw_http.h"

namespace cc::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kOpsToken[] = "ops-token-0123456789abcdef";
const std::string kOpsPolicy =
    "auth_policies:\n  ops: { token: \"env:OPS_TOKEN\", allowed_scopes: [chamber_status, "
    "chamber_seal] }\n";
const std::map<std::string, std::string> kOpsEnv = {{"OPS_TOKEN", kOpsToken}};

TEST(HttpHardeningTest, UpcheckAnswersWithin1sUnder300SlowlorisConnections) {
  RaiseOpenFileLimit();
  TempDir dir;
  PortZeroServer server(dir);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  int port = server.ports.http;

  // Each attacker sends one header line every 2 s and reconnects when dropped.
  std::atomic<bool> done{false};
  std::atomic<int> reconnects{0};
  std::thread attacker([&] {
    std::vector<std::unique_ptr<RawConnection>> conns;
    for (int i = 0; i < 300; ++i) {
      conns.push_back(std::make_unique<RawConnection>(port));
      conns.back()->Send("GET /upcheck HTTP/1.1\r\nHost: x\r\n");
    }
    while (!done) {
      for (auto& c : conns) {
        if (c->Readable() || !c->Send("X-Slow: 1\r\n")) {
          c = std::make_unique<RawConnection>(port);
          c->Send("GET /upcheck HTTP/1.1\r\nHost: x\r\n");
          reconnects++;
        }
      }
      for (int i = 0; i < 20 && !done; ++i) std::this_thread::sleep_for(100ms);
    }
  });

  std::this_thread::sleep_for(1s);  // let the attack take hold
  std::chrono::milliseconds worst{0};
  int probes = 0;
  for (auto end = Clock::now() + 15s; Clock::now() < end; std::this_thread::sleep_for(500ms)) {
    net::HttpRequest req;
    req.url = server.Url("/upcheck");
    req.timeout_ms = 1000;
    auto start = Clock::now();
    auto res = net::Send(req);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    worst = std::max(worst, took);
    ++probes;
    ASSERT_TRUE(res.ok()) << "probe " << probes << ": " << res.status().ToString();
    EXPECT_EQ(res->status, 200);
    EXPECT_LT(took, 1000ms);
  }
  done = true;
  attacker.join();
  // The header deadline (10 s for the whole head) dropped the attackers.
  EXPECT_GE(reconnects, 300);
  auto metrics = Get("http://127.0.0.1:" + std::to_string(server.ports.metrics) + "/metrics").body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      metrics, m,
      std::regex(R"(containment_http_rejections_total\{reason="header_timeout"\} (\d+))")))
      << metrics;
  EXPECT_GE(std::stoi(m[1]), 300);
  std::cout << "slowloris: " << probes << " probes, worst /upcheck " << worst.count() << " ms, "
            << reconnects << " attacker reconnects\n";
}

TEST(HttpHardeningTest, HundredThousandHeadersAre431WithoutMemoryGrowth) {
  TempDir dir;
  PortZeroServer server(dir);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  ASSERT_EQ(Get(server.Url("/upcheck")).status, 200);
  long before = ResidentKib(server.process->pid());
  ASSERT_GT(before, 0);

  RawConnection c(server.ports.http);
  ASSERT_TRUE(c.Send("GET /upcheck HTTP/1.1\r\nHost: x\r\n"));
  std::string chunk;
  for (int i = 0; i < 100000; ++i) {
    chunk += "X-Flood-" + std::to_string(i) + ": v\r\n";
    if (chunk.size() > 64 * 1024 || i == 99999) {
      if (!c.Send(chunk) || c.Readable()) break;  // refused early: stop sending
      chunk.clear();
    }
  }
  c.Send("\r\n");
  auto answers = c.Read(1, 10s);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 431);
  EXPECT_EQ(nlohmann::json::parse(answers[0].body)["error"], "request_header_fields_too_large");
  EXPECT_TRUE(c.PeerClosed(5s));

  long after = ResidentKib(server.process->pid());
  std::cout << "header flood: RSS " << before << " KiB -> " << after << " KiB\n";
  EXPECT_LT(after - before, 64 * 1024);
  EXPECT_EQ(Get(server.Url("/upcheck")).status, 200);
}

TEST(HttpHardeningTest, ASecondProcessOnTheSamePortFailsAtStartup) {
  TempDir dir;
  PortZeroServer first(dir);
  ASSERT_TRUE(first.ready()) << first.process->Log();
  int port = first.ports.http;

  // Not even a socket with SO_REUSEPORT can share the port.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);

  TempDir other;
  other.Write("config.yaml", "server: { listen_port: " + std::to_string(port) +
                                 " }\nmetrics: { listen_port: 0 }\nsigner_state: { path: " +
                                 other.File("s.db") + " }\n");
  auto r = RunCli({"server", "-c", other.File("config.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot listen for the API (server.listen_port) on 127.0.0.1:" +
                       std::to_string(port) + " (address in use)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Get(first.Url("/upcheck")).status, 200);
}

TEST(HttpHardeningTest, PipelinedRequestsAreAnsweredInOrder) {
  TempDir dir;
  PortZeroServer server(dir);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  RawConnection c(server.ports.http);
  ASSERT_TRUE(
      c.Send("GET /upcheck HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /healthcheck HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto answers = c.Read(3, 10s);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_EQ(answers[0].body, "OK");
  EXPECT_EQ(answers[1].status, 503);
  EXPECT_EQ(nlohmann::json::parse(answers[1].body)["seal"], "uninitialized");
  EXPECT_EQ(answers[2].status, 404);
  EXPECT_FALSE(c.PeerClosed(200ms));  // still open for more
}

TEST(HttpHardeningTest, ConnectionCloseAndHttp10AreHonoured) {
  TempDir dir;
  PortZeroServer server(dir);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  RawConnection close_conn(server.ports.http);
  close_conn.Send("GET /upcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto a = close_conn.Read(1, 10s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(a[0].Has("Connection: close")) << a[0].head;
  EXPECT_TRUE(close_conn.PeerClosed(5s));

  RawConnection old(server.ports.http);
  old.Send("GET /upcheck HTTP/1.0\r\n\r\n");
  auto b = old.Read(1, 10s);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].head.substr(0, 12), "HTTP/1.0 200");
  EXPECT_TRUE(old.PeerClosed(5s));

  RawConnection kept(server.ports.http);
  kept.Send("GET /upcheck HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  kept.Send("GET /upcheck HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(kept.Read(2, 10s).size(), 2u);
}

TEST(HttpHardeningTest, FiveThousandIdleConnectionsDoNotStopAStatusRequest) {
  RaiseOpenFileLimit();
  TempDir dir;
  PortZeroServer server(dir, "", kOpsPolicy, kOpsEnv);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 5000; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server.ports.http));
    ASSERT_TRUE(idle.back()->ok()) << i;
  }
  auto r = Get(server.Url("/api/v1/chamber/status"),
               {{"Authorization", std::string("Bearer ") + kOpsToken}});
  EXPECT_EQ(r.status, 200) << r.body;
  // Room was made by closing the connections that waited longest.
  EXPECT_TRUE(idle.front()->PeerClosed(5s));
  idle.back()->Send("GET /upcheck HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = idle.back()->Read(1, 10s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].status, 200);
}

TEST(HttpHardeningTest, SigtermFinishesTheRequestInProgressAndClosesIdleOnes) {
  TempDir dir;
  PortZeroServer server(dir, "", kOpsPolicy, kOpsEnv);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  RawConnection idle(server.ports.http);
  RawConnection busy(server.ports.http);
  const std::string body = "{\"reason\": \"drill\"}";
  ASSERT_TRUE(busy.Send("POST /api/v1/chamber/seal HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        std::string(kOpsToken) + "\r\nContent-Type: application/json\r\n" +
                        "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n"));
  auto go_on = busy.Read(1, 10s);  // the server has the head: the request is in progress
  ASSERT_EQ(go_on.size(), 1u);
  ASSERT_EQ(go_on[0].status, 100);
  ASSERT_TRUE(busy.Send(body.substr(0, 5)));
  kill(server.process->pid(), SIGTERM);
  EXPECT_TRUE(idle.PeerClosed(5s));
  ASSERT_TRUE(busy.Send(body.substr(5)));
  auto a = busy.Read(1, 10s);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].status, 0);
  EXPECT_TRUE(a[0].Has("Connection: close")) << a[0].head;
  EXPECT_EQ(server.process->Wait(15s), 0) << server.process->Log();
}

}  // namespace
}  // namespace cc::testing
