#include "aws/credentials.h"

#include <time.h>

#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "net/http_client.h"

namespace cc::aws {
namespace {

using nlohmann::json;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// INI sections → key/value maps (the shared credentials and config files).
using Ini = std::map<std::string, std::map<std::string, std::string>>;
std::optional<Ini> ReadIni(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Ini ini;
  std::string section, line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      ini[section];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    ini[section][Trim(line.substr(0, eq))] = Trim(line.substr(eq + 1));
  }
  return ini;
}

std::string XmlTag(const std::string& xml, const std::string& tag) {
  auto b = xml.find("<" + tag + ">");
  if (b == std::string::npos) return "";
  b += tag.size() + 2;
  auto e = xml.find("</" + tag + ">", b);
  return e == std::string::npos ? "" : xml.substr(b, e - b);
}

std::string FormEncode(const std::string& s) { return UriEncode(s, true); }

// The JSON shape shared by the container endpoint and IMDS.
Result<Credentials> ParseCredentialJson(const std::string& body, const std::string& source) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("AccessKeyId") || !j.contains("SecretAccessKey")) {
    return Status::Unavailable(source + ": credential response is not the expected JSON");
  }
  Credentials c;
  c.access_key_id = j["AccessKeyId"].get<std::string>();
  c.secret_access_key = j["SecretAccessKey"].get<std::string>();
  c.session_token = j.value("Token", "");
  if (j.contains("Expiration")) c.expires_unix = ParseIso8601(j["Expiration"].get<std::string>());
  c.source = source;
  return c;
}

}  // namespace

