// Per-task statistics gathered from the kernel's signals.
#include "stats/task_stats.h"

#include "kernel/task.h"

namespace preemptsim {

TaskResult* TaskStatsObserver::slot(const Task& p) {
  const int i = p.pid - first_pid_;
  if (p.is_idle() || i < 0 || static_cast<std::size_t>(i) >= tasks_.size()) return nullptr;
  return &tasks_[static_cast<std::size_t>(i)];
}

void TaskStatsObserver::on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) {
  if (TaskResult* r = slot(p)) {
    r->wakeup_latency.record(t - expiry);
    r->irq_latency.record(irq_at - expiry);
  }
}

void TaskStatsObserver::on_mark(Time t, const Task& p, const std::string& name) {
  if (TaskResult* r = slot(p)) r->marks[name].push_back(t);
}

void TaskStatsObserver::on_exit(Time t, const Task& p) {
  if (TaskResult* r = slot(p)) r->exit = t;
}

void TaskStatsObserver::on_bug(Time t, const std::string& text) { bugs_.push_back(BugReport{t, text}); }

}  // namespace preemptsim
