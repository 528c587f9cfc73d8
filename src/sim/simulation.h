// Runs a scenario under one or several preemption models and collects the results.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernel/preempt_model.h"
#include "stats/results.h"
#include "workload/scenario.h"

namespace preemptsim {

class Kernel;
class Observer;

// Called with each model's kernel before it runs, to attach extra observers
// (traces, analyses). The observers must outlive the call to simulate().
using KernelHook = std::function<void(Kernel&, const PreemptModel&)>;

// With `explain`, the run also explains each task's worst wakeup
// (ModelResult::explanations), recorded as it goes (RootCauseObserver, live).
ModelResult simulate_model(const Scenario& scenario, const PreemptModel& model, const KernelHook& hook = {}, bool explain = false);

// How simulate() runs the models.
struct SimulateOptions {
  bool explain = true;  // explain the worst wakeups (recorded during the run)
  unsigned jobs = 1;    // models run at once on a thread pool (0 = every core)
  // Called with each model's kernel and its position in scenario.system.models
  // before it runs. With jobs != 1 it is called from several threads at once:
  // it must only touch state of its own model (index it by model_index).
  std::function<void(Kernel&, const PreemptModel&, std::size_t model_index)> hook;
};

// The models named in scenario.system.models, in that order. With `explain`,
// every task's worst wakeup is explained (ModelResult::explanations). The result is byte-for-byte the same whatever
// `jobs` is: each model's run is independent and lands in its own slot.
RunResult simulate(const Scenario& scenario, const SimulateOptions& options);
RunResult simulate(const Scenario& scenario, const KernelHook& hook = {}, bool explain = true);

}  // namespace preemptsim
