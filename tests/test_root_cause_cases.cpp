// The worst-case explanation in the cases that need more than "who ran":
// the 6.12+ fair server, RT throttling, a priority-inheritance boost, the
// CPU state inside a softirq (non-RT and PREEMPT_RT), an exiting task, and
// an EEVDF wakeup that sets no TIF_NEED_RESCHED. Each expected text is
// composed from the workload's parameters.
#include <gtest/gtest.h>

#include <iostream>

#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

// The model's result with its explanations (the explained run of simulate()).
ModelResult explained(Scenario sc, const std::string& model) {
  sc.system.models = {model};
  RunResult run = simulate(sc);
  return std::move(run.results.at(0));
}


void expect_contains(const std::string& why, const std::string& expected) {
  EXPECT_NE(why.find(expected), std::string::npos) << "expected to contain: " << expected << "\nactual: " << why;
}

// A FIFO 50 hog starves the fair task batch, but sleeps its first 20 ms, so
// batch gets about 20 ms of CPU in the first fair-server period. The server then defers to the last moment that still
// leaves the rest of its 50 ms runtime before the period ends at 1 s:
// 1 s - (50 ms - used). From there it runs batch ahead of every RT task, and
// control (FIFO 90, every 1 ms) waits until the runtime is used up.
TEST(RootCauseCases, FairServerIsNamedWithItsBudgetAndWhyItRan) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [rt], duration: 1100ms}
tasks:
  control:
    policy: fifo
    priority: 90
    program:
      - loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 20us}]}
  hog:
    policy: fifo
    priority: 50
    program:
      - sleep: 20ms
      - loop: {until: end, steps: [{run: 10ms}]}
  batch:
    policy: other
    program:
      - loop: {until: end, steps: [{run: 10ms}]}
)",
                                     "fair-server.yaml");
  const ModelResult r = explained(sc, "rt");
  const WorstCaseExplanation& e = explanation(r, "control");
  std::cout << "control: " << format_time(e.latency) << " at expiry " << format_time(e.expiry) << "\n" << e.why << "\n";
  EXPECT_EQ(sum(e), e.latency);
  const Time runtime = sc.system.fair_server_runtime, period = sc.system.fair_server_period;
  expect_contains(e.why, "the fair server of CPU 0 (dl_server, " + format_time(runtime) + " of runtime every " + format_time(period) + ")");
  expect_contains(e.why, "ahead of every RT task when control (SCHED_FIFO 90) was woken at");
  // "had had USED of CPU in the period that ends at 1 s, so at START": START = 1 s - (runtime - USED)
  const std::string had = "the fair tasks had had ";
  const auto at = e.why.find(had);
  ASSERT_NE(at, std::string::npos) << e.why;
  const std::string rest = e.why.substr(at + had.size());
  const std::string used_text = rest.substr(0, rest.find(" of CPU"));
  // used: a little under the 20 ms the hog slept (control's runs and the switches take the rest)
  const Time used = Time::ns(static_cast<std::int64_t>(std::stod(used_text) * (used_text.find(" ms") != std::string::npos ? 1e6 : 1e3)));
  EXPECT_GT(used, Time::ns(19'000'000)) << used_text;
  EXPECT_LE(used, Time::ns(20'000'000)) << used_text;
  const Time start_lo = period - (runtime - used) - Time::ns(1'000);
  const std::string ends = "in the period that ends at " + format_time(period) + ", so at ";
  const Time start = period - (runtime - used) + sc.system.costs.irq_entry + sc.system.costs.hrtimer_wakeup;
  expect_contains(e.why, ends + format_time(start) + ", the last moment");
  std::cout << "expected start = period end - (runtime - used) + irq entry + timer callback = " << format_time(period) << " - ("
            << format_time(runtime) << " - " << used_text << ") + costs = " << format_time(start) << "\n";
  // control's expiry falls in the served window and it waits until the rest of the runtime is used up
  EXPECT_GE(e.expiry, start_lo);
  EXPECT_GE(e.expiry + e.latency, period - Time::ns(1'000)) << "control ran only once the server's runtime was used up";
  EXPECT_LE(e.expiry + e.latency, period + Time::ns(20'000));
  expect_contains(e.why, "the server's runtime was used up at ");
  EXPECT_EQ(e.why.find('?'), std::string::npos) << e.why;
}

// Classic RT throttling (6.1): RT tasks of CPU 0 may use 950 ms of every 1 s;
// control's wakeups after the throttle wait for the period timer at 1 s.
TEST(RootCauseCases, RtThrottlingIsNamed) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 1100ms, rt_bandwidth: throttle}
tasks:
  control:
    policy: fifo
    priority: 90
    program:
      - loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 20us}]}
  hog:
    policy: fifo
    priority: 50
    program:
      - loop: {until: end, steps: [{run: 10ms}]}
)",
                                     "throttle.yaml");
  const ModelResult r = explained(sc, "full");
  const WorstCaseExplanation& e = explanation(r, "control");
  std::cout << "control: " << format_time(e.latency) << " at expiry " << format_time(e.expiry) << "\n" << e.why << "\n";
  EXPECT_EQ(sum(e), e.latency);
  expect_contains(e.why, "RT throttling (sched_rt_runtime_us: " + format_time(sc.system.rt_runtime) + " of every " +
                             format_time(sc.system.rt_period) + "): the RT tasks of CPU 0 had used their runtime by ");
  expect_contains(e.why, "control (SCHED_FIFO 90) was not picked, whatever its priority");
  // the period timer's callback runs after the interrupt entry, in its hrtimer callback cost
  const Time unthrottle = sc.system.rt_period + sc.system.costs.irq_entry + sc.system.costs.hrtimer_wakeup;
  std::cout << "expected unthrottle = period " << format_time(sc.system.rt_period) << " + irq_entry + hrtimer callback = " << format_time(unthrottle)
            << "\n";
  expect_contains(e.why, "the period timer unthrottled the RT tasks at " + format_time(unthrottle) + "; then the idle loop switched to it");
  // throttled at about 950 ms of RT time (interrupts and switches are not RT time): the worst wait ends at the 1 s period
  EXPECT_GE(e.expiry, Time::ns(950'000'000));
  EXPECT_GE(e.expiry + e.latency, sc.system.rt_period);
  EXPECT_LE(e.expiry + e.latency, sc.system.rt_period + Time::ns(20'000));
}

// PTHREAD_PRIO_INHERIT: hi (FIFO 30) blocks on M held by the SCHED_OTHER lo,
// which runs at hi's priority and so outranks mid (FIFO 20).
TEST(RootCauseCases, APriorityInheritanceBoostIsNamed) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 20ms}
mutexes:
  M: {protocol: inherit}
