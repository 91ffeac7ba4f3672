#include "seal/operator_throttle.h"

#include <algorithm>

namespace cc::seal {

using std::chrono::duration_cast;
using std::chrono::seconds;

Status OperatorThrottle::Admit(const std::string& source) {
  const auto now = clock_.SteadyNow();
  MutexLock l(mu_);
  ForgetOld(now);
  Address& a = addresses_[source];
  if (now < a.locked_until) {
    auto wait = duration_cast<seconds>(a.locked_until - now).count() + 1;
    return Status::TooManyRequests(
        "too many wrong operator secrets from this address; try again in " + std::to_string(wait) +
        " s");
  }
  if (a.in_flight) {
    return Status::TooManyRequests(
        "a secret from this address is being checked; wait for its answer");
  }
  const int limit = a.failures == 0
                        ? options_.max_concurrent_kdf
                        : std::max(1, options_.max_concurrent_kdf - options_.reserved_for_clean);
  if (running_ >= limit) {
    return Status::TooManyRequests("busy checking other operator secrets; try again in 1 s");
  }
  a.in_flight = true;
  ++running_;
  return Status::Ok();
}

void OperatorThrottle::Finish(const std::string& source, bool right) {
  const auto now = clock_.SteadyNow();
  MutexLock l(mu_);
  --running_;
  Address& a = addresses_[source];
  a.in_flight = false;
  if (right) {
    a.failures = 0;  // an operator who mistyped, then got it right
    return;
  }
  ++a.failures;
  a.last_failure = now;
  if (a.failures >= options_.free_failures) {
    int shift = std::min(a.failures - options_.free_failures, 16);
    seconds wait = std::min<seconds>(options_.first_wait * (1LL << shift), options_.max_wait);
    a.locked_until = now + wait;
  }
}

void OperatorThrottle::ForgetOld(std::chrono::steady_clock::time_point now) {
  if (now - last_sweep_ < seconds(1) && addresses_.size() < options_.max_tracked_addresses) return;
  last_sweep_ = now;
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    const Address& a = it->second;
    bool quiet =
        !a.in_flight && now >= a.locked_until && now - a.last_failure >= options_.forget_after;
    it = quiet ? addresses_.erase(it) : std::next(it);
  }
  // Still too many (a flood from many addresses): drop the oldest failures.
  while (addresses_.size() >= options_.max_tracked_addresses) {
    auto oldest = std::min_element(addresses_.begin(), addresses_.end(), [](auto& x, auto& y) {
      return !x.second.in_flight && x.second.last_failure < y.second.last_failure;
    });
    if (oldest == addresses_.end() || oldest->second.in_flight) break;
    addresses_.erase(oldest);
  }
}

}  // namespace cc::seal
