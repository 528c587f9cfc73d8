// System management interrupts and other firmware stalls: the CPUs enter SMM
// for a while; the kernel never sees them (no vector, no count), only lost time.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "machine/machine_spec.h"

namespace preemptsim {

class Smi {
 public:
  Smi(const SmiSpec& spec, int ncpus, std::uint64_t seed);
  bool enabled() const { return spec_.enabled; }
  // The next SMI's arrival (Time::max() when there are no more).
  Time next_arrival();
  // Its duration (stream "smi/duration").
  Time draw_duration() { return spec_.duration.sample(durations_); }
  bool hits(int cpu) const { return hits_[static_cast<std::size_t>(cpu)]; }
  // The CPU stalls from now until now + d (an overlapping stall extends it).
  void stall(int cpu, Time now, Time d);
  Time stalled_until(int cpu) const { return cpus_[static_cast<std::size_t>(cpu)].until; }
  bool stalled(int cpu, Time now) const { return stalled_until(cpu) > now; }
  Time stolen(int cpu) const { return cpus_[static_cast<std::size_t>(cpu)].stolen; }
  std::uint64_t count(int cpu) const { return cpus_[static_cast<std::size_t>(cpu)].count; }

 private:
  struct PerCpu {
    Time until;
    Time stolen;
    std::uint64_t count = 0;
  };
  SmiSpec spec_;
  Rng arrivals_, durations_;
  std::int64_t k_ = 0;
  Time last_;
  std::vector<bool> hits_;
  std::vector<PerCpu> cpus_;
};

}  // namespace preemptsim
