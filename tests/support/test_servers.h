// Test peers started by the suite: the AWS KMS test double (Python, checks
// SigV4 with botocore) and SoftHSM2 tokens made for one test.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "support/harness.h"

namespace cc::testing {

// The interpreter that has botocore: Debian's /usr/bin/python3 (with
// python3-botocore) first, then whatever python3 is on PATH.
std::string PythonWithBotocore();

// tests/tools/kms_double.py on a loopback port the kernel picks (port 0,
// read back from its READY line). NOT AWS KMS.
class KmsDouble {
 public:
  static constexpr char kAccessKey[] = "AKIDKMSDOUBLE";
  static constexpr char kSecretKey[] = "kms-double-secret-key";
  explicit KmsDouble(std::vector<std::string> key_arns);
  ~KmsDouble();

  const std::string& endpoint() const { return endpoint_; }
  void Control(const nlohmann::json& command) const;
  nlohmann::json Stats() const;
  std::shared_ptr<aws::CredentialsProvider> Credentials() const;
  std::map<std::string, std::string> ServerEnv() const;  // for a server process
  std::string Log() const { return process_->Log(); }

 private:
  TempDir dir_;
  std::string endpoint_;
  std::unique_ptr<ChildProcess> process_;
};

// A SoftHSM2 token in a temp directory, with AES-256 keys made by pkcs11-tool.
// Sets SOFTHSM2_CONF for this process (SoftHSM reads it at C_Initialize).
class SoftHsmToken {
 public:
  static constexpr char kModule[] = "/usr/lib/softhsm/libsofthsm2.so";
  static constexpr char kPin[] = "1234";
  SoftHsmToken(const std::string& label, const std::vector<std::string>& key_labels);
  const std::string& conf_path() const { return conf_; }
  std::string KeyUri(const std::string& key_label) const {
    return "pkcs11:token=" + label_ + ";object=" + key_label;
  }

 private:
  TempDir dir_;
  std::string label_;
  std::string conf_;
};

}  // namespace cc::testing
