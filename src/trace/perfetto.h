// Trace Event Format JSON (chrome://tracing, ui.perfetto.dev) of simulated
// runs: one process per model, one track per CPU, slices for what each CPU
// does, instant events for wakeups and flows from each wakeup to the switch-in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "kernel/observer.h"

namespace preemptsim {

class Kernel;

// The events of every model's run, in one file.
class PerfettoTrace {
 public:
  PerfettoTrace(Time window_start = Time(), Time window_end = Time::max()) : from_(window_start), to_(window_end) {}
  // The whole JSON document.
  std::string json() const;

 private:
  friend class PerfettoObserver;
  Time from_, to_;
  std::vector<std::string> events_;
  std::uint64_t next_flow_ = 1;
};

// Records one model's kernel into a PerfettoTrace (process `pid`).
class PerfettoObserver : public Observer {
 public:
  PerfettoObserver(PerfettoTrace& trace, const Kernel& k, int pid, const std::string& model);
  std::uint32_t signal_families() const override { return SIG_ACTIVITY | SIG_SCHED; }
  void on_cpu_activity(Time t, const Rq& rq, const CpuActivity& a) override;
  void on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;
  void on_run_end(Time t) override;

 private:
  struct Open {
    bool active = false;
    Time start;
    std::string name;
    std::string args;  // JSON object text
  };
  void close(int cpu, Time t);
  std::string slice_name(const CpuActivity& a) const;

  PerfettoTrace& trace_;
  const Kernel& kernel_;
  int pid_;
  std::vector<Open> open_;                            // per CPU
  std::map<int, std::pair<Time, int>> waking_;        // pid -> (time, waker CPU) of the first unmatched sched_waking
};

}  // namespace preemptsim
