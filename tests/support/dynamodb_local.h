// Amazon's DynamoDB Local for tests. Uses the server at $CC_DYNAMODB_ENDPOINT
// when set (scripts/test.sh starts one for the whole run); otherwise starts
// one for this test process from .deps/dynamodb-local (or $DYNAMODB_LOCAL_DIR).
#pragma once

#include <memory>
#include <string>

#include "aws/json_client.h"
#include "common/clock.h"
#include "state/dynamodb_store.h"
#include "support/harness.h"

namespace cc::testing {

class DynamoDbLocal {
 public:
  static DynamoDbLocal& Get();

  const std::string& endpoint() const { return endpoint_; }
  // A table name no other test uses.
  static std::string UniqueTableName(const std::string& prefix = "cc-test");
  std::unique_ptr<aws::JsonClient> Client(const std::string& endpoint = "") const;
  // A store on `table` (created first unless create=false).
  std::unique_ptr<state::DynamoDbStore> Store(const std::string& table, bool create = true,
                                              const std::string& endpoint = "") const;
  // Environment that points a server process's credential chain at it.
  std::map<std::string, std::string> ServerEnv() const;

 private:
  DynamoDbLocal();
  std::string endpoint_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace cc::testing
