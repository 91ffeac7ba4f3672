#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>

#include "support/harness.h"

namespace cc::config {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cc-config-XXXXXX";
    int fd = mkstemp(tmpl);
    ::close(fd);
    path_ = tmpl;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  Result<Config> LoadYaml(const std::string& yaml, std::map<std::string, std::string> env = {},
                          std::vector<std::pair<std::string, std::string>> cli = {}) {
    std::ofstream(path_, std::ios::trunc) << yaml;
    LoadOptions o;
    o.file = path_;
    o.environment = std::move(env);
    o.cli = std::move(cli);
    return Load(o);
  }

  std::string path_;
};

TEST_F(ConfigTest, DefaultsMatchTheSpec) {
  auto c = Load(LoadOptions{});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.listen_address, "127.0.0.1");
  EXPECT_EQ(c->server.listen_port, 9000);
  EXPECT_EQ(c->metrics.listen_port, 3000);
  EXPECT_EQ(c->tls.mode, "disabled");
  EXPECT_EQ(c->tls.listen_port, 9443);
  EXPECT_EQ(c->signer_state.backend, "sqlite");
  EXPECT_EQ(c->signer_state.path, "./data/state.db");
  EXPECT_EQ(c->signer_state.refresh_interval_seconds, 1);
  EXPECT_EQ(c->signer_state.unseal_timeout_minutes, 30);
  EXPECT_EQ(c->max_request_body_bytes, 1u << 20);
  EXPECT_EQ(c->unauthenticated_scopes, std::vector<std::string>{"upcheck"});
}

