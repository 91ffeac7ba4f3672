// The one retry/backoff helper, shared by the DynamoDB and KMS clients and the
// refresh loop: capped exponential backoff with full jitter.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <random>

#include "common/status.h"

namespace cc {

struct BackoffPolicy {
  std::chrono::milliseconds base{50};
  std::chrono::milliseconds cap{5000};
  int max_attempts = 6;  // total tries, including the first
};

// Delay before retry number `attempt` (1 = first retry): uniform in
// [0, min(cap, base * 2^(attempt-1))]. `uniform01` supplies randomness so tests
// can pin it.
std::chrono::milliseconds BackoffDelay(const BackoffPolicy& policy, int attempt, double uniform01);

// Runs `op` until it succeeds, fails with a non-retryable status, or attempts
// run out. `sleep` is injectable for tests; by default the thread sleeps.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
Status RetryStatus(const BackoffPolicy& policy, const std::function<Status()>& op,
                   const Sleeper& sleep = {});

template <typename T>
Result<T> Retry(const BackoffPolicy& policy, const std::function<Result<T>()>& op,
                const Sleeper& sleep = {}) {
  std::optional<Result<T>> last;
  Status st = RetryStatus(
      policy,
      [&] {
        last.emplace(op());
        return last->status();
      },
      sleep);
  (void)st;
  return std::move(*last);
}

// A thread-safe uniform [0,1) draw for jitter.
double JitterDraw();

}  // namespace cc
