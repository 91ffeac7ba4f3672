#include "state/refresher.h"

#include "common/log.h"
#include "common/retry.h"

namespace cc::state {

Refresher::Refresher(StateStore& store, Clock& clock, RefreshOptions options,
                     metrics::Registry* metrics)
    : store_(store), clock_(clock), options_(options), metrics_(metrics) {}

Refresher::~Refresher() { Stop(); }

Status Refresher::Initialize() {
  BackoffPolicy policy{std::chrono::milliseconds(200), std::chrono::milliseconds(2000), 5};
  CC_ASSIGN_OR_RETURN(Snapshot snap,
                      Retry<Snapshot>(policy, [&] { return store_.LoadSnapshot(); }));
  {
    std::lock_guard<std::mutex> l(mu_);
    last_success_ = clock_.SteadyNow();
  }
  Apply(std::make_shared<const Snapshot>(std::move(snap)));
  return Status::Ok();
}

void Refresher::Subscribe(Listener listener) {
  std::lock_guard<std::mutex> l(mu_);
  listeners_.push_back(std::move(listener));
}

std::shared_ptr<const Snapshot> Refresher::Current() const {
  std::lock_guard<std::mutex> l(mu_);
  return current_;
}

RefreshStatus Refresher::Health() const {
  std::lock_guard<std::mutex> l(mu_);
  RefreshStatus s = status_;
  s.last_refresh_age_seconds =
      std::chrono::duration<double>(clock_.SteadyNow() - last_success_).count();
  return s;
}

void Refresher::Apply(std::shared_ptr<const Snapshot> snapshot) {
  std::vector<Listener> listeners;
  {
    std::lock_guard<std::mutex> l(mu_);
    // Another thread may have applied a newer one meanwhile; never go back.
    if (current_ && snapshot->head.revision < current_->head.revision) return;
    current_ = snapshot;
    status_.chamber_id = snapshot->head.chamber_id;
    status_.revision = snapshot->head.revision;
    listeners = listeners_;
  }
  for (const auto& l : listeners) l(snapshot);
  PublishMetrics();
}

void Refresher::RecordError(const cc::Status& st) {
  bool first;
  {
    std::lock_guard<std::mutex> l(mu_);
    status_.refresh_errors++;
    first = status_.consecutive_errors++ == 0;
    status_.last_error = st.ToString();
  }
  if (first) {
    log::Warn("state", "refresh failed; keeping the last good state", {{"error", st.ToString()}});
  }
  if (metrics_) metrics_->Inc("containment_state_refresh_errors_total");
}

Refresher::Outcome Refresher::Load(const HeadRecord& head) {
  std::shared_ptr<const Snapshot> current = Current();
  // A few commits behind: read only the change log and the changed records.
  if (current && head.revision > current->head.revision &&
      head.revision - current->head.revision < kChangeLogWindow) {
    auto delta = store_.LoadChangesSince(current->head.revision);
    if (delta.ok() && delta->head.chamber_id == current->head.chamber_id &&
        delta->head.revision >= head.revision) {
      Apply(std::make_shared<const Snapshot>(ApplyDelta(*current, *delta)));
      return Outcome::kLoaded;
    }
    // Log truncated or the table moved under us: fall back to a full load.
  }
  auto snap = store_.LoadSnapshot();
  if (!snap.ok()) {
    RecordError(snap.status());
    return Outcome::kError;
  }
  if (snap->head.revision < head.revision || snap->head.chamber_id != head.chamber_id) {
    RecordError(cc::Status::Unavailable("snapshot older than the head just read"));
    return Outcome::kError;
  }
  Apply(std::make_shared<const Snapshot>(std::move(*snap)));
  return Outcome::kLoaded;
}

Refresher::Outcome Refresher::RefreshOnce() {
  std::lock_guard<std::recursive_mutex> poll(poll_mu_);
  auto head = store_.ReadHead();
  if (!head.ok()) {
    RecordError(head.status());
    PublishMetrics();
    return Outcome::kError;
  }
  std::shared_ptr<const Snapshot> current = Current();
  Outcome outcome = Outcome::kUnchanged;
  bool report_rollback = false, report_foreign = false;
  if (current && head->chamber_id != current->head.chamber_id) {
    std::lock_guard<std::mutex> l(mu_);
    report_foreign = status_.foreign_chamber_seen != head->chamber_id;
    status_.foreign_chamber_seen = head->chamber_id;
    outcome = Outcome::kRefused;
  } else if (current && head->revision < current->head.revision) {
    std::lock_guard<std::mutex> l(mu_);
    report_rollback = status_.rollback_seen != head->revision;
    status_.rollback_seen = head->revision;
    outcome = Outcome::kRefused;
  } else if (!current || head->revision > current->head.revision) {
    outcome = Load(*head);
    if (outcome == Outcome::kError) {
      PublishMetrics();
      return outcome;
    }
  }
  if (report_foreign) {
    log::Error("state",
               "the backend now holds a different chamber; refusing to follow it (was the table "
               "replaced or re-created?)",
               {{"expected_chamber_id", current->head.chamber_id},
                {"backend_chamber_id", head->chamber_id}});
  }
  if (report_rollback) {
    log::Error("state",
               "the backend went back to a lower revision; refusing to follow it (was an old "
               "backup restored?)",
               {{"seen_revision", std::to_string(current->head.revision)},
                {"backend_revision", std::to_string(head->revision)}});
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (outcome != Outcome::kRefused) {
      status_.rollback_seen.reset();
      status_.foreign_chamber_seen.clear();
    }
    last_success_ = clock_.SteadyNow();
    if (status_.consecutive_errors > 0) {
      log::Info("state", "refresh recovered",
                {{"failed_polls", std::to_string(status_.consecutive_errors)}});
    }
    status_.consecutive_errors = 0;
  }
  PublishMetrics();
  return outcome;
}

Result<uint64_t> Refresher::Commit(const CommitRequest& request) {
  CC_ASSIGN_OR_RETURN(uint64_t rev, store_.Commit(request));
  // Load what we just wrote (plus anything committed in between).
  for (int i = 0; i < 3; ++i) {
    RefreshOnce();
    auto cur = Current();
    if (cur && cur->head.revision >= rev) break;
  }
  return rev;
}

void Refresher::PublishMetrics() {
  if (!metrics_) return;
  RefreshStatus s = Health();
  metrics_->Set("containment_state_revision", static_cast<double>(s.revision));
  metrics_->Set("containment_state_refresh_age_seconds", s.last_refresh_age_seconds);
  metrics_->Set("containment_state_refresh_interval_seconds", options_.interval_seconds);
  // Stays set while every poll is refused; an error poll keeps the last verdict.
  bool refusing = s.rollback_seen.has_value() || !s.foreign_chamber_seen.empty();
  metrics_->Set("containment_state_rollback_refused", refusing ? 1 : 0);
  for (const auto& [op, n] : store_.Stats().requests) {
    metrics_->Set("containment_state_backend_requests_total", {{"op", op}}, static_cast<double>(n));
  }
}

std::chrono::milliseconds Refresher::NextDelay(uint64_t consecutive_errors,
                                               double uniform01) const {
  std::chrono::milliseconds interval(std::max(1, options_.interval_seconds) * 1000);
  if (consecutive_errors == 0) return interval;
  // Half fixed, half jittered, so replicas that failed together spread out
  // without ever polling faster than half the backoff.
  BackoffPolicy p{interval, std::max(interval, options_.backoff_cap), 0};
  auto ceiling = BackoffDelay(p, static_cast<int>(consecutive_errors), 1.0);
  return ceiling / 2 + BackoffDelay(p, static_cast<int>(consecutive_errors), uniform01) / 2;
}

void Refresher::Start() {
  if (options_.interval_seconds <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Refresher::Loop() {
  std::unique_lock<std::mutex> l(loop_mu_);
  while (!stopping_) {
    auto delay = NextDelay(Health().consecutive_errors, JitterDraw());
    loop_cv_.wait_for(l, delay, [this] { return stopping_; });
    if (stopping_) break;
    l.unlock();
    RefreshOnce();
    l.lock();
  }
}

void Refresher::Stop() {
  {
    std::lock_guard<std::mutex> l(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace cc::state
