// The bounds on what a workload may ask for (file sizes, alias expansion, tasks, steps), in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "workload/scenario.h"

namespace preemptsim {

// Each limit keeps a hostile or mistaken input from exhausting memory or time
// before the simulation starts; each is far above what a real workload uses
// (docs/limits.md lists them with the reason for each).
struct InputLimits {
  static constexpr std::size_t kMaxFileBytes = 16u << 20;          // a workload, an rt-app use case, a timestamps file
  static constexpr std::uint64_t kMaxExpandedNodes = 1'000'000;     // YAML nodes after expanding every alias
  static constexpr std::size_t kMaxTasks = 200'000;                 // tasks, after rt-app instances
  static constexpr std::size_t kMaxStepsPerTask = 100'000;          // steps of one program, loop bodies included
  static constexpr std::size_t kMaxStepsTotal = 2'000'000;          // steps of all programs together
  static constexpr std::size_t kMaxWorkersPerPool = 16;             // kworkers made per worker pool (workqueue.cpp)
};

// Reads the whole of `path`, which must be a regular file (or a pipe: not a
// device, not a directory) of at most kMaxFileBytes. `what` names it in
// messages ("the workload file"); errors are WorkloadErrors at `at`, a read
// error reported as one ("Input/output error"), never as an empty file.
std::string read_input_file(const std::string& path, const std::string& what, const SourceLoc& at);

// Steps in `steps`, nested loop and syscall bodies included.
std::size_t count_steps(const std::vector<Step>& steps);

// Throws a WorkloadError at the first task over kMaxStepsPerTask, or when the
// tasks or all their steps together exceed kMaxTasks / kMaxStepsTotal.
void check_scenario_limits(const Scenario& sc);

}  // namespace preemptsim
