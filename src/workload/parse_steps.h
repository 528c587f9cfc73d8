// Task programs: step syntax, the user/kernel context rule and the static balance of disable/enable pairs.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "workload/scenario.h"
#include "workload/yaml_reader.h"

namespace preemptsim::workload_detail {

// Reads a task's `program:` list (a Field whose value should be a list).
// A kthread's program is in kernel context and must end balanced; a user
// task's program is in user context and each syscall's kernel list must be
// balanced. `task` and `task_loc` name the task for the kthread end check.
// `locks` collects every lock name with its kind and first use, across tasks.
using LockKinds = std::map<std::string, std::pair<LockKind, SourceLoc>>;
// The sync objects seen so far: name -> the spec (declared, or made at first
// use), and the tasks that use each barrier.
struct SyncTable {
  std::map<std::string, SyncSpec> specs;
  std::map<std::string, bool> declared;
  std::map<std::string, std::vector<std::string>> barrier_users;
};
std::vector<Step> parse_program(const Reader& r, const Field& program, bool kthread, const std::string& task,
                                const SourceLoc& task_loc, LockKinds& locks, SyncTable& syncs);

}  // namespace preemptsim::workload_detail
