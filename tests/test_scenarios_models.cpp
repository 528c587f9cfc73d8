// Scenario tests across the models: preemption-point density (cyclictest
// beside a kernel hog), lazy preemption of fair wakeups, SMP wakeups via IPI.
#include <gtest/gtest.h>

#include <iostream>

#include <fmt/format.h>

#include <sstream>

#include "report/table.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

TEST(CyclictestKernelHog, LatencyOrderingNoneVoluntaryFull) {
  const Scenario sc = load_example("cyclictest-kernel-hog.yaml");
  const Costs& c = sc.system.costs;
  const Time none = task(run_model(sc, "none"), "cyclic").wakeup_latency.max();
  const Time vol = task(run_model(sc, "voluntary"), "cyclic").wakeup_latency.max();
  const Time full = task(run_model(sc, "full"), "cyclic").wakeup_latency.max();
  // Worst case per model = the longest stretch between the points the model
  // honours + the timer interrupt (with a tick that may share it) + the switch.
  // (the tick and the RT-bandwidth period timer can expire in the same interrupt)
  const Time irq = c.irq_entry + c.hrtimer_wakeup + c.tick + c.hrtimer_wakeup + c.irq_exit;
  const Time bound_none = Time::ns(300'000) + irq + c.context_switch;
  const Time bound_vol = Time::ns(100'000) + irq + c.context_switch;
  const Time bound_full = irq + c.context_switch;
  std::cout << "none:      max " << format_time(none) << " <= 3 x 100 us between cond_resched() + IRQ + switch = " << format_time(bound_none) << "\n"
            << "voluntary: max " << format_time(vol) << " <= 100 us between might_sleep() + IRQ + switch = " << format_time(bound_vol) << "\n"
            << "full:      max " << format_time(full) << " <= IRQ (timer + tick + RT period timer) + switch = " << format_time(bound_full) << "\n";
  EXPECT_LE(none, bound_none);
  EXPECT_LE(vol, bound_vol);
  EXPECT_LE(full, bound_full);
  // and each model is close to its bound: the hog is in the kernel most of the time
  EXPECT_GT(none, Time::ns(250'000));
  EXPECT_GT(vol, Time::ns(90'000));
  EXPECT_GE(none, vol);
  EXPECT_GE(vol, full);
}

TEST(LazyFairWakeup, LazyDefersFairWakeupsToTheTick) {
  const Scenario sc = load_example("lazy-fair-wakeup.yaml");
  const Time tick = Time::ns(1'000'000'000 / sc.system.hz);
  const TaskResult full = task(run_model(sc, "full"), "sleeper");
  const TaskResult lazy = task(run_model(sc, "lazy"), "sleeper");
  std::cout << "full p50 " << format_time(full.wakeup_latency.percentile(0.5)) << ", lazy p50 "
            << format_time(lazy.wakeup_latency.percentile(0.5)) << " (tick " << format_time(tick) << ")\n";
  // full: most fair wakeups preempt the kernel hog at the IRQ return.
  EXPECT_LT(full.wakeup_latency.percentile(0.5), Time::ns(10'000));
  // lazy: TIF_NEED_RESCHED_LAZY waits for sched_tick() to promote it: about
  // half a tick on average, never more than two ticks (a request made in
  // task_tick() itself is promoted by the following tick) plus costs.
  EXPECT_GT(lazy.wakeup_latency.percentile(0.5), tick / 4);
  EXPECT_LE(lazy.wakeup_latency.max(), tick * 2 + Time::ns(10'000));
}

TEST(LazyFairWakeup, NoneWaitsForTheWholeKernelPath) {
  const Scenario sc = load_example("lazy-fair-wakeup.yaml");
  const TaskResult none = task(run_model(sc, "none"), "sleeper");
  // The hog's 50 ms kernel path has no preemption point: the sleeper runs
  // only when the hog returns to user.
  EXPECT_GT(none.wakeup_latency.percentile(0.5), Time::ns(30'000'000));
  EXPECT_LE(none.wakeup_latency.max(), Time::ns(50'000'000));
}

// A task allowed on both CPUs starts and sleeps on CPU 0 (woken first at
// boot, it lands on idle CPU 0). When its timer fires, CPU 0 is
// busy with a higher RT task, CPU 1 is idle: select_task_rq() picks CPU 1 and
// the wakeup crosses CPUs through a reschedule IPI.
TEST(Smp, RemoteWakeupGoesThroughAnIpi) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 2, models: [full], duration: 100ms}
tasks:
  waker: {policy: fifo, priority: 10, cpus: [0, 1], program: [{run: 10us}, {mark: sleep}, {sleep: 10ms}, {mark: woken}]}
  hog: {policy: fifo, priority: 90, cpus: [0], program: [{sleep: 1ms}, {run: 50ms}]}
)", "inline.yaml");
  const Costs& c = sc.system.costs;
  const ModelResult r = run_model(sc, "full");
  const TaskResult& w = task(r, "waker");
  const Time expected = c.irq_entry + c.hrtimer_wakeup + c.ipi_latency + c.irq_entry + c.ipi_handler + c.irq_exit + c.context_switch;
  const std::string why = explain("remote wakeup latency",
                                  "timer IRQ on cpu0 (entry + hrtimer_wakeup) + IPI flight + IPI on cpu1 (entry + scheduler_ipi + exit) + switch",
                                  expected, w.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(w.wakeup_latency.max(), expected) << why;
  EXPECT_EQ(r.cpus[1].irqs, 1u) << "cpu1 took exactly the reschedule IPI";
  EXPECT_GT(mark(w, "woken"), Time::ns(10'000'000));
}

// A CPU with IRQs disabled delays the timer interrupt itself.
TEST(Interrupts, IrqsDisabledDelaysTheTimer) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [none, full], duration: 100ms}
tasks:
  hi: {policy: fifo, priority: 50, program: [{mark: sleep}, {sleep: 5ms}]}
  lo:
    policy: fifo
    priority: 10
    program:
      - syscall: ioctl
        kernel: [{busy: 1ms}, local_irq_disable, {busy: 10ms}, {mark: irq_on}, local_irq_enable, {busy: 10ms}]
)", "inline.yaml");
  const Costs& c = sc.system.costs;
  const ModelResult r = run_model(sc, "full");
  const Time expiry = mark(task(r, "hi"), "sleep") + Time::ns(5'000'000);
  const Time on = mark(task(r, "lo"), "irq_on");
  // The tick that fell inside the section is taken in the same interrupt.
  const Time expected = on - expiry + c.irq_entry + c.tick + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
  const std::string why = explain("full wakeup latency behind local_irq_disable()",
                                  "(local_irq_enable at " + format_time(on) + " - expiry " + format_time(expiry) +
                                      ") + timer IRQ with a pending tick (entry + tick + hrtimer_wakeup + exit) + switch",
                                  expected, task(r, "hi").wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(task(r, "hi").wakeup_latency.max(), expected) << why;
}

// preempt_enable() reaching zero is a preemption point under full only.
TEST(PreemptCount, PreemptEnableIsAPreemptionPointUnderFull) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [none, full], duration: 100ms}
tasks:
  hi: {policy: fifo, priority: 50, program: [{mark: sleep}, {sleep: 5ms}]}
  lo:
    policy: fifo
    priority: 10
    program:
      - syscall: ioctl
        kernel: [{busy: 1ms}, preempt_disable, {busy: 10ms}, {mark: enable}, preempt_enable, {busy: 10ms}, {mark: done}]
)", "inline.yaml");
  const Costs& c = sc.system.costs;
  {
    const ModelResult r = run_model(sc, "full");
    const Time expiry = mark(task(r, "hi"), "sleep") + Time::ns(5'000'000);
    const Time expected = mark(task(r, "lo"), "enable") - expiry + c.context_switch;
    const std::string why = explain("full latency", "(preempt_enable() at the end of the section - expiry) + switch", expected,
                                    task(r, "hi").wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(task(r, "hi").wakeup_latency.max(), expected) << why;
  }
  {
    const ModelResult r = run_model(sc, "none");
    const Time expiry = mark(task(r, "hi"), "sleep") + Time::ns(5'000'000);
    const Time expected = mark(task(r, "lo"), "done") - expiry + c.context_switch;
    const std::string why = explain("none latency", "(return to user after the whole syscall - expiry) + switch", expected,
                                    task(r, "hi").wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(task(r, "hi").wakeup_latency.max(), expected) << why;
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// The summary weighs throughput against latency per model: its figures are
// the sums of the per-task results, relative to the first model.
TEST(Summary, ThroughputAgainstLatency) {
  const Scenario sc = load_example("lazy-fair-wakeup.yaml");
  const RunResult run = simulate(sc);
  std::ostringstream out;
  write_table(out, run);
  const std::string text = out.str();
  ASSERT_NE(text.find("summary (relative to none)"), std::string::npos) << text;
  std::uint64_t loops_none = 0, loops_full = 0;
  for (const TaskResult& t : run.results[0].tasks) loops_none += t.loops;
  for (const TaskResult& t : run.results[1].tasks) loops_full += t.loops;
  std::cout << "loop iterations: none " << loops_none << ", full " << loops_full
            << " (the sleeper runs more often when its wakeups preempt the hog)\n";
  EXPECT_GT(loops_full, loops_none);
  EXPECT_NE(text.find(fmt::format("{} (+0.00%)", loops_none)), std::string::npos) << text;
  EXPECT_NE(text.find(fmt::format("{} (+{:.2f}%)", loops_full, (static_cast<double>(loops_full) / static_cast<double>(loops_none) - 1) * 100)), std::string::npos) << text;
  for (const ModelResult& m : run.results)
    for (const CpuResult& c : m.cpus)
      EXPECT_EQ(c.user + c.kernel + c.hardirq + c.softirq + c.irqthread + c.sched + c.idle, sc.system.duration) << m.model;
}

}  // namespace
}  // namespace preemptsim::testing
