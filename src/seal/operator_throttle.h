// Bounds online guessing of operator secrets without letting anyone lock an
// operator out. Wrong secrets are counted per source address: after a few,
// that address waits 2 s, doubling up to 5 minutes, and the count decays
// after a quiet period. A correct secret from another address is never
// refused because of them. Argon2id work is bounded globally: a few runs at
// once (each holds 64-256 MiB) and one in flight per address; the rest is
// told to retry (429) before any KDF work starts.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"

namespace cc::seal {

struct ThrottleOptions {
  int free_failures = 3;                       // typos before any wait
  std::chrono::seconds first_wait{2};          // then doubling
  std::chrono::seconds max_wait{300};          // cap
  std::chrono::seconds forget_after{15 * 60};  // quiet time that clears an address
  int max_concurrent_kdf = 2;                  // Argon2id runs at once on this replica
  // Of those, kept for addresses with no wrong secret on record: a few
  // guessing addresses cannot hold every slot while an operator waits.
  int reserved_for_clean = 1;
  size_t max_tracked_addresses = 100'000;  // memory bound; oldest entries go first
};

class OperatorThrottle {
 public:
  OperatorThrottle(Clock& clock, ThrottleOptions options = {}) : clock_(clock), options_(options) {}

  // A slot for one secret check from `source`, or 429 naming the wait.
  // Every admitted check must be followed by Finish.
  Status Admit(const std::string& source) EXCLUDES(mu_);
  void Finish(const std::string& source, bool secret_was_right) EXCLUDES(mu_);

  // RAII for Admit/Finish.
  class Slot {
   public:
    Slot(OperatorThrottle& t, std::string source) : t_(t), source_(std::move(source)) {}
    ~Slot() { t_.Finish(source_, right_); }
    void Right() { right_ = true; }

   private:
    OperatorThrottle& t_;
    std::string source_;
    bool right_ = false;
  };

 private:
  struct Address {
    int failures = 0;
    bool in_flight = false;
    std::chrono::steady_clock::time_point last_failure{};
    std::chrono::steady_clock::time_point locked_until{};
  };
  void ForgetOld(std::chrono::steady_clock::time_point now) REQUIRES(mu_);

  Clock& clock_;
  const ThrottleOptions options_;
  Mutex mu_;
  std::map<std::string, Address> addresses_ GUARDED_BY(mu_);
  int running_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_sweep_ GUARDED_BY(mu_){};
};

}  // namespace cc::seal
