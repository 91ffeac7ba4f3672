// The test infrastructure tested: the KMS double refuses what AWS refuses,
// the fault proxy loses replies the way it says, the harness fails a test on
// a sanitizer finding in a child process, and replicas' ports can be read
// back from the signer's `listening` line.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "common/encoding.h"
#include "crypto/hmac.h"
#include "support/fault_proxy.h"
#include "support/replica.h"
#include "support/test_servers.h"

namespace cc::testing {
namespace {

using nlohmann::json;

const std::string kArn = "arn:aws:kms:us-east-1:111122223333:key/infra";

// --- the KMS test double ---------------------------------------------------

// The Authorization header for `canonical` (a canonical request) signed at
// `when` with the double's key: the signer's own key derivation, for a
// canonical request the signer cannot produce (one without x-amz-date).
std::string AuthorizationFor(const std::string& canonical, int64_t when) {
  const std::string amz_date = aws::AmzDate(when);
  const std::string scope = amz_date.substr(0, 8) + "/us-east-1/kms/aws4_request";
  std::string key =
      crypto::HmacSha256(std::string("AWS4") + KmsDouble::kSecretKey, amz_date.substr(0, 8));
  for (const char* part : {"us-east-1", "kms", "aws4_request"}) key = crypto::HmacSha256(key, part);
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + HexEncode(crypto::Sha256(canonical));
  std::string signed_headers = canonical.substr(0, canonical.rfind('\n'));
  signed_headers = signed_headers.substr(signed_headers.rfind('\n') + 1);
  return "AWS4-HMAC-SHA256 Credential=" + std::string(KmsDouble::kAccessKey) + "/" + scope +
         ", SignedHeaders=" + signed_headers +
         ", Signature=" + HexEncode(crypto::HmacSha256(key, to_sign));
}

// A KMS Encrypt request to `url` signed with the product's SigV4 signer,
// `skew_seconds` away from now, with `unsigned_header` (if any) left out of
// SignedHeaders but still sent.
net::HttpRequest SignedEncrypt(const std::string& url, const std::string& unsigned_header,
                               int64_t skew_seconds = 0) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = url + "/";
  req.body = json{{"KeyId", kArn}, {"Plaintext", Base64Encode("infra test")}}.dump();
  const net::Headers all = {{"Content-Type", "application/x-amz-json-1.1"},
                            {"X-Amz-Target", "TrentService.Encrypt"}};
  for (const auto& h : all) {
    if (h.first != unsigned_header) req.headers.push_back(h);
  }
  aws::Credentials creds{KmsDouble::kAccessKey, KmsDouble::kSecretKey, "", std::nullopt, "test"};
  const int64_t when = SystemClock::Get()->NowUnixSeconds() + skew_seconds;
  aws::SigningParts parts = aws::SignV4(req, creds, "kms", "us-east-1", when);
  for (const auto& h : all) {
    if (h.first == unsigned_header) req.headers.push_back(h);  // sent, not signed
  }
  if (unsigned_header == "X-Amz-Date") {
    // The signer always signs X-Amz-Date: drop it from its canonical request
    // (header line and SignedHeaders) and sign that.
    std::string canonical = parts.canonical_request;
    auto line = canonical.find("x-amz-date:");
    canonical.erase(line, canonical.find('\n', line) + 1 - line);
    canonical.erase(canonical.find(";x-amz-date"), std::string(";x-amz-date").size());
    for (auto& [k, v] : req.headers) {
      if (k == "Authorization") v = AuthorizationFor(canonical, when);
    }
  }
  return req;
}

struct KmsAnswer {
  long status;
  std::string type, message;
};
KmsAnswer Ask(const net::HttpRequest& req) {
  auto r = net::Send(req);
  if (!r.ok()) return {0, "transport", r.status().ToString()};
  json body = json::parse(r->body, nullptr, false);
  if (!body.is_object()) return {r->status, "", r->body};
  return {r->status, body.value("__type", ""), body.value("message", "")};
}

class KmsDoubleTest : public ::testing::Test {
 protected:
  KmsDouble kms_{{kArn}};
};

TEST_F(KmsDoubleTest, AcceptsAFullySignedRequest) {
  KmsAnswer a = Ask(SignedEncrypt(kms_.endpoint(), ""));
  EXPECT_EQ(a.status, 200) << a.type << ": " << a.message;
  EXPECT_EQ(kms_.Stats()["bad_signatures"], 0);
  // The hand signing used for the X-Amz-Date case below is the signer's own.
  net::HttpRequest req;
  req.method = "POST";
  req.url = kms_.endpoint() + "/";
  req.body = "{}";
  req.headers = {{"X-Amz-Target", "TrentService.Encrypt"}};
  aws::Credentials creds{KmsDouble::kAccessKey, KmsDouble::kSecretKey, "", std::nullopt, "t"};
  auto parts = aws::SignV4(req, creds, "kms", "us-east-1", 1'700'000'000);
  EXPECT_EQ(AuthorizationFor(parts.canonical_request, 1'700'000'000), parts.authorization);
}

TEST_F(KmsDoubleTest, RefusesASignatureThatLeavesOutARequiredHeader) {
  for (const std::string header : {"X-Amz-Target", "Content-Type", "X-Amz-Date"}) {
    KmsAnswer a = Ask(SignedEncrypt(kms_.endpoint(), header));
    EXPECT_EQ(a.status, 400) << header;
    EXPECT_EQ(a.type, "IncompleteSignatureException") << header << ": " << a.message;
    std::string lower = header;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(a.message.find("'" + lower + "' must be a 'SignedHeader'"), std::string::npos)
        << header << ": " << a.message;
  }
  EXPECT_EQ(kms_.Stats()["bad_signatures"], 3);
  EXPECT_EQ(kms_.Stats()["by_op"].value("Encrypt", 0), 3);
}

TEST_F(KmsDoubleTest, RefusesASignatureMoreThanFiveMinutesOff) {
  KmsAnswer old = Ask(SignedEncrypt(kms_.endpoint(), "", -6 * 60));
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(old.type, "InvalidSignatureException");
  EXPECT_NE(old.message.find("Signature expired"), std::string::npos) << old.message;
  KmsAnswer future = Ask(SignedEncrypt(kms_.endpoint(), "", 6 * 60));
  EXPECT_EQ(future.type, "InvalidSignatureException");
  EXPECT_NE(future.message.find("Signature not yet current"), std::string::npos) << future.message;
  // Inside the window (4 minutes either way): accepted.
  EXPECT_EQ(Ask(SignedEncrypt(kms_.endpoint(), "", -4 * 60)).status, 200);
  EXPECT_EQ(Ask(SignedEncrypt(kms_.endpoint(), "", 4 * 60)).status, 200);
}

// --- the fault proxy -------------------------------------------------------

TEST_F(KmsDoubleTest, ProxyForwardsTransparentlySignaturesIncluded) {
  // Signed for the proxy's host: the proxy keeps the Host header it was sent,
  // which the double checks against the signature.
  FaultProxy proxy(kms_.endpoint());
  KmsAnswer a = Ask(SignedEncrypt(proxy.endpoint(), ""));
  EXPECT_EQ(a.status, 200) << a.type << ": " << a.message;
  EXPECT_EQ(proxy.forwarded(), 1);
  ASSERT_EQ(proxy.Exchanges().size(), 1u);
  EXPECT_EQ(proxy.Exchanges()[0].target, "TrentService.Encrypt");
  EXPECT_EQ(proxy.Exchanges()[0].status, 200);
  EXPECT_FALSE(proxy.Exchanges()[0].reply_lost);
}

TEST_F(KmsDoubleTest, ProxyLosesRepliesAfterTheUpstreamActed) {
  FaultProxy proxy(kms_.endpoint());
  auto send = [&] { return net::Send(SignedEncrypt(proxy.endpoint(), "")); };
  auto upstream_requests = [&] { return kms_.Stats()["requests"].get<int>(); };

  // Dropped connection: the client sees a transport error; the double saw it.
  proxy.LoseRepliesAfterForwarding(FaultProxy::Fault::kDropConnection, 1);
  auto dropped = send();
  EXPECT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(upstream_requests(), 1);
  // Broken reply: "200" and half a body, then the connection closes.
  proxy.LoseRepliesAfterForwarding(FaultProxy::Fault::kBrokenResponse, 1);
  auto broken = send();
  EXPECT_FALSE(broken.ok()) << (broken.ok() ? broken->body : "");
  EXPECT_EQ(upstream_requests(), 2);
  EXPECT_EQ(proxy.replies_lost(), 2);
  // Only matching targets...
  proxy.LoseRepliesAfterForwarding(FaultProxy::Fault::kDropConnection, 2, "TrentService.Decrypt");
  EXPECT_TRUE(send().ok()) << "an Encrypt does not match";
  EXPECT_EQ(proxy.replies_lost(), 2);
  // ...and only the next N.
  proxy.LoseRepliesAfterForwarding(FaultProxy::Fault::kDropConnection, 2);
  EXPECT_FALSE(send().ok());
  EXPECT_FALSE(send().ok());
  EXPECT_TRUE(send().ok()) << "only the next 2";
  EXPECT_EQ(proxy.replies_lost(), 4);
  EXPECT_EQ(upstream_requests(), 6);
  int lost = 0;
  for (const auto& ex : proxy.Exchanges()) lost += ex.reply_lost;
  EXPECT_EQ(lost, 4);
}

// --- sanitizer findings in child processes ----------------------------------

// Runs the canary in `mode` as a checked child until it is ready, then lets
// it go out of scope (SIGTERM, wait, scan its output).
void RunCanary(const std::string& mode, const TempDir& dir) {
  CheckedProcess canary(CC_SANITIZER_CANARY, {mode}, {}, dir.File(mode + ".log"));
  ASSERT_TRUE(WaitUntil([&] { return canary.Log().find("ready") != std::string::npos; },
                        std::chrono::seconds(10)))
      << canary.Log();
  if (mode == "ub") {
    ASSERT_TRUE(WaitUntil([&] { return !canary.Running(); }, std::chrono::seconds(10)));
  }
}

TEST(SanitizerCheck, ACleanChildPasses) {
  TempDir dir;
  RunCanary("clean", dir);  // a failure here would fail this test
  EXPECT_NE(ReadFile(dir.File("clean.log")).find("stopped"), std::string::npos)
      << "stopped by SIGTERM, not killed";
  EXPECT_TRUE(SanitizerReports(ReadFile(dir.File("clean.log"))).empty());
}

TEST(SanitizerCheck, ALeakInAChildStoppedAtTheEndFailsTheTest) {
  TempDir dir;
  EXPECT_NONFATAL_FAILURE(RunCanary("leak", dir), "ERROR: LeakSanitizer");
  std::string log = ReadFile(dir.File("leak.log"));
  EXPECT_NE(log.find("stopped"), std::string::npos) << "SIGTERM lets LeakSanitizer run:\n" << log;
}

TEST(SanitizerCheck, UndefinedBehaviourInAChildFailsTheTest) {
  TempDir dir;
  EXPECT_NONFATAL_FAILURE(RunCanary("ub", dir), "runtime error:");
}

TEST(SanitizerCheck, ReportsAreFoundInALog) {
  EXPECT_TRUE(SanitizerReports("level=info msg=listening\nall fine\n").empty());
  auto r = SanitizerReports(
      "x\n==12==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n    #0 Foo\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("#0 Foo"), std::string::npos) << r[0];
  EXPECT_EQ(SanitizerReports("a.cc:3:7: runtime error: signed integer overflow").size(), 1u);
}

// --- replicas' ports ----------------------------------------------------------

TEST(ReplicaPorts, TheListeningLineNamesThePortsTheReplicaServes) {
  TempDir dir;
  Replica r(dir, "ports", SqliteStateYaml(dir.File("s.db")));
  r.Start();
  auto [http, metrics] = ListeningPorts(r.Log());
  ASSERT_GT(http, 0) << r.Log();
  ASSERT_GT(metrics, 0) << r.Log();
  EXPECT_EQ(r.Url(), "http://127.0.0.1:" + std::to_string(http));
  EXPECT_EQ(r.MetricsUrl(), "http://127.0.0.1:" + std::to_string(metrics) + "/metrics");
  EXPECT_EQ(Get("http://127.0.0.1:" + std::to_string(http) + "/upcheck").status, 200);
  EXPECT_EQ(Get("http://127.0.0.1:" + std::to_string(metrics) + "/metrics").status, 200);
  EXPECT_EQ(ListeningPorts("no such line\n"), (std::pair<int, int>{0, 0}));
}

}  // namespace
}  // namespace cc::testing
