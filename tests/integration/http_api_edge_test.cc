// The API's edge over real sockets: ports chosen at bind time, ceremonies
// kept off plain HTTP while TLS is on, request bodies (empty, form-encoded,
// wrong JSON types), hostile path bytes, and bounded metric labels.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "integration/raw_http.h"

namespace cc::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kOpsToken[] = "ops-token-0123456789abcdef";
const std::string kOpsPolicy =
    "auth_policies:\n  ops: { token: \"env:OPS_TOKEN\", allowed_scopes: [chamber_status, "
    "chamber_seal] }\n";
const std::map<std::string, std::string> kOpsEnv = {{"OPS_TOKEN", kOpsToken}};
const net::Headers kOpsAuth = {{"Authorization", std::string("Bearer ") + kOpsToken}};

// A self-signed certificate for 127.0.0.1; returns the TLS yaml section.
std::string TlsYaml(const TempDir& dir, const std::string& port) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
      dir.File("tls.key") + " -out " + dir.File("tls.crt") + " 2>/dev/null";
  EXPECT_EQ(system(cmd.c_str()), 0);
  return "tls: { mode: file, listen_port: " + port + ", file: { cert_path: " + dir.File("tls.crt") +
         ", key_path: " + dir.File("tls.key") + " } }\n";
}

