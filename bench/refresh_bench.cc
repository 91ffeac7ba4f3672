// bench/refresh: what a refresh poll costs and how fast a change propagates.
//  (a) per poll, with N auth-token records in the store: idle (head only),
//      after one change (change log), and a naive reload of everything.
//      DynamoDB: API calls and HTTP bytes on the wire, requests and responses
//      with headers and bodies. SQLite: calls of the store interface (each
//      one read transaction on a local file; no wire, so no bytes printed).
//  (b) propagation latency between real server processes: three replicas
//      (refresh_interval_seconds: 1) share one backend; a commit is made
//      through replica 0's API (operator seal / resume); the time until
//      replicas 1 and 2 report the new revision in their status.
// Runs on SQLite and on DynamoDB Local ($CC_DYNAMODB_ENDPOINT, or one it
// starts). Prints numbers; it is not a pass/fail test, but every step's
// result is checked and a failed step stops it with a message.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "common/encoding.h"
#include "common/retry.h"
#include "state/refresher.h"
#include "state/sqlite_store.h"
#include "support/cluster.h"
#include "support/dynamodb_local.h"

namespace cc {
namespace {

using Clock = std::chrono::steady_clock;
using StoreMaker = std::function<std::unique_ptr<state::StateStore>()>;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "refresh_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Cost {
  double calls = 0, sent = 0, received = 0;
};

Cost Delta(const state::StoreStats& a, const state::StoreStats& b, int n) {
  return {static_cast<double>(b.TotalRequests() - a.TotalRequests()) / n,
          static_cast<double>(b.wire_bytes_sent - a.wire_bytes_sent) / n,
          static_cast<double>(b.wire_bytes_received - a.wire_bytes_received) / n};
}

void Populate(state::StateStore& store, int records) {
  uint64_t rev = store.ReadHead()->revision;
  for (int done = 0; done < records;) {
    state::CommitRequest c{rev, {}};
    for (size_t i = 0; i < state::kMaxCommitRecords && done < records; ++i, ++done) {
      // About the size of a real token record: id, keyed hash, policies, times.
      c.mutations.push_back(
          state::Mutation::Put({"auth_token", RandomHexId(16)}, std::string(220, 't')));
    }
    auto r = store.Commit(c);
    if (!r.ok()) Fail("populate: " + r.status().ToString());
    rev = *r;
  }
}

void PrintCost(const char* what, const Cost& c, bool wire, double ms = -1) {
  std::printf("  %-30s %7.2f %-10s", what, c.calls, wire ? "API calls" : "store calls");
  if (wire) {
    std::printf(" %10.0f B sent %10.0f B received %10.0f B total", c.sent, c.received,
                c.sent + c.received);
  }
  if (ms >= 0) std::printf(" %9.2f ms", ms);
  std::printf("\n");
}

void PollCost(const char* name, const StoreMaker& make, int records, bool wire) {
  auto writer = make();
  if (!state::OpenOrCreate(*writer, 0).ok()) Fail("open");
  auto t0 = Clock::now();
  Populate(*writer, records);
  double populate_s = std::chrono::duration<double>(Clock::now() - t0).count();

  auto reader = make();
  state::Refresher refresher(*reader, *SystemClock::Get(), state::RefreshOptions{1});
  if (Status st = refresher.Initialize(); !st.ok()) Fail("initialize: " + st.ToString());

  constexpr int kPolls = 50;
  auto s0 = reader->Stats();
  auto i0 = Clock::now();
  for (int i = 0; i < kPolls; ++i) {
    if (refresher.RefreshOnce() != state::Refresher::Outcome::kUnchanged) Fail("idle poll");
  }
  double idle_ms = std::chrono::duration<double, std::milli>(Clock::now() - i0).count() / kPolls;
  Cost idle = Delta(s0, reader->Stats(), kPolls);

  constexpr int kChanges = 10;
  Cost changed{};
  for (int i = 0; i < kChanges; ++i) {
    auto head = writer->ReadHead();
    auto rev = writer->Commit(
        {head->revision, {state::Mutation::Put({"auth_policy", "ops"}, RandomHexId(8))}});
    if (!rev.ok()) Fail("commit: " + rev.status().ToString());
    auto s1 = reader->Stats();
    if (refresher.RefreshOnce() != state::Refresher::Outcome::kLoaded) Fail("poll after change");
    if (refresher.Current()->head.revision != *rev) Fail("poll missed the change");
    Cost c = Delta(s1, reader->Stats(), 1);
    changed.calls += c.calls / kChanges;
    changed.sent += c.sent / kChanges;
    changed.received += c.received / kChanges;
  }

  auto s2 = reader->Stats();
  auto n0 = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto snap = reader->LoadSnapshot();
    if (!snap.ok() || snap->records.size() < static_cast<size_t>(records)) Fail("full load");
  }
  Cost naive = Delta(s2, reader->Stats(), 5);
  double naive_ms = std::chrono::duration<double, std::milli>(Clock::now() - n0).count() / 5;

