#include "state/dynamodb_store.h"

#include <charconv>

#include <thread>

#include "common/encoding.h"

namespace cc::state {
namespace {

using nlohmann::json;

constexpr char kPartition[] = "chamber";
constexpr char kHeadSort[] = "head";
constexpr char kRecordPrefix[] = "r#";
constexpr char kMarker[] = "containment-chamber-state";
constexpr char kLogPartition[] = "chamber-log";

std::string LogSort(uint64_t revision) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "log#%020llu", static_cast<unsigned long long>(revision));
  return buf;
}
json LogKey(uint64_t revision) {
  return {{"pk", {{"S", kLogPartition}}}, {"sk", {{"S", LogSort(revision)}}}};
}

json S(const std::string& v) { return {{"S", v}}; }
json N(uint64_t v) { return {{"N", std::to_string(v)}}; }
json N(int64_t v) { return {{"N", std::to_string(v)}}; }
json HeadKey() { return {{"pk", S(kPartition)}, {"sk", S(kHeadSort)}}; }
json RecordKeyJson(const RecordKey& k) {
  return {{"pk", S(kPartition)}, {"sk", S(kRecordPrefix + k.kind + "#" + k.id)}};
}

// Item attributes come from the table, which anyone with write access can
// fill: a missing, mistyped or out-of-range value reads as "" / -1 (and the
// callers report it as corruption), never as an exception.
std::string Str(const json& item, const char* name) {
  if (!item.is_object() || !item.contains(name) || !item[name].is_object()) return "";
  auto it = item[name].find("S");
  return it != item[name].end() && it->is_string() ? it->get<std::string>() : "";
}
int64_t Num(const json& item, const char* name) {
  if (!item.is_object() || !item.contains(name) || !item[name].is_object()) return -1;
  auto it = item[name].find("N");
  if (it == item[name].end() || !it->is_string()) return -1;
  const std::string& text = it->get_ref<const std::string&>();
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc() && end == text.data() + text.size() && v >= 0 ? v : -1;
}

// A record item (sk "r#<kind>#<id>", revision, body) back into a Record;
// nullopt when the item is not one.
std::optional<Record> RecordFromItem(const json& item) {
  std::string sk = Str(item, "sk");
  if (sk.rfind(kRecordPrefix, 0) != 0 || !item.contains("body")) return std::nullopt;
  std::string rest = sk.substr(sizeof(kRecordPrefix) - 1);
  auto hash = rest.find('#');
  const json& b = item["body"];
  auto body = b.is_object() && b.contains("B") && b["B"].is_string()
                  ? Base64Decode(b["B"].get<std::string>())
                  : std::nullopt;
  if (hash == std::string::npos || !body || Num(item, "revision") < 0) return std::nullopt;
  return Record{{rest.substr(0, hash), rest.substr(hash + 1)},
                static_cast<uint64_t>(Num(item, "revision")),
                std::move(*body)};
}

}  // namespace

DynamoDbStore::DynamoDbStore(std::string table, std::unique_ptr<aws::JsonClient> client)
    : table_(std::move(table)), client_(std::move(client)) {
  client_->set_observer([this](const std::string& op, size_t sent, size_t received) {
    std::lock_guard<std::mutex> l(stats_mu_);
    stats_.requests[op]++;
    stats_.wire_bytes_sent += sent;
    stats_.wire_bytes_received += received;
  });
}

StoreInfo DynamoDbStore::Info() const { return {"dynamodb", table_, client_->region()}; }

StoreStats DynamoDbStore::Stats() const {
  std::lock_guard<std::mutex> l(stats_mu_);
  return stats_;
}

Status DynamoDbStore::NotOurs(const std::string& why) const {
  return Status::FailedPrecondition("DynamoDB table '" + table_ + "' in " + client_->region() +
                                    " is not a Containment Chamber state table: " + why +
                                    "; is signer_state.table pointing at the key-source or "
                                    "slashing-protection table? Refusing to use it");
}

