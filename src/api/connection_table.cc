#include "api/connection_table.h"

#include <chrono>
#include <vector>

namespace cc::api {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void ConnectionSlot::Set(Activity a) {
  if (activity_.load(std::memory_order_relaxed) == a) return;
  since_ns_.store(NowNs(), std::memory_order_relaxed);
  activity_.store(a, std::memory_order_relaxed);
}

ConnectionTable::ConnectionTable(size_t max_total, size_t max_per_address)
    : max_total_(max_total), max_per_address_(max_per_address) {}

std::shared_ptr<ConnectionSlot> ConnectionTable::Candidate(const std::string* address) const {
  std::shared_ptr<ConnectionSlot> best;
  for (const auto& s : slots_) {
    if (address && s->address_ != *address) continue;
    Activity a = s->activity();
    if (a == Activity::kServing) continue;
    if (!best) {
      best = s;
      continue;
    }
    Activity b = best->activity();
    // Waiting beats reading; within a kind, the longest in that state goes first.
    if ((a == Activity::kWaiting && b == Activity::kReading) ||
        (a == b && s->since_ns() < best->since_ns())) {
      best = s;
    }
  }
  return best;
}

void ConnectionTable::Unlist(const std::shared_ptr<ConnectionSlot>& slot) {
  slots_.erase(slot->position_);
  slot->listed_ = false;
  auto it = per_address_.find(slot->address_);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::shared_ptr<ConnectionSlot> ConnectionTable::Admit(const std::string& address,
                                                       std::function<void()> evict) {
  std::vector<std::shared_ptr<ConnectionSlot>> evicted;
  auto slot = std::make_shared<ConnectionSlot>();
  {
    std::lock_guard<std::mutex> l(mu_);
    auto count = [&] {
      auto it = per_address_.find(address);
      return it == per_address_.end() ? size_t{0} : it->second;
    };
    while (count() >= max_per_address_ || slots_.size() >= max_total_) {
      bool per_address = count() >= max_per_address_;
      auto victim = Candidate(per_address ? &address : nullptr);
      if (!victim) return nullptr;
      Unlist(victim);
      evicted.push_back(std::move(victim));
    }
    slot->address_ = address;
    slot->evict_ = std::move(evict);
    slot->Set(Activity::kReading);  // make since_ns current
    slot->Set(Activity::kWaiting);
    slots_.push_back(slot);
    slot->position_ = std::prev(slots_.end());
    slot->listed_ = true;
    per_address_[address]++;
  }
  for (auto& v : evicted) v->evict_();
  return slot;
}

void ConnectionTable::Release(const std::shared_ptr<ConnectionSlot>& slot) {
  if (!slot) return;
  std::lock_guard<std::mutex> l(mu_);
  if (slot->listed_) Unlist(slot);
}

void ConnectionTable::EvictAll() {
  std::list<std::shared_ptr<ConnectionSlot>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& s : slots_) s->listed_ = false;
    all.swap(slots_);
    per_address_.clear();
  }
  for (auto& s : all) s->evict_();
}

size_t ConnectionTable::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return slots_.size();
}

}  // namespace cc::api