  std::printf("%-9s %d records (populated in %.1f s)\n", name, records, populate_s);
  PrintCost("idle poll (head only)", idle, wire, idle_ms);
  PrintCost("poll after one change", changed, wire);
  PrintCost("naive reload-everything poll", naive, wire, naive_ms);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Between real processes: commit through replica 0's API, watch 1 and 2.
void Propagation(testing::Backend backend, int changes) {
  using testing::kTestOpsToken;
  testing::Cluster c(backend, 3);
  c.StartAll();
  auto init = testing::Post(
      c[0].Url("/api/v1/chamber/init"),
      R"({"mode":"kms_only","kms_keys":["local:a","local:b","local:c"],"kms_threshold":2})",
      {{"Authorization", "Bearer " + c.SetupToken(0)}});
  if (init.status != 200) Fail("init: " + init.body);
  if (!c.WaitAll("unsealed", std::chrono::seconds(10))) Fail("replicas did not unseal");
  const net::Headers ops = {{"Authorization", std::string("Bearer ") + kTestOpsToken}};
  std::vector<double> latencies_ms;
  for (int i = 0; i < changes; ++i) {
    // Commit at a random phase relative to the replicas' polls.
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(JitterDraw() * 1000)));
    bool seal = i % 2 == 0;
    auto r = seal ? testing::Post(c[0].Url("/api/v1/chamber/seal"), "{}", ops)
                  : testing::Post(c[0].Url("/api/v1/chamber/unseal"), R"({"resume":true})", ops);
    auto t0 = Clock::now();
    if (r.status != 200) Fail(std::string(seal ? "seal: " : "resume: ") + r.body);
    int64_t target = c[0].Revision();  // replica 0 loads its own commit before answering
    if (target < 0) Fail("status of replica 0");
    // Both replicas watched in one loop, so neither waits for the other.
    bool seen[3] = {true, false, false};
    bool all = testing::WaitUntil(
        [&] {
          for (size_t k = 1; k < 3; ++k) {
            if (seen[k] || c[k].Revision() < target) continue;
            seen[k] = true;
            latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          }
          return seen[1] && seen[2];
        },
        std::chrono::seconds(10), std::chrono::milliseconds(2));
    if (!all) Fail("replicas did not report revision " + std::to_string(target));
    // Let every replica settle in the new seal state before the next commit.
    if (!c.WaitAll(seal ? "sealed" : "unsealed", std::chrono::seconds(10)))
      Fail("replicas did not follow the seal state");
  }
  std::printf(
      "%-9s commit via replica 0's API -> replicas 1 and 2 report it in status "
      "(refresh 1 s), %zu samples: p50 %.0f ms  p99 %.0f ms  max %.0f ms\n",
      testing::BackendName(backend), latencies_ms.size(), Percentile(latencies_ms, 0.5),
      Percentile(latencies_ms, 0.99), *std::max_element(latencies_ms.begin(), latencies_ms.end()));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace
}  // namespace cc

int main(int argc, char** argv) {
  int records = argc > 1 ? std::atoi(argv[1]) : 10000;
  int changes = argc > 2 ? std::atoi(argv[2]) : 30;
  std::printf("load average at start: %s\n", cc::LoadAverage().c_str());
  cc::testing::TempDir dir;
  std::string table = cc::testing::DynamoDbLocal::UniqueTableName("bench");
  cc::testing::DynamoDbLocal::Get().Store(table, true);
  auto sqlite = [&] {
    auto s = cc::state::SqliteStore::Open(dir.File("state.db"));
    if (!s.ok()) cc::Fail(s.status().ToString());
    return std::unique_ptr<cc::state::StateStore>(std::move(*s));
  };
  auto dynamo = [&] {
    return std::unique_ptr<cc::state::StateStore>(
        cc::testing::DynamoDbLocal::Get().Store(table, false));
  };
  std::printf("== (a) poll cost\n");
  cc::PollCost("sqlite", sqlite, records, /*wire=*/false);
  cc::PollCost("dynamodb", dynamo, records, /*wire=*/true);
  std::printf("== (b) propagation latency between server processes\n");
  cc::Propagation(cc::testing::Backend::kSqlite, changes);
  cc::Propagation(cc::testing::Backend::kDynamoDb, changes);
  std::printf("load average at end: %s\n", cc::LoadAverage().c_str());
  return 0;
}
