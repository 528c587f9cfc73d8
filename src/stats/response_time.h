// Per-job response times (release -> completion, split by where the time
// went) and the paths of device wakeups: an observer of the job, scheduler
// and interrupt signals.
#pragma once

#include <vector>

#include "kernel/observer.h"
#include "stats/results.h"

namespace preemptsim {

class Kernel;

class ResponseTimeObserver final : public Observer {
 public:
  // One slot per workload task, indexed by pid - first_pid; `kernel` names the irqs.
  ResponseTimeObserver(const Kernel& kernel, std::size_t ntasks, int first_pid);
  std::uint32_t signal_families() const override { return SIG_SCHED | SIG_IRQ; }

  void on_irq_wakeup(Time t, const Task& p, const IrqWake& ev) override;
  void on_job_release(Time t, const Task& p, Time release, Time deadline) override;
  void on_job_end(Time t, const Task& p) override;
  void on_switch(Time t, int cpu, const Task& prev, const Task& next, bool preempt) override;
  void on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;
  void on_irq_entry(Time t, int cpu, Vector v) override;
  void on_irq_exit(Time t, int cpu, Vector v) override;
  void on_softirq_entry(Time t, const Rq& rq, SoftirqVec v) override;
  void on_softirq_exit(Time t, const Rq& rq, SoftirqVec v) override;
  void on_exit(Time t, const Task& p) override;

  // Moves the figures into the results (workload order).
  void fill(std::vector<TaskResult>& tasks);

 private:
  enum class State : std::uint8_t { Running, Runnable, Preempted, LockBlocked, Blocked };  // kShareOf's order (response_time.cpp)
  struct PerTask {
    State state = State::Blocked;
    Time since;                 // of the current state (or of the last interrupt edge while running)
    int cpu = -1;               // where it is current (-1: not current)
    bool job_open = false;
    Time release, deadline;
    Time woken_at = Time::ns(-1);
    ResponseShares job;
    // results
    std::uint64_t irq_wakeups = 0;
    std::optional<IrqWakeParts> irq_worst;
    LatencyHistogram response;
    std::uint64_t misses = 0;
    ResponseShares shares, worst;
    Time worst_response = Time::ns(-1), worst_release;
  };
  PerTask* slot(const Task& p);
  void charge(PerTask& s, Time t);       // the time since s.since goes to its current state (or interrupts)
  void set_state(PerTask& s, Time t, State st);
  void irq_edge(int cpu, Time t, int delta);

  const Kernel& kernel_;
  std::vector<PerTask> tasks_;
  std::vector<const Task*> curr_;   // per CPU
  std::vector<int> irq_depth_;      // per CPU: hard IRQ and softirq-frame nesting
  int first_pid_;
};

}  // namespace preemptsim