std::optional<int64_t> ParseIso8601(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

DefaultCredentialChain::DefaultCredentialChain(Environment env, Clock& clock)
    : env_(std::move(env)), clock_(clock) {}

std::string DefaultCredentialChain::Env(const std::string& name) const {
  auto it = env_.find(name);
  return it == env_.end() ? "" : it->second;
}

Result<Credentials> DefaultCredentialChain::Get() {
  std::lock_guard<std::mutex> l(mu_);
  const int64_t now = clock_.NowUnixSeconds();
  if (cached_ && (!cached_->expires_unix || *cached_->expires_unix - 300 > now)) return *cached_;
  CC_ASSIGN_OR_RETURN(Credentials c, Resolve());
  cached_ = c;
  return c;
}

Result<Credentials> DefaultCredentialChain::Resolve() const {
  std::string tried;
  for (auto link :
       {&DefaultCredentialChain::FromEnvironment, &DefaultCredentialChain::FromSharedFiles,
        &DefaultCredentialChain::FromWebIdentity, &DefaultCredentialChain::FromContainer,
        &DefaultCredentialChain::FromImds}) {
    Result<Credentials> r = (this->*link)();
    if (r.ok()) return r;
    if (r.status().code() != ErrorCode::kNotFound) return r;
    tried += (tried.empty() ? "" : "; ") + r.status().message();
  }
  return Status::Unauthenticated("no AWS credentials found (" + tried + ")");
}

Result<Credentials> DefaultCredentialChain::FromEnvironment() const {
  std::string ak = Env("AWS_ACCESS_KEY_ID"), sk = Env("AWS_SECRET_ACCESS_KEY");
  if (ak.empty() && sk.empty()) return Status::NotFound("env: AWS_ACCESS_KEY_ID not set");
  if (ak.empty() || sk.empty()) {
    return Status::InvalidArgument(
        "env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  return Credentials{ak, sk, Env("AWS_SESSION_TOKEN"), std::nullopt, "env"};
}

Result<Credentials> DefaultCredentialChain::FromSharedFiles() const {
  std::string home = Env("HOME");
  std::string profile = Env("AWS_PROFILE").empty() ? "default" : Env("AWS_PROFILE");
  std::string cred_path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (cred_path.empty() && !home.empty()) cred_path = home + "/.aws/credentials";
  std::string config_path = Env("AWS_CONFIG_FILE");
  if (config_path.empty() && !home.empty()) config_path = home + "/.aws/config";

  // The credentials file names sections by profile; the config file uses
  // "[profile NAME]" except for the default profile.
  std::optional<std::map<std::string, std::string>> section;
  std::string where;
  if (auto ini = ReadIni(cred_path); ini && ini->count(profile)) {
    section = (*ini)[profile];
    where = cred_path;
  }
  if (!section || !section->count("aws_access_key_id")) {
    if (auto ini = ReadIni(config_path)) {
      std::string name = profile == "default" ? "default" : "profile " + profile;
      if (ini->count(name) && (*ini)[name].count("aws_access_key_id")) {
        section = (*ini)[name];
        where = config_path;
      }
    }
  }
  if (!section || !section->count("aws_access_key_id")) {
    return Status::NotFound("shared files: no keys for profile '" + profile + "'");
  }
  auto& s = *section;
  if (!s.count("aws_secret_access_key")) {
    return Status::InvalidArgument(where + ": profile '" + profile +
                                   "' has aws_access_key_id but no aws_secret_access_key");
  }
  return Credentials{s["aws_access_key_id"], s["aws_secret_access_key"],
                     s.count("aws_session_token") ? s["aws_session_token"] : "", std::nullopt,
                     "shared-file:" + profile};
}

Result<Credentials> DefaultCredentialChain::FromWebIdentity() const {
  std::string token_file = Env("AWS_WEB_IDENTITY_TOKEN_FILE");
  std::string role = Env("AWS_ROLE_ARN");
  if (token_file.empty() || role.empty()) {
    return Status::NotFound("web identity: AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN not set");
  }
  std::ifstream in(token_file);
  if (!in) return Status::Unavailable("web identity: cannot read token file " + token_file);
  std::stringstream token;
  token << in.rdbuf();
  std::string session = Env("AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = "containment-chamber";
  std::string region = Env("AWS_REGION").empty() ? Env("AWS_DEFAULT_REGION") : Env("AWS_REGION");
  std::string endpoint = Env("AWS_ENDPOINT_URL_STS");
  if (endpoint.empty()) {
    endpoint =
        region.empty() ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
  }
  // AssumeRoleWithWebIdentity is unsigned: the token is the proof.
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint + "/";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + FormEncode(role) +
             "&RoleSessionName=" + FormEncode(session) +
             "&WebIdentityToken=" + FormEncode(Trim(token.str()));
  CC_ASSIGN_OR_RETURN(net::HttpResponse resp, net::Send(req));
  if (resp.status != 200) {
    std::string code = XmlTag(resp.body, "Code");
    return Status::Unauthenticated("web identity: STS AssumeRoleWithWebIdentity for " + role +
                                   " failed with HTTP " + std::to_string(resp.status) +
                                   (code.empty() ? "" : " (" + code + ")"));
  }
  Credentials c{XmlTag(resp.body, "AccessKeyId"), XmlTag(resp.body, "SecretAccessKey"),
                XmlTag(resp.body, "SessionToken"), ParseIso8601(XmlTag(resp.body, "Expiration")),
                "web-identity"};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Unavailable("web identity: STS response has no credentials");
  }
  return c;
}

Result<Credentials> DefaultCredentialChain::FromContainer() const {
  std::string rel = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::string full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (rel.empty() && full.empty()) return Status::NotFound("container: endpoint not set");
  net::HttpRequest req;
  req.url = rel.empty() ? full : "http://169.254.170.2" + rel;
  req.timeout_ms = 2000;
  std::string auth = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (std::string f = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !f.empty()) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auth = Trim(ss.str());
  }
  if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
  CC_ASSIGN_OR_RETURN(net::HttpResponse resp, net::Send(req));
  if (resp.status != 200) {
    return Status::Unauthenticated("container: credential endpoint answered HTTP " +
                                   std::to_string(resp.status));
  }
  return ParseCredentialJson(resp.body, "container");
}

Result<Credentials> DefaultCredentialChain::FromImds() const {
  if (Env("AWS_EC2_METADATA_DISABLED") == "true") return Status::NotFound("imds: disabled");
  std::string base = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  while (!base.empty() && base.back() == '/') base.pop_back();
  // Outside EC2 nothing answers; keep the probe short so startup is not slowed.
  net::HttpRequest token_req;
  token_req.method = "PUT";
  token_req.url = base + "/latest/api/token";
  token_req.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  token_req.timeout_ms = 1000;
  token_req.connect_timeout_ms = 1000;
  auto token = net::Send(token_req);
  if (!token.ok() || token->status != 200) {
    return Status::NotFound("imds: no instance metadata service at " + base);
  }
  net::HttpRequest role_req;
  role_req.url = base + "/latest/meta-data/iam/security-credentials/";
  role_req.headers = {{"X-aws-ec2-metadata-token", token->body}};
  role_req.timeout_ms = 2000;
  CC_ASSIGN_OR_RETURN(net::HttpResponse role, net::Send(role_req));
  std::string role_name = Trim(role.body.substr(0, role.body.find('\n')));
  if (role.status != 200 || role_name.empty()) {
    return Status::Unauthenticated("imds: the instance has no IAM role attached");
  }
  net::HttpRequest cred_req = role_req;
  cred_req.url += role_name;
  CC_ASSIGN_OR_RETURN(net::HttpResponse cred, net::Send(cred_req));
  if (cred.status != 200) {
    return Status::Unauthenticated("imds: credentials for role " + role_name + " answered HTTP " +
                                   std::to_string(cred.status));
  }
  return ParseCredentialJson(cred.body, "imds");
}

}  // namespace cc::aws
