// Reads a machine profile (profiles/NAME.yaml): `profile: NAME`, `source:`
// (where its figures come from) and `costs:` in the workload's syntax.
#include "workload/parse_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "workload/parse_irqs.h"
#include "workload/parse_machine.h"

namespace preemptsim::workload_detail {

#ifndef PREEMPTSIM_PROFILE_DIR
#define PREEMPTSIM_PROFILE_DIR "profiles"
#endif

std::string profile_dir() { return PREEMPTSIM_PROFILE_DIR; }

namespace {
std::string shipped_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(profile_dir(), ec))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none found" : s;
}
}  // namespace

void load_profile(const Reader& r, const Field& f, SystemSpec& sys) {
  const std::string name = r.string(f);
  std::filesystem::path p;
  if (name.find('/') != std::string::npos || name.ends_with(".yaml")) {
    p = name;
    if (p.is_relative()) p = std::filesystem::path(r.file()).parent_path() / p;
  } else {
    p = std::filesystem::path(profile_dir()) / (name + ".yaml");
  }
  std::ifstream in(p);
  if (!in) r.fail(f, fmt::format("no profile '{}' (cannot read {}; shipped profiles: {})", name, p.string(), shipped_names()));
  std::stringstream text;
  text << in.rdbuf();
  const Reader pr(p.string());
  const YAML::Node doc = load_one_document(text.str(), p.string());
  const Field root{"", doc, doc, ""};
  bool has_source = false;
  std::vector<Field> machine;
  for (const Field& e : pr.map(root, "a profile", {"profile", "source", "costs", "cpuidle", "noise"})) {
    if (e.key == "cpuidle" || e.key == "noise") machine.push_back(e);
    if (e.key == "profile") (void)pr.string(e);
    if (e.key == "source") has_source = !pr.string(e).empty();
    if (e.key == "costs") sys.costs = parse_costs_over(pr, e, sys.costs);
  }
  if (!has_source) pr.fail(SourceLoc{p.string(), 1, 1}, "", "a profile needs 'source:' saying where its figures come from");
  parse_machine(pr, machine, sys, 0);
  sys.profile = name;
}

}  // namespace preemptsim::workload_detail
