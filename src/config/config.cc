#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <set>

extern char** environ;

namespace cc::config {
namespace {

// A plain tree of the merged configuration: maps of scalars and string lists.
struct Node {
  std::map<std::string, Node> children;
  std::optional<std::string> scalar;
  std::optional<std::vector<std::string>> list;
  bool is_map = false;
};

enum class Kind { kString, kInt, kList };

struct Leaf {
  const char* path;  // '*' matches any single key (policy names)
  Kind kind;
};

// Every key the product accepts. Unknown keys are errors.
constexpr Leaf kLeaves[] = {
    {"server.listen_address", Kind::kString},
    {"server.listen_port", Kind::kInt},
    {"server.max_request_body_bytes", Kind::kInt},
    {"server.io_threads", Kind::kInt},
    {"server.worker_threads", Kind::kInt},
    {"server.worker_queue", Kind::kInt},
    {"server.max_connections", Kind::kInt},
    {"server.max_connections_per_address", Kind::kInt},
    {"server.header_timeout_seconds", Kind::kInt},
    {"server.body_timeout_seconds", Kind::kInt},
    {"server.idle_timeout_seconds", Kind::kInt},
    {"server.max_header_bytes", Kind::kInt},
    {"server.max_headers", Kind::kInt},
    {"server.allow_plaintext_ceremonies", Kind::kString},
    {"metrics.listen_address", Kind::kString},
    {"metrics.listen_port", Kind::kInt},
    {"tls.mode", Kind::kString},
    {"tls.listen_port", Kind::kInt},
    {"tls.file.cert_path", Kind::kString},
    {"tls.file.key_path", Kind::kString},
    {"tls.file.reload_interval_seconds", Kind::kInt},
    {"tee.platform", Kind::kString},
    {"signer_state.backend", Kind::kString},
    {"signer_state.path", Kind::kString},
    {"signer_state.table", Kind::kString},
    {"signer_state.region", Kind::kString},
    {"signer_state.endpoint_url", Kind::kString},
    {"signer_state.refresh_interval_seconds", Kind::kInt},
    {"signer_state.unseal_timeout_minutes", Kind::kInt},
    {"kms.aws.region", Kind::kString},
    {"kms.aws.endpoint_url", Kind::kString},
    {"kms.pkcs11.module", Kind::kString},
    {"kms.pkcs11.token_label", Kind::kString},
    {"kms.pkcs11.pin", Kind::kString},
    {"kms.local.key_file", Kind::kString},
    {"key_sources.dynamodb.table", Kind::kString},
    {"anti_slashing.backend", Kind::kString},
    {"anti_slashing.table", Kind::kString},
    {"auth_policies.*.token", Kind::kString},
    {"auth_policies.*.allowed_scopes", Kind::kList},
    {"auth_policies.*.denied_scopes", Kind::kList},
    {"unauthenticated_policy.allowed_scopes", Kind::kList},
};

std::vector<std::string> Split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + sep.size();
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             size_t n) {
  if (pattern.size() < n || path.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (pattern[i] != "*" && pattern[i] != path[i]) return false;
  }
  return true;
}

// Is `path` a known leaf (returns it) or a known interior map?
const Leaf* FindLeaf(const std::vector<std::string>& path) {
  for (const auto& leaf : kLeaves) {
    auto p = Split(leaf.path, ".");
    if (p.size() == path.size() && Matches(p, path, path.size())) return &leaf;
  }
  return nullptr;
}
bool IsInterior(const std::vector<std::string>& path) {
  for (const auto& leaf : kLeaves) {
    auto p = Split(leaf.path, ".");
    if (p.size() > path.size() && Matches(p, path, path.size())) return true;
  }
  return false;
}

Status FromYaml(const YAML::Node& y, const std::vector<std::string>& path, Node& out) {
  std::string where = path.empty() ? "<root>" : Join(path, ".");
  if (y.IsNull()) return Status::Ok();
  if (y.IsMap()) {
    out.is_map = true;
    for (const auto& kv : y) {
      if (!kv.first.IsScalar()) {
        return Status::InvalidArgument(where + ": keys must be plain names (line " +
                                       std::to_string(kv.first.Mark().line + 1) + ")");
      }
      std::string key = kv.first.as<std::string>();
      if (out.children.count(key)) {
        // A second `signer_state:` would silently replace the first.
        return Status::InvalidArgument((path.empty() ? key : where + "." + key) +
                                       ": appears twice (line " +
                                       std::to_string(kv.first.Mark().line + 1) + ")");
      }
      CC_RETURN_IF_ERROR(FromYaml(
          kv.second,
          [&] {
            auto p = path;
            p.push_back(key);
            return p;
          }(),
          out.children[key]));
    }
    return Status::Ok();
  }
  if (y.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : y) {
      if (!item.IsScalar()) return Status::InvalidArgument(where + ": list items must be strings");
      items.push_back(item.as<std::string>());
    }
    out.list = std::move(items);
    return Status::Ok();
  }
  out.scalar = y.as<std::string>();
  return Status::Ok();
}

