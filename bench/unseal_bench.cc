// bench/unseal: (a) time from process start to `unsealed` in KMS-only mode
// with 3 KMS keys, threshold 2 (local keys, and AWS-protocol keys on the KMS
// test double); (b) time from the last operator's unseal submission to all 3
// replicas `unsealed`, on SQLite and DynamoDB Local with the test KDF, and
// once on SQLite with production Argon2id. Prints the KDF parameters the
// servers stored (read back from the state backend) and numbers; every
// step's result is checked and a failed step stops it with a message.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "records/records.h"

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

[[noreturn]] void Fail(const std::string& what);
void Expect200(const char* step, const net::HttpResponse& r);

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
  Expect200("init", r);
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    c[0].Kill();
    auto t0 = Clock::now();
    c[0].Spawn();
    if (!WaitUnsealed(c[0], t0 + std::chrono::seconds(20)))
      Fail(std::string(label) + ": restart " + std::to_string(i) + " did not unseal:\n" +
           c[0].Log());
    times.push_back(Ms(t0, Clock::now()));
  }
  Report(label, times);
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "unseal_bench: %s\n", what.c_str());
  std::exit(1);
}

void Expect200(const char* step, const net::HttpResponse& r) {
  if (r.status != 200)
    Fail(std::string(step) + ": HTTP " + std::to_string(r.status) + " " + r.body);
}

// The Argon2id parameters the server stored with each credential: the KDF
// this run really used, read back from the state backend.
std::string StoredKdf(const Cluster& c) {
  auto snap = c.OpenStore()->LoadSnapshot();
  if (!snap.ok()) Fail("reading the state backend: " + snap.status().ToString());
  std::set<std::string> seen;
  for (const auto& [key, record] : snap->records) {
    if (key.kind != records::kOperatorCredential) continue;
    auto cred = records::Decode<records::OperatorCredential>(record.body);
    if (!cred.ok()) Fail("credential " + key.ToString() + ": " + cred.status().ToString());
    char buf[96];
    const uint64_t mem = cred->kdf.memlimit;
    std::snprintf(buf, sizeof buf, "Argon2id %llu passes, %llu %s",
                  static_cast<unsigned long long>(cred->kdf.opslimit),
                  static_cast<unsigned long long>(mem >= (1u << 20) ? mem >> 20 : mem >> 10),
                  mem >= (1u << 20) ? "MiB" : "KiB");
    seen.insert(buf);
  }
  if (seen.empty()) Fail("no operator credential in the state backend");
  std::string out;
  for (const auto& s : seen) out += (out.empty() ? "" : "; ") + s;
  return out;
}

void QuorumPropagation(Backend backend, int rounds, bool production_kdf) {
  std::map<std::string, std::string> env;
  if (!production_kdf) env["CONTAINMENT_INSECURE_TEST_KDF"] = "1";
  Cluster c(backend, 3, env);
  c.StartAll();
  auto init =
      Post(c[0].Url("/api/v1/chamber/init"),
           R"({"mode":"quorum","kms_keys":["local:a","local:b","local:c"],"kms_threshold":2,)"
           R"("operators":["alice","bob","carol"],"operator_threshold":2})",
           {{"Authorization", "Bearer " + c.SetupToken(0)}});
  Expect200("init", init);
  json reg = json::parse(init.body)["registration_tokens"];
  for (const char* name : {"alice", "bob", "carol"}) {
    Expect200(
        "register",
        Post(
            c[0].Url("/api/v1/chamber/register"),
            json{{"operator", name}, {"passphrase", std::string(name) + "-passphrase-long"}}.dump(),
            {{"Authorization", "Bearer " + reg[name].get<std::string>()}}));
  }
  if (!c.WaitAll("kms_unsealed", std::chrono::seconds(10))) Fail("replicas not kms_unsealed");
  const std::string kdf = StoredKdf(c);
  std::vector<double> times, submit;
  for (int i = 0; i < rounds; ++i) {
    // Seal (a fresh quorum lifts it), wait for everyone to seal.
    Expect200("seal", Post(c[i % 3].Url("/api/v1/chamber/seal"), "{}",
                           {{"Authorization", std::string("Bearer ") + kTestOpsToken}}));
    if (!c.WaitAll("sealed", std::chrono::seconds(5))) Fail("replicas did not seal");
    // Submit at a random phase relative to the replicas' polls.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<int>(cc::JitterDraw() * 1000)));
    auto s0 = Clock::now();
    Expect200("unseal alice", Post(c[0].Url("/api/v1/chamber/unseal"),
                                   R"({"operator":"alice","passphrase":"alice-passphrase-long"})"));
    submit.push_back(Ms(s0, Clock::now()));
    auto last = Post(c[2].Url("/api/v1/chamber/unseal"),
                     R"({"operator":"bob","passphrase":"bob-passphrase-long"})");
    auto t0 = Clock::now();
    Expect200("unseal bob", last);
    for (size_t r = 0; r < 3; ++r) {
      if (!WaitUnsealed(c[r], t0 + std::chrono::seconds(10)))
        Fail("replica " + std::to_string(r) + " did not unseal");
    }
    times.push_back(Ms(t0, Clock::now()));
  }
  std::printf("  %s, KDF stored with the credentials: %s\n", BackendName(backend), kdf.c_str());
  Report("    one operator submission (server-side Argon2id included)", submit);
  std::string label = "    last operator submission -> 3 replicas unsealed";
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
  std::printf(" test KDF (CONTAINMENT_INSECURE_TEST_KDF=1), %d rounds\n", rounds);
  QuorumPropagation(Backend::kSqlite, rounds, false);
  QuorumPropagation(Backend::kDynamoDb, rounds, false);
  int production_rounds = std::min(rounds, 3);
  std::printf(" production KDF (defaults, no test variable), %d rounds\n", production_rounds);
  QuorumPropagation(Backend::kSqlite, production_rounds, true);
  return 0;
}
