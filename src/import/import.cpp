// Reads a trace through the right reader, profiles it, says which events were
// missing, guesses the recorded model and writes the workload.
#include "import/import.h"

#include <fmt/format.h>

#include "import/read_dat.h"
#include "import/read_text.h"
#include "import/self_check.h"
#include "sim/run_options.h"
#include "workload/parse_yaml.h"

namespace preemptsim {

const std::vector<WantedEvent>& wanted_events() {
  static const std::vector<WantedEvent> v = {
      {"sched", "sched_switch", "who ran when: without it nothing can be imported"},
      {"sched", "sched_waking", "wakeup latencies and periods cannot be measured"},
      {"sched", "sched_wakeup", "(only checked: sched_waking carries the same information earlier)"},
      {"sched", "sched_wakeup_new", "new tasks start as if woken"},
      {"sched", "sched_migrate_task", "(affinity is inferred from where tasks ran)"},
      {"sched", "sched_process_fork", "(tasks start when first seen)"},
      {"sched", "sched_process_exit", "(tasks end when last seen)"},
      {"irq", "irq_handler_entry", "device interrupts are not modelled"},
      {"irq", "irq_handler_exit", "interrupt handler times are unknown"},
      {"irq", "softirq_raise", "softirqs cannot be tied to the interrupt that raised them"},
      {"irq", "softirq_entry", "softirq time is not modelled"},
      {"irq", "softirq_exit", "softirq time is not modelled"},
      {"irq_vectors", "local_timer_entry", "HZ is assumed (250) and timer IRQ time is not excluded from task time"},
      {"irq_vectors", "local_timer_exit", "timer IRQ time is not excluded from task time"},
      {"irq_vectors", "reschedule_entry", "(reschedule IPIs are the simulator's own)"},
      {"irq_vectors", "reschedule_exit", "(reschedule IPIs are the simulator's own)"},
      {"irq_vectors", "call_function_entry", "function-call IPI time is counted as task time"},
      {"irq_vectors", "call_function_exit", "function-call IPI time is counted as task time"},
      {"irq_vectors", "call_function_single_entry", "function-call IPI time is counted as task time"},
      {"irq_vectors", "call_function_single_exit", "function-call IPI time is counted as task time"},
      {"timer", "hrtimer_start", "(periods come from wakeup intervals)"},
      {"timer", "hrtimer_expire_entry", "timer wakeups cannot be told from other wakeups"},
      {"timer", "hrtimer_expire_exit", "timer wakeups cannot be told from other wakeups"},
      {"raw_syscalls", "sys_enter", "user and kernel time cannot be told apart: all task time is written as user time"},
      {"raw_syscalls", "sys_exit", "user and kernel time cannot be told apart: all task time is written as user time"},
      {"preemptirq", "preempt_disable", "non-preemptible sections are inferred from preemptions, not measured (needs CONFIG_PREEMPTIRQ_TRACEPOINTS)"},
      {"preemptirq", "preempt_enable", "non-preemptible sections are inferred, not measured"},
      {"preemptirq", "irq_disable", "IRQs-off sections are not measured (needs CONFIG_PREEMPTIRQ_TRACEPOINTS)"},
      {"preemptirq", "irq_enable", "IRQs-off sections are not measured"},
  };
  return v;
}

std::string trace_cmd_record_line() {
  std::string s = "trace-cmd record -b 20000";
  for (const WantedEvent& e : wanted_events()) s += fmt::format(" -e {}:{}", e.system, e.name);
  return s + " -- YOUR_WORKLOAD";
}

ImportResult import_trace(const std::string& path, const ImportOptions& o) {
  ImportResult r;
  TraceProfiler prof;
  int ncpus = 0;
  if (is_trace_dat(path)) {
    r.format = "trace.dat, read with libtracecmd";
    ncpus = read_trace_dat(path, [&](const TraceEvent& e) { prof.add(e); }).ncpus;
  } else {
    r.format = "ftrace text";
    const TextTraceInfo info = read_text_trace(path, [&](const TraceEvent& e) { prof.add(e); });
    ncpus = info.ncpus;
    if (!info.tracer.empty() && info.tracer != "nop")
      r.warnings.push_back(fmt::format("the trace was written by the '{}' tracer: only its events are read, its own output is not", info.tracer));
  }
  r.profile = prof.finish(ncpus);
  const TraceProfile& p = r.profile;
  if (!p.events.count("sched_switch")) throw_workload_error(SourceLoc{path, 0, 0}, "no sched_switch events: record at least sched:sched_switch and sched:sched_waking");
  for (const WantedEvent& e : wanted_events())
    if (!p.events.count(e.name) && e.without[0] != '(') r.warnings.push_back(fmt::format("no {}:{} events: {}", e.system, e.name, e.without));
  for (const char* t : {"timerlat", "osnoise", "timerlat_sample", "osnoise_sample", "sample_threshold"})
    if (p.events.count(t)) r.warnings.push_back(fmt::format("{} tracer events are present but not used (their samples are not imported)", t));
  // The recorded model: given, or guessed from the threads a PREEMPT_RT kernel has.
  if (!o.model.empty()) {
    r.model = std::string(parse_model_list(o.model, SourceLoc{"command line (--model)", 0, 0}).front());
    r.model_reason = "given with --model";
  } else {
    bool rt = false;
    for (const TaskProfile& t : p.tasks)
      if (t.comm.rfind("ktimers/", 0) == 0 || (t.comm.rfind("irq/", 0) == 0 && t.comm.find("-s-") == std::string::npos)) rt = true;
    r.model = rt ? "rt" : "voluntary";
    r.model_reason = rt ? "guessed: the trace has ktimers/ or irq/ threads, as a PREEMPT_RT kernel does (use --model to say)"
                        : "guessed: no PREEMPT_RT threads in the trace, and PREEMPT_DYNAMIC kernels such as Debian's boot as voluntary (use --model to say)";
  }
  EmitOptions eo;
  eo.exact = o.exact;
  eo.source = path;
  eo.format = r.format;
  eo.recorded_model = r.model;
  eo.stem = o.stem;
  // Fit costs.irq_exit on a fitted version of the workload (it needs no side files), then write the real one.
  {
    EmitOptions fo = eo;
    fo.exact = false;
    const Scenario sc = parse_workload(emit_workload(p, fo).yaml, "imported.yaml");
    const IrqExitFit fit = fit_irq_exit(sc, r.model, p, emit_workload(p, fo).task_names);
    if (fit.fitted) {
      eo.irq_exit = fit.irq_exit;
      eo.irq_exit_note = fit.note;
    }
  }
  r.workload = emit_workload(p, eo);
  for (const std::string& w : r.workload.warnings) r.warnings.push_back(w);
  return r;
}

}  // namespace preemptsim
