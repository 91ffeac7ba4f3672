// The standard AWS credential chain, in the SDKs' order: environment, shared
// credentials/config files (profiles), web identity token file (STS
// AssumeRoleWithWebIdentity), ECS/EKS container endpoint, EC2 IMDSv2.
// Shared by the DynamoDB state store and the AWS KMS provider.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/status.h"

namespace cc::aws {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> Get() = 0;
};

// Fixed credentials (tests, DynamoDB Local).
class StaticCredentials final : public CredentialsProvider {
 public:
  explicit StaticCredentials(Credentials c) : c_(std::move(c)) {}
  Result<Credentials> Get() override { return c_; }

 private:
  Credentials c_;
};

using Environment = std::map<std::string, std::string>;

// Walks the chain on first use and caches the result; temporary credentials
// are fetched again five minutes before they expire.
class DefaultCredentialChain final : public CredentialsProvider {
 public:
  DefaultCredentialChain(Environment env, Clock& clock);
  Result<Credentials> Get() override;

  // Individual links, exposed for tests. Each returns NotFound when its
  // source is not configured, or another error when it is but fails.
  Result<Credentials> FromEnvironment() const;
  Result<Credentials> FromSharedFiles() const;
  Result<Credentials> FromWebIdentity() const;
  Result<Credentials> FromContainer() const;
  Result<Credentials> FromImds() const;

 private:
  std::string Env(const std::string& name) const;
  Result<Credentials> Resolve() const;

  Environment env_;
  Clock& clock_;
  std::mutex mu_;
  std::optional<Credentials> cached_;
};

// Parses an ISO-8601 UTC time such as "2026-11-25T12:00:00Z" (fractions ignored).
std::optional<int64_t> ParseIso8601(const std::string& s);

}  // namespace cc::aws
