// Google Benchmark figures for the crypto core: Shamir split/combine of a
// 32-byte secret at 3-of-5 and 10-of-20, AEAD seal/open, Argon2id at the
// production defaults. Run with bench/crypto.sh.
#include <benchmark/benchmark.h>

#include "crypto/aead.h"
#include "crypto/integrity.h"
#include "crypto/kdf.h"
#include "crypto/shamir.h"

namespace cc::crypto {
namespace {

void BM_ShamirSplit(benchmark::State& state) {
  SecretBytes secret = SecretBytes::Random(32);
  const int t = static_cast<int>(state.range(0)), n = static_cast<int>(state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(ShamirSplit(secret, n, t));
  state.SetLabel(std::to_string(t) + "-of-" + std::to_string(n));
}
BENCHMARK(BM_ShamirSplit)->Args({3, 5})->Args({10, 20});

void BM_ShamirCombine(benchmark::State& state) {
  SecretBytes secret = SecretBytes::Random(32);
  const int t = static_cast<int>(state.range(0)), n = static_cast<int>(state.range(1));
  auto shares = ShamirSplit(secret, n, t);
  std::vector<const Share*> subset;
  for (int i = 0; i < t; ++i) subset.push_back(&(*shares)[i]);
  for (auto _ : state) benchmark::DoNotOptimize(ShamirCombine(subset));
  state.SetLabel(std::to_string(t) + "-of-" + std::to_string(n));
}
BENCHMARK(BM_ShamirCombine)->Args({3, 5})->Args({10, 20});

// Combine plus the integrity check, as unseal does it.
void BM_CombineVerified(benchmark::State& state) {
  SecretBytes secret = SecretBytes::Random(32);
  const int t = static_cast<int>(state.range(0)), n = static_cast<int>(state.range(1));
  auto shares = ShamirSplit(secret, n, t);
  std::string check = KeyCheckValue(secret, "chamber", "mk");
  for (auto _ : state)
    benchmark::DoNotOptimize(CombineVerified(*shares, t, "chamber", "mk", check));
  state.SetLabel(std::to_string(t) + "-of-" + std::to_string(n));
}
BENCHMARK(BM_CombineVerified)->Args({3, 5})->Args({10, 20});

const Binding kBinding{"chamber-id-0123456789abcdef", "operator_credential", "g1/alice",
                       "wrapped_share"};

void BM_AeadSeal(benchmark::State& state) {
  SecretBytes key = SecretBytes::Random(32);
  std::string plaintext(static_cast<size_t>(state.range(0)), 's');
  for (auto _ : state) benchmark::DoNotOptimize(AeadSeal(key, plaintext, kBinding));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AeadSeal)->Arg(33)->Arg(4096);

void BM_AeadOpen(benchmark::State& state) {
  SecretBytes key = SecretBytes::Random(32);
  std::string sealed =
      *AeadSeal(key, std::string(static_cast<size_t>(state.range(0)), 's'), kBinding);
  for (auto _ : state) benchmark::DoNotOptimize(AeadOpen(key, sealed, kBinding));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AeadOpen)->Arg(33)->Arg(4096);

void BM_Argon2idDefault(benchmark::State& state) {
  Argon2Params p = DefaultArgon2Params();
  for (auto _ : state) benchmark::DoNotOptimize(Argon2id("correct horse battery staple", p));
  state.SetLabel(std::to_string(p.opslimit) + " passes, " + std::to_string(p.memlimit >> 20) +
                 " MiB");
}
BENCHMARK(BM_Argon2idDefault)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace cc::crypto

BENCHMARK_MAIN();