TEST_F(ConfigTest, ReadsTheSpecExample) {
  auto c = LoadYaml(R"(
server:        { listen_address: 127.0.0.1, listen_port: 9100 }
metrics:       { listen_address: 127.0.0.1, listen_port: 3100 }
tls:           { mode: disabled, listen_port: 9443, file: { cert_path: , key_path: , reload_interval_seconds: 60 } }
tee:           { platform: none }
signer_state:
  backend: dynamodb
  table: containment-state
  region: eu-west-1
  endpoint_url: http://127.0.0.1:8000
  refresh_interval_seconds: 2
  unseal_timeout_minutes: 15
kms:
  aws:    { region: us-east-1, endpoint_url: }
  pkcs11: { module: /usr/lib/softhsm/libsofthsm2.so, token_label: chamber, pin: "env:HSM_PIN" }
  local:  { key_file: ./data/dev-kms.key }
key_sources:   { dynamodb: { table: containment-keys } }
anti_slashing: { backend: dynamodb, table: containment-slashing }
auth_policies:
  ops-team: { token: "env:CC_AUTH_TOKEN", allowed_scopes: [chamber_status, chamber_seal, chamber_rotate] }
unauthenticated_policy: { allowed_scopes: [upcheck] }
)",
                    {{"HSM_PIN", "1234"}, {"CC_AUTH_TOKEN", "ops-token-0123456789"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.listen_port, 9100);
  EXPECT_EQ(c->signer_state.backend, "dynamodb");
  EXPECT_EQ(c->signer_state.region, "eu-west-1");
  EXPECT_EQ(c->signer_state.endpoint_url, "http://127.0.0.1:8000");
  EXPECT_EQ(c->signer_state.refresh_interval_seconds, 2);
  EXPECT_EQ(c->kms.pkcs11_pin, "1234");
  ASSERT_EQ(c->auth_policies.size(), 1u);
  EXPECT_EQ(c->auth_policies[0].name, "ops-team");
  EXPECT_EQ(c->auth_policies[0].token, "ops-token-0123456789");
  EXPECT_EQ(c->auth_policies[0].allowed_scopes->size(), 3u);
}

TEST_F(ConfigTest, UnknownKeyIsRejectedWithItsPath) {
  auto c = LoadYaml("signer_state:\n  refresh_interval: 5\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "signer_state.refresh_interval: unknown configuration key");
}

TEST_F(ConfigTest, UnknownTopLevelSectionIsRejected) {
  auto c = LoadYaml("servr: { listen_port: 1 }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "servr: unknown configuration key");
}

TEST_F(ConfigTest, UnknownPolicyKeyIsRejected) {
  auto c = LoadYaml("auth_policies:\n  ops: { token: abcdefghijklmnop1, scopes: [sign] }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "auth_policies.ops.scopes: unknown configuration key");
}

TEST_F(ConfigTest, EnvironmentOverridesFile) {
  auto c = LoadYaml("server: { listen_port: 9100 }\n",
                    {{"CONTAINMENT_SERVER__LISTEN_PORT", "9200"},
                     {"CONTAINMENT_SIGNER_STATE__REFRESH_INTERVAL_SECONDS", "7"},
                     {"CONTAINMENT_LOG", "debug"}});  // no "__": not an override
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.listen_port, 9200);
  EXPECT_EQ(c->signer_state.refresh_interval_seconds, 7);
}

TEST_F(ConfigTest, CliOverridesEnvironment) {
  auto c =
      LoadYaml("server: { listen_port: 9100 }\n", {{"CONTAINMENT_SERVER__LISTEN_PORT", "9200"}},
               {{"server.listen_port", "9300"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.listen_port, 9300);
}

TEST_F(ConfigTest, UnknownEnvironmentOverrideIsRejected) {
  auto c = LoadYaml("", {{"CONTAINMENT_SERVER__LISTEN_PROT", "9200"}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "server.listen_prot: unknown configuration key (from CONTAINMENT_SERVER__LISTEN_PROT)");
}

TEST_F(ConfigTest, EnvListOverrideIsCommaSeparated) {
  auto c =
      LoadYaml("", {{"CONTAINMENT_UNAUTHENTICATED_POLICY__ALLOWED_SCOPES", "upcheck,public_keys"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->unauthenticated_scopes, (std::vector<std::string>{"upcheck", "public_keys"}));
}

TEST_F(ConfigTest, MissingEnvSecretNamesTheVariable) {
  auto c = LoadYaml("auth_policies:\n  ops: { token: \"env:NOT_SET_ANYWHERE\" }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "auth_policies.ops.token: environment variable NOT_SET_ANYWHERE is not set");
}

TEST_F(ConfigTest, StateTableMustDifferFromKeyTable) {
  auto c = LoadYaml(
      "signer_state: { backend: dynamodb, table: shared }\nkey_sources: { dynamodb: { table: "
      "shared } }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(
      c.status().message().find("signer_state.table: 'shared' is also key_sources.dynamodb.table"),
      std::string::npos)
      << c.status().message();
}

TEST_F(ConfigTest, StateTableMustDifferFromSlashingTable) {
  auto c = LoadYaml(
      "signer_state: { backend: dynamodb, table: shared }\nanti_slashing: { backend: dynamodb, "
      "table: shared }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("is also anti_slashing.table"), std::string::npos);
}

TEST_F(ConfigTest, ShortStaticTokenIsRejectedWithoutEchoingIt) {
  auto c = LoadYaml("auth_policies:\n  ops: { token: short-secret }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "auth_policies.ops.token: token must be at least 16 characters");
  EXPECT_EQ(c.status().message().find("short-secret"), std::string::npos);
}

TEST_F(ConfigTest, StaticTokenAlphabetIsEnforced) {
  auto c = LoadYaml("auth_policies:\n  ops: { token: \"abcdefghijklmnop_q\" }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "auth_policies.ops.token: token may contain only letters, digits and dashes");
}

TEST_F(ConfigTest, DuplicateStaticTokensAreRejected) {
  auto c = LoadYaml(
      "auth_policies:\n  a: { token: abcdefghijklmnop1 }\n  b: { token: abcdefghijklmnop1 }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "auth_policies.b.token: same token as auth_policies.a.token");
}

TEST_F(ConfigTest, UnknownScopeIsRejected) {
  auto c = LoadYaml("auth_policies:\n  a: { token: abcdefghijklmnop1, allowed_scopes: [sing] }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "auth_policies.a.allowed_scopes: unknown scope 'sing'");
}

TEST_F(ConfigTest, BadValuesNameTheirKey) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"server: { listen_port: 70000 }", "server.listen_port: 70000 is out of range [1, 65535]"},
      {"server: { listen_port: nine }", "server.listen_port: expected an integer, got 'nine'"},
      {"signer_state: { backend: redis }",
       "signer_state.backend: 'redis' is not one of: sqlite, dynamodb, memory"},
      {"tls: { mode: atls }", "tls.mode: 'atls' is not one of: disabled, file"},
      {"tls: { mode: file }", "tls.file.cert_path: required when tls.mode is file"},
      {"tee: { platform: sgx }", "tee.platform: 'sgx' is not one of: none, nitro"},
      {"signer_state: { refresh_interval_seconds: -1 }",
       "signer_state.refresh_interval_seconds: -1 is out of range [0, 3600]"},
      {"server: 5", "server: expected a map of settings"},
      {"server: { listen_port: [1, 2] }", "server.listen_port: expected an integer"},
  };
  for (const auto& tc : cases) {
    auto c = LoadYaml(tc.yaml);
    ASSERT_FALSE(c.ok()) << tc.yaml;
    EXPECT_EQ(c.status().message(), tc.message) << tc.yaml;
  }
}

TEST_F(ConfigTest, HttpFrontEndDefaultsAndOverrides) {
  auto d = Load(LoadOptions{});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->http.io_threads, 0);  // one per core
  EXPECT_EQ(d->http.max_connections, 4096);
  EXPECT_EQ(d->http.header_timeout_seconds, 10);
  EXPECT_EQ(d->http.max_header_bytes, 16384);
  EXPECT_EQ(d->http.max_headers, 100);
  EXPECT_FALSE(d->http.allow_plaintext_ceremonies);
  auto c = LoadYaml(
      "server: { io_threads: 3, max_connections: 100, header_timeout_seconds: 2, "
      "max_header_bytes: 4096, max_headers: 20, allow_plaintext_ceremonies: true }\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->http.io_threads, 3);
  EXPECT_EQ(c->http.max_connections, 100);
  EXPECT_EQ(c->http.header_timeout_seconds, 2);
  EXPECT_EQ(c->http.max_header_bytes, 4096);
  EXPECT_EQ(c->http.max_headers, 20);
  EXPECT_TRUE(c->http.allow_plaintext_ceremonies);
  auto bad = LoadYaml("server: { allow_plaintext_ceremonies: yes please }\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "server.allow_plaintext_ceremonies: expected true or false, got 'yes please'");
}

TEST_F(ConfigTest, PortZeroMeansAFreePortAndNeverCollides) {
  auto c = LoadYaml(
      "server: { listen_port: 0 }\nmetrics: { listen_port: 0 }\n"
      "tls: { mode: file, listen_port: 0, file: { cert_path: c, key_path: k } }\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.listen_port, 0);
  EXPECT_EQ(c->metrics.listen_port, 0);
  EXPECT_EQ(c->tls.listen_port, 0);
}

TEST_F(ConfigTest, ListenersNeedTheirOwnPorts) {
  auto m = LoadYaml("server: { listen_port: 9100 }\nmetrics: { listen_port: 9100 }\n");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "metrics.listen_port: 9100 is also server.listen_port; each listener needs its own "
            "port");
  auto t = LoadYaml(
      "server: { listen_port: 9100 }\n"
      "tls: { mode: file, listen_port: 9100, file: { cert_path: c, key_path: k } }\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "tls.listen_port: 9100 is also server.listen_port; each listener needs its own port");
  // The TLS port does not matter while TLS is disabled.
  EXPECT_TRUE(LoadYaml("server: { listen_port: 9443 }\n").ok());
}

TEST_F(ConfigTest, MalformedYamlGivesLine) {
  auto c = LoadYaml("server:\n  listen_port: [1\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("invalid YAML at line"), std::string::npos);
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  LoadOptions o;
  o.file = "/nonexistent/config.yaml";
  auto c = Load(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "/nonexistent/config.yaml: cannot read configuration file");
}

// Every fixed key of the configuration (SPEC section 2), written out here
// independently of the key table in config.cc: each must have a server flag
// that really sets it. A key added to the product without a flag, a flag
// that sets nothing, or a flag the server command does not accept fails.
struct FixedKey {
  const char* path;
  const char* value;                               // differs from the default
  std::function<std::string(const Config&)> read;  // the field the flag must set
};

std::string Str(int v) { return std::to_string(v); }
std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

const std::vector<FixedKey>& FixedKeys() {
  static const std::vector<FixedKey> keys = {
      {"server.listen_address", "127.0.0.2",
       [](const Config& c) { return c.server.listen_address; }},
      {"server.listen_port", "9101", [](const Config& c) { return Str(c.server.listen_port); }},
      {"server.max_request_body_bytes", "2048",
       [](const Config& c) { return Str(static_cast<int>(c.max_request_body_bytes)); }},
      {"server.io_threads", "3", [](const Config& c) { return Str(c.http.io_threads); }},
      {"server.worker_threads", "5", [](const Config& c) { return Str(c.http.worker_threads); }},
      {"server.worker_queue", "77", [](const Config& c) { return Str(c.http.worker_queue); }},
      {"server.max_connections", "200",
       [](const Config& c) { return Str(c.http.max_connections); }},
      {"server.max_connections_per_address", "20",
       [](const Config& c) { return Str(c.http.max_connections_per_address); }},
      {"server.header_timeout_seconds", "4",
       [](const Config& c) { return Str(c.http.header_timeout_seconds); }},
      {"server.body_timeout_seconds", "11",
       [](const Config& c) { return Str(c.http.body_timeout_seconds); }},
      {"server.idle_timeout_seconds", "12",
       [](const Config& c) { return Str(c.http.idle_timeout_seconds); }},
      {"server.max_header_bytes", "4096",
       [](const Config& c) { return Str(c.http.max_header_bytes); }},
      {"server.max_headers", "40", [](const Config& c) { return Str(c.http.max_headers); }},
      {"server.allow_plaintext_ceremonies", "true",
       [](const Config& c) {
         return std::string(c.http.allow_plaintext_ceremonies ? "true" : "false");
       }},
      {"metrics.listen_address", "127.0.0.3",
       [](const Config& c) { return c.metrics.listen_address; }},
      {"metrics.listen_port", "3101", [](const Config& c) { return Str(c.metrics.listen_port); }},
      {"tls.mode", "file", [](const Config& c) { return c.tls.mode; }},
      {"tls.listen_port", "9444", [](const Config& c) { return Str(c.tls.listen_port); }},
      {"tls.file.cert_path", "/etc/cc/tls.crt", [](const Config& c) { return c.tls.cert_path; }},
      {"tls.file.key_path", "/etc/cc/tls.key", [](const Config& c) { return c.tls.key_path; }},
      {"tls.file.reload_interval_seconds", "7",
       [](const Config& c) { return Str(c.tls.reload_interval_seconds); }},
      {"tee.platform", "nitro", [](const Config& c) { return c.tee_platform; }},
      {"signer_state.backend", "dynamodb", [](const Config& c) { return c.signer_state.backend; }},
      {"signer_state.path", "/var/lib/cc/state.db",
       [](const Config& c) { return c.signer_state.path; }},
      {"signer_state.table", "cc-state-flag", [](const Config& c) { return c.signer_state.table; }},
      {"signer_state.region", "eu-north-1", [](const Config& c) { return c.signer_state.region; }},
      {"signer_state.endpoint_url", "http://127.0.0.1:8000",
       [](const Config& c) { return c.signer_state.endpoint_url; }},
      {"signer_state.refresh_interval_seconds", "3",
       [](const Config& c) { return Str(c.signer_state.refresh_interval_seconds); }},
      {"signer_state.unseal_timeout_minutes", "45",
       [](const Config& c) { return Str(c.signer_state.unseal_timeout_minutes); }},
      {"kms.aws.region", "ap-south-1", [](const Config& c) { return c.kms.aws_region; }},
      {"kms.aws.endpoint_url", "http://127.0.0.1:4566",
       [](const Config& c) { return c.kms.aws_endpoint_url; }},
      {"kms.pkcs11.module", "/opt/hsm/lib.so", [](const Config& c) { return c.kms.pkcs11_module; }},
      {"kms.pkcs11.token_label", "chamber-hsm",
       [](const Config& c) { return c.kms.pkcs11_token_label; }},
      {"kms.pkcs11.pin", "9876", [](const Config& c) { return c.kms.pkcs11_pin; }},
      {"kms.local.key_file", "/var/lib/cc/dev.key",
       [](const Config& c) { return c.kms.local_key_file; }},
      {"key_sources.dynamodb.table", "cc-keys-flag",
       [](const Config& c) { return c.key_source_table; }},
      {"anti_slashing.backend", "dynamodb",
       [](const Config& c) { return c.anti_slashing_backend; }},
      {"anti_slashing.table", "cc-slashing-flag",
       [](const Config& c) { return c.anti_slashing_table; }},
      {"unauthenticated_policy.allowed_scopes", "upcheck,public_keys",
       [](const Config& c) { return Joined(c.unauthenticated_scopes); }},
  };
  return keys;
}

TEST_F(ConfigTest, CliFlagsCoverEveryFixedKey) {
  std::map<std::string, std::string> by_path;
  for (const auto& [flag, path] : CliFlagPaths()) {
    EXPECT_EQ(path.find('*'), std::string::npos) << flag;
    EXPECT_TRUE(by_path.emplace(path, flag).second) << path << " has two flags";
  }
  LoadOptions o;
  for (const FixedKey& k : FixedKeys()) {
    std::string flag = k.path;
    std::replace(flag.begin(), flag.end(), '.', '-');
    std::replace(flag.begin(), flag.end(), '_', '-');
    auto it = by_path.find(k.path);
    ASSERT_NE(it, by_path.end()) << k.path << " has no CLI flag";
    EXPECT_EQ(it->second, flag);
    by_path.erase(it);
    o.cli.emplace_back(k.path, k.value);
  }
  EXPECT_TRUE(by_path.empty()) << "flags for keys this test does not know: "
                               << by_path.begin()->first << " (add them to FixedKeys)";
  // Every flag sets its field: all at once (one consistent configuration).
  auto c = Load(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Config defaults = *Load(LoadOptions{});
  for (const FixedKey& k : FixedKeys()) {
    EXPECT_EQ(k.read(*c), k.value) << "--" << k.path << " did not set the value";
    EXPECT_NE(k.read(defaults), k.value) << k.path << ": pick a value that is not the default";
  }
}

TEST_F(ConfigTest, TheServerCommandAcceptsEveryFlag) {
  auto help = testing::RunCli({"server", "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  for (const auto& [flag, path] : CliFlagPaths()) {
    EXPECT_NE(help.out.find("--" + flag + " "), std::string::npos)
        << "--" << flag << " (" << path << ") missing from `server --help`:\n"
        << help.out;
  }
}

}  // namespace
}  // namespace cc::config

namespace cc::config {
namespace {

TEST(ConfigSecrets, StateToolsNeedNoSecretVariables) {
  LoadOptions o;
  o.cli = {{"kms.pkcs11.pin", "env:HSM_PIN_UNSET"}};
  o.environment = {{"CONTAINMENT_AUTH_POLICIES__OPS__TOKEN", "env:OPS_TOKEN_UNSET"}};
  auto server = Load(o);  // the server must have them
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("is not set"), std::string::npos)
      << server.status().message();
  o.resolve_secrets = false;
  auto c = Load(o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->auth_policies.empty());
  EXPECT_TRUE(c->kms.pkcs11_pin.empty());
}

// Management scopes need a token: anonymous callers must never reach the
// Auth API, a seal or status.
TEST_F(ConfigTest, UnauthenticatedPolicyCannotGrantManagementScopes) {
  for (const char* scope : {"chamber_auth", "chamber_seal", "chamber_status", "chamber_rotate"}) {
    auto c = LoadYaml(std::string("unauthenticated_policy: { allowed_scopes: [upcheck, ") + scope +
                      "] }\n");
    ASSERT_FALSE(c.ok()) << scope;
    EXPECT_NE(c.status().message().find("unauthenticated_policy.allowed_scopes: '" +
                                        std::string(scope) + "' cannot be granted"),
              std::string::npos)
        << c.status().message();
  }
  EXPECT_TRUE(
      LoadYaml("unauthenticated_policy: { allowed_scopes: [upcheck, sign, public_keys] }\n").ok());
}

// `allowed_scopes: []` is an explicit empty list, not "absent" (every scope).
TEST_F(ConfigTest, AnEmptyScopeListIsKeptApartFromAnOmittedOne) {
  auto c = LoadYaml(
      "auth_policies:\n  none: { token: abcdefghijklmnop1, allowed_scopes: [] }\n"
      "  all: { token: abcdefghijklmnop2 }\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::map<std::string, config::StaticPolicy> by_name;
  for (const auto& p : c->auth_policies) by_name[p.name] = p;
  ASSERT_TRUE(by_name["none"].allowed_scopes.has_value());
  EXPECT_TRUE(by_name["none"].allowed_scopes->empty());
  EXPECT_FALSE(by_name["all"].allowed_scopes.has_value());
}

// A second `signer_state:` once switched the backend to memory silently.
TEST_F(ConfigTest, ADuplicateKeyIsRefusedNamingIt) {
  auto c = LoadYaml(
      "signer_state: { backend: sqlite, path: /tmp/x.db }\nsigner_state: { backend: memory }\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("signer_state: appears twice"), std::string::npos)
      << c.status().message();
  auto nested = LoadYaml("server: { listen_port: 9000, listen_port: 9001 }\n");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("server.listen_port: appears twice"), std::string::npos)
      << nested.status().message();
}

// A YAML complex key once aborted the process.
TEST_F(ConfigTest, AComplexKeyIsAClearError) {
  auto c = LoadYaml("? [a, b]\n: 1\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("keys must be plain names"), std::string::npos)
      << c.status().message();
}

// The kms: section names the providers this process may use.
TEST_F(ConfigTest, KmsProvidersAreTheSectionsPresent) {
  auto none = LoadYaml("server: { listen_port: 9000 }\n");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->kms.providers, std::vector<std::string>{"local"});
  auto prod = LoadYaml("kms: { aws: { region: us-east-1 }, pkcs11: { token_label: t } }\n");
  ASSERT_TRUE(prod.ok()) << prod.status().ToString();
  EXPECT_EQ(prod->kms.providers, (std::vector<std::string>{"aws", "pkcs11"}));
}

}  // namespace
}  // namespace cc::config
