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

ModelResult simulate_model(const Scenario& scenario, const PreemptModel& model, const KernelHook& hook = {});

// The models named in scenario.system.models, in that order. With `explain`,
// each model runs a second time to explain every task's worst wakeup
// (ModelResult::explanations).
RunResult simulate(const Scenario& scenario, const KernelHook& hook = {}, bool explain = true);

}  // namespace preemptsim
