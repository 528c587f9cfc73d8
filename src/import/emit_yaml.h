// Writes a trace profile as an ordinary preemptsim workload (YAML text), each
// figure with a comment saying where in the trace it came from.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "import/trace_profile.h"

namespace preemptsim {

struct EmitOptions {
  bool exact = false;       // replay the recorded timeline instead of fitted distributions
  std::string source;       // the trace file, for the header comment
  std::string format;       // "trace.dat (libtracecmd)" or "ftrace text"
  std::string recorded_model;
  Time irq_exit = Time::max();  // fitted costs.irq_exit (Time::max(): not fitted, the default)
  std::string irq_exit_note;
  std::string stem;         // --exact: interrupt timestamps go to STEM.LINE.timestamps beside the workload
};

struct EmittedWorkload {
  std::string yaml;
  std::map<int, std::string> task_names;  // pid -> task name in the workload
  std::vector<std::string> warnings;      // what the trace lacked or what was inferred
  std::vector<std::pair<std::string, std::string>> files;  // --exact: (file name relative to the workload, text)
};

EmittedWorkload emit_workload(const TraceProfile& p, const EmitOptions& o);

// "12.345us", "4ms", "1.5s": the shortest exact form the workload parser reads.
std::string yaml_duration(Time t);
// Durations as a workload distribution: a fixed value when all are equal,
// else {histogram: [[V, W], ...]} with at most `buckets` equal-count buckets
// (each the mean of its samples) plus the maximum as its own bucket.
std::string yaml_histogram(std::vector<Time> samples, int buckets = 10);

}  // namespace preemptsim
