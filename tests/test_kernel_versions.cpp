// The rt_lazy model row (PREEMPT_RT + PREEMPT_LAZY) and system.kernel's
// version rules (RT throttling before 6.12, no lazy before 6.13).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

bool has_model(const Scenario& sc, const std::string& m) {
  return std::find(sc.system.models.begin(), sc.system.models.end(), m) != sc.system.models.end();
}

std::string parse_error(const std::string& text) {
  try {
    parse_workload(text, "k.yaml");
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RtLazy, RowIsRtWithLazy) {
  const PreemptModel* rt = find_preempt_model("rt");
  const PreemptModel* rl = find_preempt_model("rt_lazy");
  ASSERT_NE(rl, nullptr);
  EXPECT_TRUE(rl->lazy);
  EXPECT_EQ(rl->rt_locks, rt->rt_locks);
  EXPECT_EQ(rl->force_irqthreads, rt->force_irqthreads);
  EXPECT_EQ(rl->rt_softirqs, rt->rt_softirqs);
  EXPECT_EQ(rl->preempt_schedule, rt->preempt_schedule);
  EXPECT_EQ(rl->irqentry_exit_cond_resched, rt->irqentry_exit_cond_resched);
}

// A fair wakeup beside a fair kernel hog: rt preempts at the IRQ return,
// rt_lazy waits for the tick to promote TIF_NEED_RESCHED_LAZY.
TEST(RtLazy, FairWakeupsWaitForTheTick) {
  const Scenario sc = load_example("lazy-fair-wakeup.yaml");
  const Time tick = Time::ns(1'000'000'000 / sc.system.hz);
  const ModelResult rrt = run_model(sc, "rt"), rrl = run_model(sc, "rt_lazy");
  const TaskResult& rt = task(rrt, "sleeper");
  const TaskResult& rl = task(rrl, "sleeper");
  std::cout << "rt p50 " << format_time(rt.wakeup_latency.percentile(0.5)) << ", rt_lazy p50 "
            << format_time(rl.wakeup_latency.percentile(0.5)) << " (tick " << format_time(tick) << ")\n";
  EXPECT_LT(rt.wakeup_latency.percentile(0.5), Time::ns(20'000));
  EXPECT_GT(rl.wakeup_latency.percentile(0.5), tick / 4);
  EXPECT_LE(rl.wakeup_latency.max(), tick * 2 + Time::ns(20'000)) << "promoted by the next tick (or the one after)";
}

// An RT wakeup is never lazy: rt_lazy pays what rt pays.
TEST(RtLazy, RtWakeupIsImmediate) {
  const Scenario sc = load_example("seed-002-kernel-path.yaml");
  const ModelResult rrt = run_model(sc, "rt"), rrl = run_model(sc, "rt_lazy");
  const TaskResult& rt = task(rrt, "hi");
  const TaskResult& rl = task(rrl, "hi");
  ASSERT_EQ(rl.wakeup_latency.count(), rt.wakeup_latency.count());
  const std::string why = explain("rt_lazy wakeup latency of hi", "the rt model's", rt.wakeup_latency.max(), rl.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(rl.wakeup_latency.max(), rt.wakeup_latency.max()) << why;
}

TEST(KernelVersion, Before612ThrottlesAndBefore613HasNoLazy) {
  const Scenario old = parse_workload("system: {kernel: \"6.1\"}\ntasks: {a: {program: [yield]}}\n", "k.yaml");
  EXPECT_EQ(old.system.rt_bandwidth, SystemSpec::RtBandwidth::Throttle);
  EXPECT_FALSE(has_model(old, "lazy"));
  EXPECT_FALSE(has_model(old, "rt_lazy"));
  EXPECT_TRUE(has_model(old, "rt")) << "the 6.1-rt patch set";
  const Scenario v612 = parse_workload("system: {kernel: \"6.12\"}\ntasks: {a: {program: [yield]}}\n", "k.yaml");
  EXPECT_EQ(v612.system.rt_bandwidth, SystemSpec::RtBandwidth::FairServer);
  EXPECT_FALSE(has_model(v612, "lazy"));
  const Scenario v613 = parse_workload("system: {kernel: \"6.13\"}\ntasks: {a: {program: [yield]}}\n", "k.yaml");
  EXPECT_TRUE(has_model(v613, "lazy"));
  EXPECT_TRUE(has_model(v613, "rt_lazy"));
  const Scenario none = parse_workload("tasks: {a: {program: [yield]}}\n", "k.yaml");
  EXPECT_EQ(none.system.models, v613.system.models) << "no kernel: the current rules";
}

TEST(KernelVersion, Errors) {
  const std::string lazy = parse_error("system: {kernel: \"6.12\", models: [full, lazy]}\ntasks: {a: {program: [yield]}}\n");
  EXPECT_NE(lazy.find("k.yaml:1:"), std::string::npos) << lazy;
  EXPECT_NE(lazy.find("'lazy' needs PREEMPT_LAZY, which is 6.13+"), std::string::npos) << lazy;
  const std::string fs = parse_error("system: {kernel: \"6.6\", rt_bandwidth: fair_server}\ntasks: {a: {program: [yield]}}\n");
  EXPECT_NE(fs.find("the fair server is 6.12+"), std::string::npos) << fs;
  const std::string bad = parse_error("system: {kernel: six}\ntasks: {a: {program: [yield]}}\n");
  EXPECT_NE(bad.find("k.yaml:1:"), std::string::npos) << bad;
  EXPECT_NE(bad.find("major.minor"), std::string::npos) << bad;
  EXPECT_NE(parse_error("system: {kernel: \"6.1.2\"}\ntasks: {a: {program: [yield]}}\n").find("major.minor"), std::string::npos);
}

// Before 6.12 an RT hog is throttled (950 ms per 1 s), so a fair task gets the rest.
TEST(KernelVersion, OldKernelThrottlesAnRtHog) {
  const std::string body = "tasks:\n  hog: {policy: fifo, priority: 50, program: [{run: 2s}]}\n"
                           "  fair: {policy: other, program: [{run: 10ms}, {mark: done}]}\n";
  const Scenario sc = parse_workload("system: {kernel: \"6.1\", models: [full], duration: 1100ms}\n" + body, "k.yaml");
  const ModelResult r = run_model(sc, "full");
  const Time done = mark(task(r, "fair"), "done");
  const Time runtime = sc.system.rt_runtime, period = sc.system.rt_period;
  // The fair task runs in the throttled window [runtime, period): it finishes 10 ms after the throttle starts.
  const Time expected = runtime + Time::ns(10'000'000);
  const std::string why = explain("fair task done", "rt_runtime " + format_time(runtime) + " + its 10ms", expected, done);
  std::cout << why << "\n";
  EXPECT_GE(done, expected) << why;
  EXPECT_LT(done, period) << why;
}

}  // namespace
}  // namespace preemptsim::testing