Result<std::optional<HeadRecord>> DynamoDbStore::GetHead() {
  CC_ASSIGN_OR_RETURN(
      json r, client_->Call("GetItem",
                            {{"TableName", table_}, {"Key", HeadKey()}, {"ConsistentRead", true}}));
  if (!r.contains("Item")) return std::optional<HeadRecord>();
  const json& item = r["Item"];
  if (Str(item, "marker") != kMarker)
    return NotOurs("its head item has no Containment Chamber marker");
  if (Num(item, "schema_version") < 0 || Num(item, "created_at") < 0 || Num(item, "revision") < 0 ||
      Num(item, "schema_version") > 1'000'000) {
    return Status::Corruption("table '" + table_ + "': the head item has a malformed number");
  }
  HeadRecord h{Str(item, "chamber_id"), static_cast<int>(Num(item, "schema_version")),
               Num(item, "created_at"), static_cast<uint64_t>(Num(item, "revision"))};
  if (h.schema_version > kSchemaVersion) {
    return Status::FailedPrecondition("table '" + table_ + "' has schema version " +
                                      std::to_string(h.schema_version) +
                                      "; this build reads up to " + std::to_string(kSchemaVersion));
  }
  return std::optional<HeadRecord>(h);
}

Result<std::optional<HeadRecord>> DynamoDbStore::CheckIdentity() {
  auto described = client_->Call("DescribeTable", {{"TableName", table_}});
  if (!described.ok()) {
    if (described.status().code() == ErrorCode::kNotFound) {
      return Status::NotFound("DynamoDB table '" + table_ + "' does not exist in region " +
                              client_->region() + " (endpoint " + client_->endpoint() +
                              "); create it (docs/state-backend.md, or `containment-chamber state "
                              "create-table`) or fix signer_state.table / signer_state.region");
    }
    return described.status();
  }
  const json& t = (*described)["Table"];
  std::string hash, range;
  for (const json& k : t.value("KeySchema", json::array())) {
    (k.value("KeyType", "") == "HASH" ? hash : range) = k.value("AttributeName", "");
  }
  if (hash != "pk" || range != "sk") {
    return NotOurs("its key schema is (" + hash + (range.empty() ? "" : ", " + range) +
                   "), not (pk, sk)");
  }
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> head, GetHead());
  if (head) return head;
  // No head: the table must be empty, or it belongs to something else.
  CC_ASSIGN_OR_RETURN(
      json scan,
      client_->Call("Scan", {{"TableName", table_}, {"Limit", 3}, {"ConsistentRead", true}}));
  if (!scan.value("Items", json::array()).empty()) {
    const json& first = scan["Items"][0];
    return NotOurs("it holds items but no head (first item pk=" + Str(first, "pk") +
                   " sk=" + Str(first, "sk") + ")");
  }
  return std::optional<HeadRecord>();
}

Result<HeadRecord> DynamoDbStore::CreateHeadIfAbsent(const HeadRecord& head) {
  json item = HeadKey();
  item["marker"] = S(kMarker);
  item["chamber_id"] = S(head.chamber_id);
  item["schema_version"] = N(static_cast<int64_t>(head.schema_version));
  item["created_at"] = N(head.created_at);
  item["revision"] = N(uint64_t{0});
  CC_ASSIGN_OR_RETURN(
      aws::AwsReply reply,
      client_->CallWithRetries("PutItem", {{"TableName", table_},
                                           {"Item", item},
                                           {"ConditionExpression", "attribute_not_exists(pk)"}}));
  // ConditionalCheckFailed: another replica created it first; read theirs.
  if (!reply.ok() && reply.error_type != "ConditionalCheckFailedException") {
    return aws::JsonClient::ToStatus(aws::DynamoDbService(), "PutItem", reply);
  }
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, GetHead());
  if (!h) return Status::Internal("head vanished after creation");
  return *h;
}

Result<HeadRecord> DynamoDbStore::ReadHead() {
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> h, GetHead());
  if (!h) return Status::NotFound("DynamoDB table '" + table_ + "' has no head item");
  return *h;
}