// Sets a scalar at `path`, creating maps on the way (env and CLI overrides).
void SetScalar(Node& root, const std::vector<std::string>& path, const std::string& value) {
  Node* n = &root;
  for (const auto& part : path) {
    n->is_map = true;
    n = &n->children[part];
  }
  n->scalar = value;
  n->list.reset();
}

// Checks every key against the schema; reports the first unknown one by path.
Status CheckKeys(const Node& n, std::vector<std::string>& path) {
  for (const auto& [key, child] : n.children) {
    path.push_back(key);
    const Leaf* leaf = FindLeaf(path);
    if (leaf) {
      if (child.is_map) {
        return Status::InvalidArgument(Join(path, ".") + ": expected a value, found a map");
      }
    } else if (IsInterior(path)) {
      if (!child.is_map && (child.scalar || child.list)) {
        return Status::InvalidArgument(Join(path, ".") + ": expected a map of settings");
      }
      CC_RETURN_IF_ERROR(CheckKeys(child, path));
    } else {
      return Status::InvalidArgument(Join(path, ".") + ": unknown configuration key");
    }
    path.pop_back();
  }
  return Status::Ok();
}

const Node* Find(const Node& root, const std::string& dotted) {
  const Node* n = &root;
  for (const auto& part : Split(dotted, ".")) {
    auto it = n->children.find(part);
    if (it == n->children.end()) return nullptr;
    n = &it->second;
  }
  return n;
}

class Reader {
 public:
  Reader(const Node& root, const std::map<std::string, std::string>& env)
      : root_(root), env_(env) {}

  // Resolves `env:NAME` indirection; a missing variable is an error naming it.
  Status Resolve(const std::string& path, std::string& value) {
    if (value.rfind("env:", 0) != 0) return Status::Ok();
    std::string name = value.substr(4);
    auto it = env_.find(name);
    if (name.empty() || it == env_.end()) {
      return Status::InvalidArgument(path + ": environment variable " + name + " is not set");
    }
    value = it->second;
    return Status::Ok();
  }

  Status String(const std::string& path, std::string& out) {
    const Node* n = Find(root_, path);
    if (!n || (!n->scalar && !n->list)) return Status::Ok();
    if (!n->scalar) return Status::InvalidArgument(path + ": expected a string, found a list");
    out = *n->scalar;
    return Resolve(path, out);
  }

