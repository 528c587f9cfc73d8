// The sweep spec (YAML): the base workload, models, seeds and the grid.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "kernel/preempt_model.h"
#include "sim/run_options.h"
#include "sweep/sweep.h"

namespace preemptsim {

namespace {

SourceLoc loc_of(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return SourceLoc{file, m.line + 1, m.column + 1};
}

std::string read_text(const std::string& path, const SourceLoc& from) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw_workload_error(from, fmt::format("'{}' is not a readable file", path));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) throw_workload_error(from, fmt::format("cannot read '{}'", path));
  return s.str();
}

std::string scalar(const std::string& file, const YAML::Node& n, const char* what) {
  if (!n.IsScalar()) throw_workload_error(loc_of(file, n), fmt::format("{} must be a single value", what));
  return n.Scalar();
}

std::uint64_t seed_of(const std::string& file, const YAML::Node& n) {
  return parse_seed(scalar(file, n, "a seed"), loc_of(file, n), "seed");
}

}  // namespace

SweepSpec load_sweep_spec(const std::string& path) {
  SweepSpec spec;
  spec.file = path;
  const std::string text = read_text(path, SourceLoc{path});
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw_workload_error(SourceLoc{path, e.mark.line + 1, e.mark.column + 1}, "cannot read the sweep spec: " + e.msg);
  }
  if (!root.IsMap()) throw_workload_error(SourceLoc{path, 1, 1}, "a sweep spec is a map (workload:, grid:, ...)");
  static const std::set<std::string> kKeys = {"workload", "models", "seeds", "duration", "task", "grid", "output"};
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!kKeys.count(key))
      throw_workload_error(loc_of(path, kv.first), fmt::format("unknown key '{}' (keys: workload, models, seeds, duration, task, grid, output)", key));
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  auto relative = [&](const std::string& p) { return std::filesystem::path(p).is_absolute() ? p : (dir / p).lexically_normal().string(); };

  if (!root["workload"]) throw_workload_error(SourceLoc{path, 1, 1}, "workload: missing (the base workload file)");
  spec.workload = relative(scalar(path, root["workload"], "workload"));
  spec.workload_text = read_text(spec.workload, loc_of(path, root["workload"]));

  if (const YAML::Node m = root["models"]) {
    if (!m.IsSequence() || m.size() == 0) throw_workload_error(loc_of(path, m), "models: a non-empty list of model names");
    for (const YAML::Node& x : m) {
      const std::string name = scalar(path, x, "a model");
      if (!find_preempt_model(name)) throw_workload_error(loc_of(path, x), fmt::format("unknown model '{}' (models: {})", name, preempt_model_names()));
      spec.models.push_back(name);
    }
  }
  if (const YAML::Node s = root["seeds"]) {
    if (s.IsSequence()) {
      for (const YAML::Node& x : s) spec.seeds.push_back(seed_of(path, x));
      if (spec.seeds.empty()) throw_workload_error(loc_of(path, s), "seeds: an empty list");
    } else {
      const std::uint64_t n = seed_of(path, s);  // N: seeds 1..N
      if (n == 0 || n > 100000) throw_workload_error(loc_of(path, s), "seeds: a count from 1 to 100000, or a list of seeds");
      for (std::uint64_t i = 1; i <= n; ++i) spec.seeds.push_back(i);
    }
  } else {
    spec.seeds.push_back(1);
  }
  if (const YAML::Node d = root["duration"]) spec.duration = scalar(path, d, "duration");
  if (const YAML::Node t = root["task"]) spec.task = scalar(path, t, "task");
  const YAML::Node grid = root["grid"];
  if (!grid || !grid.IsMap() || grid.size() == 0)
    throw_workload_error(grid ? loc_of(path, grid) : SourceLoc{path, 1, 1}, "grid: a map of workload paths to lists of values (e.g. irqs.eth0.arrival.poisson.rate: [2000, 8000])");
  std::size_t points = 1;
  for (const auto& kv : grid) {
    SweepAxis a;
    a.path = kv.first.as<std::string>();
    if (!kv.second.IsSequence() || kv.second.size() == 0) throw_workload_error(loc_of(path, kv.second), fmt::format("grid.{}: a non-empty list of values", a.path));
    for (const YAML::Node& v : kv.second) {
      YAML::Emitter e;
      e << YAML::Flow << v;
      a.values.push_back(e.c_str());
      a.locs.push_back(loc_of(path, v));
    }
    points *= a.values.size();
    if (points * spec.seeds.size() > 1000000) throw_workload_error(loc_of(path, kv.first), "the grid has more than 1,000,000 runs");
    spec.axes.push_back(std::move(a));
  }
  if (const YAML::Node o = root["output"])
    spec.output = relative(scalar(path, o, "output"));
  else
    spec.output = (std::filesystem::path(path).replace_extension("").string()) + ".sweep";
  return spec;
}

std::vector<SweepPoint> sweep_points(const SweepSpec& spec) {
  std::vector<SweepPoint> out;
  std::vector<std::size_t> idx(spec.axes.size(), 0);
  while (true) {
    SweepPoint p;
    p.index = idx;
    for (std::size_t a = 0; a < spec.axes.size(); ++a)
      p.label += fmt::format("{}{}={}", a ? ", " : "", spec.axes[a].path, spec.axes[a].values[idx[a]]);
    out.push_back(std::move(p));
    // next combination: the last axis varies fastest
    std::size_t a = spec.axes.size();
    while (a > 0) {
      --a;
      if (++idx[a] < spec.axes[a].values.size()) break;
      idx[a] = 0;
      if (a == 0) return out;
    }
    if (spec.axes.empty()) return out;
  }
}

}  // namespace preemptsim
