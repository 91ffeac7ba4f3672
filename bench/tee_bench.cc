// Attestation verification cost: parse + chain + ES384 per document, for the
// real AWS documents (4-certificate cabundle) and a test-CA document
// (2-certificate cabundle). Run: build/tee_bench (bench/tee.sh).
#include <benchmark/benchmark.h>

#include "tee/attestation.h"
#include "tee/testing/real_documents.h"
#include "tee/testing/test_attestor.h"

namespace {

namespace tt = cc::tee::testing;

void BM_VerifyRealDocument(benchmark::State& state) {
  const auto& doc = tt::RealDocuments()[static_cast<size_t>(state.range(0))];
  std::string bytes = tt::LoadRealDocument(doc);
  auto verifier = cc::tee::AttestationVerifier::Create().value();
  state.SetLabel(doc.file);
  for (auto _ : state) {
    auto r = verifier.Verify(bytes, {doc.timestamp_ms, true});
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_VerifyRealDocument)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

void BM_ParseRealDocument(benchmark::State& state) {
  std::string bytes = tt::LoadRealDocument(tt::RealDocuments()[1]);
  for (auto _ : state) benchmark::DoNotOptimize(cc::tee::ParseAttestation(bytes));
}
BENCHMARK(BM_ParseRealDocument)->Unit(benchmark::kMicrosecond);

void BM_VerifyTestDocument(benchmark::State& state) {
  constexpr int64_t kCreated = 1'750'000'000'000;
  tt::TestPki pki(kCreated);
  tt::TestAttestor attestor(pki, tt::SamplePcrs());
  std::string bytes = attestor.Attest(std::string(294, 'k'), std::string(32, 'n'), "").value();
  auto verifier = cc::tee::AttestationVerifier::Create(pki.RootPem()).value();
  for (auto _ : state) {
    auto r = verifier.Verify(bytes, {kCreated, false});
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_VerifyTestDocument)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
