// Kernel housekeeping noise sources (RCU, timer wheel, vmstat) and the CPU
// masks of nohz_full= / isolcpus= / rcu_nocbs= (kernel/sched/isolation.c).
#include "machine/housekeeping.h"

#include <fmt/format.h>

namespace preemptsim {

const char* Housekeeping::source_name(Source s) {
  switch (s) {
    case RCU: return "rcu";
    case VMSTAT: return "vmstat";
    case TIMER_WHEEL: return "timer_wheel";
    case NR_SOURCES: break;
  }
  return "?";
}

Housekeeping::Housekeeping(const MachineSpec& spec, int ncpus, std::uint64_t seed, Time jiffy) : spec_(spec.housekeeping), ncpus_(ncpus) {
  auto mask = [&](const std::vector<int>& cpus) {
    std::vector<bool> m(static_cast<std::size_t>(ncpus), false);
    for (int c : cpus)
      if (c >= 0 && c < ncpus) m[static_cast<std::size_t>(c)] = true;
    return m;
  };
  nohz_full_ = mask(spec.nohz_full);
  isolated_ = mask(spec.isolcpus);
  nocb_ = mask(spec.rcu_nocbs);
  for (int c = 0; c < ncpus; ++c)
    for (int s = 0; s < NR_SOURCES; ++s) {
      const auto source = static_cast<Source>(s);
      // First batches one period in; vmstat_update is queued with
      // round_jiffies_relative(), which skews each CPU by 3 jiffies a CPU
      // (round_jiffies_common()) so that CPUs do not all wake at once.
      Time first = src(source).period;
      if (source == VMSTAT) first += jiffy * (3 * c);
      per_cpu_.push_back(PerCpu{first, Rng(seed, fmt::format("housekeeping/{}/cpu{}", source_name(source), c))});
    }
}

const HousekeepingSpec::Source& Housekeeping::src(Source s) const {
  switch (s) {
    case RCU: return spec_.rcu;
    case VMSTAT: return spec_.vmstat;
    default: return spec_.timer_wheel;
  }
}

int Housekeeping::housekeeping_cpu() const {
  for (int c = 0; c < ncpus_; ++c)
    if (!cpu_is_isolated(c)) return c;
  return 0;
}

Time Housekeeping::take_due(Source s, int cpu, Time now) {
  PerCpu& p = per_cpu_[idx(s, cpu)];
  if (!src(s).enabled || p.next > now) return Time::ns(-1);
  // every batch due since the last tick runs in this one (their work adds up)
  Time work;
  while (p.next <= now) {
    work += src(s).duration.sample(p.rng);
    p.next += src(s).period;
  }
  return work;
}

Time Housekeeping::take_next(Source s, int cpu) {
  PerCpu& p = per_cpu_[idx(s, cpu)];
  p.next += src(s).period;
  return src(s).duration.sample(p.rng);
}

}  // namespace preemptsim
