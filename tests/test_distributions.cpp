// Costs and work as distributions: costs: entries and run/busy steps drawn
// from their own named streams, min/max clamps, syscall entry/exit costs.
#include <gtest/gtest.h>

#include <iostream>

#include "core/rng.h"
#include "kernel/kernel.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

Scenario parse(const std::string& text) { return parse_workload(text, "dist.yaml"); }

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

// No interrupt or tick overhead, so intervals between marks are the work alone.
constexpr const char* kQuiet = "  costs: {tick: 0ns, irq_entry: 0ns, irq_exit: 0ns, hrtimer_wakeup: 0ns}\n";

TEST(Distributions, CostsParseAsDistributionsWithClamp) {
  const Scenario sc = parse(
      "system:\n"
      "  costs:\n"
      "    context_switch: {lognormal: {median: 2us, sigma: 0.5}, max: 20us}\n"
      "    tick: {uniform: [1us, 3us]}\n"
      "    irq_entry: {fixed: 700ns}\n"
      "    syscall_entry: 150ns\n"
      "tasks: {a: {program: [yield]}}\n");
  const Costs& c = sc.system.costs;
  ASSERT_TRUE(c.drawn[static_cast<std::size_t>(CostId::ContextSwitch)].has_value());
  EXPECT_EQ(c.drawn[static_cast<std::size_t>(CostId::ContextSwitch)]->max, 20_us);
  ASSERT_TRUE(c.drawn[static_cast<std::size_t>(CostId::Tick)].has_value());
  EXPECT_EQ(c.tick, 2_us) << "a drawn cost's constant is its expected value: (1us + 3us) / 2";
  EXPECT_FALSE(c.drawn[static_cast<std::size_t>(CostId::IrqEntry)].has_value()) << "{fixed: D} stays a constant";
  EXPECT_EQ(c.irq_entry, 700_ns);
  EXPECT_EQ(c.syscall_entry, 150_ns);
  EXPECT_EQ(c.syscall_exit, 0_ns) << "default: folded into the steps";
}

TEST(Distributions, ParseErrors) {
  const std::string two = parse_error(
      "system: {costs: {tick: {uniform: [1us, 2us], exponential: {mean: 1us}}}}\ntasks: {a: {program: [yield]}}\n");
  EXPECT_NE(two.find("dist.yaml:1:"), std::string::npos) << two;
  EXPECT_NE(two.find("takes exactly one of"), std::string::npos) << two;
  const std::string clamp = parse_error("tasks: {a: {program: [{run: {normal: {mean: 5us, stddev: 1us}, min: 4us, max: 3us}}]}}\n");
  EXPECT_NE(clamp.find("max is below min"), std::string::npos) << clamp;
  const std::string none = parse_error("tasks: {a: {program: [{run: {min: 4us}}]}}\n");
  EXPECT_NE(none.find("takes exactly one of"), std::string::npos) << none;
}

TEST(Distributions, ClampKeepsEverySampleInside) {
  const Scenario sc = parse("tasks: {a: {program: [{run: {normal: {mean: 100us, stddev: 50us}, min: 80us, max: 120us}}]}}\n");
  const Distribution& d = *sc.tasks[0].program[0].work;
  Rng rng(7, "clamp");
  int at_min = 0, at_max = 0;
  for (int i = 0; i < 2000; ++i) {
    const Time v = d.sample(rng);
    ASSERT_GE(v, 80_us);
    ASSERT_LE(v, 120_us);
    at_min += v == 80_us;
    at_max += v == 120_us;
  }
  // P(N(100, 50) < 80) = P(Z < -0.4) = 0.34: both bounds are hit hundreds of times.
  EXPECT_GT(at_min, 400);
  EXPECT_GT(at_max, 400);
}

// Each cost draws from "cost/NAME": the context-switch sequence is the same
// whether or not another cost (tick) is also a distribution.
TEST(Distributions, CostStreamsAreIndependent) {
  const std::string head = "system:\n  seed: 42\n  costs:\n    context_switch: {uniform: [1us, 9us]}\n";
  const std::string tail = "tasks: {a: {program: [yield]}}\n";
  const Scenario alone = parse(head + tail);
  const Scenario with_tick = parse(head + "    tick: {exponential: {mean: 3us}}\n" + tail);
  Kernel k1(alone, *find_preempt_model("full"));
  Kernel k2(with_tick, *find_preempt_model("full"));
  Rng reference(42, "cost/context_switch");
  const Distribution& d = *alone.system.costs.drawn[static_cast<std::size_t>(CostId::ContextSwitch)];
  bool varied = false;
  Time first = k1.cost(CostId::ContextSwitch);
  EXPECT_EQ(first, d.sample(reference));
  EXPECT_EQ(k2.cost(CostId::ContextSwitch), first);
  for (int i = 0; i < 100; ++i) {
    (void)k2.cost(CostId::Tick);  // draws on tick's stream must not move context_switch's
    const Time a = k1.cost(CostId::ContextSwitch), b = k2.cost(CostId::ContextSwitch);
    ASSERT_EQ(a, b) << "draw " << i;
    ASSERT_EQ(a, d.sample(reference)) << "draw " << i;
    varied |= a != first;
  }
  EXPECT_TRUE(varied);
  EXPECT_EQ(k1.cost(CostId::IrqEntry), alone.system.costs.irq_entry) << "a constant cost draws nothing";
}

