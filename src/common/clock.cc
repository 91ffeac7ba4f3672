#include "common/clock.h"

namespace cc {

SystemClock* SystemClock::Get() {
  static SystemClock clock;
  return &clock;
}

int64_t SystemClock::NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t SystemClock::NowUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point SystemClock::SteadyNow() {
  return std::chrono::steady_clock::now();
}

}  // namespace cc
