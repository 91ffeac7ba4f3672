// `containment-chamber auth policy …` and `auth token …`: the Auth API
// (SPEC 7.1) from the command line, as operators know it from Vault.
#include <fstream>
#include <iostream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "cli/commands.h"
#include "cli/operator_common.h"
#include "cli/signer_args.h"

namespace cc::cli {
namespace {

using nlohmann::json;

constexpr char kPolicies[] = "/api/v1/chamber/auth/policies";
constexpr char kTokens[] = "/api/v1/chamber/auth/tokens";

// YAML is a superset of the JSON we need; convert its tree to JSON.
json FromYaml(const YAML::Node& n) {
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = FromYaml(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& e : n) a.push_back(FromYaml(e));
    return a;
  }
  if (n.IsNull()) return nullptr;
  return n.as<std::string>();
}

Result<json> ReadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("--file: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (!j.is_discarded()) return j;
  try {
    return FromYaml(YAML::Load(text.str()));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("--file: " + path + " is neither JSON nor YAML: " + e.msg);
  }
}

// "3600", "90s", "15m", "1h", "7d" -> seconds.
Result<int64_t> ParseTtl(const std::string& s) {
  if (s.empty()) return Status::InvalidArgument("--ttl is empty");
  size_t end = s.find_first_not_of("0123456789");
  if (end == 0 || s.size() > 12)
    return Status::InvalidArgument("--ttl '" + s + "' is not a duration");
  int64_t n = std::stoll(s.substr(0, end));
  std::string unit = end == std::string::npos ? "s" : s.substr(end);
  const std::map<std::string, int64_t> units = {{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  auto it = units.find(unit);
  if (it == units.end()) return Status::InvalidArgument("--ttl '" + s + "': use s, m, h or d");
  return n * it->second;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// Runs one request and prints its answer (JSON, or `human` for people).
void Run(int& exit_code, const SignerArgs& args,
         const std::function<Result<json>(const SignerClient&)>& call,
         const std::function<void(const json&)>& human) {
  auto client = ConnectTo(args);
  if (!client.ok()) {
    exit_code = ExitWith(client.status());
    return;
  }
  auto out = call(*client);
  if (!out.ok()) {
    exit_code = ExitWith(WithTokenHint(out.status(), TokenKind::kAuth, args));
    return;
  }
  if (args.json) {
    std::cout << out->dump(2) << "\n";
  } else {
    human(*out);
  }
  exit_code = 0;
}

void PrintPolicy(const json& p) {
  std::cout << p.value("name", "?") << ": " << p["rules"].size() << " rule(s)";
  if (!p.value("description", "").empty()) std::cout << " — " << p.value("description", "");
  std::cout << "\n";
  for (const auto& r : p["rules"]) {
    std::cout << "  " << r.value("effect", "?");
    for (const char* f : {"scopes", "keys", "operations"})
      if (r.contains(f)) std::cout << " " << f << "=" << r[f].dump();
    std::cout << "\n";
  }
}

void PrintToken(const json& t) {
  std::cout << t.value("id", "?") << "  policies=" << t["policies"].dump()
            << "  created=" << t.value("created_at", "?") << "  expires="
            << (t["expires_at"].is_null() ? std::string("never") : t.value("expires_at", ""));
  if (!t.value("description", "").empty()) std::cout << "  (" << t.value("description", "") << ")";
  std::cout << "\n";
}

void RegisterPolicyCommands(CLI::App& auth, int& exit_code) {
  CLI::App* policy = auth.add_subcommand("policy", "Runtime policies");
  policy->require_subcommand(1);

  struct CreateArgs : SignerArgs {
    std::string name, file, description;
    std::vector<std::string> rules;
  };
  auto c = std::make_shared<CreateArgs>();
  CLI::App* create = policy->add_subcommand("create", "Create a policy (from --file or --rule)");
  AddSignerOptions(create, *c);
  create->add_option("--name", c->name, "Policy name")->required();
  create->add_option("--file", c->file, "Policy as JSON or YAML ({description, rules: [...]})");
  create->add_option("--rule", c->rules,
                     "A rule as JSON, e.g. '{\"effect\":\"allow\",\"scopes\":[\"sign\"]}' "
                     "(repeatable)");
  create->add_option("--description", c->description, "What the policy is for");
  create->callback([c, &exit_code] {
    json body = json::object();
    if (!c->file.empty()) {
      auto f = ReadPolicyFile(c->file);
      if (!f.ok()) {
        exit_code = ExitWith(f.status());
        return;
      }
      body = *f;
    }
    if (!c->rules.empty()) {
      body["rules"] = json::array();
      for (const auto& r : c->rules) {
        json rule = json::parse(r, nullptr, false);
        if (rule.is_discarded()) {
          exit_code = ExitWith(Status::InvalidArgument("--rule is not JSON: " + r));
          return;
        }
        body["rules"].push_back(rule);
      }
    }
    body["name"] = c->name;
    if (!c->description.empty()) body["description"] = c->description;
    Run(
        exit_code, *c, [&](const SignerClient& s) { return s.Post(kPolicies, body); },
        [](const json& p) {
          std::cout << "Created policy ";
          PrintPolicy(p);
        });
  });

  auto l = std::make_shared<SignerArgs>();
  CLI::App* list = policy->add_subcommand("list", "List runtime policies");
  AddSignerOptions(list, *l);
  list->callback([l, &exit_code] {
    Run(
        exit_code, *l, [](const SignerClient& s) { return s.Get(kPolicies); },
        [](const json& out) {
          for (const auto& p : out["policies"]) PrintPolicy(p);
          if (out["policies"].empty()) std::cout << "No runtime policies.\n";
        });
  });

  struct NameArgs : SignerArgs {
    std::string name;
    bool force = false;
  };
  auto g = std::make_shared<NameArgs>();
  CLI::App* get = policy->add_subcommand("get", "Show one policy");
  AddSignerOptions(get, *g);
  get->add_option("name", g->name, "Policy name")->required();
  get->callback([g, &exit_code] {
    Run(
        exit_code, *g,
        [&](const SignerClient& s) { return s.Get(std::string(kPolicies) + "/" + g->name); },
        PrintPolicy);
  });

  auto d = std::make_shared<NameArgs>();
  CLI::App* del = policy->add_subcommand("delete", "Delete a policy");
  AddSignerOptions(del, *d);
  del->add_option("name", d->name, "Policy name")->required();
  del->add_flag("--force", d->force, "Delete even while tokens are bound to it");
  del->callback([d, &exit_code] {
    std::string path = std::string(kPolicies) + "/" + d->name + (d->force ? "?force=true" : "");
    Run(
        exit_code, *d, [&](const SignerClient& s) { return s.Delete(path); },
        [&](const json&) { std::cout << "Deleted policy " << d->name << ".\n"; });
  });
}

void RegisterTokenCommands(CLI::App& auth, int& exit_code) {
  CLI::App* token = auth.add_subcommand("token", "Client tokens");
  token->require_subcommand(1);

  struct CreateArgs : SignerArgs {
    std::string policies, ttl, description;
  };
  auto c = std::make_shared<CreateArgs>();
  CLI::App* create = token->add_subcommand("create", "Create a client token bound to policies");
  AddSignerOptions(create, *c);
  create->add_option("--policies", c->policies, "Comma-separated policy names")->required();
  create->add_option("--ttl", c->ttl, "Lifetime: 3600, 90s, 15m, 1h, 7d (default: no expiry)");
  create->add_option("--description", c->description, "Who or what the token is for");
  create->callback([c, &exit_code] {
    json body = {{"policies", SplitComma(c->policies)}};
    if (!c->description.empty()) body["description"] = c->description;
    if (!c->ttl.empty()) {
      auto ttl = ParseTtl(c->ttl);
      if (!ttl.ok()) {
        exit_code = ExitWith(ttl.status());
        return;
      }
      body["ttl_seconds"] = *ttl;
    }
    Run(
        exit_code, *c, [&](const SignerClient& s) { return s.Post(kTokens, body); },
        [](const json& t) {
          std::cout << "Token " << t.value("id", "?") << " (shown once; store it now):\n  "
                    << t.value("token", "") << "\nRevoke it with: containment-chamber auth token "
                    << "revoke " << t.value("id", "?") << "\n";
        });
  });

  auto l = std::make_shared<SignerArgs>();
  CLI::App* list = token->add_subcommand("list", "List tokens (ids and bindings, never secrets)");
  AddSignerOptions(list, *l);
  list->callback([l, &exit_code] {
    Run(
        exit_code, *l, [](const SignerClient& s) { return s.Get(kTokens); },
        [](const json& out) {
          for (const auto& t : out["tokens"]) PrintToken(t);
          if (out["tokens"].empty()) std::cout << "No tokens.\n";
        });
  });

  struct IdArgs : SignerArgs {
    std::string id;
  };
  auto g = std::make_shared<IdArgs>();
  CLI::App* get = token->add_subcommand("get", "Show one token");
  AddSignerOptions(get, *g);
  get->add_option("id", g->id, "Token id (tok_…)")->required();
  get->callback([g, &exit_code] {
    Run(
        exit_code, *g,
        [&](const SignerClient& s) { return s.Get(std::string(kTokens) + "/" + g->id); },
        PrintToken);
  });

  auto r = std::make_shared<IdArgs>();
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token on every replica");
  AddSignerOptions(revoke, *r);
  revoke->add_option("id", r->id, "Token id (tok_…)")->required();
  revoke->callback([r, &exit_code] {
    Run(
        exit_code, *r,
        [&](const SignerClient& s) { return s.Delete(std::string(kTokens) + "/" + r->id); },
        [&](const json&) {
          std::cout << "Revoked " << r->id
                    << "; every replica refuses it within one refresh interval.\n";
        });
  });
}

}  // namespace

void RegisterAuthCommands(CLI::App& app, int& exit_code) {
  CLI::App* auth = app.add_subcommand("auth", "Runtime policies and client tokens (Auth API)");
  auth->require_subcommand(1);
  RegisterPolicyCommands(*auth, exit_code);
  RegisterTokenCommands(*auth, exit_code);
}

}  // namespace cc::cli
