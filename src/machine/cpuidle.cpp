// cpuidle (drivers/cpuidle/cpuidle.c, governors/menu.c, governors/teo.c,
// poll_state.c): state choice, entry, exit latency and residency accounting.
#include "machine/cpuidle.h"

namespace preemptsim {

CpuIdle::CpuIdle(const CpuIdleSpec& spec, int ncpus) : spec_(spec), cpus_(static_cast<std::size_t>(ncpus)) {
  poll_.name = "POLL";
  poll_.polling = true;
  for (PerCpu& c : cpus_) c.usage.resize(spec_.idle_poll ? 1 : spec_.states.size());
}

const IdleStateSpec& CpuIdle::state_spec(int s) const {
  return spec_.idle_poll ? poll_ : spec_.states[static_cast<std::size_t>(s)];
}

int CpuIdle::select(Time predicted) const {
  if (spec_.idle_poll) return 0;
  // menu/teo: never a state whose exit latency exceeds the PM QoS limit
  // (cpuidle_governor_latency_req()), nor one whose target residency is
  // longer than the predicted idle time. State 0 is the fallback.
  int best = 0;
  for (std::size_t i = 1; i < spec_.states.size(); ++i) {
    const IdleStateSpec& s = spec_.states[i];
    if (s.exit_latency > spec_.latency_limit) break;
    if (s.target_residency > predicted) break;
    best = static_cast<int>(i);
  }
  return best;
}

void CpuIdle::enter(int cpu, int state, Time now) {
  PerCpu& c = cpus_[static_cast<std::size_t>(cpu)];
  if (c.state >= 0 || c.exiting) return;
  c.state = state;
  c.entered = now;
  ++c.usage[static_cast<std::size_t>(state)].usage;
}

Time CpuIdle::exit(int cpu, Time now) {
  PerCpu& c = cpus_[static_cast<std::size_t>(cpu)];
  const int s = c.state;
  c.usage[static_cast<std::size_t>(s)].time += now - c.entered;
  c.state = -1;
  return state_spec(s).exit_latency;
}

bool CpuIdle::polling(int cpu) const {
  const int s = state_of(cpu);
  if (s < 0) return false;
  return spec_.monitor || state_spec(s).polling;
}

std::vector<std::string> CpuIdle::state_names() const {
  std::vector<std::string> names;
  if (spec_.idle_poll) return {poll_.name};
  for (const IdleStateSpec& s : spec_.states) names.push_back(s.name);
  return names;
}

void CpuIdle::finish(Time now) {
  for (PerCpu& c : cpus_)
    if (c.state >= 0) {
      c.usage[static_cast<std::size_t>(c.state)].time += now - c.entered;
      c.entered = now;
    }
}

}  // namespace preemptsim
