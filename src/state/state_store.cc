#include "state/state_store.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"

namespace cc::state {

Status ValidateCommit(const CommitRequest& request) {
  if (request.mutations.empty()) return Status::InvalidArgument("commit has no mutations");
  if (request.mutations.size() > kMaxCommitRecords) {
    return Status::InvalidArgument("commit touches " + std::to_string(request.mutations.size()) +
                                   " records; at most " + std::to_string(kMaxCommitRecords) +
                                   " fit in one transaction with the head and change log");
  }
  std::set<RecordKey> seen;
  for (const Mutation& m : request.mutations) {
    if (m.key.kind.empty() || m.key.id.empty() || m.key.kind == "head" ||
        m.key.kind.find('#') != std::string::npos) {
      return Status::InvalidArgument("bad record key '" + m.key.ToString() + "'");
    }
    if (!seen.insert(m.key).second) {
      return Status::InvalidArgument("commit writes " + m.key.ToString() + " twice");
    }
    // Key, attribute names and numbers: a generous 200 bytes over the body.
    size_t size = (m.body ? m.body->size() : 0) + m.key.kind.size() + m.key.id.size() + 200;
    if (size > kMaxItemBytes) {
      return Status::TooLarge("record " + m.key.ToString() + " is " + std::to_string(size) +
                              " bytes; the state backend's item limit is 400 KB (" +
                              std::to_string(kMaxItemBytes) + " bytes)");
    }
  }
  return Status::Ok();
}

Snapshot ApplyDelta(const Snapshot& base, const Delta& delta) {
  Snapshot out = base;
  out.head = delta.head;
  for (const RecordKey& k : delta.deletes) out.records.erase(k);
  for (const Record& r : delta.upserts) out.records[r.key] = r;
  return out;
}

std::string EncodeChangeLog(const CommitRequest& request) {
  nlohmann::json a = nlohmann::json::array();
  for (const Mutation& m : request.mutations) {
    a.push_back({m.key.kind, m.key.id, !m.body.has_value()});
  }
  return a.dump();
}

Result<std::vector<std::pair<RecordKey, bool>>> DecodeChangeLog(const std::string& entry) {
  nlohmann::json a = nlohmann::json::parse(entry, nullptr, false);
  if (!a.is_array()) return Status::Corruption("malformed change-log entry");
  std::vector<std::pair<RecordKey, bool>> out;
  for (const auto& e : a) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !e[1].is_string() ||
        !e[2].is_boolean()) {
      return Status::Corruption("malformed change-log entry");
    }
    out.push_back({RecordKey{e[0].get<std::string>(), e[1].get<std::string>()}, e[2].get<bool>()});
  }
  return out;
}

void FoldChangeLog(const std::vector<std::pair<RecordKey, bool>>& entry,
                   std::map<RecordKey, bool>& changed) {
  for (const auto& [key, deleted] : entry) changed[key] = deleted;  // the latest wins
}

Result<HeadRecord> OpenOrCreate(StateStore& store, int64_t now_unix) {
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> head, store.CheckIdentity());
  if (head) return *head;
  HeadRecord fresh;
  fresh.chamber_id = RandomHexId(16);
  fresh.created_at = now_unix;
  return store.CreateHeadIfAbsent(fresh);
}

}  // namespace cc::state
