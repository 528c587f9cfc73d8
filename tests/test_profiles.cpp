// Machine profiles (system.profile) and `preemptsim calibrate`'s profile,
// measured briefly on this machine and loaded back.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "calibrate/calibrate.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

const std::string kCyclic =
    "tasks:\n  rt: {policy: fifo, priority: 80, program: [{loop: {until: 1s, steps: [{periodic: {period: 1ms, phase: 100us}}, {run: 20us}]}}]}\n";

std::string parse_error(const std::string& text) {
  try {
    parse_workload(text, source_path("examples/p.yaml"));
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

// The ideal profile is the defaults: the same exact results as no profile.
TEST(Profiles, IdealIsTheDefaults) {
  const Scenario none = parse_workload("system: {models: [full], duration: 1s}\n" + kCyclic, "p.yaml");
  const Scenario ideal = parse_workload("system: {models: [full], duration: 1s, profile: ideal}\n" + kCyclic, "p.yaml");
  EXPECT_EQ(ideal.system.profile, "ideal");
  for (int i = 0; i < NR_COSTS; ++i) {
    EXPECT_EQ(ideal.system.costs.fixed(static_cast<CostId>(i)), none.system.costs.fixed(static_cast<CostId>(i))) << cost_name(static_cast<CostId>(i));
    EXPECT_FALSE(ideal.system.costs.drawn[static_cast<std::size_t>(i)].has_value());
  }
  const ModelResult a = run_model(none, "full"), b = run_model(ideal, "full");
  const TaskResult& ta = task(a, "rt");
  const TaskResult& tb = task(b, "rt");
  EXPECT_EQ(ta.wakeup_latency.min(), tb.wakeup_latency.min());
  EXPECT_EQ(ta.wakeup_latency.max(), tb.wakeup_latency.max());
  EXPECT_EQ(ta.wakeup_latency.min(), ta.wakeup_latency.max()) << "constants: one latency on every sample";
}

// x86-server draws its costs: the same cyclictest-like task now has a spread.
TEST(Profiles, X86ServerGivesASpread) {
  const Scenario sc = parse_workload("system: {models: [full], duration: 1s, profile: x86-server}\n" + kCyclic, "p.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& t = task(r, "rt");
  std::cout << "x86-server wakeup latency: min " << format_time(t.wakeup_latency.min()) << ", p50 "
            << format_time(t.wakeup_latency.percentile(0.5)) << ", max " << format_time(t.wakeup_latency.max()) << "\n";
  EXPECT_GT(t.wakeup_latency.count(), 900u);
  EXPECT_LT(t.wakeup_latency.min(), t.wakeup_latency.max());
}

// A workload's own costs: entries override the profile's, key by key.
TEST(Profiles, WorkloadCostsOverrideTheProfile) {
  const Scenario sc = parse_workload("system: {profile: x86-server, costs: {context_switch: 3us}}\n" + kCyclic, "p.yaml");
  EXPECT_EQ(sc.system.costs.context_switch, 3_us);
  EXPECT_FALSE(sc.system.costs.drawn[static_cast<std::size_t>(CostId::ContextSwitch)].has_value());
  EXPECT_TRUE(sc.system.costs.drawn[static_cast<std::size_t>(CostId::IrqEntry)].has_value()) << "the rest stays the profile's";
}

TEST(Profiles, Errors) {
  const std::string unknown = parse_error("system: {profile: no-such-machine}\n" + kCyclic);
  EXPECT_NE(unknown.find("p.yaml:1:"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("no profile 'no-such-machine'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("x86-server"), std::string::npos) << "lists the shipped profiles: " << unknown;
  const std::filesystem::path bad = std::filesystem::path(PREEMPTSIM_BINARY).parent_path() / "test-bad-profile.yaml";
  std::ofstream(bad) << "profile: bad\nsource: \"test\"\ncosts: {tick: 5 parsecs}\n";
  const std::string e = parse_error("system: {profile: " + bad.string() + "}\n" + kCyclic);
  EXPECT_NE(e.find(bad.string() + ":3:"), std::string::npos) << "the error points into the profile: " << e;
  std::ofstream(bad) << "profile: bad\ncosts: {tick: 5us}\n";
  EXPECT_NE(parse_error("system: {profile: " + bad.string() + "}\n" + kCyclic).find("needs 'source:'"), std::string::npos);
}

// calibrate, briefly, then load what it wrote.
TEST(Calibrate, ShortRunWritesAProfileThatLoads) {
  CalibrateOptions o;
  o.seconds = 0.05;
  o.rounds = 50;
  o.syscall_batch = 1000;
  const Calibration c = calibrate(o);
  std::cout << calibration_report(c);
  ASSERT_TRUE(c.syscall.measured);
  EXPECT_GT(c.syscall.p(0.5), 0.0);
  ASSERT_TRUE(c.timer_latency.measured);
  EXPECT_GE(c.timer_latency.samples.size(), 10u) << "50 ms at 1 ms";
  const std::filesystem::path out = std::filesystem::path(PREEMPTSIM_BINARY).parent_path() / "test-calibrated.yaml";
  std::ofstream(out) << calibration_profile(c, "test-machine");
  const Scenario sc = parse_workload("system: {models: [full], duration: 200ms, profile: " + out.string() + "}\n" + kCyclic, "p.yaml");
  EXPECT_EQ(sc.system.costs.syscall_entry, Time::ns(std::llround(c.syscall.p(0.5) / 2)));
  EXPECT_TRUE(sc.system.costs.drawn[static_cast<std::size_t>(CostId::HrtimerWakeup)].has_value()) << "the measured timer latency";
  const ModelResult r = run_model(sc, "full");
  EXPECT_GT(task(r, "rt").wakeup_latency.count(), 100u);
}

}  // namespace
}  // namespace preemptsim::testing
