// The real server binary on free loopback ports, driven over HTTP.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "common/encoding.h"
#include "support/harness.h"

namespace cc::testing {
namespace {

using nlohmann::json;

constexpr char kOpsToken[] = "ops-token-0123456789abcdef";
constexpr char kVcToken[] = "vc-token-0123456789abcdef";

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& extra_yaml = "",
                   std::map<std::string, std::string> env = {}) {
    http_port_ = FreePort();
    metrics_port_ = FreePort();
    std::string yaml =
        "server: { listen_address: 127.0.0.1, listen_port: " + std::to_string(http_port_) +
        ", max_request_body_bytes: 4096 }\n" +
        "metrics: { listen_address: 127.0.0.1, listen_port: " + std::to_string(metrics_port_) +
        " }\n" + "signer_state: { backend: sqlite, path: " + dir_.File("state.db") + " }\n" +
        "auth_policies:\n"
        "  ops: { token: \"env:OPS_TOKEN\", allowed_scopes: [chamber_status] }\n"
        "  vc: { token: \"env:VC_TOKEN\", allowed_scopes: [sign] }\n" +
        extra_yaml;
    dir_.Write("config.yaml", yaml);
    env["OPS_TOKEN"] = kOpsToken;
    env["VC_TOKEN"] = kVcToken;
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"server", "-c", dir_.File("config.yaml")}, env,
        dir_.File("server.log"));
    ASSERT_TRUE(server_->WaitReady(http_port_)) << server_->Log();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  TempDir dir_;
  int http_port_ = 0;
  int metrics_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ServerTest, UpcheckIsAlways200) {
  StartServer();
  auto r = Get(Url("/upcheck"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "OK");
}

TEST_F(ServerTest, HealthcheckIs503UntilTheSignerCanSign) {
  StartServer();
  auto r = Get(Url("/healthcheck"));
  EXPECT_EQ(r.status, 503);
  auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], "DOWN");
  EXPECT_EQ(j["seal"], "uninitialized");
}

