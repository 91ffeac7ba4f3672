// The operator CLI's connection to a signer: URL policy, bearer token,
// JSON in and out, and readable errors from the server's JSON error bodies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace cc::cli {

struct SignerConnection {
  std::string url = "http://127.0.0.1:9000";
  std::string auth_token;  // resolved (env:NAME already read)
  std::string ca_file;
  bool allow_plaintext = false;
};

class SignerClient {
 public:
  static Result<SignerClient> Connect(const SignerConnection& connection);

  Result<nlohmann::json> Get(const std::string& path) const;
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) const;
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body) const;
  // DELETE; a 204 answer is an empty JSON object.
  Result<nlohmann::json> Delete(const std::string& path) const;

 private:
  explicit SignerClient(SignerConnection c) : c_(std::move(c)) {}
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const std::string& body) const;
  SignerConnection c_;
};

}  // namespace cc::cli