// A run: step drawn from its stream "task/NAME/op/OP": each interval
// between the marks is exactly the matching draw.
TEST(Distributions, RunStepDrawsEachExecution) {
  const Scenario sc = parse(std::string("system:\n  models: [full]\n  duration: 1s\n  seed: 5\n") + kQuiet +
                            "tasks:\n  t:\n    program:\n      - loop: {count: 20, steps: [{mark: a}, {run: {uniform: [10us, 300us]}}, {mark: b}]}\n");
  MarkLog mark;
  run_model(sc, "full", mark);
  // Program ops: 0 loop, 1 mark a, 2 run, 3 mark b, 4 loop end.
  Rng rng(5, "task/t/op/2");
  const Distribution& d = *sc.tasks[0].program[0].body[1].work;
  Time lo = Time::max(), hi;
  for (std::size_t i = 0; i < 20; ++i) {
    const Time expected = d.sample(rng);
    const Time actual = mark("t", "b", i) - mark("t", "a", i);
    if (i < 3) std::cout << explain("run " + std::to_string(i), "draw " + std::to_string(i) + " of task/t/op/2", expected, actual) << "\n";
    ASSERT_EQ(actual, expected) << i;
    lo = std::min(lo, actual);
    hi = std::max(hi, actual);
  }
  EXPECT_GE(lo, 10_us);
  EXPECT_LE(hi, 300_us);
  EXPECT_LT(lo, hi) << "the intervals spread";
}

TEST(Distributions, BusyInKthreadAndSameSeedSameRun) {
  const std::string text = std::string("system:\n  models: [rt]\n  duration: 200ms\n  seed: 9\n") + kQuiet +
                           "tasks:\n  k:\n    kthread: true\n    program:\n"
                           "      - loop: {count: 10, steps: [{mark: a}, {busy: {exponential: {mean: 50us}, max: 400us}}, {mark: b}]}\n";
  const Scenario sc = parse(text);
  MarkLog mark;
  run_model(sc, "rt", mark);
  Rng rng(9, "task/k/op/2");
  const Distribution& d = *sc.tasks[0].program[0].body[1].work;
  for (std::size_t i = 0; i < 10; ++i) ASSERT_EQ(mark("k", "b", i) - mark("k", "a", i), d.sample(rng)) << i;
  MarkLog again;
  run_model(parse(text), "rt", again);
  EXPECT_EQ(again.at, mark.at) << "same workload, model and seed: the same draws";
}

// syscall_entry and syscall_exit frame a syscall's kernel steps.
TEST(Distributions, SyscallEntryAndExitCosts) {
  const Scenario sc = parse(
      "system:\n  models: [full]\n  duration: 100ms\n"
      "  costs: {tick: 0ns, irq_entry: 0ns, irq_exit: 0ns, syscall_entry: 300ns, syscall_exit: 200ns}\n"
      "tasks:\n  t:\n    program:\n      - loop: {count: 3, steps: [{mark: a}, {syscall: ioctl, kernel: [{busy: 10us}]}, {mark: b}]}\n");
  MarkLog mark;
  run_model(sc, "full", mark);
  const Time expected = sc.system.costs.syscall_entry + 10_us + sc.system.costs.syscall_exit;
  for (std::size_t i = 0; i < 3; ++i) {
    const Time actual = mark("t", "b", i) - mark("t", "a", i);
    std::cout << explain("syscall", "entry 300ns + busy 10us + exit 200ns", expected, actual) << "\n";
    EXPECT_EQ(actual, expected);
  }
}

// A drawn context switch spreads a periodic task's wakeup latency; the ideal
// constants give one value on every sample.
TEST(Distributions, DrawnContextSwitchSpreadsWakeupLatency) {
  const std::string body =
      "tasks:\n  rt: {policy: fifo, priority: 80, program: [{loop: {until: 1s, steps: [{periodic: {period: 1ms, phase: 100us}}, {run: 20us}]}}]}\n";
  const Scenario fixed = parse("system: {models: [full], duration: 1s}\n" + body);
  const Scenario drawn = parse("system:\n  models: [full]\n  duration: 1s\n  costs: {context_switch: {uniform: [1us, 10us]}}\n" + body);
  const ModelResult rf = run_model(fixed, "full"), rd = run_model(drawn, "full");
  const TaskResult& f = task(rf, "rt");
  const TaskResult& d = task(rd, "rt");
  const Costs& c = fixed.system.costs;
  const Time ideal = c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
  EXPECT_EQ(f.wakeup_latency.min(), f.wakeup_latency.max()) << "constants: no spread";
  std::cout << explain("ideal wakeup latency", "irq_entry + hrtimer_wakeup + irq_exit + context_switch", ideal,
                       f.wakeup_latency.max()) << "\n";
  const Time base = c.irq_entry + c.hrtimer_wakeup + c.irq_exit;
  EXPECT_GE(d.wakeup_latency.min(), base + 1_us);
  EXPECT_LE(d.wakeup_latency.max(), base + 10_us + c.tick + c.irq_entry + c.irq_exit) << "at most one tick in the way";
  EXPECT_LT(d.wakeup_latency.min(), d.wakeup_latency.max()) << "a drawn switch cost spreads the latency";
}

}  // namespace
}  // namespace preemptsim::testing
