// bench/refresh: what a refresh poll costs and how fast a change propagates.
//  (a) backend requests and bytes read per idle poll, and per poll after one
//      change, with 10,000 auth-token records in the table, against a naive
//      poll that reloads everything;
//  (b) propagation latency p50/p99 of a change from one replica to two others
//      with refresh_interval_seconds: 1.
// Runs on SQLite and on DynamoDB Local ($CC_DYNAMODB_ENDPOINT, or one it starts).
// Prints numbers; it is not a pass/fail test.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include "common/encoding.h"
#include "state/refresher.h"
#include "state/sqlite_store.h"
#include "support/dynamodb_local.h"

namespace cc {
namespace {

using Clock = std::chrono::steady_clock;
using StoreMaker = std::function<std::unique_ptr<state::StateStore>()>;

struct Cost {
  double requests = 0;
  double bytes = 0;
};

Cost Delta(const state::StoreStats& a, const state::StoreStats& b, int n) {
  return {static_cast<double>(b.TotalRequests() - a.TotalRequests()) / n,
          static_cast<double>(b.bytes_read - a.bytes_read) / n};
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
    if (!r.ok()) {
      std::fprintf(stderr, "populate: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    rev = *r;
  }
}

void PollCost(const char* name, const StoreMaker& make, int records) {
  auto writer = make();
  if (!state::OpenOrCreate(*writer, 0).ok()) std::exit(1);
  auto t0 = Clock::now();
  Populate(*writer, records);
  double populate_s = std::chrono::duration<double>(Clock::now() - t0).count();

  auto reader = make();
  state::Refresher refresher(*reader, *SystemClock::Get(), state::RefreshOptions{1});
  if (!refresher.Initialize().ok()) std::exit(1);

  constexpr int kPolls = 50;
  auto s0 = reader->Stats();
  for (int i = 0; i < kPolls; ++i) refresher.RefreshOnce();
  Cost idle = Delta(s0, reader->Stats(), kPolls);

  constexpr int kChanges = 10;
  Cost changed{};
  for (int i = 0; i < kChanges; ++i) {
    auto head = writer->ReadHead();
    (void)writer->Commit(
        {head->revision, {state::Mutation::Put({"auth_policy", "ops"}, RandomHexId(8))}});
    auto s1 = reader->Stats();
    refresher.RefreshOnce();
    Cost c = Delta(s1, reader->Stats(), 1);
    changed.requests += c.requests / kChanges;
    changed.bytes += c.bytes / kChanges;
  }

  auto s2 = reader->Stats();
  auto n0 = Clock::now();
  for (int i = 0; i < 5; ++i) (void)reader->LoadSnapshot();
  Cost naive = Delta(s2, reader->Stats(), 5);
  double naive_ms = std::chrono::duration<double, std::milli>(Clock::now() - n0).count() / 5;

  auto i0 = Clock::now();
  for (int i = 0; i < 20; ++i) refresher.RefreshOnce();
  double idle_ms = std::chrono::duration<double, std::milli>(Clock::now() - i0).count() / 20;

  std::printf("%-10s records=%d (populated in %.1f s)\n", name, records, populate_s);
  std::printf("  %-28s %8.2f requests %12.0f bytes read %9.2f ms\n", "idle poll (head only)",
              idle.requests, idle.bytes, idle_ms);
  std::printf("  %-28s %8.2f requests %12.0f bytes read\n", "poll after one change",
              changed.requests, changed.bytes);
  std::printf("  %-28s %8.2f requests %12.0f bytes read %9.2f ms\n", "naive reload-everything poll",
              naive.requests, naive.bytes, naive_ms);
  std::printf("  idle poll is %.0fx fewer bytes than the naive poll\n",
              naive.bytes / std::max(1.0, idle.bytes));
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void Propagation(const char* name, const StoreMaker& make, int changes) {
  auto writer = make();
  if (!state::OpenOrCreate(*writer, 0).ok()) std::exit(1);
  std::vector<std::unique_ptr<state::StateStore>> stores;
  std::vector<std::unique_ptr<state::Refresher>> replicas;
  std::mutex mu;
  std::map<uint64_t, Clock::time_point> committed_at;
  std::vector<double> latencies_ms;
  for (int i = 0; i < 2; ++i) {
    stores.push_back(make());
    replicas.push_back(std::make_unique<state::Refresher>(*stores.back(), *SystemClock::Get(),
                                                          state::RefreshOptions{1}));
    if (!replicas.back()->Initialize().ok()) std::exit(1);
    replicas.back()->Subscribe([&](const std::shared_ptr<const state::Snapshot>& s) {
      auto now = Clock::now();
      std::lock_guard<std::mutex> l(mu);
      auto it = committed_at.find(s->head.revision);
      if (it != committed_at.end()) {
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
      }
    });
    replicas.back()->Start();
  }
  for (int i = 0; i < changes; ++i) {
    // Commit at a random phase relative to the replicas' polls.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(900 + static_cast<int>(JitterDraw() * 700)));
    auto head = writer->ReadHead();
    std::unique_lock<std::mutex> l(mu);
    auto t = Clock::now();
    auto rev = writer->Commit(
        {head->revision, {state::Mutation::Put({"auth_policy", "ops"}, RandomHexId(8))}});
    if (rev.ok()) committed_at[*rev] = t;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (auto& r : replicas) r->Stop();
  std::lock_guard<std::mutex> l(mu);
  std::printf(
      "%-10s propagation to 2 replicas, interval 1 s, %zu samples: p50 %.0f ms  p99 %.0f ms  max "
      "%.0f ms\n",
      name, latencies_ms.size(), Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99),
      *std::max_element(latencies_ms.begin(), latencies_ms.end()));
}

}  // namespace
}  // namespace cc

int main(int argc, char** argv) {
  int records = argc > 1 ? std::atoi(argv[1]) : 10000;
  int changes = argc > 2 ? std::atoi(argv[2]) : 30;
  cc::testing::TempDir dir;
  std::string table = cc::testing::DynamoDbLocal::UniqueTableName("bench");
  cc::testing::DynamoDbLocal::Get().Store(table, true);
  auto sqlite = [&] {
    return std::unique_ptr<cc::state::StateStore>(
        cc::state::SqliteStore::Open(dir.File("state.db")).value());
  };
  auto dynamo = [&] {
    return std::unique_ptr<cc::state::StateStore>(
        cc::testing::DynamoDbLocal::Get().Store(table, false));
  };
  std::printf("== (a) poll cost\n");
  cc::PollCost("sqlite", sqlite, records);
  cc::PollCost("dynamodb", dynamo, records);
  std::printf("== (b) propagation latency\n");
  cc::testing::TempDir dir2;
  std::string table2 = cc::testing::DynamoDbLocal::UniqueTableName("bench");
  cc::testing::DynamoDbLocal::Get().Store(table2, true);
  cc::Propagation(
      "sqlite",
      [&] {
        return std::unique_ptr<cc::state::StateStore>(
            cc::state::SqliteStore::Open(dir2.File("p.db")).value());
      },
      changes);
  cc::Propagation(
      "dynamodb",
      [&] {
        return std::unique_ptr<cc::state::StateStore>(
            cc::testing::DynamoDbLocal::Get().Store(table2, false));
      },
      changes);
  return 0;
}
