#include "support/dynamodb_local.h"

#include <signal.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "common/encoding.h"

namespace cc::testing {

DynamoDbLocal& DynamoDbLocal::Get() {
  static DynamoDbLocal* instance = new DynamoDbLocal();  // lives until exit
  return *instance;
}

DynamoDbLocal::DynamoDbLocal() {
  if (const char* e = std::getenv("CC_DYNAMODB_ENDPOINT"); e && *e) {
    endpoint_ = e;
    return;
  }
  std::string dir = std::getenv("DYNAMODB_LOCAL_DIR") ? std::getenv("DYNAMODB_LOCAL_DIR")
                                                      : CC_SOURCE_DIR "/.deps/dynamodb-local";
  dir_ = std::make_unique<TempDir>();
  // DynamoDB Local cannot bind port 0 and report it: pick a free port, and
  // pick another if someone took it before the JVM bound it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    int port = FreePort();
    process_ = std::make_unique<ChildProcess>(
        "java",
        std::vector<std::string>{"-Djava.library.path=" + dir + "/DynamoDBLocal_lib", "-jar",
                                 dir + "/DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-port",
                                 std::to_string(port)},
        std::map<std::string, std::string>{}, dir_->File("dynamodb-local.log"));
    endpoint_ = "http://127.0.0.1:" + std::to_string(port);
    auto client = Client();
    bool up = WaitUntil(
        [&] {
          if (!process_->Running()) return true;
          auto r = client->CallOnce("ListTables", nlohmann::json::object());
          return r.ok() && r->ok();
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100));
    if (up && process_->Running()) {
      // The instance is never destroyed: make sure the JVM does not outlive us.
      static int pid = 0;
      pid = process_->pid();
      std::atexit([] { kill(pid, SIGKILL); });
      return;
    }
    if (process_->Log().find("Address already in use") == std::string::npos) break;
  }
  throw std::runtime_error("DynamoDB Local did not start from " + dir +
                           " (run scripts/install-dynamodb-local.sh): " + process_->Log());
}

std::string DynamoDbLocal::UniqueTableName(const std::string& prefix) {
  return prefix + "-" + RandomHexId(6);
}

std::unique_ptr<aws::JsonClient> DynamoDbLocal::Client(const std::string& endpoint) const {
  auto creds = std::make_shared<aws::StaticCredentials>(
      aws::Credentials{"AKIDLOCAL", "local-secret", "", std::nullopt, "test"});
  BackoffPolicy fast{std::chrono::milliseconds(10), std::chrono::milliseconds(100), 4};
  return std::make_unique<aws::JsonClient>(aws::DynamoDbService(), "us-east-1",
                                           endpoint.empty() ? endpoint_ : endpoint, creds,
                                           *SystemClock::Get(), fast);
}

std::unique_ptr<state::DynamoDbStore> DynamoDbLocal::Store(const std::string& table, bool create,
                                                           const std::string& endpoint) const {
  auto store = std::make_unique<state::DynamoDbStore>(table, Client(endpoint));
  if (create) {
    Status st = store->CreateTable();
    if (!st.ok()) throw std::runtime_error("CreateTable " + table + ": " + st.ToString());
  }
  return store;
}

std::map<std::string, std::string> DynamoDbLocal::ServerEnv() const {
  return {{"AWS_ACCESS_KEY_ID", "AKIDLOCAL"},
          {"AWS_SECRET_ACCESS_KEY", "local-secret"},
          {"AWS_EC2_METADATA_DISABLED", "true"}};
}

}  // namespace cc::testing