TEST_F(ServerTest, StatusNeedsAChamberStatusToken) {
  StartServer();
  auto none = Get(Url("/api/v1/chamber/status"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(json::parse(none.body)["error"], "unauthenticated");
  auto wrong =
      Get(Url("/api/v1/chamber/status"), {{"Authorization", "Bearer not-a-valid-token-1234"}});
  EXPECT_EQ(wrong.status, 401);
  auto scope =
      Get(Url("/api/v1/chamber/status"), {{"Authorization", std::string("Bearer ") + kVcToken}});
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(json::parse(scope.body)["error"], "permission_denied");
}

TEST_F(ServerTest, StatusDocumentHasSealAndStateBackend) {
  StartServer();
  auto r =
      Get(Url("/api/v1/chamber/status"), {{"Authorization", std::string("Bearer ") + kOpsToken}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  auto j = json::parse(r.body);
  EXPECT_EQ(j["seal"]["status"], "uninitialized");
  EXPECT_EQ(j["seal"]["initialized"], false);
  EXPECT_EQ(j["state_backend"]["backend"], "sqlite");
  EXPECT_EQ(j["state_backend"]["path"], dir_.File("state.db"));
  // Basic auth with the token as password works too.
  auto basic = Get(Url("/api/v1/chamber/status"),
                   {{"Authorization", "Basic " + Base64Encode(std::string("ops:") + kOpsToken)}});
  EXPECT_EQ(basic.status, 200);
}

TEST_F(ServerTest, SigningIs503WhileNotUnsealed) {
  StartServer();
  auto r = Post(Url("/api/v1/eth2/sign/0xabc"), R"({"type":"ATTESTATION"})",
                {{"Authorization", std::string("Bearer ") + kVcToken}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["error"], "sealed");
  auto unauth = Post(Url("/api/v1/eth2/sign/0xabc"), "{}");
  EXPECT_EQ(unauth.status, 401);
}

TEST_F(ServerTest, UnknownRouteIsJson404) {
  StartServer();
  auto r = Get(Url("/nope"));
  EXPECT_EQ(r.status, 404);
  auto j = json::parse(r.body);
  EXPECT_EQ(j["error"], "not_found");
  EXPECT_FALSE(j["message"].get<std::string>().empty());
}

TEST_F(ServerTest, OversizedBodyIs413) {
  StartServer();
  std::string big(8192, 'x');
  auto r = Post(Url("/api/v1/eth2/sign/0xabc"), big,
                {{"Authorization", std::string("Bearer ") + kVcToken}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(json::parse(r.body)["error"], "payload_too_large");
}

// Two requests on one TCP connection, both answered.
TEST_F(ServerTest, KeepAliveServesSeveralRequestsPerConnection) {
  StartServer();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(http_port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = "GET /upcheck HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string got;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
    char buf[1024];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    size_t want = (i + 1);
    while (std::chrono::steady_clock::now() < deadline) {
      size_t count = 0;
      for (size_t p = got.find("HTTP/1.1 200"); p != std::string::npos;
           p = got.find("HTTP/1.1 200", p + 1))
        count++;
      if (count >= want && got.size() >= 2 && got.substr(got.size() - 2) == "OK") break;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, n);
    }
  }
  close(fd);
  size_t count = 0;
  for (size_t p = got.find("HTTP/1.1 200"); p != std::string::npos;
       p = got.find("HTTP/1.1 200", p + 1))
    count++;
  EXPECT_EQ(count, 2u) << got;
}

TEST_F(ServerTest, MetricsListenerServesPrometheusText) {
  StartServer();
  Get(Url("/upcheck"));
  auto r = Get("http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics");
  ASSERT_EQ(r.status, 200);
  for (const char* name :
       {"containment_signer_state{state=\"uninitialized\"} 1", "containment_healthy 0",
        "# TYPE containment_chamber_init_total counter", "containment_auth_rejections_total",
        "containment_http_request_duration_seconds_bucket{route=\"/upcheck\""}) {
    EXPECT_NE(r.body.find(name), std::string::npos) << name << "\n" << r.body;
  }
  // The API port does not serve metrics.
  EXPECT_EQ(Get(Url("/metrics")).status, 404);
}

TEST_F(ServerTest, SigtermShutsDownGracefully) {
  StartServer();
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  std::string log = server_->Log();
  EXPECT_NE(log.find("msg=\"shutting down\" signal=SIGTERM"), std::string::npos) << log;
  EXPECT_NE(log.find("msg=stopped"), std::string::npos) << log;
}

TEST_F(ServerTest, LogsNeverContainTokens) {
  StartServer();
  Get(Url("/api/v1/chamber/status"), {{"Authorization", std::string("Bearer ") + kOpsToken}});
  Get(Url("/api/v1/chamber/status"), {{"Authorization", "Bearer wrong-token-0123456789"}});
  server_->Stop(SIGTERM);
  std::string log = server_->Log();
  EXPECT_EQ(log.find(kOpsToken), std::string::npos);
  EXPECT_EQ(log.find(kVcToken), std::string::npos);
  EXPECT_EQ(log.find("wrong-token-0123456789"), std::string::npos);
  EXPECT_NE(log.find("msg=\"state backend\" backend=sqlite"), std::string::npos) << log;
}

TEST_F(ServerTest, SetupTokenIsLoggedWhateverTheLogLevel) {
  StartServer("", {{"CONTAINMENT_LOG", "error"}});
  std::string log = server_->Log();
  EXPECT_NE(log.find("level=warn component=seal"), std::string::npos) << log;
  EXPECT_NE(log.find("setup_token=cc-setup-"), std::string::npos) << log;
  EXPECT_EQ(log.find("level=info"), std::string::npos) << log;  // the level still applies otherwise
}

TEST_F(ServerTest, RefreshDisabledLogsAWarning) {
  StartServer("", {{"CONTAINMENT_SIGNER_STATE__REFRESH_INTERVAL_SECONDS", "0"}});
  server_->Stop(SIGTERM);
  EXPECT_NE(server_->Log().find(
                "level=warn component=server msg=\"signer_state.refresh_interval_seconds is 0"),
            std::string::npos)
      << server_->Log();
}

// --- bad configuration: one line naming the key, non-zero exit -------------

struct BadConfig {
  const char* yaml;
  const char* expected;
};

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, ExitsNonZeroWithOneLineNamingTheKey) {
  TempDir dir;
  dir.Write("config.yaml", GetParam().yaml);
  auto r = RunCli({"server", "-c", dir.File("config.yaml")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err, std::string("config error: ") + GetParam().expected + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Config, BadConfigTest,
    ::testing::Values(
        BadConfig{"server: { listen_prot: 1 }", "server.listen_prot: unknown configuration key"},
        BadConfig{"signer_state: { backend: dynamodb, table: t }\nkey_sources: { dynamodb: { "
                  "table: t } }",
                  "signer_state.table: 't' is also key_sources.dynamodb.table; the state backend "
                  "needs its own table"},
        BadConfig{"auth_policies: { ops: { token: tooshort } }",
                  "auth_policies.ops.token: token must be at least 16 characters"},
        BadConfig{"auth_policies: { ops: { token: \"env:CC_TEST_UNSET_VAR\" } }",
                  "auth_policies.ops.token: environment variable CC_TEST_UNSET_VAR is not set"},
        BadConfig{"tls: { mode: file }", "tls.file.cert_path: required when tls.mode is file"}));

TEST(ServerCliTest, FlagOverridesConfigAndEnvOverrideIsChecked) {
  TempDir dir;
  dir.Write("config.yaml", "server: { listen_port: 9000 }\n");
  auto r = RunCli({"server", "-c", dir.File("config.yaml"), "--server-listen-port", "99999"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err, "config error: server.listen_port: 99999 is out of range [1, 65535]\n");
  auto e = RunCli({"server", "-c", dir.File("config.yaml")}, {{"CONTAINMENT_TLS__MODES", "file"}});
  EXPECT_NE(e.exit_code, 0);
  EXPECT_EQ(e.err,
            "config error: tls.modes: unknown configuration key (from CONTAINMENT_TLS__MODES)\n");
}

TEST(ServerCliTest, PortInUseIsAClearError) {
  TempDir dir;
  int port = FreePort();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  dir.Write("config.yaml", "server: { listen_port: " + std::to_string(port) +
                               " }\nmetrics: { listen_port: " + std::to_string(FreePort()) +
                               " }\nsigner_state: { path: " + dir.File("s.db") + " }\n");
  auto r = RunCli({"server", "-c", dir.File("config.yaml")});
  close(fd);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot listen for the API (server.listen_port) on 127.0.0.1:" +
                       std::to_string(port)),
            std::string::npos)
      << r.err;
}

// --- HTTPS listener with certificate reload --------------------------------

std::string MakeCert(const TempDir& dir, const std::string& name) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
      dir.File(name + ".key") + " -out " + dir.File(name + ".crt") + " 2>/dev/null";
  if (system(cmd.c_str()) != 0) return "";
  return dir.File(name + ".crt");
}

// SHA-256 of the certificate the server presents on `port`.
std::string PeerFingerprint(int port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      X509* cert = SSL_get1_peer_certificate(ssl);
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int n = 0;
      X509_digest(cert, EVP_sha256(), md, &n);
      out = HexEncode(std::string_view(reinterpret_cast<char*>(md), n));
      X509_free(cert);
    }
    SSL_free(ssl);
  }
  close(fd);
  SSL_CTX_free(ctx);
  return out;
}

std::string FileFingerprint(const std::string& pem_path) {
  FILE* f = fopen(pem_path.c_str(), "r");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  X509_free(cert);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), n));
}

