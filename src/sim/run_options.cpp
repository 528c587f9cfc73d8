// Run options the front ends share (model lists, seeds, per-model file names).
#include "sim/run_options.h"

#include <fmt/format.h>

#include <sstream>

#include "kernel/preempt_model.h"

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

std::uint64_t parse_seed(const std::string& text, const SourceLoc& where) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || text[0] == '-')
    throw_workload_error(where, fmt::format("--seed: '{}' is not a non-negative integer", text));
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

}  // namespace preemptsim
