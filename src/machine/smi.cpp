// SMIs (what hwlatdetect measures): arrival process, duration draws and the
// time each CPU lost to them.
#include "machine/smi.h"

#include <cmath>

namespace preemptsim {

Smi::Smi(const SmiSpec& spec, int ncpus, std::uint64_t seed)
    : spec_(spec), arrivals_(seed, "smi/arrival"), durations_(seed, "smi/duration"),
      hits_(static_cast<std::size_t>(ncpus), spec.cpus.empty()), cpus_(static_cast<std::size_t>(ncpus)) {
  for (int c : spec_.cpus)
    if (c >= 0 && c < ncpus) hits_[static_cast<std::size_t>(c)] = true;
}

Time Smi::next_arrival() {
  const Arrival& a = spec_.arrival;
  const std::int64_t k = k_++;
  switch (a.kind) {
    case Arrival::Kind::Periodic: {
      Time t = a.phase + a.period * k;
      if (a.jitter > Time()) t += Time::ns(arrivals_.uniform_int(0, a.jitter.count()));
      return t;
    }
    case Arrival::Kind::Poisson: {
      double u = arrivals_.next_unit();
      while (u <= 0.0) u = arrivals_.next_unit();
      last_ = (k == 0 ? a.phase : last_) + Time::saturating_ns(std::trunc(-1e9 / a.rate * std::log(u))) + Time::ns(1);
      return last_;
    }
    case Arrival::Kind::Timestamps:
      return static_cast<std::size_t>(k) < a.timestamps.size() ? a.timestamps[static_cast<std::size_t>(k)] : Time::max();
    default:
      return Time::max();  // the parser accepts periodic, poisson and timestamps only
  }
}

void Smi::stall(int cpu, Time now, Time d) {
  PerCpu& c = cpus_[static_cast<std::size_t>(cpu)];
  const Time end = now + d;
  if (end > c.until) {
    c.stolen += end - (c.until > now ? c.until : now);
    c.until = end;
  }
  ++c.count;
}

}  // namespace preemptsim
