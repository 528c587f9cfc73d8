// The worst-case explanation: its parts sum to the latency, and its "why"
// names the rule that held preemption back (seed 002, spinlock full vs rt,
// cyclictest beside a kernel hog).
#include <gtest/gtest.h>

#include <iostream>

#include "report/json_report.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

const WorstCaseExplanation& explanation(const ModelResult& r, const std::string& task) {
  for (const WorstCaseExplanation& e : r.explanations)
    if (e.task == task) return e;
  ADD_FAILURE() << "no explanation for " << task << " under " << r.model;
  static WorstCaseExplanation none;
  return none;
}

Time sum(const WorstCaseExplanation& e) {
  Time s;
  for (const auto& [what, d] : e.parts) s += d;
  return s;
}

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
