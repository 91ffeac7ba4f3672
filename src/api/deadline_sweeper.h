// Deadlines of the connections on one I/O thread, checked by one periodic
// timer. A deadline is a number a connection sets when it enters a phase
// (idle, head, body, write), not a timer armed and cancelled around every
// read and write: the whole request head shares one deadline, and the hot
// path pays for a clock read, not for timer-queue work.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace cc::api::detail {

class DeadlineSweeper;

// A connection with a deadline. Only its I/O thread touches it.
class Deadlined {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Deadlined() = default;
  // The deadline passed: close the connection (must not destroy `this`).
  virtual void OnDeadline() = 0;

  void ExpireAfter(std::chrono::milliseconds d) { deadline_ = Clock::now() + d; }
  void ExpireNever() { deadline_ = Clock::time_point::max(); }

 private:
  friend class DeadlineSweeper;
  Clock::time_point deadline_ = Clock::time_point::max();
  Deadlined* prev_ = nullptr;
  Deadlined* next_ = nullptr;
};

class DeadlineSweeper {
 public:
  DeadlineSweeper(boost::asio::io_context& ioc, std::chrono::milliseconds period);
  // On the I/O thread (or with no I/O thread running).
  void Add(Deadlined* d);
  void Remove(Deadlined* d);
  void Start();
  // Drops the timer; call with the I/O thread stopped, before its io_context goes.
  void Stop();

 private:
  void Arm();

  std::chrono::milliseconds period_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  Deadlined* head_ = nullptr;
};

}  // namespace cc::api::detail