TEST_F(ServerTest, HttpsListenerServesTheSameApiAndReloadsCertificates) {
  std::string first = MakeCert(dir_, "first");
  std::string second = MakeCert(dir_, "second");
  ASSERT_FALSE(first.empty());
  // Serve from fixed paths that get atomically replaced.
  ASSERT_EQ(rename(dir_.File("first.crt").c_str(), dir_.File("tls.crt").c_str()), 0);
  ASSERT_EQ(rename(dir_.File("first.key").c_str(), dir_.File("tls.key").c_str()), 0);
  int https_port = FreePort();
  StartServer("tls: { mode: file, listen_port: " + std::to_string(https_port) +
              ", file: { cert_path: " + dir_.File("tls.crt") +
              ", key_path: " + dir_.File("tls.key") + ", reload_interval_seconds: 1 } }\n");
  std::string before = PeerFingerprint(https_port);
  ASSERT_EQ(before, FileFingerprint(dir_.File("tls.crt")));

  net::HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(https_port) + "/api/v1/chamber/status";
  req.ca_file = dir_.File("tls.crt");
  req.headers = {{"Authorization", std::string("Bearer ") + kOpsToken}};
  auto res = net::Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);

  std::string expected = FileFingerprint(second);
  ASSERT_EQ(rename(dir_.File("second.key").c_str(), dir_.File("tls.key").c_str()), 0);
  ASSERT_EQ(rename(second.c_str(), dir_.File("tls.crt").c_str()), 0);
  std::string after;
  EXPECT_TRUE(WaitUntil(
      [&] {
        after = PeerFingerprint(https_port);
        return after == expected;
      },
      std::chrono::seconds(6), std::chrono::milliseconds(100)));
  EXPECT_EQ(after, expected);
  EXPECT_NE(server_->Log().find("msg=\"certificate reloaded\""), std::string::npos);

  // A broken replacement keeps the previous certificate serving: once the
  // server has tried to load it (and said so), it still presents the old one.
  dir_.Write("tls.crt", "not a certificate");
  EXPECT_TRUE(WaitUntil(
      [&] { return server_->Log().find("certificate reload failed") != std::string::npos; },
      std::chrono::seconds(10)))
      << server_->Log();
  EXPECT_EQ(PeerFingerprint(https_port), expected);
}

}  // namespace
}  // namespace cc::testing
