// One Kernel per model, a statistics observer on each, results gathered in
// workload order. Nothing is shared between models, so runs are independent.
#include "sim/simulation.h"

#include <optional>

#include <fmt/format.h>

#include "analysis/root_cause.h"
#include "kernel/kernel.h"
#include "kernel/noise.h"
#include "sim/parallel.h"
#include "stats/response_time.h"
#include "stats/task_stats.h"

namespace preemptsim {

namespace {
// "3ms", "250us", "1500ns": a deadline task's parameters as written.
std::string short_time(Time t) {
  const std::int64_t ns = t.count();
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  if (ns % 1'000 == 0) return fmt::format("{}us", ns / 1'000);
  return fmt::format("{}ns", ns);
}
}  // namespace

ModelResult simulate_model(const Scenario& scenario, const PreemptModel& model, const KernelHook& hook, bool explain) {
  Kernel kernel(scenario, model);
  const int first_pid = kernel.tasks().empty() ? 0 : kernel.tasks().front()->pid;
  TaskStatsObserver stats(scenario.tasks.size(), first_pid);
  kernel.add_observer(&stats);
  ResponseTimeObserver response(kernel, scenario.tasks.size(), first_pid);
  kernel.add_observer(&response);
  std::optional<RootCauseObserver> why;
  if (explain) kernel.add_observer(&why.emplace(kernel, model, first_pid, scenario.tasks.size()));
  if (hook) hook(kernel, model);
  kernel.run();
  stats.finish(kernel.now());

  ModelResult r;
  r.model = std::string(model.name);
  r.events = kernel.events_processed();
  for (std::size_t i = 0; i < scenario.tasks.size(); ++i) {
    const Task& t = *kernel.tasks()[i];
    TaskResult tr = std::move(stats.tasks()[i]);
    tr.name = t.comm;
    tr.sched = (t.policy == Policy::Fifo || t.policy == Policy::Rr)
                   ? fmt::format("{} {}", policy_kernel_name(t.policy), t.rt_priority)
               : t.policy == Policy::Deadline
                   ? fmt::format("SCHED_DEADLINE {}/{}/{}", short_time(t.dl.dl_runtime), short_time(t.dl.dl_deadline),
                                 short_time(t.dl.dl_period))
                   : fmt::format("{} nice {}", policy_kernel_name(t.policy), t.nice);
    tr.dl_throttled = t.dl.nr_throttled;
    tr.dl_overruns = t.dl.nr_overruns;
    tr.cpu_time = t.sum_exec_runtime;
    tr.nvcsw = t.nvcsw;
    tr.nivcsw = t.nivcsw;
    tr.migrations = t.nr_migrations;
    tr.loops = t.loops_done;
    tr.work = t.work_done;
    // its rate is what matters: marked so, or a batch task, or one that never blocked (no voluntary switch)
    const TaskSpec& spec = scenario.tasks[i];
    tr.throughput = spec.throughput ? *spec.throughput : (spec.policy == Policy::Batch || t.nvcsw == 0);
    r.tasks.push_back(std::move(tr));
  }
  response.fill(r.tasks);
  for (const Rq& rq : kernel.rqs()) {
    CpuResult c;
    c.cpu = rq.cpu;
    c.user = rq.time[static_cast<std::size_t>(CpuTime::User)];
    c.kernel = rq.time[static_cast<std::size_t>(CpuTime::Kernel)];
    c.hardirq = rq.time[static_cast<std::size_t>(CpuTime::HardIrq)];
    c.softirq = rq.time[static_cast<std::size_t>(CpuTime::Softirq)];
    c.irqthread = rq.time[static_cast<std::size_t>(CpuTime::IrqThread)];
    c.softirqs = rq.nr_softirq_runs;
    c.ipis = rq.nr_ipis;
    c.sched = rq.time[static_cast<std::size_t>(CpuTime::Sched)];
    c.idle = rq.time[static_cast<std::size_t>(CpuTime::Idle)];
    c.irqs = rq.nr_irqs;
    c.switches = rq.nr_switches;
    if (const MachineState* m = kernel.machine()) {
      if (m->idle.enabled()) {
        const auto names = m->idle.state_names();
        for (std::size_t i = 0; i < names.size(); ++i) {
          const IdleStateUsage& u = m->idle.usage(rq.cpu)[i];
          const Time lat = m->spec.cpuidle.idle_poll ? Time() : m->spec.cpuidle.states[i].exit_latency;
          c.idle_states.push_back(CpuResult::IdleState{names[i], lat, u.usage, u.time});
        }
      }
      c.smis = m->smi.count(rq.cpu);
      c.smi_stolen = m->smi.stolen(rq.cpu);
    }
    r.cpus.push_back(c);
  }
  r.bugs = std::move(stats.bugs());
  r.bugs_total = stats.bugs_total();
  if (why) r.explanations = live_explanations(scenario, model, *why);
  for (const KLock& l : kernel.locks()) {  // name order
    LockResult lr;
    if (auto it = stats.locks().find(l.name); it != stats.locks().end()) lr = it->second;
    lr.name = l.name;
    lr.kind = lock_kind_name(l.kind);
    if (l.user) lr.kind += l.user->protocol == MutexProtocol::Inherit ? " (inherit)" : l.user->protocol == MutexProtocol::Protect ? " (protect)" : " (none)";
    r.locks.push_back(lr);
  }
  if (auto it = stats.locks().find("softirq_ctrl.lock"); it != stats.locks().end() && !kernel.bh_locks().empty()) {
    LockResult lr = it->second;
    lr.kind = "local_lock_t (PREEMPT_RT BH lock, per CPU)";
    r.locks.push_back(lr);
  }
  if (kernel.stopped()) r.stopped_at = kernel.stopped_at();
  for (const IrqSource& src : kernel.irqs()) r.irq_counts[src.spec->name] = src.count;
  for (const IrqSource& src : kernel.irqs())
    if (!src.spec->nmi)
      r.device_work[src.spec->name] = ModelResult::DeviceWork{src.work.arrivals, src.work.handler_arrived, src.work.softirq_arrived,
                                                              src.work.handler_done, src.work.softirq_done};
  return r;
}

RunResult simulate(const Scenario& scenario, const SimulateOptions& options) {
  RunResult run;
  run.workload = scenario.file;
  run.seed = scenario.system.seed;
  run.duration = scenario.system.duration;
  run.cpus = scenario.system.cpus;
  run.hz = scenario.system.hz;
  std::vector<const PreemptModel*> models;
  for (const std::string& name : scenario.system.models) {
    const PreemptModel* m = find_preempt_model(name);
    if (!m) throw WorkloadError(SourceLoc{scenario.file, 0, 0}, fmt::format("unknown model '{}' (models: {})", name, preempt_model_names()));
    models.push_back(m);
  }
  run.results.resize(models.size());
  run_jobs(models.size(), options.jobs, [&](std::size_t i) {
    KernelHook hook;
    if (options.hook) hook = [&](Kernel& k, const PreemptModel& m) { options.hook(k, m, i); };
    ModelResult& r = run.results[i];
    r = simulate_model(scenario, *models[i], hook, options.explain);
  });
  return run;
}

RunResult simulate(const Scenario& scenario, const KernelHook& hook, bool explain) {
  SimulateOptions o;
  o.explain = explain;
  if (hook) o.hook = [&hook](Kernel& k, const PreemptModel& m, std::size_t) { hook(k, m); };
  return simulate(scenario, o);
}

}  // namespace preemptsim
