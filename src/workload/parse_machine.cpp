// Reads the machine below the kernel: cpuidle states and limits, isolation
// boot options (CPU lists), SMIs, housekeeping sources and memory interference.
#include "workload/parse_machine.h"

#include <fmt/format.h>

#include <cstdio>
#include <sstream>

#include "machine/machine_spec.h"
#include "workload/parse_irqs.h"

namespace preemptsim::workload_detail {
namespace {

constexpr int kMaxCpus = 256;

// Every default below is an estimate (see docs/workload-format.md), except
// vmstat's period, which is sysctl_stat_interval (HZ jiffies: 1 s).
HousekeepingSpec::Source default_source(const std::string& name) {
  HousekeepingSpec::Source s;
  s.enabled = true;
  if (name == "rcu") {
    s.period = Time::ns(8'000'000);
    s.duration.value = Time::ns(5'000);
  } else if (name == "vmstat") {
    s.period = Time::ns(1'000'000'000);
    s.duration.value = Time::ns(10'000);
  } else if (name == "timer_wheel") {
    s.period = Time::ns(10'000'000);
    s.duration.value = Time::ns(2'000);
  } else {  // tlb_shootdown
    s.rate = 20;
    s.duration.value = Time::ns(2'000);
  }
  return s;
}

const Names kSources = {"rcu", "vmstat", "tlb_shootdown", "timer_wheel"};

HousekeepingSpec::Source& source_of(HousekeepingSpec& h, const std::string& name) {
  if (name == "rcu") return h.rcu;
  if (name == "vmstat") return h.vmstat;
  if (name == "timer_wheel") return h.timer_wheel;
  return h.tlb_shootdown;
}

std::string check_source_name(const Reader& r, const Field& f, const std::string& name) {
  for (std::string_view s : kSources)
    if (name == s) return name;
  r.fail(f, fmt::format("unknown housekeeping source '{}'{} (sources: {})", name, did_you_mean(name, kSources), join(kSources)));
}

void parse_housekeeping(const Reader& r, const Field& f, HousekeepingSpec& h) {
  if (f.value.IsSequence()) {  // [rcu, vmstat]: each with its defaults
    for (const Field& item : r.list(f)) {
      const std::string name = check_source_name(r, item, r.string(item));
      source_of(h, name) = default_source(name);
    }
    return;
  }
  for (const Field& e : r.map(f, "housekeeping", kSources, "source")) {  // {rcu: {period: 4ms, duration: 5us}}
    HousekeepingSpec::Source s = default_source(e.key);
    if (!e.value.IsNull())
      for (const Field& k : r.map(e, e.key, e.key == "tlb_shootdown" ? Names{"rate", "duration"} : Names{"period", "duration"})) {
        if (k.key == "period") s.period = r.duration(k, Time::ns(1'000), "at least 1us");
        if (k.key == "rate") s.rate = real_number(r, k, 0, "more than 0");
        if (k.key == "duration") s.duration = parse_distribution(r, k);
      }
    if (e.key == "tlb_shootdown" && !Time::checked_ns(1e9 / s.rate)) r.fail(e, "tlb_shootdown's rate is too low");
    source_of(h, e.key) = s;
  }
}

// A CPU list: [1, 2] or the kernel's cpulist syntax "1-3,5".
std::vector<int> parse_cpu_list(const Reader& r, const Field& f, int ncpus) {
  if (ncpus == 0) r.fail(f, fmt::format("{} is a boot option of the workload's machine, not of a profile", f.key));
  std::vector<int> cpus;
  auto add = [&](std::int64_t c) {
    if (c < 0 || c >= ncpus) r.fail(f, fmt::format("{}: CPU {} does not exist (the system has {} CPU{})", f.key, c, ncpus, ncpus == 1 ? "" : "s"));
    for (int x : cpus)
      if (x == c) return;
    cpus.push_back(static_cast<int>(c));
  };
  if (f.value.IsSequence()) {
    for (const Field& item : r.list(f)) add(r.integer(item, 0, kMaxCpus - 1));
    return cpus;
  }
  std::stringstream in(f.value.IsScalar() ? f.value.Scalar() : std::string());
  std::string part;
  bool any = false;
  while (std::getline(in, part, ',')) {
    int lo = 0, hi = 0;
    char dash = 0, extra = 0;
    const int n = std::sscanf(part.c_str(), "%d%c%d%c", &lo, &dash, &hi, &extra);
    if (n == 1) hi = lo;
    else if (n != 3 || dash != '-' || hi < lo)
      r.fail(f, fmt::format("{} is a CPU list such as [1, 2] or \"1-3,5\", got {}", f.key, describe(f.value)));
    for (int c = lo; c <= hi; ++c) add(c);
    any = true;
  }
  if (!any) r.fail(f, fmt::format("{} is a CPU list such as [1, 2] or \"1-3,5\", got {}", f.key, describe(f.value)));
  return cpus;
}

void parse_cpuidle(const Reader& r, const Field& f, CpuIdleSpec& c) {
  for (const Field& e : r.map(f, "cpuidle", {"states", "monitor"})) {
    if (e.key == "monitor") {
      c.monitor = r.boolean(e);
      continue;
    }
    c.states.clear();
    for (const Field& item : r.list(e)) {
      IdleStateSpec s;
      bool has_name = false, has_lat = false, has_res = false;
      for (const Field& k : r.map(item, "an idle state", {"name", "exit_latency", "target_residency", "polling", "source"})) {
        if (k.key == "name") s.name = r.string(k), has_name = true;
        if (k.key == "exit_latency") s.exit_latency = r.duration(k, Time(), "at least 0"), has_lat = true;
        if (k.key == "target_residency") s.target_residency = r.duration(k, Time(), "at least 0"), has_res = true;
        if (k.key == "polling") s.polling = r.boolean(k);
        if (k.key == "source") (void)r.string(k);
      }
      if (!has_name || !has_lat || !has_res) r.fail(item, "an idle state needs 'name', 'exit_latency' and 'target_residency'");
      if (!c.states.empty() && (s.exit_latency < c.states.back().exit_latency || s.target_residency < c.states.back().target_residency))
        r.fail(item, "idle states go from the shallowest to the deepest: exit_latency and target_residency must not decrease");
      c.states.push_back(s);
    }
    if (c.states.empty()) r.fail(e, "states is empty: list the idle states, shallowest first");
  }
}

void parse_noise(const Reader& r, const Field& f, MachineSpec& m, int ncpus) {
  for (const Field& e : r.map(f, "noise", {"smi", "housekeeping", "memory_interference"})) {
    if (e.key == "smi") {
      SmiSpec s;
      s.enabled = true;
      bool has_arrival = false, has_duration = false;
      for (const Field& k : r.map(e, "smi", {"arrival", "duration", "cpus", "source"})) {
        if (k.key == "arrival") {
          s.arrival = parse_arrival(r, k);
          if (s.arrival.kind != Arrival::Kind::Periodic && s.arrival.kind != Arrival::Kind::Poisson && s.arrival.kind != Arrival::Kind::Timestamps)
            r.fail(k, "an SMI arrives periodic, poisson or at timestamps");
          has_arrival = true;
        }
        if (k.key == "duration") s.duration = parse_distribution(r, k), has_duration = true;
        if (k.key == "cpus") s.cpus = parse_cpu_list(r, k, ncpus);
        if (k.key == "source") (void)r.string(k);
      }
      if (!has_arrival || !has_duration) r.fail(e, "smi needs 'arrival' and 'duration'");
      m.smi = s;
    } else if (e.key == "housekeeping") {
      m.housekeeping = HousekeepingSpec{};
      parse_housekeeping(r, e, m.housekeeping);
    } else {
      for (const Field& k : r.map(e, "memory_interference", {"factor"})) {
        const double factor = real_number(r, k, 1, "at least 1");
        if (factor > 100) r.fail(k, "factor must be at most 100");
        m.memory.factor_permille = static_cast<std::int64_t>(factor * 1000 + 0.5);
      }
    }
  }
}

}  // namespace

bool is_machine_key(std::string_view key) {
  return key == "cpuidle" || key == "cpu_dma_latency" || key == "idle" || key == "nohz_full" || key == "isolcpus" ||
         key == "rcu_nocbs" || key == "noise";
}

void parse_machine(const Reader& r, const std::vector<Field>& fields, SystemSpec& sys, int ncpus) {
  if (fields.empty()) return;
  MachineSpec m = sys.machine ? *sys.machine : MachineSpec{};
  for (const Field& e : fields) {
    if (e.key == "cpuidle") parse_cpuidle(r, e, m.cpuidle);
    else if (e.key == "cpu_dma_latency") m.cpuidle.latency_limit = r.duration(e, Time(), "at least 0");
    else if (e.key == "idle") {
      const std::string v = e.value.IsScalar() ? e.value.Scalar() : std::string();
      if (v != "poll" && v != "default") r.fail(e, fmt::format("idle is 'poll' (the idle=poll boot option) or 'default', got {}", describe(e.value)));
      m.cpuidle.idle_poll = v == "poll";
    } else if (e.key == "nohz_full") m.nohz_full = parse_cpu_list(r, e, ncpus);
    else if (e.key == "isolcpus") m.isolcpus = parse_cpu_list(r, e, ncpus);
    else if (e.key == "rcu_nocbs") m.rcu_nocbs = parse_cpu_list(r, e, ncpus);
    else if (e.key == "noise") parse_noise(r, e, m, ncpus);
  }
  if (ncpus > 0)
    for (int c : m.smi.cpus)
      if (c >= ncpus) r.fail(fields.front(), fmt::format("smi: CPU {} does not exist", c));
  sys.machine = std::make_shared<const MachineSpec>(std::move(m));
}

void add_machine_irqs(Scenario& sc) {
  if (!sc.system.machine || !sc.system.machine->housekeeping.tlb_shootdown.enabled) return;
  const HousekeepingSpec::Source& s = sc.system.machine->housekeeping.tlb_shootdown;
  for (int c = 0; c < sc.system.cpus; ++c) {
    IrqSpec irq;  // flush_tlb_func() in the CALL_FUNCTION IPI another CPU sends (smp_call_function_many_cond())
    irq.name = fmt::format("tlb_shootdown/{}", c);
    irq.cpu = c;
    irq.arrival.kind = Arrival::Kind::Poisson;
    irq.arrival.rate = s.rate;
    irq.handler = s.duration;
    irq.no_thread = true;
    irq.percpu = true;
    sc.irqs.push_back(std::move(irq));
  }
}

}  // namespace preemptsim::workload_detail
