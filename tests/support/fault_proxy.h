// A loopback HTTP proxy in front of a test server (DynamoDB Local, the KMS
// test double) that injects faults: AWS throttling errors, 5xx outages, or
// a stuck upstream. Counts what it forwarded and what it refused.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace cc::testing {

class FaultProxy {
 public:
  explicit FaultProxy(std::string upstream);
  ~FaultProxy();

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next `n` requests get HTTP 400 ThrottlingException.
  void ThrottleNext(int n) { throttle_remaining_ = n; }
  // While down, every request gets HTTP 503 ServiceUnavailable.
  void SetDown(bool down) { down_ = down; }

  int forwarded() const { return forwarded_; }
  int throttled() const { return throttled_; }
  int refused() const { return refused_; }

 private:
  std::string upstream_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> throttle_remaining_{0};
  std::atomic<bool> down_{false};
  std::atomic<int> forwarded_{0}, throttled_{0}, refused_{0};
};

}  // namespace cc::testing
