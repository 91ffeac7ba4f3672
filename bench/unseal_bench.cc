// bench/unseal: (a) time from process start to `unsealed` in KMS-only mode
// with 3 KMS keys, threshold 2 (local keys, and AWS-protocol keys on the KMS
// test double); (b) time from the last operator's unseal submission to all 3
// replicas `unsealed`, on SQLite and DynamoDB Local. Prints numbers.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "common/retry.h"
#include "support/cluster.h"
#include "support/test_servers.h"

namespace cc::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void Report(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-58s n=%zu  p50 %7.1f ms  max %7.1f ms\n", what, v.size(), v[v.size() / 2],
              v.back());
}

// Polls every 2 ms; a refused connection (process still starting) just retries.
bool WaitUnsealed(const Replica& r, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (r.SealStatus() == "unsealed") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void KmsOnlyStartup(const char* label, Cluster& c, const std::string& keys, int rounds) {
  c.StartAll();
  json body = {{"mode", "kms_only"}, {"kms_keys", json::array()}, {"kms_threshold", 2}};
  for (size_t p = 0, q; p != std::string::npos; p = q == std::string::npos ? q : q + 1) {
    q = keys.find(',', p);
    body["kms_keys"].push_back(keys.substr(p, q == std::string::npos ? q : q - p));
  }
  auto r = Post(c[0].Url("/api/v1/chamber/init"), body.dump(),
                {{"Authorization", "Bearer " + c.SetupToken(0)}});
  if (r.status != 200) {
    std::fprintf(stderr, "init failed: %s\n", r.body.c_str());
    return;
  }
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    c[0].Kill();
    auto t0 = Clock::now();
    c[0].Spawn();
    if (!WaitUnsealed(c[0], t0 + std::chrono::seconds(20))) break;
    times.push_back(Ms(t0, Clock::now()));
  }
  Report(label, times);
}

void QuorumPropagation(Backend backend, int rounds) {
  Cluster c(backend, 3, {{"CONTAINMENT_INSECURE_TEST_KDF", "1"}});
  c.StartAll();
  auto init =
      Post(c[0].Url("/api/v1/chamber/init"),
           R"({"mode":"quorum","kms_keys":["local:a","local:b","local:c"],"kms_threshold":2,)"
           R"("operators":["alice","bob","carol"],"operator_threshold":2})",
           {{"Authorization", "Bearer " + c.SetupToken(0)}});
  json reg = json::parse(init.body)["registration_tokens"];
  for (const char* name : {"alice", "bob", "carol"}) {
    Post(c[0].Url("/api/v1/chamber/register"),
         json{{"operator", name}, {"passphrase", std::string(name) + "-passphrase-long"}}.dump(),
         {{"Authorization", "Bearer " + reg[name].get<std::string>()}});
  }
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    // Seal (a fresh quorum lifts it), wait for everyone to seal.
    Post(c[i % 3].Url("/api/v1/chamber/seal"), "{}",
         {{"Authorization", std::string("Bearer ") + kTestOpsToken}});
    c.WaitAll("sealed", std::chrono::seconds(5));
    // Submit at a random phase relative to the replicas' polls.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<int>(cc::JitterDraw() * 1000)));
    Post(c[0].Url("/api/v1/chamber/unseal"),
         R"({"operator":"alice","passphrase":"alice-passphrase-long"})");
    auto t0 = Clock::now();
    auto last = Post(c[2].Url("/api/v1/chamber/unseal"),
                     R"({"operator":"bob","passphrase":"bob-passphrase-long"})");
    if (last.status != 200) {
      std::fprintf(stderr, "unseal failed: %s\n", last.body.c_str());
      break;
    }
    bool all = true;
    for (size_t r = 0; r < 3; ++r) all = all && WaitUnsealed(c[r], t0 + std::chrono::seconds(10));
    if (!all) break;
    times.push_back(Ms(t0, Clock::now()));
  }
  std::string label =
      std::string("last operator submission -> 3 replicas unsealed (") + BackendName(backend) + ")";
  Report(label.c_str(), times);
}

}  // namespace
}  // namespace cc::testing

int main(int argc, char** argv) {
  using namespace cc::testing;
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  std::printf("== (a) KMS-only: process start -> unsealed, 3 keys, threshold 2\n");
  {
    Cluster c(Backend::kSqlite, 1);
    KmsOnlyStartup("local keys, SQLite", c, "local:a,local:b,local:c", rounds);
  }
  {
    const std::vector<std::string> arns = {"arn:aws:kms:us-east-1:111122223333:key/a",
                                           "arn:aws:kms:us-east-1:111122223333:key/b",
                                           "arn:aws:kms:eu-west-1:111122223333:key/c"};
    KmsDouble kms(arns);
    Cluster c(Backend::kDynamoDb, 1, kms.ServerEnv(),
              "kms: { aws: { endpoint_url: \"" + kms.endpoint() + "\" } }\n");
    KmsOnlyStartup("AWS-protocol keys (KMS test double), DynamoDB Local", c,
                   arns[0] + "," + arns[1] + "," + arns[2], rounds);
  }
  std::printf("== (b) quorum: last operator submission -> all 3 replicas unsealed (refresh 1 s)\n");
  QuorumPropagation(Backend::kSqlite, rounds);
  QuorumPropagation(Backend::kDynamoDb, rounds);
  return 0;
}
