// The worst-case explanation: its parts sum to the latency, and its "why"
// names the rule that held preemption back (seed 002, spinlock full vs rt,
// cyclictest beside a kernel hog).
#include <gtest/gtest.h>

#include <iostream>

#include "report/json_report.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {


Time part(const WorstCaseExplanation& e, const std::string& prefix) {
  Time s;
  for (const auto& [what, d] : e.parts)
    if (what.rfind(prefix, 0) == 0) s += d;
  return s;
}

TEST(RootCause, SeedUnderNoneNamesTheKernelPathAndTheMissingPoint) {
  const RunResult run = simulate(load_example("seed-002-kernel-path.yaml"));
  for (const ModelResult& r : run.results) {
    const WorstCaseExplanation& e = explanation(r, "hi");
    EXPECT_EQ(sum(e), e.latency) << r.model << ": the parts add up to the latency";
    EXPECT_EQ(e.latency, task(r, "hi").wakeup_latency.max()) << r.model << ": the worst sample is the one explained";
    const Costs& c = load_example("seed-002-kernel-path.yaml").system.costs;
    if (r.model == "none" || r.model == "voluntary") {
      std::cout << r.model << ": " << e.why << "\n";
      EXPECT_GE(part(e, "lo: busy in the kernel"), Time::ns(3'000'000'000)) << "lo's 5 s kernel path held hi back";
      EXPECT_NE(e.why.find("lo was in the kernel"), std::string::npos) << e.why;
      EXPECT_NE(e.why.find("only at explicit points"), std::string::npos) << e.why;
      EXPECT_NE(e.why.find("the return to user from read()"), std::string::npos) << e.why;
    } else {
      // full, lazy, rt: only the timer interrupt and the switch
      EXPECT_EQ(part(e, "hard IRQ LOCAL_TIMER"), c.irq_entry + c.hrtimer_wakeup + c.irq_exit) << r.model;
      EXPECT_EQ(part(e, "context switch lo -> hi"), c.context_switch) << r.model;
      EXPECT_EQ(e.parts.size(), 2u) << r.model;
      EXPECT_NE(e.why.find("at the interrupt return"), std::string::npos) << e.why;
    }
  }
}

TEST(RootCause, SpinlockUnderFullNamesTheLockUnderRtTheLockIsNotInThePath) {
  const RunResult run = simulate(load_example("locks-spinlock-full-vs-rt.yaml"));
  for (const ModelResult& r : run.results) {
    const WorstCaseExplanation& e = explanation(r, "hi");
    EXPECT_EQ(sum(e), e.latency) << r.model;
    std::cout << r.model << ": " << e.why << "\n";
    if (r.model == "full") {
      EXPECT_NE(e.why.find("preemption was disabled since"), std::string::npos) << e.why;
      EXPECT_NE(e.why.find("spin_lock L taken at"), std::string::npos) << e.why;
      EXPECT_NE(e.why.find("spin_unlock L"), std::string::npos) << e.why;
    }
    if (r.model == "rt") {
      EXPECT_EQ(e.why.find("spin_lock"), std::string::npos) << "under rt the lock is not in the path: " << e.why;
    }
  }
}

TEST(RootCause, CondReschedIsThePointUnderNone) {
  Scenario sc = load_example("cyclictest-kernel-hog.yaml");
  sc.system.models = {"none"};
  const RunResult run = simulate(sc);
  const WorstCaseExplanation& e = explanation(run.results[0], "cyclic");
  EXPECT_EQ(sum(e), e.latency);
  EXPECT_NE(e.why.find("cond_resched"), std::string::npos) << e.why;
  EXPECT_GE(part(e, "hog: busy in the kernel"), Time::ns(250'000)) << "up to three 100 us chunks between cond_resched() calls";
}

TEST(RootCause, InTheJson) {
  const RunResult run = simulate(load_example("seed-002-kernel-path.yaml"));
  const auto j = to_json(run);
  const auto& w = j["results"][0]["worst_wakeups"];
  ASSERT_TRUE(w.is_array());
  ASSERT_FALSE(w.empty());
  std::int64_t total = 0;
  for (const auto& p : w[0]["parts"]) total += p["ns"].get<std::int64_t>();
  EXPECT_EQ(total, w[0]["latency_ns"].get<std::int64_t>());
  EXPECT_EQ(w[0]["task"], "hi");
  EXPECT_TRUE(w[0]["why"].is_string());
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// An overrun: a 1 kHz FIFO 90 loop is preempted by a FIFO 95 task that runs
// 1.3 ms, and reaches its next periodic sleep after that period's expiry.
TEST(RootCause, OverrunIsReportedAsAnOverrun) {
  Scenario sc = parse_workload(R"(
system: {cpus: 1, duration: 20ms, models: [full, rt]}
tasks:
  t90:
    policy: fifo
    priority: 90
    program:
      - loop: {until: 20ms, steps: [{periodic: {period: 1ms}}, {run: 100us}]}
  t95:
    policy: fifo
    priority: 95
    program: [{sleep: 10050us}, {run: 1300us}]
)",
                               "overrun.yaml");
  const Time expiry = Time::ns(11'000'000);
  // t90 woke at 10 ms (+ its wakeup latency), ran until t95 woke at 10.05 ms,
  // waited 1.3 ms, then finished its 100 us: at least 10.05 + 1.3 + 0.05 ms.
  const Time lower = Time::ns(10'050'000) + Time::ns(1'300'000) + Time::ns(50'000) - expiry;
  const Time upper = lower + Time::ns(20'000);  // wakeup, switch and tick costs
  const RunResult run = simulate(sc);
  for (const ModelResult& r : run.results) {
    const TaskResult& t = task(r, "t90");
    const WorstCaseExplanation& e = explanation(r, "t90");
    std::cout << r.model << ": worst " << format_time(e.latency) << " (expected 10.05ms + 1.3ms + 50us - 11ms = " << format_time(lower)
              << " plus at most 20us of costs); " << e.why << "\n";
    EXPECT_EQ(t.overruns, 1u) << r.model;
    EXPECT_EQ(e.expiry, expiry) << r.model;
    EXPECT_GE(e.latency, lower) << r.model;
    EXPECT_LE(e.latency, upper) << r.model;
    EXPECT_EQ(sum(e), e.latency) << r.model;
    const std::string expected = "overrun: t90 was not asleep when its timer was due at " + format_time(expiry);
    EXPECT_EQ(e.why.rfind(expected, 0), 0u) << "expected to start with: " << expected << "\nactual: " << e.why;
    EXPECT_EQ(e.why.find("another CPU"), std::string::npos) << e.why;
    EXPECT_EQ(e.why.find('?'), std::string::npos) << e.why;
    // IRQ latency comes only from timer interrupts that fired: no 400 us one
    EXPECT_LT(t.irq_latency.max(), Time::ns(20'000)) << r.model << ": irq latency max " << format_time(t.irq_latency.max());
    EXPECT_EQ(t.irq_latency.count() + t.overruns, t.wakeup_latency.count()) << r.model;
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// PREEMPT_LAZY: the explanation names what set TIF_NEED_RESCHED_LAZY and
// the tick that promoted it. Here the fair wakeup sets nothing (the hog is
// still eligible), a tick whose slice check fires sets the lazy bit, and the
// next tick promotes it; the interrupt return of that tick preempts the hog.
// The ticks are jiffy boundaries (HZ 250: every 4 ms): the promoting one is
// the last before the switch-in, the setting one the tick before it.
TEST(RootCause, LazyNamesTheTickThatSetTheBitAndTheTickThatPromotedIt) {
  Scenario sc = load_example("lazy-fair-wakeup.yaml");
  sc.system.models = {"lazy"};
  const RunResult run = simulate(sc);
  const WorstCaseExplanation& e = explanation(run.results[0], "sleeper");
  const Time tick = Time::ns(1'000'000'000 / sc.system.hz);
  const Time switch_in = e.expiry + e.latency;
  const Time promote = tick * (switch_in / tick);
  const Time set = promote - tick;
  const std::string expected = "the tick at " + format_time(set) + " set TIF_NEED_RESCHED_LAZY (hog's slice was used up); the tick at " +
                               format_time(promote) + " promoted it to TIF_NEED_RESCHED";
  std::cout << "expiry " << format_time(e.expiry) << ", switch-in " << format_time(switch_in) << ": promoting tick = last jiffy before it = "
            << format_time(promote) << ", setting tick = one before = " << format_time(set) << "\n"
            << e.why << "\n";
  EXPECT_GE(set, e.expiry) << "the setting tick came after the wakeup";
  EXPECT_NE(e.why.find("PREEMPT_LAZY: the fair wakeup of sleeper"), std::string::npos) << e.why;
  EXPECT_NE(e.why.find(expected), std::string::npos) << "expected: " << expected << "\nactual: " << e.why;
}

}  // namespace
}  // namespace preemptsim::testing
