// The machine below the kernel as a workload describes it: cpuidle states,
// SMIs, kernel housekeeping, isolation boot options and memory interference.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "workload/scenario.h"

namespace preemptsim {

// One idle state, as /sys/devices/system/cpu/cpuN/cpuidle/stateK/ shows it.
struct IdleStateSpec {
  std::string name;        // "C6"
  Time exit_latency;       // stateK/latency: the wakeup pays this before anything runs
  Time target_residency;   // stateK/residency: the shortest idle period worth entering it
  bool polling = false;    // CPUIDLE_FLAG_POLLING (the POLL state): a software loop, no exit latency
};

// cpuidle: the driver's states and the limits on them.
struct CpuIdleSpec {
  std::vector<IdleStateSpec> states;  // shallowest first (the driver's order)
  // x86 MONITOR/MWAIT idle (mwait_idle_with_hints()): the idle task keeps
  // TIF_POLLING_NRFLAG set in every state, so a remote wakeup writes the
  // monitored flags word instead of sending an IPI (the exit latency is still paid).
  bool monitor = false;
  Time latency_limit = Time::max();   // cpu_dma_latency (PM QoS): no state with a longer exit latency
  bool idle_poll = false;             // idle=poll: cpu_idle_poll() always, no states
  bool enabled() const { return idle_poll || !states.empty(); }
};

// SMIs / firmware stalls: every listed CPU stops for the duration; the kernel
// sees nothing (no IRQ, no count), only time gone missing.
struct SmiSpec {
  bool enabled = false;
  Arrival arrival;                // periodic or poisson (stream "smi/arrival")
  Distribution duration;          // stream "smi/duration"
  std::vector<int> cpus;          // the CPUs it stops (empty: all, as a broadcast SMI does)
};

// The kernel's own background work, per CPU (each a named source).
struct HousekeepingSpec {
  struct Source {
    bool enabled = false;
    Time period;                  // rcu, timer_wheel, vmstat: a batch becomes due every period
    double rate = 0;              // tlb_shootdown: IPIs per second per CPU (Poisson)
    Distribution duration;        // the work of one batch / one IPI handler
  };
  Source rcu, vmstat, tlb_shootdown, timer_wheel;
  bool any() const { return rcu.enabled || vmstat.enabled || tlb_shootdown.enabled || timer_wheel.enabled; }
};

// A slowdown of run/busy work on a CPU while another CPU runs a task marked
// memory_heavy (a model of shared-cache and memory-bandwidth contention, not a cache simulation).
struct MemoryInterferenceSpec {
  std::int64_t factor_permille = 1000;  // 1500: work takes 1.5x as long
  bool enabled() const { return factor_permille != 1000; }
};

struct MachineSpec {
  CpuIdleSpec cpuidle;
  SmiSpec smi;
  HousekeepingSpec housekeeping;
  MemoryInterferenceSpec memory;
  // Boot options (CPU lists).
  std::vector<int> nohz_full;   // no tick while one task runs (implies rcu_nocbs)
  std::vector<int> isolcpus;    // out of the default affinity and of balancing
  std::vector<int> rcu_nocbs;   // RCU callbacks offloaded to rcuop/N threads
  bool any() const {
    return cpuidle.enabled() || smi.enabled || housekeeping.any() || memory.enabled() || !nohz_full.empty() ||
           !isolcpus.empty() || !rcu_nocbs.empty();
  }
};

}  // namespace preemptsim
