// Each link of the credential chain against files and loopback servers that
// speak the real endpoints' shapes (STS XML, container JSON, IMDSv2).
#include "aws/credentials.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "support/harness.h"

namespace cc::aws {
namespace {

// A loopback HTTP server for one test.
class FakeEndpoint {
 public:
  FakeEndpoint() { server_.set_keep_alive_max_count(1); }
  httplib::Server& server() { return server_; }
  std::string Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  ~FakeEndpoint() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

Environment Isolated(Environment extra = {}) {
  // No HOME files and no IMDS unless a test adds them.
  Environment env{{"HOME", "/nonexistent"}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

TEST(CredentialChain, EnvironmentComesFirst) {
  FakeClock clock;
  DefaultCredentialChain chain(Isolated({{"AWS_ACCESS_KEY_ID", "AKENV"},
                                         {"AWS_SECRET_ACCESS_KEY", "secret"},
                                         {"AWS_SESSION_TOKEN", "tok"}}),
                               clock);
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKENV");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ(c->source, "env");
}

TEST(CredentialChain, HalfSetEnvironmentIsAnError) {
  FakeClock clock;
  DefaultCredentialChain chain(Isolated({{"AWS_ACCESS_KEY_ID", "AKENV"}}), clock);
  EXPECT_EQ(chain.Get().status().code(), ErrorCode::kInvalidArgument);
}

TEST(CredentialChain, SharedCredentialsAndConfigProfiles) {
  FakeClock clock;
  testing::TempDir dir;
  dir.Write("credentials",
            "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n"
            "[ops]\naws_access_key_id=AKOPS\naws_secret_access_key=s2\naws_session_token = t2\n");
  dir.Write("config",
            "[default]\nregion = us-east-1\n[profile cfgonly]\n"
            "aws_access_key_id = AKCFG\naws_secret_access_key = s3\n");
  Environment base = Isolated({{"AWS_SHARED_CREDENTIALS_FILE", dir.File("credentials")},
                               {"AWS_CONFIG_FILE", dir.File("config")}});
  {
    DefaultCredentialChain chain(base, clock);
    EXPECT_EQ(chain.Get()->access_key_id, "AKDEFAULT");
  }
  {
    Environment env = base;
    env["AWS_PROFILE"] = "ops";
    DefaultCredentialChain chain(env, clock);
    auto c = chain.Get();
    EXPECT_EQ(c->access_key_id, "AKOPS");
    EXPECT_EQ(c->session_token, "t2");
    EXPECT_EQ(c->source, "shared-file:ops");
  }
  {
    Environment env = base;
    env["AWS_PROFILE"] = "cfgonly";  // only in the config file, as [profile cfgonly]
    DefaultCredentialChain chain(env, clock);
    EXPECT_EQ(chain.Get()->access_key_id, "AKCFG");
  }
}

TEST(CredentialChain, WebIdentityCallsStsAndRefreshesBeforeExpiry) {
  FakeClock clock(1'764'072'000'000);  // 2025-11-25T12:00:00Z
  testing::TempDir dir;
  dir.Write("token", "eyJhbGciOi.fake.jwt\n");
  FakeEndpoint sts;
  int calls = 0;
  std::string last_body;
  sts.server().Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    last_body = req.body;
    res.set_content(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
        "<AccessKeyId>ASIAWEB" +
            std::to_string(calls) +
            "</AccessKeyId><SecretAccessKey>wsecret</SecretAccessKey>"
            "<SessionToken>wtoken</SessionToken><Expiration>2025-11-25T13:00:00Z</Expiration>"
            "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
        "text/xml");
  });
  std::string url = sts.Start();
  DefaultCredentialChain chain(Isolated({{"AWS_WEB_IDENTITY_TOKEN_FILE", dir.File("token")},
                                         {"AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/signer"},
                                         {"AWS_ENDPOINT_URL_STS", url}}),
                               clock);
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAWEB1");
  EXPECT_EQ(c->session_token, "wtoken");
  EXPECT_EQ(*c->expires_unix, 1'764'075'600);
  EXPECT_NE(last_body.find("Action=AssumeRoleWithWebIdentity"), std::string::npos);
  // The token is sent trimmed (no trailing newline from the file).
  EXPECT_TRUE(last_body.ends_with("&WebIdentityToken=eyJhbGciOi.fake.jwt")) << last_body;
  EXPECT_NE(last_body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fsigner"),
            std::string::npos);

  clock.Advance(std::chrono::minutes(30));
  EXPECT_EQ(chain.Get()->access_key_id, "ASIAWEB1");  // cached
  clock.Advance(std::chrono::minutes(26));            // within 5 minutes of expiry
  EXPECT_EQ(chain.Get()->access_key_id, "ASIAWEB2");
  EXPECT_EQ(calls, 2);
}

TEST(CredentialChain, ContainerEndpointWithAuthorizationToken) {
  FakeClock clock;
  FakeEndpoint ecs;
  ecs.server().Get("/creds", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer pod-token") {
      res.status = 401;
      return;
    }
    res.set_content(
        R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"esecret","Token":"etoken","Expiration":"2030-01-01T00:00:00Z"})",
        "application/json");
  });
  std::string url = ecs.Start();
  testing::TempDir dir;
  dir.Write("auth", "Bearer pod-token\n");
  DefaultCredentialChain chain(
      Isolated({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url + "/creds"},
                {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.File("auth")}}),
      clock);
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAECS");
  EXPECT_EQ(c->source, "container");

  DefaultCredentialChain wrong(Isolated({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url + "/creds"},
                                         {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer nope"}}),
                               clock);
  EXPECT_EQ(wrong.Get().status().code(), ErrorCode::kUnauthenticated);
}

TEST(CredentialChain, ImdsV2UsesASessionToken) {
  FakeClock clock;
  FakeEndpoint imds;
  imds.server().Put("/latest/api/token", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
      res.status = 400;
      return;
    }
    res.set_content("imds-session", "text/plain");
  });
  auto needs_token = [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-aws-ec2-metadata-token") != "imds-session") {
      res.status = 401;
      return false;
    }
    return true;
  };
  imds.server().Get("/latest/meta-data/iam/security-credentials/",
                    [&](const httplib::Request& req, httplib::Response& res) {
                      if (needs_token(req, res)) res.set_content("signer-role\n", "text/plain");
                    });
  imds.server().Get("/latest/meta-data/iam/security-credentials/signer-role", [&](const httplib::
                                                                                      Request& req,
                                                                                  httplib::Response&
                                                                                      res) {
    if (needs_token(req, res)) {
      res.set_content(
          R"({"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"isecret","Token":"itoken","Expiration":"2030-01-01T00:00:00Z"})",
          "application/json");
    }
  });
  std::string url = imds.Start();
  Environment env = Isolated({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", url}});
  env.erase("AWS_EC2_METADATA_DISABLED");
  DefaultCredentialChain chain(env, clock);
  auto c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->session_token, "itoken");
  EXPECT_EQ(c->source, "imds");
}

TEST(CredentialChain, NothingConfiguredNamesEverySourceTried) {
  FakeClock clock;
  DefaultCredentialChain chain(Isolated(), clock);
  auto c = chain.Get();
  ASSERT_EQ(c.status().code(), ErrorCode::kUnauthenticated);
  for (const char* s : {"env", "shared files", "web identity", "container", "imds"}) {
    EXPECT_NE(c.status().message().find(s), std::string::npos) << s << ": " << c.status().message();
  }
}

TEST(Iso8601, ParsesUtcTimes) {
  EXPECT_EQ(*ParseIso8601("2025-11-25T12:00:00Z"), 1'764'072'000);
  EXPECT_EQ(*ParseIso8601("2025-11-25T12:00:00.123Z"), 1'764'072'000);
  EXPECT_FALSE(ParseIso8601("yesterday").has_value());
}

}  // namespace
}  // namespace cc::aws
