// Kernel housekeeping noise: RCU callback batches, timer-wheel expiries and
// the vmstat_update work, per CPU, and which CPUs the isolation boot options
// (nohz_full, isolcpus, rcu_nocbs) spare.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "machine/machine_spec.h"

namespace preemptsim {

class Housekeeping {
 public:
  enum Source : std::uint8_t { RCU, VMSTAT, TIMER_WHEEL, NR_SOURCES };
  static const char* source_name(Source s);  // "rcu", "vmstat", "timer_wheel"

  Housekeeping(const MachineSpec& spec, int ncpus, std::uint64_t seed, Time jiffy);
  bool enabled(Source s) const { return src(s).enabled; }
  // Boot options, per CPU.
  bool nohz_full(int cpu) const { return test(nohz_full_, cpu); }
  bool isolated(int cpu) const { return test(isolated_, cpu); }
  // rcu_nocbs (nohz_full implies it: rcu_init_nohz()).
  bool nocb(int cpu) const { return test(nocb_, cpu) || nohz_full(cpu); }
  // cpu_is_isolated(): isolcpus (HK_TYPE_DOMAIN) or nohz_full (HK_TYPE_TICK).
  bool cpu_is_isolated(int cpu) const { return isolated(cpu) || nohz_full(cpu); }
  // The lowest-numbered CPU that is neither nohz_full nor isolated (where
  // offloaded and unbound work runs); 0 when every CPU is isolated.
  int housekeeping_cpu() const;

  // A batch of source s due on cpu by now (tick-driven sources): its work,
  // or a negative Time when none is due. Consumes the due batches.
  Time take_due(Source s, int cpu, Time now);
  // The next due time of a timer-driven source on cpu (vmstat, offloaded RCU).
  Time next_due(Source s, int cpu) const { return per_cpu_[idx(s, cpu)].next; }
  // Advance a timer-driven source past its due batch and draw its work.
  Time take_next(Source s, int cpu);
  Time period(Source s) const { return src(s).period; }

 private:
  const HousekeepingSpec::Source& src(Source s) const;
  static bool test(const std::vector<bool>& v, int cpu) { return cpu >= 0 && static_cast<std::size_t>(cpu) < v.size() && v[static_cast<std::size_t>(cpu)]; }
  std::size_t idx(Source s, int cpu) const { return static_cast<std::size_t>(cpu) * NR_SOURCES + s; }
  struct PerCpu {
    Time next;  // the next batch's due time
    Rng rng;    // stream "housekeeping/SOURCE/cpuN"
  };
  HousekeepingSpec spec_;
  int ncpus_;
  std::vector<bool> nohz_full_, isolated_, nocb_;
  std::vector<PerCpu> per_cpu_;
};

}  // namespace preemptsim
