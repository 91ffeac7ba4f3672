#include "cli/signer_client.h"

#include "net/http_client.h"

namespace cc::cli {

Result<SignerClient> SignerClient::Connect(const SignerConnection& connection) {
  CC_RETURN_IF_ERROR(net::CheckSignerUrl(connection.url, connection.allow_plaintext));
  SignerConnection c = connection;
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  return SignerClient(std::move(c));
}

Result<nlohmann::json> SignerClient::Get(const std::string& path) const {
  return Call("GET", path, "");
}

Result<nlohmann::json> SignerClient::Post(const std::string& path,
                                          const nlohmann::json& body) const {
  return Call("POST", path, body.dump());
}

Result<nlohmann::json> SignerClient::Put(const std::string& path,
                                         const nlohmann::json& body) const {
  return Call("PUT", path, body.dump());
}

Result<nlohmann::json> SignerClient::Delete(const std::string& path) const {
  return Call("DELETE", path, "");
}

Result<nlohmann::json> SignerClient::Call(const std::string& method, const std::string& path,
                                          const std::string& body) const {
  net::HttpRequest req;
  req.method = method;
  req.url = c_.url + path;
  req.body = body;
  req.ca_file = c_.ca_file;
  req.headers.emplace_back("Accept", "application/json");
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  if (!c_.auth_token.empty()) req.headers.emplace_back("Authorization", "Bearer " + c_.auth_token);
  auto res = net::Send(req);
  if (!res.ok()) return res.status().WithContext("cannot reach the signer");
  nlohmann::json parsed = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status == 204) return nlohmann::json::object();
  if (res->status >= 200 && res->status < 300) {
    if (parsed.is_discarded()) return Status::Internal("the signer answered with invalid JSON");
    return parsed;
  }
  std::string message = "HTTP " + std::to_string(res->status);
  std::string code;
  if (!parsed.is_discarded() && parsed.is_object()) {
    if (parsed.contains("message") && parsed["message"].is_string())
      message += ": " + parsed["message"].get<std::string>();
    if (parsed.contains("error") && parsed["error"].is_string()) code = parsed["error"];
  }
  ErrorCode ec = ErrorCodeFromWire(code, static_cast<int>(res->status));
  return Status(ec == ErrorCode::kOk ? ErrorCode::kInternal : ec, message);
}

}  // namespace cc::cli