Result<Snapshot> DynamoDbStore::LoadSnapshot() {
  // Query is only read-committed: accept the pages only if the head, read
  // again afterwards, has not moved and no record is newer than it.
  for (int attempt = 0; attempt < 5; ++attempt) {
    Snapshot snap;
    std::optional<uint64_t> head_in_query;
    json request = {{"TableName", table_},
                    {"KeyConditionExpression", "pk = :p"},
                    {"ExpressionAttributeValues", {{":p", S(kPartition)}}},
                    {"ConsistentRead", true}};
    bool bad = false;
    while (true) {
      CC_ASSIGN_OR_RETURN(json page, client_->Call("Query", request));
      for (const json& item : page.value("Items", json::array())) {
        std::string sk = Str(item, "sk");
        if (sk == kHeadSort) {
          if (Num(item, "revision") < 0) bad = true;
          head_in_query = static_cast<uint64_t>(Num(item, "revision"));
          continue;
        }
        std::optional<Record> r = RecordFromItem(item);
        if (!r) {
          bad = true;
          continue;
        }
        snap.records.emplace(r->key, std::move(*r));
      }
      if (!page.contains("LastEvaluatedKey")) break;
      request["ExclusiveStartKey"] = page["LastEvaluatedKey"];
    }
    if (bad) return Status::Corruption("table '" + table_ + "' holds malformed state items");
    CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> head, GetHead());
    if (!head) return Status::NotFound("DynamoDB table '" + table_ + "' has no head item");
    bool stable = head_in_query && *head_in_query == head->revision;
    for (const auto& [k, r] : snap.records) stable = stable && r.revision <= head->revision;
    if (stable) {
      snap.head = *head;
      return snap;
    }
  }
  return Status::Unavailable("table '" + table_ +
                             "' kept changing while loading; no consistent snapshot after 5 tries");
}

Result<Delta> DynamoDbStore::LoadChangesSince(uint64_t revision) {
  // Like LoadSnapshot: accept only if the head, read last, matches the log.
  for (int attempt = 0; attempt < 3; ++attempt) {
    CC_ASSIGN_OR_RETURN(std::optional<Delta> d, TryLoadChanges(revision));
    if (d) return std::move(*d);
  }
  return Status::Unavailable("table '" + table_ + "' kept changing while loading changes");
}

Result<std::optional<Delta>> DynamoDbStore::TryLoadChanges(uint64_t revision) {
  json q = {
      {"TableName", table_},
      {"KeyConditionExpression", "pk = :p AND sk > :from"},
      {"ExpressionAttributeValues", {{":p", S(kLogPartition)}, {":from", S(LogSort(revision))}}},
      {"ConsistentRead", true}};
  std::map<RecordKey, bool> changed;
  uint64_t expect = revision + 1;
  while (true) {
    CC_ASSIGN_OR_RETURN(json page, client_->Call("Query", q));
    for (const json& item : page.value("Items", json::array())) {
      if (Str(item, "sk") != LogSort(expect))
        return Status::NotFound("change log does not reach back");
      ++expect;
      CC_ASSIGN_OR_RETURN(auto entry, DecodeChangeLog(Str(item, "entry")));
      FoldChangeLog(entry, changed);
    }
    if (!page.contains("LastEvaluatedKey")) break;
    q["ExclusiveStartKey"] = page["LastEvaluatedKey"];
  }
  const uint64_t log_head = expect - 1;

  Delta d;
  std::vector<RecordKey> wanted;
  for (const auto& [key, deleted] : changed) {
    if (deleted) {
      d.deletes.push_back(key);
    } else {
      wanted.push_back(key);
    }
  }
  std::map<RecordKey, Record> fetched;
  for (size_t i = 0; i < wanted.size(); i += 100) {
    json keys = json::array();
    for (size_t j = i; j < std::min(wanted.size(), i + 100); ++j)
      keys.push_back(RecordKeyJson(wanted[j]));
    json req = {{"RequestItems", {{table_, {{"Keys", keys}, {"ConsistentRead", true}}}}}};
    for (int round = 0; round < 10 && !req["RequestItems"].empty(); ++round) {
      CC_ASSIGN_OR_RETURN(json r, client_->Call("BatchGetItem", req));
      for (const json& item : r["Responses"].value(table_, json::array())) {
        std::optional<Record> rec = RecordFromItem(item);
        if (!rec) return Status::Corruption("malformed state item in '" + table_ + "'");
        RecordKey key = rec->key;
        fetched[key] = std::move(*rec);
      }
      req["RequestItems"] = r.value("UnprocessedKeys", json::object());
    }
    if (!req["RequestItems"].empty())
      return Status::Throttled("BatchGetItem left keys unprocessed");
  }
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> head, GetHead());
  if (!head) return Status::NotFound("DynamoDB table '" + table_ + "' has no head item");
  if (revision > head->revision) {
    return Status::FailedPrecondition("the table is at revision " + std::to_string(head->revision) +
                                      ", behind " + std::to_string(revision));
  }
  if (head->revision != log_head) return std::optional<Delta>();  // moved meanwhile: retry
  for (const RecordKey& key : wanted) {
    auto it = fetched.find(key);
    if (it == fetched.end()) return std::optional<Delta>();  // deleted after the log read
    if (it->second.revision > head->revision) return std::optional<Delta>();
    d.upserts.push_back(std::move(it->second));
  }
  d.head = *head;
  return std::optional<Delta>(std::move(d));
}

