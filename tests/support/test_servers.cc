#include "support/test_servers.h"

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace cc::testing {

std::string PythonWithBotocore() {
  for (const char* p : {"/usr/bin/python3", "python3"}) {
    std::string cmd = std::string(p) + " -c 'import botocore' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return p;
  }
  throw std::runtime_error("python3-botocore is required (scripts/install-deps.sh)");
}

KmsDouble::KmsDouble(std::vector<std::string> key_arns) {
  // Port 0: the double binds a port the kernel picks and prints "READY <port>".
  std::vector<std::string> args = {CC_SOURCE_DIR "/tests/tools/kms_double.py",
                                   "--port",
                                   "0",
                                   "--access-key",
                                   kAccessKey,
                                   "--secret-key",
                                   kSecretKey};
  for (const auto& arn : key_arns) {
    args.push_back("--key");
    args.push_back(arn);
  }
  process_ = std::make_unique<ChildProcess>(PythonWithBotocore(), args,
                                            std::map<std::string, std::string>{},
                                            dir_.File("kms-double.log"));
  int port = 0;
  WaitUntil(
      [&] {
        std::string log = process_->Log();
        if (auto p = log.find("READY "); p != std::string::npos && log.find('\n', p) != log.npos) {
          port = std::atoi(log.c_str() + p + 6);
        }
        return port > 0 || !process_->Running();
      },
      std::chrono::seconds(20));
  if (port <= 0) throw std::runtime_error("KMS test double did not start: " + process_->Log());
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
}

KmsDouble::~KmsDouble() { process_->Stop(9); }

void KmsDouble::Control(const nlohmann::json& command) const {
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint_ + "/__control";
  req.body = command.dump();
  auto r = net::Send(req);
  if (!r.ok() || r->status != 200) throw std::runtime_error("KMS double control failed");
}

nlohmann::json KmsDouble::Stats() const {
  net::HttpRequest req;
  req.url = endpoint_ + "/__stats";
  auto r = net::Send(req);
  if (!r.ok()) return nlohmann::json::object();
  return nlohmann::json::parse(r->body, nullptr, false);
}

std::shared_ptr<aws::CredentialsProvider> KmsDouble::Credentials() const {
  return std::make_shared<aws::StaticCredentials>(
      aws::Credentials{kAccessKey, kSecretKey, "", std::nullopt, "test"});
}

std::map<std::string, std::string> KmsDouble::ServerEnv() const {
  return {{"AWS_ACCESS_KEY_ID", kAccessKey},
          {"AWS_SECRET_ACCESS_KEY", kSecretKey},
          {"AWS_EC2_METADATA_DISABLED", "true"}};
}

namespace {
void Run(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("command failed: " + cmd);
  }
}
}  // namespace

SoftHsmToken::SoftHsmToken(const std::string& label, const std::vector<std::string>& key_labels)
    : label_(label) {
  Run("mkdir -p " + dir_.File("tokens"));
  conf_ = dir_.File("softhsm2.conf");
  dir_.Write("softhsm2.conf", "directories.tokendir = " + dir_.File("tokens") +
                                  "\nobjectstore.backend = file\nlog.level = ERROR\n");
  setenv("SOFTHSM2_CONF", conf_.c_str(), 1);
  std::string env = "SOFTHSM2_CONF=" + conf_ + " ";
  Run(env + "softhsm2-util --init-token --free --label " + label + " --pin " + kPin +
      " --so-pin 5678");
  for (const auto& key : key_labels) {
    Run(env + "pkcs11-tool --module " + kModule + " --login --pin " + kPin + " --token-label " +
        label + " --keygen --key-type AES:32 --label " + key);
  }
}

}  // namespace cc::testing
