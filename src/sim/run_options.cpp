// Run options the front ends share (model lists, seeds, per-model file names).
#include "sim/run_options.h"

#include <fmt/format.h>

#include <sstream>

#include "kernel/preempt_model.h"
#include "kernel/task.h"

namespace preemptsim {

std::vector<std::string> parse_model_list(const std::string& text, const SourceLoc& where) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string m; std::getline(ss, m, ',');) {
    if (m.empty()) continue;
    if (!find_preempt_model(m)) throw_workload_error(where, fmt::format("--model: unknown model '{}' (models: {})", m, preempt_model_names()));
    out.push_back(m);
  }
  if (out.empty()) throw_workload_error(where, "--model: no model named");
  return out;
}

std::uint64_t parse_seed(const std::string& text, const SourceLoc& where, const char* what) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || text[0] == '-')
    throw_workload_error(where, fmt::format("{}: '{}' is not a non-negative integer", what, text));
  return v;
}

std::string model_file(const std::string& path, const std::string& model, std::size_t nmodels) {
  if (nmodels <= 1) return path;
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  const std::size_t base = slash == std::string::npos ? 0 : slash + 1;
  if (dot == std::string::npos || dot < base || dot == base) return path + "." + model;
  return path.substr(0, dot) + "." + model + path.substr(dot);
}

void set_cpus(Scenario& sc, const std::string& text, const SourceLoc& where) {
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || n < 1 || n > MAX_CPUS)
    throw_workload_error(where, fmt::format("--cpus: '{}' is not a CPU count from 1 to {}", text, MAX_CPUS));
  const int cpus = static_cast<int>(n);
  for (const TaskSpec& t : sc.tasks)
    for (int c : t.cpus)
      if (c >= cpus) throw_workload_error(where, fmt::format("--cpus {}: task '{}' is pinned to CPU {}", cpus, t.name, c));
  for (const IrqSpec& i : sc.irqs)
    if (i.cpu >= cpus) throw_workload_error(where, fmt::format("--cpus {}: interrupt line '{}' is routed to CPU {}", cpus, i.name, i.cpu));
  sc.system.cpus = cpus;
}

std::vector<std::string> loops_ending_before(const Scenario& sc, Time duration) {
  std::vector<std::string> notes;
  for (const TaskSpec& t : sc.tasks)
    for (const Step& st : t.program)
      if (st.kind == StepKind::Loop && st.count < 0 && st.until < duration)
        notes.push_back(fmt::format("{}: note: task '{}': this loop stops at {}, before the end of the run ({}); write "
                                    "'until: end' to loop for the whole run",
                                    st.loc.str(), t.name, format_time(st.until), format_time(duration)));
  return notes;
}

}  // namespace preemptsim
