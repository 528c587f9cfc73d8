// Why the worst wakeup of each task took what it took: a second,
// identical run records what the task's CPU did between the timer's expiry
// and the switch-in, and the rule that held preemption back at the wakeup.
#pragma once

#include <string>
#include <vector>

#include "kernel/observer.h"
#include "kernel/preempt_model.h"
#include "stats/results.h"

namespace preemptsim {

class Kernel;

// One sample to explain: found by the first run (TaskResult::worst_*).
struct WorstWindow {
  int pid = 0;
  std::string task;
  Time expiry, at;
  int cpu = 0;
};

class RootCauseObserver final : public Observer {
 public:
  RootCauseObserver(const Kernel& k, const PreemptModel& model, std::vector<WorstWindow> windows);
  std::uint32_t signal_families() const override { return SIG_SCHED | SIG_ACTIVITY | SIG_SECTIONS; }
  void on_cpu_activity(Time t, const Rq& rq, const CpuActivity& a) override;
  void on_section(Time t, const Rq& rq, Section kind, bool off, const Site& site) override;
  void on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;
  void on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) override;
  // The explanations, in the order the windows were given (those that closed).
  std::vector<WorstCaseExplanation> explanations() const;

 private:
  struct OpenSection {
    bool on = false;
    Time since;
    std::string site;
  };
  struct CpuState {
    std::string label = "idle";  // what the CPU is doing since the last activity signal
    const Task* curr = nullptr;
    const Op* op = nullptr;
    std::uint32_t preempt_count = 0;  // of the task context, at its last step
    bool irqs_disabled = false;
    OpenSection preempt_off, irqs_off;
  };
  struct Window {
    WorstWindow w;
    bool open = false, done = false, woken = false, judged = false;
    Time woken_at;
    const Task* task = nullptr;
    Time cursor;
    std::string label;
    std::vector<std::pair<std::string, Time>> parts;
    std::string why, decision, at_expiry;
  };
  void advance(int cpu, Time now);
  void add(Window& w, const std::string& label, Time d);
  std::string describe(const CpuActivity& a) const;
  std::string why_at_wakeup(const CpuState& cs, const Task& p, Time t) const;

  const Kernel& k_;
  const PreemptModel& model_;
  std::vector<CpuState> cpus_;
  std::vector<Window> windows_;
  std::vector<std::vector<Window*>> by_cpu_;  // the windows of each CPU (activity signals touch only those)
};

// Runs the scenario's model a second time to explain each task's worst
// wakeup found in `first` (the results of the first run).
std::vector<WorstCaseExplanation> explain_worst_cases(const Scenario& sc, const PreemptModel& model, const ModelResult& first);

}  // namespace preemptsim
