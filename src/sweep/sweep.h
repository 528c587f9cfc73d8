// Parameter sweeps: one base workload, a grid of models x seeds x workload
// values set by path, each point an ordinary simulate() call; results
// merged across seeds through the histogram's own merge.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "stats/latency_histogram.h"

namespace preemptsim {

// One axis of the grid: a workload value addressed by a dotted path
// ("irqs.eth0.arrival.poisson.rate"; a number indexes a list).
struct SweepAxis {
  std::string path;
  std::vector<std::string> values;  // as YAML text, in the spec's order
  std::vector<SourceLoc> locs;      // where each value is in the spec
};

struct SweepSpec {
  std::string file;                 // the spec file as given
  std::string workload;             // the base workload's path (resolved against the spec's directory)
  std::string workload_text;        // its text
  std::vector<std::string> models;  // empty: the workload's own
  std::vector<std::uint64_t> seeds;
  std::string duration;             // empty: the workload's own
  std::string task;                 // empty: every task with wakeups
  std::vector<SweepAxis> axes;      // the grid: every combination, first axis outermost
  std::string output;               // directory for the runs and the summaries
};

// Reads a spec; errors are WorkloadErrors at the spec's file:line:col.
SweepSpec load_sweep_spec(const std::string& path);

// One grid point: one value per axis.
struct SweepPoint {
  std::vector<std::size_t> index;  // per axis, the value's position
  std::string label;               // "path=value, path=value"
};
std::vector<SweepPoint> sweep_points(const SweepSpec& spec);

// The figures of one model at one point, over every seed.
struct SweepCell {
  std::string model;
  LatencyHistogram latency;            // wakeup latency, merged over tasks and seeds
  std::vector<std::int64_t> seed_worst; // per seed (spec order), the worst wakeup latency in ns (-1: no wakeup)
  std::uint64_t events = 0;
};

struct SweepResult {
  std::vector<SweepPoint> points;
  std::vector<std::vector<SweepCell>> cells;  // [point][model]
  std::size_t runs_done = 0, runs_reused = 0; // this invocation vs found on disk
};

// Which (point, seed) runs this process performs: all of them locally; under
// MPI, every size-th from `rank`. `gather` then brings every run's stored
// text to rank 0 (identity locally).
struct SweepRanks {
  int rank = 0, size = 1;
  std::function<std::vector<std::string>(const std::vector<std::string>& mine, std::size_t total)> gather;
};

// Runs the sweep: every (point, seed) not already stored under
// spec.output/runs/ (a run is stored when it ends, so a stopped sweep
// continues where it stopped), `jobs` at a time, then merges. On ranks
// other than 0 the result has no cells.
SweepResult run_sweep(const SweepSpec& spec, unsigned jobs, const SweepRanks& ranks = {});

// The summary as CSV, JSON and a text table (src/report/sweep_report.cpp
// draws the HTML page).
std::string sweep_csv(const SweepSpec& spec, const SweepResult& r);
std::string sweep_json(const SweepSpec& spec, const SweepResult& r);
std::string sweep_table(const SweepSpec& spec, const SweepResult& r);

}  // namespace preemptsim
