// The statistics observer: per-task wakeup latency, marks, exit time and bugs.
#pragma once

#include <unordered_map>
#include <vector>

#include "kernel/observer.h"
#include "stats/results.h"

namespace preemptsim {

class TaskStatsObserver final : public Observer {
 public:
  // One slot per workload task, indexed by pid - first_pid.
  TaskStatsObserver(std::size_t ntasks, int first_pid) : tasks_(ntasks), first_pid_(first_pid) {}
  void on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) override;
  void on_mark(Time t, const Task& p, const std::string& name) override;
  void on_exit(Time t, const Task& p) override;
  void on_bug(Time t, const std::string& text) override;

  std::vector<TaskResult>& tasks() { return tasks_; }
  std::vector<BugReport>& bugs() { return bugs_; }

 private:
  TaskResult* slot(const Task& p);
  std::vector<TaskResult> tasks_;
  std::vector<BugReport> bugs_;
  int first_pid_;
};

}  // namespace preemptsim
