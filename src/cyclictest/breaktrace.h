// cyclictest -b (breaktrace): the trace before the first latency over the
// limit and the explanation of that wakeup, from a second identical run.
#pragma once

#include <string>

#include "cyclictest/cyclictest.h"
#include "kernel/preempt_model.h"

namespace preemptsim {

struct BreakReport {
  std::string explanation;  // '#' lines: the break's parts (they add up to it) and why
  std::string trace;        // ftrace text from one interval before the expiry to the switch-in
};

// Runs `sc` under `model` again (same seed: the same run, event for event)
// with an ftrace window and the root-cause observer on the break sample that
// `first` recorded. Call only when first.break_hit().hit.
BreakReport explain_cyclictest_break(const Scenario& sc, const PreemptModel& model, const CyclictestObserver& first);

}  // namespace preemptsim
