// A fixed set of threads for request handlers that may block (KMS calls,
// Argon2, state commits), with a bounded queue: when `max_queued` jobs are
// already waiting, TrySubmit refuses instead of growing memory, and the HTTP
// layer answers 503 `overloaded`. I/O threads never run these jobs, so a slow
// ceremony cannot delay liveness, readiness or status.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cc::api {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and `job` is dropped) when the queue is full or the pool stopped.
  bool TrySubmit(std::function<void()> job);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();
  size_t queued() const;

 private:
  void Run();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cc::api
