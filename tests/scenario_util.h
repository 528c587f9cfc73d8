// Helpers for scenario tests: load an example or inline workload, run one
// model, find a task's results, and explain expectations in failure output.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "kernel/kernel.h"
#include "kernel/observer.h"
#include "kernel/preempt_model.h"
#include "kernel/task.h"
#include "sim/simulation.h"
#include "stats/results.h"
#include "workload/parse_yaml.h"
#include "workload/scenario.h"

namespace preemptsim::testing {

// The worst-case explanation of `task` in a model's result (a test failure if none).
inline const WorstCaseExplanation& explanation(const ModelResult& r, const std::string& task) {
  for (const WorstCaseExplanation& e : r.explanations)
    if (e.task == task) return e;
  ADD_FAILURE() << "no explanation for " << task << " under " << r.model;
  static WorstCaseExplanation none;
  return none;
}

// The sum of an explanation's parts (it must equal the latency).
inline Time sum(const WorstCaseExplanation& e) {
  Time s;
  for (const auto& [what, d] : e.parts) s += d;
  return s;
}

inline std::string source_path(const std::string& rel) { return std::string(PREEMPTSIM_SOURCE_DIR) + "/" + rel; }

inline Scenario load_example(const std::string& name) { return load_workload(source_path("examples/" + name)); }

inline ModelResult run_model(const Scenario& sc, const std::string& model) {
  const PreemptModel* m = find_preempt_model(model);
  EXPECT_NE(m, nullptr) << model;
  return simulate_model(sc, *m);
}

inline const TaskResult& task(const ModelResult& r, const std::string& name) {
  for (const TaskResult& t : r.tasks)
    if (t.name == name) return t;
  ADD_FAILURE() << "no task " << name;
  static TaskResult none;
  return none;
}

// The i-th time (from 0) the task reached mark `name`; a task keeps the
// first kKeptMarkTimes of each mark (and its count, last time and gaps).
inline Time mark(const TaskResult& t, const std::string& name, std::size_t i = 0) {
  auto it = t.marks.find(name);
  if (it == t.marks.end() || it->second.times.size() <= i) {
    ADD_FAILURE() << "task " << t.name << " has no mark " << name << "[" << i << "] (the first " << kKeptMarkTimes << " are kept)";
    return Time();
  }
  return it->second.times[i];
}

// Every time each task reached each mark (the results keep only counts and
// gaps): for tests that compare the n-th occurrence of a mark.
struct MarkLog final : Observer {
  std::map<std::string, std::map<std::string, std::vector<Time>>> at;  // task -> mark -> times
  void on_mark(Time t, const Task& p, const std::string& name) override { at[p.comm][name].push_back(t); }
  Time operator()(const std::string& task, const std::string& name, std::size_t i) const {
    auto ti = at.find(task);
    if (ti == at.end() || !ti->second.count(name) || ti->second.at(name).size() <= i) {
      ADD_FAILURE() << "task " << task << " did not reach mark " << name << " " << i + 1 << " times";
      return Time();
    }
    return ti->second.at(name)[i];
  }
};

inline ModelResult run_model(const Scenario& sc, const std::string& model, MarkLog& log) {
  const PreemptModel* m = find_preempt_model(model);
  EXPECT_NE(m, nullptr) << model;
  return simulate_model(sc, *m, [&log](Kernel& k, const PreemptModel&) { k.add_observer(&log); });
}

// From a temporary result (task(run_model(...), "hi")), a copy: a reference
// into the temporary would dangle at the end of the full expression.
inline TaskResult task(ModelResult&& r, const std::string& name) { return task(static_cast<const ModelResult&>(r), name); }

// "expected <what> = <formula> = <value>; actual <value>"
inline std::string explain(const std::string& what, const std::string& formula, Time expected, Time actual) {
  return "expected " + what + " = " + formula + " = " + format_time(expected) + "; actual " + format_time(actual);
}

}  // namespace preemptsim::testing
