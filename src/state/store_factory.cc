#include "state/store_factory.h"

#include "aws/credentials.h"
#include "aws/json_client.h"
#include "state/dynamodb_store.h"
#include "state/memory_store.h"
#include "state/sqlite_store.h"

namespace cc::state {

Result<std::unique_ptr<StateStore>> MakeStore(const config::SignerStateConfig& config, Clock& clock,
                                              const StoreOptions& options) {
  if (config.backend == "memory") return std::unique_ptr<StateStore>(new MemoryStore());
  if (config.backend == "sqlite") {
    CC_ASSIGN_OR_RETURN(
        auto store,
        SqliteStore::Open(config.path, options.read_only ? SqliteStore::Mode::kReadOnly
                                                         : SqliteStore::Mode::kReadWrite));
    return std::unique_ptr<StateStore>(std::move(store));
  }
  if (config.backend == "dynamodb") {
    std::shared_ptr<aws::CredentialsProvider> creds = options.credentials;
    if (!creds) creds = std::make_shared<aws::DefaultCredentialChain>(options.environment, clock);
    auto client = std::make_unique<aws::JsonClient>(aws::DynamoDbService(), config.region,
                                                    config.endpoint_url, creds, clock);
    return std::unique_ptr<StateStore>(new DynamoDbStore(config.table, std::move(client)));
  }
  return Status::InvalidArgument("signer_state.backend: unknown backend '" + config.backend + "'");
}

}  // namespace cc::state
