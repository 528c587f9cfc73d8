// Per-task statistics gathered from the kernel's signals.
#include "stats/task_stats.h"

#include <algorithm>

#include "kernel/task.h"

namespace preemptsim {

TaskResult* TaskStatsObserver::slot(const Task& p) {
  const int i = p.pid - first_pid_;
  if (p.is_idle() || i < 0 || static_cast<std::size_t>(i) >= tasks_.size()) return nullptr;
  return &tasks_[static_cast<std::size_t>(i)];
}

void TaskStatsObserver::on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) {
  if (TaskResult* r = slot(p)) {
    if (r->worst_cpu < 0 || t - expiry > r->worst_at - r->worst_expiry) {
      r->worst_expiry = expiry;
      r->worst_at = t;
      r->worst_cpu = p.cpu;
    }
    r->wakeup_latency.record(t - expiry);
    r->record_timeline(t, t - expiry);
    r->irq_latency.record(irq_at - expiry);
  }
}

void TaskStatsObserver::on_mark(Time t, const Task& p, const std::string& name) {
  if (TaskResult* r = slot(p)) {
    // find first: a mark name is allocated once, not on every mark
    auto it = r->marks.find(name);
    if (it == r->marks.end()) it = r->marks.emplace(name, MarkStats{}).first;
    it->second.record(t);
  }
}

void TaskStatsObserver::on_exit(Time t, const Task& p) {
  if (TaskResult* r = slot(p)) r->exit = t;
}

void TaskStatsObserver::on_bug(Time t, const std::string& text) {
  if (bugs_total_++ < kMaxBugReports) bugs_.push_back(BugReport{t, text});
}

void TaskStatsObserver::on_lock_acquired(Time, const Task& p, const std::string& lock, bool contended, Time waited) {
  LockResult& l = locks_[lock];
  l.name = lock;
  ++l.acquisitions;
  if (contended) {
    ++l.contended;
    l.total_wait += waited;
    l.max_wait = std::max(l.max_wait, waited);
  }
  if (TaskResult* r = slot(p)) r->lock_wait += waited;
}

void TaskStatsObserver::on_lock_released(Time, const Task&, const std::string& lock, Time held) {
  LockResult& l = locks_[lock];
  l.max_hold = std::max(l.max_hold, held);
}

void TaskStatsObserver::on_prio_change(Time t, const Task& p, int, int new_prio) {
  TaskResult* r = slot(p);
  if (!r) return;
  auto& since = boosted_since_[static_cast<std::size_t>(p.pid - first_pid_)];
  const bool boosted = new_prio < p.normal_prio;
  if (boosted && !since) {
    ++r->pi_boosts;
    since = t;
  } else if (!boosted && since) {
    r->boosted += t - *since;
    since.reset();
  }
}

void TaskStatsObserver::on_deadline_miss(Time, const Task& p, Time) {
  if (TaskResult* r = slot(p)) ++r->deadline_misses;
}

void TaskStatsObserver::finish(Time end) {
  for (std::size_t i = 0; i < tasks_.size(); ++i)
    if (boosted_since_[i]) {
      tasks_[i].boosted += end - *boosted_since_[i];
      boosted_since_[i].reset();
    }
}

}  // namespace preemptsim
