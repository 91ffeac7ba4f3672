#include "state/state_store.h"

#include <set>

#include "common/encoding.h"

namespace cc::state {

Status ValidateCommit(const CommitRequest& request) {
  if (request.mutations.empty()) return Status::InvalidArgument("commit has no mutations");
  if (request.mutations.size() + 1 > kMaxCommitItems) {
    return Status::InvalidArgument("commit touches " + std::to_string(request.mutations.size()) +
                                   " records; at most " + std::to_string(kMaxCommitItems - 1) +
                                   " fit in one transaction with the head");
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

Result<HeadRecord> OpenOrCreate(StateStore& store, int64_t now_unix) {
  CC_ASSIGN_OR_RETURN(std::optional<HeadRecord> head, store.CheckIdentity());
  if (head) return *head;
  HeadRecord fresh;
  fresh.chamber_id = RandomHexId(16);
  fresh.created_at = now_unix;
  return store.CreateHeadIfAbsent(fresh);
}

}  // namespace cc::state
