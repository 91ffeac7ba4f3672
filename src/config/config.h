// Server configuration (SPEC section 2): YAML file, then CONTAINMENT_<SECTION>__<KEY>
// environment overrides, then CLI flag overrides. `env:NAME` values are read from
// the environment. Unknown keys are rejected with their full path.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace cc::config {

struct ListenConfig {
  std::string listen_address = "127.0.0.1";
  int listen_port = 0;
};

// server.* settings of the HTTP front end (docs/http-server.md).
struct HttpConfig {
  int io_threads = 0;  // 0 = one per core
  int worker_threads = 4;
  int worker_queue = 64;  // requests waiting for a worker; more get 503 overloaded
  int max_connections = 4096;
  int max_connections_per_address = 1024;
  int header_timeout_seconds = 10;  // the whole request head, from its first byte
  int body_timeout_seconds = 30;    // the whole body, after the head
  int idle_timeout_seconds = 60;    // keep-alive wait for the next request
  int max_header_bytes = 16 * 1024;
  int max_headers = 100;
  // With tls.mode: file, init/register/unseal/root-token are HTTPS-only unless true.
  bool allow_plaintext_ceremonies = false;
};

struct TlsConfig {
  std::string mode = "disabled";  // disabled | file
  int listen_port = 9443;
  std::string cert_path;
  std::string key_path;
  int reload_interval_seconds = 60;  // 0 = never re-read the files
};

struct SignerStateConfig {
  std::string backend = "sqlite";  // sqlite | dynamodb | memory
  std::string path = "./data/state.db";
  std::string table = "containment-state";
  std::string region = "us-east-1";
  std::string endpoint_url;
  int refresh_interval_seconds = 1;
  int unseal_timeout_minutes = 30;
};

struct KmsConfig {
  // The providers this process may use: the subsections present under kms:
  // (a production config without `local:` refuses local: keys). With no
  // kms: section at all, only the development `local` provider.
  std::vector<std::string> providers = {"local"};
  std::string aws_region;
  std::string aws_endpoint_url;
  std::string pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
  std::string pkcs11_token_label;
  std::string pkcs11_pin;  // already resolved from env:NAME; never logged
  std::string local_key_file = "./data/dev-kms.key";
};

struct StaticPolicy {
  std::string name;
  std::string token;  // resolved secret; never logged
  // Omitted: every scope (the original product's meaning). An explicit
  // empty list grants none.
  std::optional<std::vector<std::string>> allowed_scopes;
  std::vector<std::string> denied_scopes;
};

struct Config {
  ListenConfig server{"127.0.0.1", 9000};
  size_t max_request_body_bytes = 1 << 20;
  HttpConfig http;  // the other server.* keys
  ListenConfig metrics{"127.0.0.1", 3000};
  TlsConfig tls;
  std::string tee_platform = "none";
  SignerStateConfig signer_state;
  KmsConfig kms;
  std::string key_source_table;  // key_sources.dynamodb.table, empty when unset
  std::string anti_slashing_backend;
  std::string anti_slashing_table;
  std::vector<StaticPolicy> auth_policies;
  std::vector<std::string> unauthenticated_scopes = {"upcheck"};
};

// Scope names the product knows (SPEC section 6).
const std::vector<std::string>& KnownScopes();

// Flag name → config path for every fixed leaf, e.g.
// "server-listen-port" → "server.listen_port". Used to build CLI flags.
std::vector<std::pair<std::string, std::string>> CliFlagPaths();

struct LoadOptions {
  std::optional<std::string> file;                       // YAML path; none = defaults only
  std::map<std::string, std::string> environment;        // usually the process environment
  std::vector<std::pair<std::string, std::string>> cli;  // (config path, value), applied last
  // false for tools that only look at the state backend (`state doctor`,
  // `state inspect`): static policy tokens and the HSM PIN are left out, so
  // their env: variables need not be set.
  bool resolve_secrets = true;
};

// Loads, merges and validates. Errors read "<key.path>: <problem>".
Result<Config> Load(const LoadOptions& options);

// The process environment as a map (for LoadOptions::environment).
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace cc::config