Result<uint64_t> DynamoDbStore::Commit(const CommitRequest& request) {
  CC_RETURN_IF_ERROR(ValidateCommit(request));
  const uint64_t rev = request.expected_revision + 1;
  json items = json::array();
  for (const Mutation& m : request.mutations) {
    if (m.body) {
      json item = RecordKeyJson(m.key);
      item["revision"] = N(rev);
      item["body"] = {{"B", Base64Encode(*m.body)}};
      items.push_back({{"Put", {{"TableName", table_}, {"Item", item}}}});
    } else {
      items.push_back({{"Delete", {{"TableName", table_}, {"Key", RecordKeyJson(m.key)}}}});
    }
  }
  // The token makes a retry after a lost response idempotent (10 minutes);
  // kept in the change-log entry too, so a retry that DynamoDB does not
  // recognise (after the window) can still tell its own commit from another's.
  const std::string token = RandomHexId(16);
  json log = LogKey(rev);
  log["entry"] = S(EncodeChangeLog(request));
  log["token"] = S(token);
  items.push_back({{"Put", {{"TableName", table_}, {"Item", log}}}});
  if (rev > kChangeLogWindow) {
    items.push_back({{"Delete", {{"TableName", table_}, {"Key", LogKey(rev - kChangeLogWindow)}}}});
  }
  items.push_back({{"Update",
                    {{"TableName", table_},
                     {"Key", HeadKey()},
                     {"UpdateExpression", "SET revision = :new"},
                     {"ConditionExpression", "revision = :expected AND marker = :marker"},
                     {"ExpressionAttributeValues",
                      {{":new", N(rev)},
                       {":expected", N(request.expected_revision)},
                       {":marker", S(kMarker)}}}}}});
  json body = {{"TransactItems", items}, {"ClientRequestToken", token}};
  CC_ASSIGN_OR_RETURN(aws::AwsReply reply, client_->CallWithRetries("TransactWriteItems", body));
  if (reply.ok()) return rev;
  if (reply.error_type == "TransactionCanceledException") {
    std::string codes;
    bool head_failed = false, contention = false;
    const json reasons = reply.body.value("CancellationReasons", json::array());
    for (size_t i = 0; i < reasons.size(); ++i) {
      std::string code = reasons[i].value("Code", "None");
      if (code == "None") continue;
      codes += (codes.empty() ? "" : ", ") + code;
      if (code == "ConditionalCheckFailed" && i + 1 == reasons.size()) head_failed = true;
      if (code == "TransactionConflict") contention = true;
    }
    if (head_failed && CommittedWithToken(rev, token)) {
      // Our earlier attempt applied and its reply was lost; this retry then
      // failed the head condition. The commit happened exactly once.
      return rev;
    }
    if (head_failed || contention) {
      return Status::Conflict("head revision is no longer " +
                              std::to_string(request.expected_revision) +
                              "; another replica committed first (" + codes + ")");
    }
    return Status::Unavailable("DynamoDB cancelled the commit: " + codes + " " +
                               reply.error_message);
  }
  return aws::JsonClient::ToStatus(aws::DynamoDbService(), "TransactWriteItems", reply);
}

bool DynamoDbStore::CommittedWithToken(uint64_t revision, const std::string& token) {
  auto r = client_->Call(
      "GetItem", {{"TableName", table_}, {"Key", LogKey(revision)}, {"ConsistentRead", true}});
  return r.ok() && r->contains("Item") && Str((*r)["Item"], "token") == token;
}

Status DynamoDbStore::CreateTable() {
  json req = {{"TableName", table_},
              {"AttributeDefinitions",
               {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                {{"AttributeName", "sk"}, {"AttributeType", "S"}}}},
              {"KeySchema",
               {{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
              {"BillingMode", "PAY_PER_REQUEST"}};
  CC_RETURN_IF_ERROR(client_->Call("CreateTable", req).status());
  for (int i = 0; i < 100; ++i) {
    CC_ASSIGN_OR_RETURN(json d, client_->Call("DescribeTable", {{"TableName", table_}}));
    if (d["Table"].value("TableStatus", "") == "ACTIVE") return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Unavailable("table '" + table_ + "' did not become ACTIVE");
}

}  // namespace cc::state
