#include "api/deadline_sweeper.h"

namespace cc::api::detail {

DeadlineSweeper::DeadlineSweeper(boost::asio::io_context& ioc, std::chrono::milliseconds period)
    : period_(period), timer_(std::make_unique<boost::asio::steady_timer>(ioc)) {}

void DeadlineSweeper::Add(Deadlined* d) {
  d->prev_ = nullptr;
  d->next_ = head_;
  if (head_) head_->prev_ = d;
  head_ = d;
}

void DeadlineSweeper::Remove(Deadlined* d) {
  if (d->prev_) {
    d->prev_->next_ = d->next_;
  } else if (head_ == d) {
    head_ = d->next_;
  } else {
    return;  // not listed
  }
  if (d->next_) d->next_->prev_ = d->prev_;
  d->prev_ = d->next_ = nullptr;
}

void DeadlineSweeper::Start() { Arm(); }

void DeadlineSweeper::Stop() { timer_.reset(); }

void DeadlineSweeper::Arm() {
  timer_->expires_after(period_);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || !timer_) return;
    auto now = Deadlined::Clock::now();
    // OnDeadline closes sockets; the connections leave the list later, when
    // they are destroyed, so the walk is not disturbed.
    for (Deadlined* d = head_; d; d = d->next_) {
      if (d->deadline_ <= now) {
        d->deadline_ = Deadlined::Clock::time_point::max();
        d->OnDeadline();
      }
    }
    Arm();
  });
}

}  // namespace cc::api::detail
