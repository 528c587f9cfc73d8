// Scenario tests for seed 002: a long kernel path delays a higher-priority RT
// task under none/voluntary; full, lazy and rt preempt it at the IRQ return.
#include <gtest/gtest.h>

#include <iostream>

#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

// The seed examples as written. With the default RT bandwidth mechanism of
// 6.12+ (the fair deadline server) nothing holds lo back: there is no fair
// task to serve. ThrottlingStretchesLoButNotHi covers classic RT throttling.
Scenario seed(const std::string& name) { return load_example(name); }

// The cost of a timer wakeup into an idle-free CPU under a preemptible
// kernel: the hrtimer interrupt (entry, hrtimer_wakeup, exit), then the switch.
Time irq_and_switch(const Costs& c) { return c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch; }

TEST(SeedKernelPath, PreemptibleModelsPayOnlyIrqAndSwitch) {
  const Scenario sc = seed("seed-002-kernel-path.yaml");
  const Costs& c = sc.system.costs;
  for (const char* model : {"full", "lazy", "rt"}) {
    const TaskResult hi = task(run_model(sc, model), "hi");
    ASSERT_EQ(hi.wakeup_latency.count(), 1u) << model;
    const Time expected = irq_and_switch(c);
    const std::string why = explain(std::string(model) + " wakeup latency of hi",
                                     "irq_entry " + format_time(c.irq_entry) + " + hrtimer_wakeup " + format_time(c.hrtimer_wakeup) +
                                         " + irq_exit " + format_time(c.irq_exit) + " + context_switch " + format_time(c.context_switch),
                                     expected, hi.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(hi.wakeup_latency.max(), expected) << why;
  }
}

TEST(SeedKernelPath, NoneAndVoluntaryWaitForTheReturnToUser) {
  const Scenario sc = seed("seed-002-kernel-path.yaml");
  const Costs& c = sc.system.costs;
  for (const char* model : {"none", "voluntary"}) {
    const ModelResult r = run_model(sc, model);
    const TaskResult& hi = task(r, "hi");
    const TaskResult& lo = task(r, "lo");
    const Time expiry = mark(hi, "sleep") + Time::ns(3'000'000'000);
    const Time kernel_done = mark(lo, "kernel_done");
    // lo's read() returns to user at kernel_done; exit_to_user_mode() sees
    // TIF_NEED_RESCHED and switches to hi.
    const Time expected = kernel_done - expiry + c.context_switch;
    const std::string why = explain(std::string(model) + " wakeup latency of hi",
                                    "rest of lo's kernel path (kernel_done " + format_time(kernel_done) + " - expiry " +
                                        format_time(expiry) + ") + context_switch " + format_time(c.context_switch),
                                    expected, hi.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(hi.wakeup_latency.max(), expected) << why;
    // The kernel path is 5 s of work started just after 1 s; interrupts on
    // the way (ticks, hi's timer) only lengthen it, by at most 0.1 %.
    EXPECT_GE(hi.wakeup_latency.max(), Time::ns(3'000'000'000));
    EXPECT_LT(hi.wakeup_latency.max(), Time::ns(3'010'000'000));
  }
}

TEST(SeedCondResched, NoneAndVoluntaryPreemptAtCondResched) {
  const Scenario sc = seed("seed-002-cond-resched.yaml");
  const Costs& c = sc.system.costs;
  for (const char* model : {"none", "voluntary"}) {
    const ModelResult r = run_model(sc, model);
    const TaskResult& hi = task(r, "hi");
    const Time expiry = mark(hi, "sleep") + Time::ns(3'000'000'000);
    const Time point = mark(task(r, "lo"), "cond_resched");
    const Time expected = point - expiry + c.context_switch;
    const std::string why = explain(std::string(model) + " wakeup latency of hi",
                                    "cond_resched() reached at " + format_time(point) + " - expiry " + format_time(expiry) +
                                        " + context_switch " + format_time(c.context_switch),
                                    expected, hi.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(hi.wakeup_latency.max(), expected) << why;
    EXPECT_GE(hi.wakeup_latency.max(), Time::ns(2'000'000'000));
    EXPECT_LT(hi.wakeup_latency.max(), Time::ns(2'010'000'000));
  }
  for (const char* model : {"full", "lazy", "rt"}) {
    const TaskResult hi = task(run_model(sc, model), "hi");
    EXPECT_EQ(hi.wakeup_latency.max(), irq_and_switch(c)) << model << ": cond_resched() is a no-op, the IRQ return preempts";
  }
}

TEST(SeedKernelPath, SwitchCountsFollowTheKernel) {
  const Scenario sc = seed("seed-002-kernel-path.yaml");
  for (const char* model : {"none", "full"}) {
    const ModelResult r = run_model(sc, model);
    // hi: blocks in sleep (voluntary) and exits (voluntary).
    EXPECT_EQ(task(r, "hi").nvcsw, 2u) << model;
    EXPECT_EQ(task(r, "hi").nivcsw, 0u) << model;
    // lo: one preemption by hi (at IRQ return under full, at return to user under none).
    EXPECT_EQ(task(r, "lo").nivcsw, 1u) << model;
    EXPECT_EQ(task(r, "lo").cpu_time, Time::ns(5'000'000'000)) << model << ": 5 s of kernel work, IRQ time excluded";
  }
}

// With classic RT throttling (CONFIG_RT_GROUP_SCHED, or up to 6.11), lo
// (SCHED_FIFO, 5 s of kernel work) is throttled once its 950 ms of a period
// are used: under full the throttle's resched_curr() switches it out until the
// period timer refills it, so its path ends about 50 ms later per second
// crossed; hi still wakes in µs.
TEST(SeedKernelPath, ThrottlingStretchesLoButNotHi) {
  Scenario sc = load_example("seed-002-kernel-path.yaml");
  sc.system.rt_bandwidth = SystemSpec::RtBandwidth::Throttle;
  const Costs& c = sc.system.costs;
  const ModelResult r = run_model(sc, "full");
  const Time done = mark(task(r, "lo"), "kernel_done");
  std::cout << "full, RT throttling on: lo's kernel path ends at " << format_time(done) << ", switched out "
            << task(r, "lo").nivcsw << " times; hi's latency " << format_time(task(r, "hi").wakeup_latency.max()) << "\n";
  // 5 s of work from ~1 s, crossing periods at 2..6 s: 4 or 5 throttled gaps of <= 50 ms.
  EXPECT_GT(done, Time::ns(6'190'000'000));
  EXPECT_LT(done, Time::ns(6'260'000'000));
  EXPECT_GE(task(r, "lo").nivcsw, 5u) << "one preemption by hi + one per throttle";
  EXPECT_EQ(task(r, "lo").cpu_time, Time::ns(5'000'000'000));
  // hi is also SCHED_FIFO: when it wakes lo is not running (throttled gap or
  // not), and the only extra it can meet is an interrupt in progress.
  EXPECT_LE(task(r, "hi").wakeup_latency.max(), c.irq_entry + c.tick + c.hrtimer_wakeup * 2 + c.irq_exit + c.context_switch * 2 + c.irq_exit);
}

}  // namespace
}  // namespace preemptsim::testing
