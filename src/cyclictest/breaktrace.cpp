// cyclictest -b: what the real tool leaves in the kernel's trace buffer when
// it stops tracing at the break (the events before it), and the simulator's
// explanation of the breaking wakeup.
#include "cyclictest/breaktrace.h"

#include <fmt/format.h>

#include "analysis/root_cause.h"
#include "kernel/kernel.h"
#include "report/table.h"
#include "trace/ftrace_format.h"

namespace preemptsim {

BreakReport explain_cyclictest_break(const Scenario& sc, const PreemptModel& model, const CyclictestObserver& first) {
  const CyclictestObserver::Break& b = first.break_hit();
  const CyclictestObserver::Thread& th = first.threads()[b.thread];
  // The trace keeps one interval before the missed expiry, up to the switch-in.
  const Time interval = Time::ns(th.interval_us * 1000);
  const Time from = b.expiry > interval ? b.expiry - interval : Time();
  Kernel k(sc, model);
  FtraceWriter trace(k, from, b.at);
  RootCauseObserver why(k, model, {WorstWindow{th.pid, th.name, b.expiry, b.at, b.cpu}});
  k.add_observer(&trace);
  k.add_observer(&why);
  k.run();

  BreakReport r;
  r.trace = trace.text();
  r.explanation = fmt::format("# Break: {} woke {} after its expiry at {} (CPU {})\n", th.name, format_time(b.at - b.expiry),
                              format_time(b.expiry), b.cpu);
  for (const WorstCaseExplanation& e : why.explanations()) {
    for (const auto& [what, d] : e.parts) r.explanation += fmt::format("#   {:>14}  {}\n", format_time_short(d), what);
    r.explanation += fmt::format("# Why: {}\n", e.why);
  }
  return r;
}

}  // namespace preemptsim
