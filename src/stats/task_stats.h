// The statistics observer: per-task wakeup latency, marks, exit time and bugs.
#pragma once

#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "kernel/observer.h"
#include "stats/results.h"

namespace preemptsim {

class TaskStatsObserver final : public Observer {
 public:
  // One slot per workload task, indexed by pid - first_pid.
  TaskStatsObserver(std::size_t ntasks, int first_pid) : tasks_(ntasks), boosted_since_(ntasks), first_pid_(first_pid) {}
  void on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) override;
  void on_mark(Time t, const Task& p, const std::string& name) override;
  void on_exit(Time t, const Task& p) override;
  void on_bug(Time t, const std::string& text) override;
  void on_lock_acquired(Time t, const Task& p, const std::string& lock, bool contended, Time waited) override;
  void on_lock_released(Time t, const Task& p, const std::string& lock, Time held) override;
  void on_prio_change(Time t, const Task& p, int old_prio, int new_prio) override;
  void on_deadline_miss(Time t, const Task& p, Time deadline) override;
  // Closes the boosts still open at the end of the run.
  void finish(Time end);

  std::map<std::string, LockResult>& locks() { return locks_; }

  std::vector<TaskResult>& tasks() { return tasks_; }
  std::vector<BugReport>& bugs() { return bugs_; }
  std::uint64_t bugs_total() const { return bugs_total_; }

 private:
  TaskResult* slot(const Task& p);
  std::vector<TaskResult> tasks_;
  std::vector<BugReport> bugs_;
  std::uint64_t bugs_total_ = 0;
  std::map<std::string, LockResult> locks_;
  std::vector<std::optional<Time>> boosted_since_;
  int first_pid_;
};

}  // namespace preemptsim
