// Time goes through an injectable Clock so refresh, expiry and backoff tests
// advance a fake clock instead of sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace cc {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps stored in records (seconds since epoch).
  virtual int64_t NowUnixSeconds() = 0;
  virtual int64_t NowUnixMillis() = 0;
  // Monotonic time, for intervals and ages.
  virtual std::chrono::steady_clock::time_point SteadyNow() = 0;
};

class SystemClock final : public Clock {
 public:
  static SystemClock* Get();
  int64_t NowUnixSeconds() override;
  int64_t NowUnixMillis() override;
  std::chrono::steady_clock::time_point SteadyNow() override;
};

// Test clock: moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_millis = 1'700'000'000'000) : millis_(unix_millis) {}
  int64_t NowUnixSeconds() override { return Millis() / 1000; }
  int64_t NowUnixMillis() override { return Millis(); }
  std::chrono::steady_clock::time_point SteadyNow() override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(Millis()));
  }
  void Advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> l(mu_);
    millis_ += d.count();
  }

 private:
  int64_t Millis() {
    std::lock_guard<std::mutex> l(mu_);
    return millis_;
  }
  std::mutex mu_;
  int64_t millis_;
};

}  // namespace cc