net::HttpResponse Send(const std::string& method, const std::string& url, const std::string& body,
                       net::Headers headers = {}, const std::string& ca = "") {
  net::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.headers = std::move(headers);
  req.ca_file = ca;
  auto r = net::Send(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : net::HttpResponse{};
}

TEST(HttpApiEdgeTest, PortZeroBindsFreePortsAndTheLogLineCarriesThem) {
  TempDir dir;
  PortZeroServer server(dir, "", TlsYaml(dir, "0"));
  ASSERT_TRUE(server.ready()) << server.process->Log();
  const BoundPorts& p = server.ports;
  EXPECT_NE(p.http, 0);
  EXPECT_NE(p.https, 0);
  EXPECT_NE(p.metrics, 0);
  EXPECT_NE(p.http, p.https);
  EXPECT_NE(p.http, p.metrics);
  EXPECT_EQ(Get(server.Url("/upcheck")).status, 200);
  auto https = Send("GET", "https://127.0.0.1:" + std::to_string(p.https) + "/upcheck", "", {},
                    dir.File("tls.crt"));
  EXPECT_EQ(https.status, 200);
  EXPECT_EQ(Get("http://127.0.0.1:" + std::to_string(p.metrics) + "/metrics").status, 200);
}

TEST(HttpApiEdgeTest, CeremoniesAreHttpsOnlyWhileTlsIsOn) {
  TempDir dir;
  PortZeroServer server(dir, "", TlsYaml(dir, "0"));
  ASSERT_TRUE(server.ready()) << server.process->Log();
  std::string https = "https://127.0.0.1:" + std::to_string(server.ports.https);
  for (const char* path : {"/api/v1/chamber/init", "/api/v1/chamber/register",
                           "/api/v1/chamber/unseal", "/api/v1/chamber/root-token"}) {
    auto plain = Post(server.Url(path), "{}");
    EXPECT_EQ(plain.status, 403) << path;
    std::string message = json::parse(plain.body)["message"];
    EXPECT_NE(message.find("HTTPS (port " + std::to_string(server.ports.https) + ")"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("server.allow_plaintext_ceremonies"), std::string::npos) << message;
    auto secure = Send("POST", https + path, "{}", {{"Content-Type", "application/json"}},
                       dir.File("tls.crt"));
    EXPECT_NE(secure.status, 403) << path << " " << secure.body;
  }
  EXPECT_EQ(Get(server.Url("/upcheck")).status, 200);  // probes stay on plain HTTP
}

TEST(HttpApiEdgeTest, AllowPlaintextCeremoniesLetsThemOnPlainHttp) {
  TempDir dir;
  PortZeroServer server(dir, "allow_plaintext_ceremonies: true", TlsYaml(dir, "0"));
  ASSERT_TRUE(server.ready()) << server.process->Log();
  auto r = Post(server.Url("/api/v1/chamber/init"), "{}");
  EXPECT_NE(r.status, 403) << r.body;  // reaches the ceremony itself
  EXPECT_NE(json::parse(r.body)["error"], "https_required") << r.body;
}

TEST(HttpApiEdgeTest, AnEmptyPostIsAnEmptyObjectAnsweredAtOnce) {
  TempDir dir;
  PortZeroServer server(dir, "", kOpsPolicy, kOpsEnv);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  RawConnection c(server.ports.http);
  auto start = std::chrono::steady_clock::now();
  // What `curl -X POST .../seal` sends: no body, no Content-Length.
  c.Send("POST /api/v1/chamber/seal HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
         std::string(kOpsToken) + "\r\n\r\n");
  auto a = c.Read(1, 9s);  // under the 10 s header/body deadlines
  ASSERT_EQ(a.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(json::parse(a[0].body)["error"], "bad_request") << a[0].body;
}

TEST(HttpApiEdgeTest, FormBodiesAre415NamingJson) {
  TempDir dir;
  PortZeroServer server(dir, "", kOpsPolicy, kOpsEnv);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  for (const char* type :
       {"application/x-www-form-urlencoded", "multipart/form-data; boundary=abc"}) {
    auto r = Send("POST", server.Url("/api/v1/chamber/unseal"), "operator=alice&passphrase=x",
                  {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("application/json"),
              std::string::npos);
  }
}

TEST(HttpApiEdgeTest, WrongJsonTypesAre400NamingTheField) {
  TempDir dir;
  PortZeroServer server(dir, "", kOpsPolicy, kOpsEnv);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  struct Case {
    const char* path;
    const char* body;
    const char* field;
    bool with_token;
  } cases[] = {
      {"/api/v1/chamber/unseal", R"({"resume": "yes"})", "'resume'", false},
      {"/api/v1/chamber/register", R"({"registration_token": 7})", "'registration_token'", false},
      {"/api/v1/chamber/seal", R"({"reason": {"a": 1}})", "'reason'", true}};
  for (const auto& tc : cases) {
    auto r = Post(server.Url(tc.path), tc.body, tc.with_token ? kOpsAuth : net::Headers{});
    EXPECT_EQ(r.status, 400) << tc.path << " " << r.body;
    EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find(tc.field), std::string::npos)
        << r.body;
  }
}

TEST(HttpApiEdgeTest, RawPathBytesNeverReachMessagesOrLogsUnescaped) {
  TempDir dir;
  PortZeroServer server(dir);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  RawConnection c(server.ports.http);
  c.Send("GET /api/v1/chamber/rotate/\xff\xfe\xc2\x85-x HTTP/1.1\r\nHost: x\r\n\r\n");
  c.Send("GET /nope/\xc0\xaf HTTP/1.1\r\nHost: x\r\n\r\n");
  // Percent-decoded query values are checked too (an operator name is echoed).
  c.Send("GET /api/v1/chamber/unseal/challenge?operator=%1b%5b2J%ff HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = c.Read(3, 10s);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].status, 501);
  EXPECT_EQ(a[1].status, 404);
  EXPECT_EQ(a[2].status, 400);
  for (const auto& r : a) {
    auto j = json::parse(r.body);  // throws on invalid UTF-8
    std::string message = j["message"];
    for (char ch : message) EXPECT_GE(static_cast<unsigned char>(ch), 0x20) << message;
    EXPECT_EQ(message.find('\xff'), std::string::npos);
    EXPECT_EQ(message.find('\xc0'), std::string::npos);
  }
  EXPECT_NE(json::parse(a[0].body)["message"].get<std::string>().find("\\xff\\xfe\\xc2\\x85-x"),
            std::string::npos);
  server.process->Stop(SIGTERM);
  std::string log = server.process->Log();
  EXPECT_EQ(log.find('\xff'), std::string::npos);
  EXPECT_EQ(log.find('\xc0'), std::string::npos);
}

size_t LatencySeries(int metrics_port) {
  auto body = Get("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics").body;
  size_t n = 0;
  for (size_t at = body.find("containment_http_request_duration_seconds_count{");
       at != std::string::npos;
       at = body.find("containment_http_request_duration_seconds_count{", at + 1)) {
    ++n;
  }
  return n;
}

TEST(HttpApiEdgeTest, TenThousandRandomPathsAddNoMetricSeries) {
  TempDir dir;
  PortZeroServer server(dir);
  ASSERT_TRUE(server.ready()) << server.process->Log();
  std::mt19937 rng(7);
  auto random_path = [&] {
    static const char* kPrefixes[] = {"/api/v1/chamber/", "/api/v1/eth2/sign/", "/", "/x/"};
    std::string p = kPrefixes[rng() % 4];
    for (int i = 0; i < 12; ++i) p += "abcdefghijklmnopqrstuvwxyz0123456789"[rng() % 36];
    return p;
  };
  auto send_batch = [&](int count) {
    RawConnection c(server.ports.http);
    std::string batch;
    for (int i = 0; i < count; ++i) {
      std::string method = i % 2 ? "GET " : "POST ";
      batch += method + random_path() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    }
    c.Send(batch);
    return c.Read(static_cast<size_t>(count), 30s).size();
  };
  ASSERT_EQ(send_batch(200), 200u);     // every kind of answer once
  LatencySeries(server.ports.metrics);  // and the scrape's own series
  size_t before = LatencySeries(server.ports.metrics);
  ASSERT_GE(before, 3u);
  size_t answered = 0;
  for (int i = 0; i < 50; ++i) answered += send_batch(200);
  EXPECT_EQ(answered, 10000u);
  EXPECT_EQ(LatencySeries(server.ports.metrics), before);
}

}  // namespace
}  // namespace cc::testing
