// A loopback HTTP/1.1 proxy in front of a test server (DynamoDB Local, the KMS
// test double) that injects faults. Before forwarding: AWS throttling errors
// or a 5xx outage. After forwarding (the upstream has acted on the request):
// the reply is lost, either by closing the connection without a byte or by a
// broken reply (headers promising more body than is sent). Listens on a port
// the kernel picks; counts what it forwarded, refused and broke, and keeps
// every forwarded request so tests can look at what was retried. One request
// per connection (Connection: close), so every retry is the client's own.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cc::testing {

class FaultProxy {
 public:
  // What happens to the upstream's reply after the request was forwarded.
  enum class Fault {
    kDropConnection,  // close the connection without sending anything
    kBrokenResponse,  // send "200", a Content-Length larger than the body, half a body, close
  };
  struct Exchange {
    std::string target;  // X-Amz-Target ("" when absent)
    std::string body;    // the request body as forwarded (after any rewrite)
    long status = 0;     // what the upstream answered (0: transport error)
    bool reply_lost = false;
  };

  explicit FaultProxy(std::string upstream);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next `n` requests get HTTP 400 ThrottlingException (not forwarded).
  void ThrottleNext(int n) { throttle_remaining_ = n; }
  // While down, every request gets HTTP 503 ServiceUnavailable (not forwarded).
  void SetDown(bool down) { down_ = down; }
  // The next `count` requests whose X-Amz-Target contains `target_contains`
  // (every request when empty) are forwarded, and then the reply is lost.
  // E.g. LoseRepliesAfterForwarding(kDropConnection, 1, "TransactWriteItems").
  void LoseRepliesAfterForwarding(Fault fault, int count = 1, std::string target_contains = "");

  // Every request body passes through `rewrite` before it is forwarded (e.g.
  // a fresh ClientRequestToken: the upstream no longer recognises a retry).
  // The signature no longer matches the body: only for upstreams that do not
  // check signatures (DynamoDB Local).
  using Rewrite = std::function<std::string(const std::string& target, const std::string& body)>;
  void RewriteRequests(Rewrite rewrite);

  int forwarded() const { return forwarded_; }
  int throttled() const { return throttled_; }
  int refused() const { return refused_; }
  int replies_lost() const { return replies_lost_; }
  // HTTP bytes exactly as read from and written to clients (request and
  // status lines, headers, bodies): an independent count of wire bytes.
  uint64_t bytes_from_clients() const { return bytes_from_clients_; }
  uint64_t bytes_to_clients() const { return bytes_to_clients_; }
  std::vector<Exchange> Exchanges() const;

 private:
  struct Request {
    std::string method, path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string Header(const std::string& lower_name) const;
  };
  void AcceptLoop();
  void Serve(int fd);
  // Reads one request; `consumed` is its size on the wire.
  static bool ReadRequest(int fd, std::string& buffer, Request& out, size_t& consumed);
  // True when this request's reply is to be lost (and which way).
  bool TakeFault(const std::string& target, Fault& fault);

  std::string upstream_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex conns_mu_;
  std::map<int, std::thread> conns_;   // open connection fd -> serving thread
  std::vector<std::thread> finished_;  // served, waiting to be joined

  std::atomic<int> throttle_remaining_{0};
  std::atomic<bool> down_{false};
  std::atomic<int> forwarded_{0}, throttled_{0}, refused_{0}, replies_lost_{0};
  std::atomic<uint64_t> bytes_from_clients_{0}, bytes_to_clients_{0};

  mutable std::mutex mu_;
  int fault_remaining_ = 0;
  Fault fault_ = Fault::kDropConnection;
  std::string fault_target_;
  std::vector<Exchange> exchanges_;
  Rewrite rewrite_;
};

}  // namespace cc::testing