tasks:
  lo:
    policy: other
    program: [{lock: M}, {run: 4ms}, {unlock: M}, {run: 1ms}]
  hi:
    policy: fifo
    priority: 30
    program: [{sleep: 1ms}, {lock: M}, {run: 1ms}, {unlock: M}]
  mid:
    policy: fifo
    priority: 20
    program: [{sleep: 2ms}, {run: 1ms}]
)",
                                     "pi.yaml");
  const ModelResult r = explained(sc, "full");
  const WorstCaseExplanation& e = explanation(r, "mid");
  std::cout << "mid: " << format_time(e.latency) << "\n" << e.why << "\n";
  expect_contains(e.why, "lo (prio 30 by priority inheritance, normally SCHED_OTHER nice 0) outranks mid (SCHED_FIFO 20) and ran first");
  expect_contains(e.why, "then hi exited at ");
  expect_contains(e.why, "at the end of its program, after pthread_mutex_unlock (pi.yaml:12:");
  // lo's section ends 4 ms after it began at 0, then hi runs its 1 ms: mid waits from 2 ms to about 5 ms
  EXPECT_GE(e.expiry + e.latency, Time::ns(5'000'000));
  EXPECT_LE(e.expiry + e.latency, Time::ns(5'050'000));
}

// A timer that fires while NET_RX runs: on non-RT kernels preempt_count has
// SOFTIRQ_OFFSET (serving a softirq, on the IRQ's exit); on PREEMPT_RT the
// softirq runs in the IRQ thread, preemptible, and the BH count is the task's.
TEST(RootCauseCases, TheCpuStateInsideASoftirqIsTheRealOne) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full, rt], duration: 20ms}
irqs:
  eth0: {cpu: 0, arrival: {periodic: {period: 2ms, phase: 950us}}, handler: 5us, softirqs: {NET_RX: 300us}}
