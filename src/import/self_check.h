// The self-check: run an imported workload under the model the trace was
// recorded on, profile the simulated kernel's own trace events exactly as the
// recording was profiled, and compare the two side by side.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "import/trace_profile.h"
#include "workload/scenario.h"

namespace preemptsim {

// The tolerances (docs/import.md says why these).
constexpr double kUtilTolerancePoints = 5.0;   // CPU utilisation per task, and IRQ/softirq share per CPU: percentage points
constexpr double kLatencyToleranceRatio = 0.5; // wakeup latency p50 and p90: within 50% of the trace's ...
constexpr std::size_t kMinSamplesP50 = 20;     // latency percentiles are compared only for tasks with this many wakeups in the trace
constexpr std::size_t kMinSamplesP90 = 100;
constexpr Time kLatencyToleranceFloor = Time::ns(5'000);  // ... or within 5 us, whichever is larger

struct CheckRow {
  std::string what;            // "cyclictest p50 latency"
  std::string trace, sim;      // as printed
  bool ok = true;
  bool checked = true;         // false: shown, not judged (max, counts)
};

struct SelfCheck {
  std::string model;
  std::vector<CheckRow> rows;
  int failures = 0;
};

// Runs the workload under `model` and profiles the simulated kernel's trace events.
TraceProfile simulate_profile(const Scenario& sc, const std::string& model);

// costs.irq_exit fitted so that the simulated best-case wakeup (10th
// percentile of sched_waking -> sched_switch of the task with the most
// wakeups) equals the recorded one: that stretch is the end of the timer
// interrupt (irq_exit) in the simulated kernel. fitted == false when no task
// has 20 wakeups.
struct IrqExitFit {
  bool fitted = false;
  Time irq_exit;
  std::string note;
};
IrqExitFit fit_irq_exit(const Scenario& sc, const std::string& model, const TraceProfile& trace, const std::map<int, std::string>& names);

// `names`: trace pid -> the task's name in the workload (and so in the simulation).
SelfCheck self_check(const Scenario& sc, const std::string& model, const TraceProfile& trace, const std::map<int, std::string>& names);
std::string format_self_check(const SelfCheck& c);

// Percentile q (0..1) of samples (nearest rank); 0 when empty.
Time percentile(std::vector<Time> v, double q);

}  // namespace preemptsim
