// Memory interference: a model (not a cache simulation) in which run/busy
// work on a CPU progresses `factor` times slower while any other CPU runs a
// task marked memory_heavy.
#pragma once

#include <cstdint>
#include <vector>

#include "core/time.h"
#include "machine/machine_spec.h"

namespace preemptsim {

class MemoryInterference {
 public:
  MemoryInterference(const MemoryInterferenceSpec& spec, int ncpus)
      : permille_(spec.factor_permille), heavy_(static_cast<std::size_t>(ncpus), 0) {}
  bool enabled() const { return permille_ != 1000; }
  // The CPU now runs (or stops running) a memory-heavy task. Returns true
  // when the set changed (other CPUs' work must be re-timed).
  bool set_heavy(int cpu, bool heavy) {
    char& h = heavy_[static_cast<std::size_t>(cpu)];
    if ((h != 0) == heavy) return false;
    h = heavy ? 1 : 0;
    heavy_count_ += heavy ? 1 : -1;
    return true;
  }
  // Is work on cpu slowed now: some other CPU runs a memory-heavy task.
  bool slowed(int cpu) const { return heavy_count_ - (heavy_[static_cast<std::size_t>(cpu)] ? 1 : 0) > 0; }
  // Wall time for `work` at the slowed rate (rounded up), and work done in `wall`.
  Time wall_for(Time work) const { return Time::ns(static_cast<std::int64_t>((static_cast<__int128>(work.count()) * permille_ + 999) / 1000)); }
  Time work_in(Time wall) const { return Time::ns(static_cast<std::int64_t>(static_cast<__int128>(wall.count()) * 1000 / permille_)); }

 private:
  std::int64_t permille_;
  std::vector<char> heavy_;
  int heavy_count_ = 0;
};

}  // namespace preemptsim
