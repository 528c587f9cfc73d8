// cpuidle (drivers/cpuidle/): per-CPU idle states, a simplified menu/teo
// governor choosing one from the next timer event, and the residency counts.
#pragma once

#include <cstdint>
#include <vector>

#include "core/time.h"
#include "machine/machine_spec.h"

namespace preemptsim {

// What one CPU's idle states did over the run (cpuN/cpuidle/stateK/usage and time).
struct IdleStateUsage {
  std::uint64_t usage = 0;  // times entered
  Time time;                // time spent in it (entry to the wakeup's start)
};

class CpuIdle {
 public:
  CpuIdle(const CpuIdleSpec& spec, int ncpus);
  bool enabled() const { return spec_.enabled(); }

  // The governor (menu_select()/teo_select(), simplified): the deepest
  // enabled state whose target_residency fits the predicted idle time (the
  // distance to the next timer event, tick_nohz_get_sleep_length()) and whose
  // exit_latency is within cpu_dma_latency. With idle=poll: the poll loop.
  int select(Time predicted) const;
  // cpuidle_enter(): the CPU enters `state` now (no-op when already in one).
  void enter(int cpu, int state, Time now);
  // The CPU wakes at `now`: leaves its state, returns the exit latency to pay.
  Time exit(int cpu, Time now);
  // In an idle state now (-1: not idle, or the wakeup has begun).
  int state_of(int cpu) const { return cpus_[static_cast<std::size_t>(cpu)].state; }
  // TIF_POLLING_NRFLAG: would a remote resched of this idle CPU need no IPI?
  bool polling(int cpu) const;

  // The exit latency being paid by a waking CPU (a segment of work on it).
  Time& exit_remaining(int cpu) { return cpus_[static_cast<std::size_t>(cpu)].exit_remaining; }
  bool& exiting(int cpu) { return cpus_[static_cast<std::size_t>(cpu)].exiting; }

  // Names of the states as reported ("POLL" under idle=poll).
  std::vector<std::string> state_names() const;
  const std::vector<IdleStateUsage>& usage(int cpu) const { return cpus_[static_cast<std::size_t>(cpu)].usage; }
  // Closes the residency of CPUs still idle at the end of the run.
  void finish(Time now);

 private:
  struct PerCpu {
    int state = -1;
    Time entered;
    bool exiting = false;
    Time exit_remaining;
    std::vector<IdleStateUsage> usage;
  };
  const IdleStateSpec& state_spec(int s) const;
  CpuIdleSpec spec_;
  IdleStateSpec poll_;  // idle=poll's only "state"
  std::vector<PerCpu> cpus_;
};

}  // namespace preemptsim
