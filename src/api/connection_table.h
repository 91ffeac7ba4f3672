// Admission control for one listener: at most `max_total` connections, and at
// most `max_per_address` from one peer address. When a new connection would
// pass either cap, a connection with no request in progress makes room: first
// the one that has waited longest for its next request, then the one that
// has spent longest sending an unfinished request head. Connections whose
// request is being served are never evicted; if every candidate is serving,
// the new connection is refused.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cc::api {

enum class Activity : int {
  kWaiting,  // no byte of the next request yet (idle keep-alive, or just accepted)
  kReading,  // part of a request head has arrived
  kServing,  // head complete: body, handler or response in progress
};

// Shared by the table and one connection; the connection updates `activity`.
class ConnectionSlot {
 public:
  void Set(Activity a);
  Activity activity() const { return activity_.load(std::memory_order_relaxed); }
  int64_t since_ns() const { return since_ns_.load(std::memory_order_relaxed); }

 private:
  friend class ConnectionTable;
  std::atomic<Activity> activity_{Activity::kWaiting};
  std::atomic<int64_t> since_ns_{0};
  std::string address_;
  std::function<void()> evict_;  // asks the connection to close; may run on any thread
  std::list<std::shared_ptr<ConnectionSlot>>::iterator position_;
  bool listed_ = false;
};

class ConnectionTable {
 public:
  ConnectionTable(size_t max_total, size_t max_per_address);

  // Registers a connection from `address`, evicting others if needed.
  // nullptr when there is no room. `evict` must not call back into the table.
  std::shared_ptr<ConnectionSlot> Admit(const std::string& address, std::function<void()> evict);
  // The connection closed (idempotent; a no-op after eviction).
  void Release(const std::shared_ptr<ConnectionSlot>& slot);
  // Evicts every connection (shutdown); serving ones finish their request first.
  void EvictAll();
  size_t size() const;

 private:
  // The best eviction candidate among all slots, or those of `address`.
  std::shared_ptr<ConnectionSlot> Candidate(const std::string* address) const;
  void Unlist(const std::shared_ptr<ConnectionSlot>& slot);

  const size_t max_total_;
  const size_t max_per_address_;
  mutable std::mutex mu_;
  std::list<std::shared_ptr<ConnectionSlot>> slots_;  // oldest first
  std::unordered_map<std::string, size_t> per_address_;
};

}  // namespace cc::api
