// The refresh loop: every refresh_interval_seconds read only the head; load
// records only when the revision moved. Never goes back to a lower revision
// or to another chamber's table (reported, not obeyed). On a backend outage
// it keeps the last good snapshot and retries with capped backoff and jitter;
// staleness shows in Health() and the metrics.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "metrics/metrics.h"
#include "state/state_store.h"

namespace cc::state {

struct RefreshOptions {
  int interval_seconds = 1;  // 0 = no background refresh
  std::chrono::milliseconds backoff_cap{30'000};
};

struct RefreshStatus {
  std::string chamber_id;
  uint64_t revision = 0;
  double last_refresh_age_seconds = 0;  // since the last successful poll
  uint64_t refresh_errors = 0;          // total failed polls
  uint64_t consecutive_errors = 0;
  std::string last_error;
  std::optional<uint64_t> rollback_seen;  // a lower revision the backend showed
  std::string foreign_chamber_seen;       // a different chamber id the backend showed
};

class Refresher {
 public:
  using Listener = std::function<void(const std::shared_ptr<const Snapshot>&)>;
  enum class Outcome { kUnchanged, kLoaded, kRefused, kError };

  Refresher(StateStore& store, Clock& clock, RefreshOptions options,
            metrics::Registry* metrics = nullptr);
  ~Refresher();

  // Loads the first snapshot; the store's head must exist (OpenOrCreate).
  Status Initialize();
  // Starts the background loop (nothing when interval_seconds is 0).
  void Start();
  void Stop();

  // One poll. Listeners run on the calling thread when a snapshot loads.
  Outcome RefreshOnce();
  // Commits through the store and loads the result before returning, so a
  // writer sees its own change even with refresh disabled.
  Result<uint64_t> Commit(const CommitRequest& request);

  std::shared_ptr<const Snapshot> Current() const;
  RefreshStatus Health() const;
  void Subscribe(Listener listener);
  StateStore& store() { return store_; }

  // Time to wait before the next poll after `consecutive_errors` failures:
  // the interval when healthy, then doubling up to the cap, with jitter.
  std::chrono::milliseconds NextDelay(uint64_t consecutive_errors, double uniform01) const;

 private:
  Outcome Load(const HeadRecord& head);
  void Apply(std::shared_ptr<const Snapshot> snapshot);
  void RecordError(const cc::Status& st);
  void PublishMetrics();
  void Loop();

  StateStore& store_;
  Clock& clock_;
  RefreshOptions options_;
  metrics::Registry* metrics_;

  mutable Mutex mu_;
  std::shared_ptr<const Snapshot> current_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_success_ GUARDED_BY(mu_);
  RefreshStatus status_ GUARDED_BY(mu_);
  std::vector<Listener> listeners_ GUARDED_BY(mu_);

  // One poll at a time; recursive so a listener may commit (which reloads).
  // (Clang's analysis has no recursive capability; this one stays unannotated.)
  std::recursive_mutex poll_mu_;
  Mutex loop_mu_;
  std::condition_variable_any loop_cv_;
  bool stopping_ GUARDED_BY(loop_mu_) = false;
  std::thread thread_;
};

}  // namespace cc::state