  Status Int(const std::string& path, int& out, long min, long max) {
    std::string s;
    const Node* n = Find(root_, path);
    if (!n || !n->scalar) {
      if (n && n->list) return Status::InvalidArgument(path + ": expected an integer");
      return Status::Ok();
    }
    s = *n->scalar;
    CC_RETURN_IF_ERROR(Resolve(path, s));
    long v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      return Status::InvalidArgument(path + ": expected an integer, got '" + s + "'");
    }
    if (v < min || v > max) {
      return Status::InvalidArgument(path + ": " + std::to_string(v) + " is out of range [" +
                                     std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    out = static_cast<int>(v);
    return Status::Ok();
  }

  // A listen port: 1-65535, or 0 for a free port chosen at bind time.
  Status Port(const std::string& path, int& out) {
    const Node* n = Find(root_, path);
    if (n && n->scalar) {
      std::string s = *n->scalar;
      CC_RETURN_IF_ERROR(Resolve(path, s));
      if (s == "0") {
        out = 0;
        return Status::Ok();
      }
    }
    return Int(path, out, 1, 65535);
  }

  Status Bool(const std::string& path, bool& out) {
    std::string s;
    CC_RETURN_IF_ERROR(String(path, s));
    if (s.empty()) return Status::Ok();
    if (s != "true" && s != "false") {
      return Status::InvalidArgument(path + ": expected true or false, got '" + s + "'");
    }
    out = s == "true";
    return Status::Ok();
  }

  // Lists come from YAML sequences, or comma-separated strings (env / CLI).
  // Absent leaves `out` as it is; present-but-empty (`[]`) is an empty list.
  Status List(const std::string& path, std::optional<std::vector<std::string>>& out) {
    const Node* n = Find(root_, path);
    if (!n || (!n->list && !n->scalar)) {
      if (n && n->is_map) return Status::InvalidArgument(path + ": expected a list");
      return Status::Ok();
    }
    out.emplace();
    return List(path, *out);
  }
  Status List(const std::string& path, std::vector<std::string>& out) {
    const Node* n = Find(root_, path);
    if (!n) return Status::Ok();
    if (n->list) {
      out = *n->list;
    } else if (n->scalar) {
      out.clear();
      for (auto& s : Split(*n->scalar, ",")) {
        if (!s.empty()) out.push_back(s);
      }
    }
    for (auto& v : out) CC_RETURN_IF_ERROR(Resolve(path, v));
    return Status::Ok();
  }

 private:
  const Node& root_;
  const std::map<std::string, std::string>& env_;
};

Status OneOf(const std::string& path, const std::string& value,
             std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return Status::Ok();
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return Status::InvalidArgument(path + ": '" + value + "' is not one of: " + list);
}

Status CheckScopes(const std::string& path, const std::vector<std::string>& scopes) {
  const auto& known = KnownScopes();
  for (const auto& s : scopes) {
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      return Status::InvalidArgument(path + ": unknown scope '" + s + "'");
    }
  }
  return Status::Ok();
}

// Static tokens: at least 16 characters of [A-Za-z0-9-]. Never echo the value.
Status CheckStaticToken(const std::string& path, const std::string& token) {
  if (token.empty()) return Status::InvalidArgument(path + ": a token is required");
  if (token.size() < 16) {
    return Status::InvalidArgument(path + ": token must be at least 16 characters");
  }
  for (char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Status::InvalidArgument(path + ": token may contain only letters, digits and dashes");
    }
  }
  return Status::Ok();
}

Status BuildHttp(Reader& r, HttpConfig& h) {
  CC_RETURN_IF_ERROR(r.Int("server.io_threads", h.io_threads, 0, 256));
  CC_RETURN_IF_ERROR(r.Int("server.worker_threads", h.worker_threads, 1, 256));
  CC_RETURN_IF_ERROR(r.Int("server.worker_queue", h.worker_queue, 1, 100000));
  CC_RETURN_IF_ERROR(r.Int("server.max_connections", h.max_connections, 16, 1000000));
  CC_RETURN_IF_ERROR(
      r.Int("server.max_connections_per_address", h.max_connections_per_address, 1, 1000000));
  CC_RETURN_IF_ERROR(r.Int("server.header_timeout_seconds", h.header_timeout_seconds, 1, 3600));
  CC_RETURN_IF_ERROR(r.Int("server.body_timeout_seconds", h.body_timeout_seconds, 1, 3600));
  CC_RETURN_IF_ERROR(r.Int("server.idle_timeout_seconds", h.idle_timeout_seconds, 1, 86400));
  CC_RETURN_IF_ERROR(r.Int("server.max_header_bytes", h.max_header_bytes, 1024, 1 << 20));
  CC_RETURN_IF_ERROR(r.Int("server.max_headers", h.max_headers, 8, 10000));
  return r.Bool("server.allow_plaintext_ceremonies", h.allow_plaintext_ceremonies);
}

