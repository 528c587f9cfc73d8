// Runs the imported workload with an observer that turns the simulated
// kernel's tracepoints into trace events (the same text the --trace file
// holds), profiles them with the importer's own profiler, and compares.
#include "import/self_check.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "import/emit_yaml.h"
#include "kernel/kernel.h"
#include "sim/simulation.h"
#include "trace/ftrace_format.h"

namespace preemptsim {

namespace {

class ProfileCollector : public FtraceEventSource {
 public:
  ProfileCollector(const Kernel& k, TraceProfiler& p) : FtraceEventSource(k), prof_(p) {}

 protected:
  void on_entry(FtraceEntry&& f) override {
    e_.t = f.t;
    e_.cpu = f.cpu;
    e_.pid = f.pid;
    e_.comm = std::move(f.comm);
    e_.name = std::move(f.event);
    e_.fields = std::move(f.fields);
    prof_.add(e_);
  }

 private:
  TraceProfiler& prof_;
  TraceEvent e_;
};

std::string pct(Time part, Time span) { return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part.count()) / static_cast<double>(span.count())); }

double pct_value(Time part, Time span) { return 100.0 * static_cast<double>(part.count()) / static_cast<double>(span.count()); }

}  // namespace

Time percentile(std::vector<Time> v, double q) {
  if (v.empty()) return Time();
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

TraceProfile simulate_profile(const Scenario& scenario, const std::string& model) {
  Scenario sc = scenario;
  sc.system.models = {model};
  TraceProfiler prof;
  std::vector<std::unique_ptr<ProfileCollector>> keep;
  const KernelHook hook = [&](Kernel& k, const PreemptModel&) {
    keep.push_back(std::make_unique<ProfileCollector>(k, prof));
    k.add_observer(keep.back().get());
  };
  simulate(sc, hook, false);
  return prof.finish(sc.system.cpus);
}

namespace {
const TaskProfile* by_comm(const TraceProfile& p, const std::string& comm) {
  for (const TaskProfile& x : p.tasks)
    if (x.comm == comm) return &x;
  return nullptr;
}
}  // namespace

IrqExitFit fit_irq_exit(const Scenario& sc, const std::string& model, const TraceProfile& trace, const std::map<int, std::string>& names) {
  IrqExitFit fit;
  const TaskProfile* best = nullptr;
  for (const TaskProfile& t : trace.tasks)
    if (names.count(t.pid) && t.latencies.size() >= 20 && (!best || t.latencies.size() > best->latencies.size())) best = &t;
  if (!best) return fit;
  const TraceProfile sim = simulate_profile(sc, model);
  const TaskProfile* s = by_comm(sim, names.at(best->pid));
  if (!s || s->latencies.size() < 20) return fit;
  const Time want = percentile(best->latencies, 0.1), got = percentile(s->latencies, 0.1);
  const Time was = sc.system.costs.irq_exit;
  if (std::llabs((want - got).count()) <= trace.resolution.count()) return fit;  // agrees within the trace clock's resolution
  fit.irq_exit = std::max(Time(), was + (want - got));
  fit.fitted = true;
  fit.note = fmt::format("fitted: {}'s 10th-percentile wakeup latency (sched_waking -> sched_switch) is {} in the trace and was {} with irq_exit {}",
                         names.at(best->pid), yaml_duration(want), yaml_duration(got), yaml_duration(was));
  return fit;
}

SelfCheck self_check(const Scenario& sc, const std::string& model, const TraceProfile& trace, const std::map<int, std::string>& names) {
  const TraceProfile sim = simulate_profile(sc, model);
  const Time tspan = std::max(trace.end - trace.start, Time::ns(1)), sspan = sc.system.duration;

  SelfCheck out;
  out.model = model;
  auto add = [&](std::string what, std::string t, std::string s, bool ok, bool checked) {
    out.rows.push_back(CheckRow{std::move(what), std::move(t), std::move(s), ok, checked});
    if (checked && !ok) ++out.failures;
  };
  for (const TaskProfile& t : trace.tasks) {
    auto n = names.find(t.pid);
    if (n == names.end()) continue;
    const TaskProfile* s = by_comm(sim, n->second);
    static const TaskProfile none;
    if (!s) s = &none;
    const double tu = pct_value(t.cpu_time, tspan), su = pct_value(s->cpu_time, sspan);
    if (t.latencies.size() < kMinSamplesP50 && tu < 1.0) continue;  // too little to compare: shown in the workload's comments
    add(n->second + " cpu", pct(t.cpu_time, tspan), pct(s->cpu_time, sspan), std::abs(tu - su) <= kUtilTolerancePoints, true);
    if (t.latencies.size() >= kMinSamplesP50) {
      add(n->second + " wakeups", std::to_string(t.latencies.size()), std::to_string(s->latencies.size()), true, false);
      for (double q : {0.5, 0.9}) {
        if (q == 0.9 && t.latencies.size() < kMinSamplesP90) continue;  // the p90 of a few dozen samples is one of the last few
        const Time a = percentile(t.latencies, q), b = percentile(s->latencies, q);
        const Time tol = std::max(kLatencyToleranceFloor, Time::ns(static_cast<std::int64_t>(static_cast<double>(a.count()) * kLatencyToleranceRatio)));
        add(fmt::format("{} latency p{:.0f}", n->second, q * 100), yaml_duration(a), yaml_duration(b), std::llabs((a - b).count()) <= tol.count(), true);
      }
      add(n->second + " latency max", yaml_duration(percentile(t.latencies, 1.0)), yaml_duration(percentile(s->latencies, 1.0)), true, false);
    }
  }
  for (std::size_t c = 0; c < trace.cpus.size() && c < sim.cpus.size(); ++c) {
    const CpuProfile &a = trace.cpus[c], &b = sim.cpus[c];
    add(fmt::format("cpu {} hardirq", c), pct(a.hardirq, tspan), pct(b.hardirq, sspan),
        std::abs(pct_value(a.hardirq, tspan) - pct_value(b.hardirq, sspan)) <= kUtilTolerancePoints, true);
    add(fmt::format("cpu {} softirq", c), pct(a.softirq, tspan), pct(b.softirq, sspan),
        std::abs(pct_value(a.softirq, tspan) - pct_value(b.softirq, sspan)) <= kUtilTolerancePoints, true);
  }
  return out;
}

std::string format_self_check(const SelfCheck& c) {
  std::string s = fmt::format("self-check: the imported workload under {} (the recorded model) against the trace\n", c.model);
  s += fmt::format("  {:<34} {:>14} {:>14}\n", "", "trace", "simulation");
  for (const CheckRow& r : c.rows)
    s += fmt::format("  {:<34} {:>14} {:>14}  {}\n", r.what, r.trace, r.sim, !r.checked ? "" : r.ok ? "ok" : "OUTSIDE TOLERANCE");
  s += c.failures == 0 ? "  all compared figures within tolerance (docs/import.md: utilisation +-5 points, latency p50/p90 +-50% or +-5us)\n"
                       : fmt::format("  {} figure(s) outside tolerance: trust the what-if less where they differ\n", c.failures);
  return s;
}

}  // namespace preemptsim