tasks:
  control:
    policy: fifo
    priority: 90
    program:
      - loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 20us}]}
)",
                                     "softirq-state.yaml");
  for (const std::string model : {"full", "rt"}) {
    const ModelResult r = explained(sc, model);
    const WorstCaseExplanation& e = explanation(r, "control");
    std::cout << model << ": control " << format_time(e.latency) << "\n" << e.why << "\n";
    if (model == "full") {
      // the expiry at 1 ms falls 45 us into NET_RX, which runs on the IRQ's exit with SOFTIRQ_OFFSET set
      expect_contains(e.why, "when the timer fired the CPU was in: softirq NET_RX (preempt_count 0x100 (serving a softirq), IRQs on)");
    } else {
      expect_contains(e.why, "softirq NET_RX (preempt_count 0x0 (PREEMPT_RT: serving it in task context, preemptible, with BH disabled in the "
                             "task's softirq_disable_cnt), IRQs on)");
      expect_contains(e.why, "then irq/16-eth0 was preempted at " + format_time(e.expiry + e.latency - sc.system.costs.context_switch) +
                                 ", at softirq NET_RX work it ran in task context");
      expect_contains(e.why, "switched in at the first chance");
    }
  }
}

// An RT task that exits is not "blocked": hog (FIFO 95) runs 1 ms from
// 2.5 ms and exits; hi's wakeup at 3 ms waits for it.
TEST(RootCauseCases, AnExitingTaskExits) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 10ms}
tasks:
  hi:
    policy: fifo
    priority: 90
    program:
      - loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 20us}]}
  hog:
    policy: fifo
    priority: 95
    program: [{sleep: 2500us}, {run: 1ms}]
)",
                                     "exit.yaml");
  const ModelResult r = explained(sc, "full");
  const WorstCaseExplanation& e = explanation(r, "hi");
  std::cout << "hi: " << format_time(e.latency) << "\n" << e.why << "\n";
  EXPECT_EQ(e.expiry, Time::ns(3'000'000));
  expect_contains(e.why, "hog (SCHED_FIFO 95) outranks hi (SCHED_FIFO 90) and ran first; then hog exited at ");
  EXPECT_EQ(e.why.find("hog blocked"), std::string::npos) << e.why;
}

// EEVDF: a nice 19 sleeper's virtual deadline is far behind a nice -20
// hog's, so its wakeup sets no TIF_NEED_RESCHED; the explanation says so
// instead of claiming a preemption at the first point.
TEST(RootCauseCases, AnEevdfWakeupThatPreemptsNothingIsNamed) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 200ms}
tasks:
  sleeper:
    policy: other
    nice: 19
    program:
      - loop: {until: end, steps: [{periodic: {period: 3ms}}, {run: 10us}]}
  hog:
    policy: other
    nice: -20
    program:
      - loop: {until: end, steps: [{run: 10ms}]}
)",
                                     "eevdf.yaml");
  const ModelResult r = explained(sc, "full");
  const WorstCaseExplanation& e = explanation(r, "sleeper");
  std::cout << "sleeper: " << format_time(e.latency) << "\n" << e.why << "\n";
  expect_contains(e.why, "EEVDF kept hog (SCHED_OTHER nice -20) on the CPU at the wakeup of sleeper (SCHED_OTHER nice 19)");
  expect_contains(e.why, "check_preempt_wakeup_fair() set no TIF_NEED_RESCHED");
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// The fair server is per CPU: serving on CPU 0 does not explain a wakeup on
// CPU 1, whose own server never starts (its fair task is never starved).
TEST(RootCauseCases, AnotherCpusFairServerIsNotTheReason) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 2, models: [rt], duration: 1100ms}
tasks:
  control:
    policy: fifo
    priority: 90
    cpus: [1]
    program:
      - loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 20us}]}
  other1:
    policy: other
    cpus: [1]
    program:
      - loop: {until: end, steps: [{run: 10ms}]}
  hog:
    policy: fifo
    priority: 50
    cpus: [0]
    program:
      - loop: {until: end, steps: [{run: 10ms}]}
  batch:
    policy: other
    cpus: [0]
    program:
      - loop: {until: end, steps: [{run: 10ms}]}
)",
                                     "fair-server-smp.yaml");
  const ModelResult r = explained(sc, "rt");
  const WorstCaseExplanation& e = explanation(r, "control");
  std::cout << "control on CPU 1: " << format_time(e.latency) << "\n" << e.why << "\n";
  EXPECT_EQ(e.cpu, 1);
  EXPECT_EQ(e.why.find("fair server"), std::string::npos) << e.why;
  EXPECT_LT(e.latency, Time::ns(100'000)) << "CPU 1's fair task is never starved: no server delay";
  // on CPU 0 the starved batch task is served once the hog has held it 950 ms
  EXPECT_GT(task(r, "batch").cpu_time, Time::ns(45'000'000)) << "batch gets about 50 ms from CPU 0's server";
}

}  // namespace
}  // namespace preemptsim::testing
