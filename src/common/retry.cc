#include "common/retry.h"

#include <algorithm>
#include <mutex>
#include <thread>

namespace cc {

std::chrono::milliseconds BackoffDelay(const BackoffPolicy& policy, int attempt, double uniform01) {
  int shift = std::clamp(attempt - 1, 0, 30);
  int64_t ceiling = std::min<int64_t>(policy.cap.count(), policy.base.count() << shift);
  return std::chrono::milliseconds(static_cast<int64_t>(uniform01 * static_cast<double>(ceiling)));
}

Status RetryStatus(const BackoffPolicy& policy, const std::function<Status()>& op,
                   const Sleeper& sleep) {
  Status st;
  for (int attempt = 1;; ++attempt) {
    st = op();
    if (st.ok() || !st.retryable() || attempt >= policy.max_attempts) return st;
    auto delay = BackoffDelay(policy, attempt, JitterDraw());
    if (sleep) {
      sleep(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
  }
}

double JitterDraw() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> l(mu);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace cc
