// Running a sweep: each (grid point, seed) is one simulate() call whose
// figures are stored as a small JSON file; the summaries merge the stored
// histograms. The sweep owns no kernel logic.
#include "sweep/sweep.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "report/output_file.h"
#include "sim/parallel.h"
#include "sim/simulation.h"
#include "workload/duration.h"
#include "workload/parse_yaml.h"

namespace preemptsim {

namespace {

using nlohmann::ordered_json;

// FNV-1a, 64 bits: names a run's inputs so that a stored run is reused only
// for exactly the same workload text, seed and models.
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The base workload with one point's values set by path.
std::string point_workload(const SweepSpec& spec, const SweepPoint& p) {
  YAML::Node root;
  try {
    root = YAML::Load(spec.workload_text);
  } catch (const YAML::Exception& e) {
    throw_workload_error(SourceLoc{spec.workload, e.mark.line + 1, e.mark.column + 1}, "cannot read the workload: " + e.msg);
  }
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const SweepAxis& axis = spec.axes[a];
    const SourceLoc& at = axis.locs[p.index[a]];
    std::vector<YAML::Node> chain{root};
    std::stringstream ss(axis.path);
    std::string part, walked;
    for (bool first = true; std::getline(ss, part, '.'); first = false) {
      walked += (first ? "" : ".") + part;
      const YAML::Node cur = chain.back();
      YAML::Node next;
      if (cur.IsSequence()) {
        std::size_t i = 0, used = 0;
        try {
          i = std::stoul(part, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != part.size() || i >= cur.size())
          throw_workload_error(at, fmt::format("grid path '{}': '{}' is a list of {} items; '{}' is not an index in it", axis.path, walked, cur.size(), part));
        next = cur[i];
      } else if (cur.IsMap() && cur[part]) {
        next = cur[part];
      } else {
        throw_workload_error(at, fmt::format("grid path '{}': the workload has no '{}'", axis.path, walked));
      }
      chain.push_back(next);
    }
    chain.back() = YAML::Load(axis.values[p.index[a]]);
  }
  YAML::Emitter e;
  e << root;
  return std::string(e.c_str()) + "\n";
}

Scenario point_scenario(const SweepSpec& spec, const SweepPoint& p, std::uint64_t seed, const std::string& text) {
  Scenario sc;
  try {
    sc = parse_workload(text, spec.workload);
  } catch (const WorkloadError& e) {
    // the location is in the rewritten text: name the point instead
    throw_workload_error(SourceLoc{spec.file}, fmt::format("grid point {}: the workload is invalid: {}", p.label, e.message()));
  }
  if (!spec.models.empty()) sc.system.models = spec.models;
  if (!spec.duration.empty()) {
    sc.system.duration = parse_duration(spec.duration, SourceLoc{spec.file});
    if (sc.system.duration <= Time()) throw_workload_error(SourceLoc{spec.file}, "duration must be positive");
  }
  sc.system.seed = seed;
  return sc;
}

ordered_json state_json(const LatencyHistogram& h) {
  const LatencyHistogram::State s = h.state();
  ordered_json b = ordered_json::array();
  for (const auto& [i, n] : s.buckets) b.push_back(ordered_json::array({i, n}));
  return ordered_json{{"count", s.count}, {"sum_hi", s.sum_hi}, {"sum_lo", s.sum_lo}, {"min", s.min.count()}, {"max", s.max.count()}, {"buckets", std::move(b)}};
}

LatencyHistogram state_from(const nlohmann::json& j) {
  LatencyHistogram::State s;
  s.count = j.at("count").get<std::uint64_t>();
  s.sum_hi = j.at("sum_hi").get<std::uint64_t>();
  s.sum_lo = j.at("sum_lo").get<std::uint64_t>();
  s.min = Time::ns(j.at("min").get<std::int64_t>());
  s.max = Time::ns(j.at("max").get<std::int64_t>());
  constexpr std::size_t kMaxBucket = std::size_t{64} << LatencyHistogram::kSubBits;
  for (const auto& b : j.at("buckets")) {
    const auto i = b.at(0).get<std::size_t>();
    if (i > kMaxBucket) throw std::runtime_error("bucket index out of range");
    s.buckets.emplace_back(i, b.at(1).get<std::uint64_t>());
  }
  return LatencyHistogram::from_state(s);
}

// One run's stored figures: per model, the wakeup latency over the chosen
// tasks and the event count.
std::string run_record(const std::string& key, const SweepSpec& spec, const RunResult& r) {
  ordered_json j;
  j["key"] = key;
  ordered_json models = ordered_json::array();
  for (const ModelResult& m : r.results) {
    LatencyHistogram h;
    for (const TaskResult& t : m.tasks)
      if (spec.task.empty() || t.name == spec.task) h.merge(t.wakeup_latency);
    models.push_back(ordered_json{{"model", m.model}, {"events", m.events}, {"latency", state_json(h)}});
  }
  j["models"] = std::move(models);
  return j.dump() + "\n";
}

std::string read_file_or_empty(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A stored run is valid when it parses and carries the expected key.
bool record_valid(const std::string& text, const std::string& key) {
  if (text.empty()) return false;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("key").get<std::string>() != key) return false;
    for (const auto& m : j.at("models")) state_from(m.at("latency"));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

SweepResult run_sweep(const SweepSpec& spec, unsigned jobs, const SweepRanks& ranks) {
  SweepResult res;
  res.points = sweep_points(spec);
  const std::size_t nseeds = spec.seeds.size();
  const std::size_t total = res.points.size() * nseeds;
  // Every point's workload is built (and checked) first: a bad grid value
  // stops the sweep before any run.
  std::vector<std::string> texts;
  for (const SweepPoint& p : res.points) {
    texts.push_back(point_workload(spec, p));
    point_scenario(spec, p, spec.seeds.front(), texts.back());
  }
  const std::filesystem::path runs = std::filesystem::path(spec.output) / "runs";
  std::error_code ec;
  std::filesystem::create_directories(runs, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: cannot create the sweep directory: {}", runs.string(), ec.message()));

  std::vector<std::string> records(total);
  std::vector<char> reused(total, 0);
  std::vector<std::size_t> mine;
  for (std::size_t i = 0; i < total; ++i)
    if (static_cast<int>(i % static_cast<std::size_t>(ranks.size)) == ranks.rank) mine.push_back(i);
  run_jobs(mine.size(), jobs, [&](std::size_t k) {
    const std::size_t i = mine[k];
    const SweepPoint& p = res.points[i / nseeds];
    const std::uint64_t seed = spec.seeds[i % nseeds];
    const Scenario sc = point_scenario(spec, p, seed, texts[i / nseeds]);
    std::string models;
    for (const std::string& m : sc.system.models) models += m + ",";
    const std::string key = fmt::format("{:016x}", fnv1a(fmt::format("{}\n{}\n{}\n{}\n{}", texts[i / nseeds], seed, models,
                                                                     sc.system.duration.count(), spec.task)));
    const std::filesystem::path file = runs / fmt::format("p{}-s{}.json", i / nseeds, seed);
    std::string text = read_file_or_empty(file);
    if (record_valid(text, key)) {
      reused[i] = 1;
    } else {
      SimulateOptions o;
      o.explain = false;
      text = run_record(key, spec, simulate(sc, o));
      write_file_atomic(file.string(), text);  // stored as soon as it ends: a stopped sweep resumes here
    }
    records[i] = std::move(text);
  });
  for (std::size_t i : mine) (reused[i] ? res.runs_reused : res.runs_done)++;
  if (ranks.gather) records = ranks.gather(records, total);
  if (ranks.rank != 0) return res;

  // Merge: per point and model, the seeds in spec order.
  res.cells.resize(res.points.size());
  for (std::size_t pi = 0; pi < res.points.size(); ++pi) {
    for (std::size_t s = 0; s < nseeds; ++s) {
      const auto j = nlohmann::json::parse(records[pi * nseeds + s]);
      const auto& models = j.at("models");
      if (res.cells[pi].empty()) res.cells[pi].resize(models.size());
      for (std::size_t m = 0; m < models.size(); ++m) {
        SweepCell& c = res.cells[pi][m];
        c.model = models[m].at("model").get<std::string>();
        const LatencyHistogram h = state_from(models[m].at("latency"));
        c.seed_worst.push_back(h.count() ? h.max().count() : -1);
        c.latency.merge(h);
        c.events += models[m].at("events").get<std::uint64_t>();
      }
    }
  }
  return res;
}

namespace {

struct Spread {
  std::int64_t lo = -1, hi = -1;
};
Spread spread(const std::vector<std::int64_t>& v) {
  Spread s;
  for (std::int64_t x : v) {
    if (x < 0) continue;
    s.lo = s.lo < 0 ? x : std::min(s.lo, x);
    s.hi = std::max(s.hi, x);
  }
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string sweep_csv(const SweepSpec& spec, const SweepResult& r) {
  std::string out;
  for (const SweepAxis& a : spec.axes) out += csv_field(a.path) + ",";
  out += "model,seeds,wakeups,p50_ns,p99_ns,max_ns,worst_min_ns,worst_max_ns,events\n";
  for (std::size_t pi = 0; pi < r.cells.size(); ++pi)
    for (const SweepCell& c : r.cells[pi]) {
      for (std::size_t a = 0; a < spec.axes.size(); ++a) out += csv_field(spec.axes[a].values[r.points[pi].index[a]]) + ",";
      const Spread s = spread(c.seed_worst);
      const bool any = c.latency.count() > 0;
      auto ns = [&](Time t) { return any ? fmt::format("{}", t.count()) : std::string(); };
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", c.model, c.seed_worst.size(), c.latency.count(), ns(c.latency.percentile(0.5)),
                         ns(c.latency.percentile(0.99)), ns(c.latency.max()), s.lo < 0 ? "" : fmt::format("{}", s.lo),
                         s.hi < 0 ? "" : fmt::format("{}", s.hi), c.events);
    }
  return out;
}

std::string sweep_json(const SweepSpec& spec, const SweepResult& r) {
  ordered_json j;
  j["workload"] = spec.workload;
  j["seeds"] = spec.seeds;
  ordered_json axes = ordered_json::array();
  for (const SweepAxis& a : spec.axes) axes.push_back(ordered_json{{"path", a.path}, {"values", a.values}});
  j["grid"] = std::move(axes);
  ordered_json points = ordered_json::array();
  for (std::size_t pi = 0; pi < r.cells.size(); ++pi) {
    ordered_json p;
    ordered_json values = ordered_json::array();
    for (std::size_t a = 0; a < spec.axes.size(); ++a) values.push_back(spec.axes[a].values[r.points[pi].index[a]]);
    p["values"] = std::move(values);
    ordered_json models = ordered_json::array();
    for (const SweepCell& c : r.cells[pi]) {
      const bool any = c.latency.count() > 0;
      auto ns = [&](Time t) { return any ? ordered_json(t.count()) : ordered_json(nullptr); };
      models.push_back(ordered_json{{"model", c.model},
                                    {"wakeups", c.latency.count()},
                                    {"p50_ns", ns(c.latency.percentile(0.5))},
                                    {"p99_ns", ns(c.latency.percentile(0.99))},
                                    {"max_ns", ns(c.latency.max())},
                                    {"seed_worst_ns", c.seed_worst},
                                    {"events", c.events}});
    }
    p["models"] = std::move(models);
    points.push_back(std::move(p));
  }
  j["points"] = std::move(points);
  return j.dump(2) + "\n";
}

std::string sweep_table(const SweepSpec& spec, const SweepResult& r) {
  std::string out = fmt::format("sweep: {}  {} point{} x {} seed{}\n", spec.workload, r.points.size(), r.points.size() == 1 ? "" : "s",
                                spec.seeds.size(), spec.seeds.size() == 1 ? "" : "s");
  out += fmt::format("  {:<40} {:<10} {:>10} {:>12} {:>12} {:>25}\n", "point", "model", "wakeups", "p99", "max", "worst per seed (min..max)");
  for (std::size_t pi = 0; pi < r.cells.size(); ++pi)
    for (const SweepCell& c : r.cells[pi]) {
      const Spread s = spread(c.seed_worst);
      const bool any = c.latency.count() > 0;
      out += fmt::format("  {:<40} {:<10} {:>10} {:>12} {:>12} {:>25}\n", r.points[pi].label, c.model, c.latency.count(),
                         any ? format_time(c.latency.percentile(0.99)) : "-", any ? format_time(c.latency.max()) : "-",
                         s.lo < 0 ? "-" : fmt::format("{}..{}", format_time(Time::ns(s.lo)), format_time(Time::ns(s.hi))));
    }
  return out;
}

}  // namespace preemptsim
