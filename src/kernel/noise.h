// The kernel's view of the machine's noise sources (src/machine/): their
// run-time state, the housekeeping kernel threads and per-CPU bookkeeping.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"
#include "machine/cpuidle.h"
#include "machine/housekeeping.h"
#include "machine/machine_spec.h"
#include "machine/memory.h"
#include "machine/smi.h"

namespace preemptsim {

class Task;

struct MachineState {
  MachineState(const MachineSpec& s, int ncpus, std::uint64_t seed, Time jiffy)
      : spec(s), idle(s.cpuidle, ncpus), smi(s.smi, ncpus, seed), hk(s, ncpus, seed, jiffy), mem(s.memory, ncpus),
        cpus(static_cast<std::size_t>(ncpus)) {}
  const MachineSpec& spec;
  CpuIdle idle;
  Smi smi;
  Housekeeping hk;
  MemoryInterference mem;

  // A housekeeping kernel thread (rcuc/N, rcuop/N, kworker/N:1): work is
  // handed to it and it runs it as kernel work, then sleeps.
  struct Thread {
    Task* task = nullptr;
    Housekeeping::Source source = Housekeeping::RCU;
    int for_cpu = 0;          // the CPU whose work it does
    Time pending;             // work handed over, not started
    Time remaining;           // work of the batch running now
    bool running = false;
    std::uint64_t batches = 0;
  };
  std::vector<Thread> threads;
  struct PerCpu {
    int rcuc = -1, rcuop = -1, kworker = -1;  // indices into threads
    bool work_seg = false;    // the running segment is run/busy work (memory interference applies)
    bool work_slowed = false; // ... and it was started at the slowed rate
    std::uint64_t retime_token = 0;  // the latest EV_RETIME for this CPU
  };
  std::vector<PerCpu> cpus;
};

}  // namespace preemptsim
