// The fuzzed entry points, shared by the libFuzzer targets and the corpus replay test.
#include "fuzz_entry.h"

#include <string>

#include "core/error.h"
#include "kernel/preempt_model.h"
#include "sim/simulation.h"
#include "workload/parse_rtapp.h"
#include "workload/parse_yaml.h"

namespace preemptsim::fuzz {
namespace {

using namespace literals;

constexpr Time kSimulateCap = 20_ms;  // keeps each input's simulation short
constexpr std::size_t kMaxTasks = 64;

std::string text_of(const std::uint8_t* data, std::size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

}  // namespace

void parse_yaml_workload(const std::uint8_t* data, std::size_t size) {
  try {
    parse_workload(text_of(data, size), "fuzz.yaml");
  } catch (const WorkloadError&) {
  }
}

void parse_rtapp_use_case(const std::uint8_t* data, std::size_t size) {
  try {
    parse_rtapp(text_of(data, size), "fuzz.json");
  } catch (const WorkloadError&) {
  }
}

void parse_and_simulate(const std::uint8_t* data, std::size_t size) {
  const std::string text = text_of(data, size);
  Scenario sc;
  try {
    sc = is_rtapp_workload(text, "fuzz") ? parse_rtapp(text, "fuzz.json") : parse_workload(text, "fuzz.yaml");
  } catch (const WorkloadError&) {
    return;
  }
  if (sc.tasks.size() > kMaxTasks) return;
  if (sc.system.duration > kSimulateCap) sc.system.duration = kSimulateCap;
  try {
    simulate_model(sc, *find_preempt_model("full"));
  } catch (const WorkloadError&) {
  }
}

}  // namespace preemptsim::fuzz