// Each listener binds its own port (0, a free port, never collides).
Status CheckDistinctPorts(const Config& c) {
  std::vector<std::pair<const char*, int>> ports = {{"server.listen_port", c.server.listen_port},
                                                    {"metrics.listen_port", c.metrics.listen_port}};
  if (c.tls.mode == "file") ports.emplace_back("tls.listen_port", c.tls.listen_port);
  for (size_t i = 0; i < ports.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ports[i].second != 0 && ports[i].second == ports[j].second) {
        return Status::InvalidArgument(std::string(ports[i].first) + ": " +
                                       std::to_string(ports[i].second) + " is also " +
                                       ports[j].first + "; each listener needs its own port");
      }
    }
  }
  return Status::Ok();
}

Status Build(const Node& root, const std::map<std::string, std::string>& env, Config& c) {
  Reader r(root, env);
  CC_RETURN_IF_ERROR(r.String("server.listen_address", c.server.listen_address));
  CC_RETURN_IF_ERROR(r.Port("server.listen_port", c.server.listen_port));
  int body = static_cast<int>(c.max_request_body_bytes);
  CC_RETURN_IF_ERROR(r.Int("server.max_request_body_bytes", body, 1024, 64 << 20));
  c.max_request_body_bytes = static_cast<size_t>(body);
  CC_RETURN_IF_ERROR(BuildHttp(r, c.http));
  CC_RETURN_IF_ERROR(r.String("metrics.listen_address", c.metrics.listen_address));
  CC_RETURN_IF_ERROR(r.Port("metrics.listen_port", c.metrics.listen_port));

  CC_RETURN_IF_ERROR(r.String("tls.mode", c.tls.mode));
  CC_RETURN_IF_ERROR(OneOf("tls.mode", c.tls.mode, {"disabled", "file"}));
  CC_RETURN_IF_ERROR(r.Port("tls.listen_port", c.tls.listen_port));
  CC_RETURN_IF_ERROR(r.String("tls.file.cert_path", c.tls.cert_path));
  CC_RETURN_IF_ERROR(r.String("tls.file.key_path", c.tls.key_path));
  CC_RETURN_IF_ERROR(
      r.Int("tls.file.reload_interval_seconds", c.tls.reload_interval_seconds, 0, 86400));
  if (c.tls.mode == "file") {
    if (c.tls.cert_path.empty()) {
      return Status::InvalidArgument("tls.file.cert_path: required when tls.mode is file");
    }
    if (c.tls.key_path.empty()) {
      return Status::InvalidArgument("tls.file.key_path: required when tls.mode is file");
    }
  }

  CC_RETURN_IF_ERROR(CheckDistinctPorts(c));

  CC_RETURN_IF_ERROR(r.String("tee.platform", c.tee_platform));
  CC_RETURN_IF_ERROR(OneOf("tee.platform", c.tee_platform, {"none", "nitro"}));

  auto& s = c.signer_state;
  CC_RETURN_IF_ERROR(r.String("signer_state.backend", s.backend));
  if (s.backend == "postgres") {
    return Status::InvalidArgument(
        "signer_state.backend: postgres is not available in this build; use sqlite or dynamodb");
  }
  CC_RETURN_IF_ERROR(OneOf("signer_state.backend", s.backend, {"sqlite", "dynamodb", "memory"}));
  CC_RETURN_IF_ERROR(r.String("signer_state.path", s.path));
  CC_RETURN_IF_ERROR(r.String("signer_state.table", s.table));
  CC_RETURN_IF_ERROR(r.String("signer_state.region", s.region));
  CC_RETURN_IF_ERROR(r.String("signer_state.endpoint_url", s.endpoint_url));
  CC_RETURN_IF_ERROR(
      r.Int("signer_state.refresh_interval_seconds", s.refresh_interval_seconds, 0, 3600));
  CC_RETURN_IF_ERROR(
      r.Int("signer_state.unseal_timeout_minutes", s.unseal_timeout_minutes, 1, 7 * 24 * 60));
  if (s.backend == "sqlite" && s.path.empty()) {
    return Status::InvalidArgument("signer_state.path: required for the sqlite backend");
  }
  if (s.backend == "dynamodb" && s.table.empty()) {
    return Status::InvalidArgument("signer_state.table: required for the dynamodb backend");
  }
  if (s.backend == "dynamodb" && s.region.empty()) {
    return Status::InvalidArgument("signer_state.region: required for the dynamodb backend");
  }

  CC_RETURN_IF_ERROR(r.String("kms.aws.region", c.kms.aws_region));
  CC_RETURN_IF_ERROR(r.String("kms.aws.endpoint_url", c.kms.aws_endpoint_url));
  CC_RETURN_IF_ERROR(r.String("kms.pkcs11.module", c.kms.pkcs11_module));
  CC_RETURN_IF_ERROR(r.String("kms.pkcs11.token_label", c.kms.pkcs11_token_label));
  CC_RETURN_IF_ERROR(r.String("kms.pkcs11.pin", c.kms.pkcs11_pin));
  CC_RETURN_IF_ERROR(r.String("kms.local.key_file", c.kms.local_key_file));
  if (const Node* kms = Find(root, "kms"); kms && kms->is_map) {
    c.kms.providers.clear();
    for (const auto& [name, section] : kms->children) c.kms.providers.push_back(name);
  }

  CC_RETURN_IF_ERROR(r.String("key_sources.dynamodb.table", c.key_source_table));
  CC_RETURN_IF_ERROR(r.String("anti_slashing.backend", c.anti_slashing_backend));
  CC_RETURN_IF_ERROR(r.String("anti_slashing.table", c.anti_slashing_table));

  // The state table must be its own table (SPEC section 2 and 5).
  if (!c.key_source_table.empty() && c.key_source_table == s.table) {
    return Status::InvalidArgument("signer_state.table: '" + s.table +
                                   "' is also key_sources.dynamodb.table; the state backend "
                                   "needs its own table");
  }
  if (!c.anti_slashing_table.empty() && c.anti_slashing_table == s.table) {
    return Status::InvalidArgument("signer_state.table: '" + s.table +
                                   "' is also anti_slashing.table; the state backend needs its "
                                   "own table");
  }
  if (!c.anti_slashing_table.empty() && c.anti_slashing_table == c.key_source_table) {
    return Status::InvalidArgument("anti_slashing.table: '" + c.anti_slashing_table +
                                   "' is also key_sources.dynamodb.table");
  }

  if (const Node* policies = Find(root, "auth_policies")) {
    for (const auto& [name, node] : policies->children) {
      (void)node;
      StaticPolicy p;
      p.name = name;
      std::string base = "auth_policies." + name;
      CC_RETURN_IF_ERROR(r.String(base + ".token", p.token));
      CC_RETURN_IF_ERROR(CheckStaticToken(base + ".token", p.token));
      CC_RETURN_IF_ERROR(r.List(base + ".allowed_scopes", p.allowed_scopes));
      CC_RETURN_IF_ERROR(r.List(base + ".denied_scopes", p.denied_scopes));
      if (p.allowed_scopes)
        CC_RETURN_IF_ERROR(CheckScopes(base + ".allowed_scopes", *p.allowed_scopes));
      CC_RETURN_IF_ERROR(CheckScopes(base + ".denied_scopes", p.denied_scopes));
      for (const auto& other : c.auth_policies) {
        if (other.token == p.token) {
          return Status::InvalidArgument(base + ".token: same token as auth_policies." +
                                         other.name + ".token");
        }
      }
      c.auth_policies.push_back(std::move(p));
    }
  }
  CC_RETURN_IF_ERROR(r.List("unauthenticated_policy.allowed_scopes", c.unauthenticated_scopes));
  CC_RETURN_IF_ERROR(
      CheckScopes("unauthenticated_policy.allowed_scopes", c.unauthenticated_scopes));
  // Anyone who can reach the port gets these: never a management scope.
  for (const auto& s : c.unauthenticated_scopes) {
    if (s != "upcheck" && s != "sign" && s != "public_keys") {
      return Status::InvalidArgument(
          "unauthenticated_policy.allowed_scopes: '" + s +
          "' cannot be granted without a token (only upcheck, sign and public_keys can)");
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& KnownScopes() {
  static const std::vector<std::string> scopes = {
      "upcheck",      "sign",           "public_keys",  "chamber_status",
      "chamber_seal", "chamber_rotate", "chamber_auth",
  };
  return scopes;
}

std::vector<std::pair<std::string, std::string>> CliFlagPaths() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& leaf : kLeaves) {
    std::string path = leaf.path;
    if (path.find('*') != std::string::npos) continue;
    std::string flag = path;
    std::replace(flag.begin(), flag.end(), '.', '-');
    std::replace(flag.begin(), flag.end(), '_', '-');
    out.emplace_back(flag, path);
  }
  return out;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Result<Config> Load(const LoadOptions& options) {
  Node root;
  root.is_map = true;
  if (options.file) {
    YAML::Node y;
    try {
      y = YAML::LoadFile(*options.file);
    } catch (const YAML::BadFile&) {
      return Status::InvalidArgument(*options.file + ": cannot read configuration file");
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(*options.file + ": invalid YAML at line " +
                                     std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!y.IsNull() && !y.IsMap()) {
      return Status::InvalidArgument(*options.file + ": the configuration must be a YAML map");
    }
    try {
      CC_RETURN_IF_ERROR(FromYaml(y, {}, root));
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(*options.file + ": invalid YAML at line " +
                                     std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }

  // CONTAINMENT_SECTION__KEY: "__" nests, names are lowercased. Variables
  // without "__" (e.g. CONTAINMENT_LOG) are not configuration overrides.
  const std::string prefix = "CONTAINMENT_";
  for (const auto& [name, value] : options.environment) {
    if (name.rfind(prefix, 0) != 0) continue;
    std::string rest = name.substr(prefix.size());
    if (rest.find("__") == std::string::npos) continue;
    std::transform(rest.begin(), rest.end(), rest.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    auto path = Split(rest, "__");
    if (!FindLeaf(path)) {
      return Status::InvalidArgument(Join(path, ".") + ": unknown configuration key (from " + name +
                                     ")");
    }
    SetScalar(root, path, value);
  }
  for (const auto& [path, value] : options.cli) {
    auto parts = Split(path, ".");
    if (!FindLeaf(parts)) return Status::InvalidArgument(path + ": unknown configuration key");
    SetScalar(root, parts, value);
  }

  std::vector<std::string> path;
  CC_RETURN_IF_ERROR(CheckKeys(root, path));
  if (!options.resolve_secrets) {
    root.children.erase("auth_policies");
    if (auto kms = root.children.find("kms"); kms != root.children.end()) {
      if (auto p11 = kms->second.children.find("pkcs11"); p11 != kms->second.children.end()) {
        p11->second.children.erase("pin");
      }
    }
  }
  Config config;
  CC_RETURN_IF_ERROR(Build(root, options.environment, config));
  return config;
}

}  // namespace cc::config
