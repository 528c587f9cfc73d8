// The machine's noise sources (src/machine/), each in a scenario whose
// expected effect is composed from its parameters: cpuidle exit latency and
// the governor's limit, polling idle without IPIs, an SMI delaying the timer
// interrupt, nohz_full's tick, rcu_nocbs' offloading, memory interference.
#include <gtest/gtest.h>

#include <iostream>

#include "machine/machine_spec.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

const Costs kCosts;  // the defaults (the ideal profile)

ModelResult run(const std::string& text, const std::string& model = "full") {
  return run_model(parse_workload(text, "noise.yaml"), model);
}

const CpuResult& cpu(const ModelResult& r, int c) { return r.cpus[static_cast<std::size_t>(c)]; }

// One CPU, a cyclictest-like task: its first sleep already predicts ~1 ms.
const std::string kCyclic =
    "tasks:\n  rt: {policy: fifo, priority: 80, program: [{loop: {until: 100ms, steps: [{periodic: {period: 1ms, phase: 1ms}}, {run: 20us}]}}]}\n";
const std::string kStates =
    "  cpuidle: {states: [{name: C1, exit_latency: 2us, target_residency: 2us}, {name: C6, exit_latency: 133us, target_residency: 600us}]}\n";

// The base wakeup path of an idle CPU: timer IRQ entry, hrtimer_wakeup, exit, switch.
Time base_wakeup() { return kCosts.irq_entry + kCosts.hrtimer_wakeup + kCosts.irq_exit + kCosts.context_switch; }

TEST(MachineNoise, IdleCpuWokenFromC6PaysItsExitLatency) {
  const ModelResult r = run("system: {models: [full], duration: 100ms,\n" + kStates + "}\n" + kCyclic);
  const ModelResult plain = run("system: {models: [full], duration: 100ms}\n" + kCyclic);
  const TaskResult& t = task(r, "rt");
  const Time expected = base_wakeup() + 133_us;
  std::cout << explain("latency from C6", "irq_entry + hrtimer_wakeup + irq_exit + switch + C6 exit 133us", expected, t.wakeup_latency.max()) << "\n";
  EXPECT_EQ(t.wakeup_latency.min(), expected);
  EXPECT_EQ(t.wakeup_latency.max(), expected);
  EXPECT_EQ(task(plain, "rt").wakeup_latency.max(), base_wakeup()) << "without idle states: the exact base";
  // residency counts: every idle period predicted ~1 ms deep: C6, never C1
  ASSERT_EQ(cpu(r, 0).idle_states.size(), 2u);
  EXPECT_EQ(cpu(r, 0).idle_states[0].usage, 0u);
  EXPECT_GE(cpu(r, 0).idle_states[1].usage, t.wakeup_latency.count());
}

TEST(MachineNoise, CpuDmaLatencyBelowTheExitLatencyPicksAShallowerState) {
  const ModelResult r = run("system: {models: [full], duration: 100ms, cpu_dma_latency: 100us,\n" + kStates + "}\n" + kCyclic);
  const TaskResult& t = task(r, "rt");
  const Time expected = base_wakeup() + 2_us;
  std::cout << explain("latency under cpu_dma_latency 100us < C6's 133us", "base + C1 exit 2us", expected, t.wakeup_latency.max()) << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), expected);
  EXPECT_EQ(cpu(r, 0).idle_states[1].usage, 0u) << "C6 never entered";
  EXPECT_GT(cpu(r, 0).idle_states[0].usage, 0u);
}

TEST(MachineNoise, ShortPredictedIdlePicksTheShallowState) {
  // a 400 us period: the predicted idle (~380 us) is below C6's 600 us residency
  const std::string cyclic =
      "tasks:\n  rt: {policy: fifo, priority: 80, program: [{loop: {until: 40ms, steps: [{periodic: {period: 400us, phase: 400us}}, {run: 20us}]}}]}\n";
  const ModelResult r = run("system: {models: [full], duration: 40ms,\n" + kStates + "}\n" + cyclic);
  EXPECT_EQ(task(r, "rt").wakeup_latency.max(), base_wakeup() + 2_us);
  EXPECT_EQ(cpu(r, 0).idle_states[1].usage, 0u);
}

// A task on CPU 0 posts a semaphore a task on the idle CPU 1 waits on.
const std::string kCrossWake =
    "tasks:\n"
    "  sleeper: {policy: fifo, priority: 50, cpus: [1], program: [{sem_wait: s}, {mark: woke}]}\n"
    "  waker: {policy: fifo, priority: 50, cpus: [0], program: [{run: 100us}, {mark: post}, {sem_post: s}]}\n";

Time cross_latency(const ModelResult& r) { return mark(task(r, "sleeper"), "woke") - mark(task(r, "waker"), "post"); }

TEST(MachineNoise, PollingIdleNeedsNoIpi) {
  const ModelResult ipi = run("system: {models: [full], cpus: 2, duration: 10ms}\n" + kCrossWake);
  const Time with_ipi = kCosts.ipi_latency + kCosts.irq_entry + kCosts.ipi_handler + kCosts.irq_exit + kCosts.context_switch;
  std::cout << explain("cross-CPU wakeup of a halted idle CPU", "ipi flight + irq entry + scheduler_ipi + irq exit + switch", with_ipi, cross_latency(ipi)) << "\n";
  EXPECT_EQ(cross_latency(ipi), with_ipi);
  // (every run has one IPI to CPU 1 at boot: wake_up_new_task() on CPU 0 places the sleeper there)
  const std::uint64_t boot_ipis = 1;
  EXPECT_EQ(cpu(ipi, 1).ipis, boot_ipis + 1);

  const ModelResult poll = run("system: {models: [full], cpus: 2, duration: 10ms, idle: poll}\n" + kCrossWake);
  std::cout << explain("cross-CPU wakeup of a polling idle CPU (idle=poll)", "switch only", kCosts.context_switch, cross_latency(poll)) << "\n";
  EXPECT_EQ(cross_latency(poll), kCosts.context_switch);
  EXPECT_EQ(cpu(poll, 1).ipis, boot_ipis) << "the wakeup sent none";
  EXPECT_EQ(cpu(poll, 1).irqs, boot_ipis);

  // x86 MWAIT: no IPI either (the monitored flags word wakes it), but the exit latency is paid
  const ModelResult mwait = run("system: {models: [full], cpus: 2, duration: 10ms,\n"
                                "  cpuidle: {monitor: true, states: [{name: C1, exit_latency: 2us, target_residency: 2us}]}}\n" + kCrossWake);
  EXPECT_EQ(cross_latency(mwait), 2_us + kCosts.context_switch);
  EXPECT_EQ(cpu(mwait, 1).ipis, boot_ipis);

  // ARM WFI (no TIF_POLLING_NRFLAG): the IPI and then the exit latency
  const ModelResult wfi = run("system: {models: [full], cpus: 2, duration: 10ms,\n"
                              "  cpuidle: {states: [{name: WFI, exit_latency: 1us, target_residency: 1us}]}}\n" + kCrossWake);
  EXPECT_EQ(cross_latency(wfi), kCosts.ipi_latency + 1_us + kCosts.irq_entry + kCosts.ipi_handler + kCosts.irq_exit + kCosts.context_switch);
  EXPECT_EQ(cpu(wfi, 1).ipis, boot_ipis + 1);
}

TEST(MachineNoise, SmiDelaysTheTimerInterruptByTheOverlap) {
  // The timer expires at 2 ms; an SMI of 100 us starts 30 us before: 70 us overlap.
  const std::string sys = "system: {models: [full], duration: 100ms,\n"
                          "  noise: {smi: {arrival: {periodic: {period: 1s, phase: 1970us}}, duration: 100us}}}\n";
  const RunResult run_result = simulate(parse_workload(sys + kCyclic, "noise.yaml"));
  const ModelResult& r = run_result.results[0];
  const ModelResult plain = run("system: {models: [full], duration: 100ms}\n" + kCyclic);
  const TaskResult& t = task(r, "rt");
  const Time overlap = 2000_us - 1970_us > Time() ? 1970_us + 100_us - 2000_us : Time();
  std::cout << explain("worst wakeup", "base + SMI overlap (1970us + 100us - 2000us)", base_wakeup() + overlap, t.wakeup_latency.max()) << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), base_wakeup() + overlap);
  EXPECT_EQ(t.wakeup_latency.min(), base_wakeup());
  EXPECT_EQ(t.irq_latency.max(), kCosts.irq_entry + overlap) << "the timer IRQ itself is late by the overlap";
  EXPECT_EQ(cpu(r, 0).irqs, cpu(plain, 0).irqs) << "an SMI is not an interrupt the kernel counts";
  EXPECT_EQ(cpu(r, 0).smis, 1u);
  EXPECT_EQ(cpu(r, 0).smi_stolen, 100_us);
  ASSERT_FALSE(r.explanations.empty());
  bool named = false;
  for (const auto& [what, d] : r.explanations[0].parts)
    if (what.find("SMI") != std::string::npos) {
      named = true;
      EXPECT_EQ(d, overlap) << what;
    }
  EXPECT_TRUE(named) << "the worst case's explanation names the SMI";
  for (const auto& [what, d] : r.explanations[0].parts) std::cout << "  part: " << what << " " << format_time(d) << "\n";
}

TEST(MachineNoise, SmiStretchesWorkItInterrupts) {
  // A 1 ms run from 2 us (after the switch) with a 50 us SMI at 500 us: it ends 50 us later.
  const std::string tasks = "tasks:\n  t: {policy: fifo, priority: 10, program: [{run: 1ms}, {mark: done}]}\n";
  const ModelResult r = run("system: {models: [full], duration: 10ms,\n"
                            "  noise: {smi: {arrival: {periodic: {period: 1s, phase: 500us}}, duration: 50us}}}\n" + tasks);
  EXPECT_EQ(mark(task(r, "t"), "done"), kCosts.context_switch + 1_ms + 50_us);
}

TEST(MachineNoise, NohzFullRemovesTheTickOfACpuRunningOneTask) {
  const std::string one = "tasks:\n  hog: {policy: other, cpus: [1], program: [{run: 100ms}]}\n";
  const std::string two = one + "  hog2: {policy: other, cpus: [1], program: [{run: 100ms}]}\n";
  const ModelResult ticking = run("system: {models: [full], cpus: 2, duration: 100ms}\n" + one);
  const ModelResult full = run("system: {models: [full], cpus: 2, duration: 100ms, nohz_full: [1]}\n" + one);
  const ModelResult shared = run("system: {models: [full], cpus: 2, duration: 100ms, nohz_full: \"1\"}\n" + two);
  const std::uint64_t ticks = static_cast<std::uint64_t>(100_ms / Time::ns(4'000'000)) - 1;  // HZ 250, from the first jiffy after 0 to before the end
  std::cout << "ticks on CPU 1: without nohz_full " << cpu(ticking, 1).irqs << " (expected >= " << ticks << "), with nohz_full "
            << cpu(full, 1).irqs << " (expected 0), two tasks " << cpu(shared, 1).irqs << "\n";
  EXPECT_GE(cpu(ticking, 1).irqs, ticks);
  EXPECT_EQ(cpu(full, 1).irqs - cpu(full, 1).ipis, 0u) << "no timer interrupt (only the boot placement's IPI)";
  EXPECT_GE(cpu(shared, 1).irqs, ticks) << "two runnable tasks need the tick";
}

TEST(MachineNoise, RcuNocbsMovesCallbacksToRcuop) {
  const std::string sys = "system: {models: [full], cpus: 2, duration: 100ms, noise: {housekeeping: {rcu: {period: 8ms, duration: 5us}}}";
  const std::string hog = "tasks:\n  hog: {policy: other, cpus: [1], program: [{run: 100ms}]}\n";
  const ModelResult soft = run(sys + "}\n" + hog);
  const ModelResult nocb = run(sys + ", rcu_nocbs: [1]}\n" + hog);
  const Time batches = 5_us * (100_ms / 8_ms);  // due at 8, 16, ..., 96 ms
  std::cout << explain("RCU_SOFTIRQ on CPU 1", "12 batches x 5us", batches, cpu(soft, 1).softirq) << "\n";
  EXPECT_EQ(cpu(soft, 1).softirq, batches);
  EXPECT_EQ(cpu(nocb, 1).softirq, Time());
  EXPECT_EQ(cpu(nocb, 1).softirqs, 0u);
  std::cout << explain("rcuop/1's work on CPU 0", "12 batches x 5us", batches, cpu(nocb, 0).kernel) << "\n";
  EXPECT_EQ(cpu(nocb, 0).kernel, batches);
  // PREEMPT_RT: rcuc/1 runs them on CPU 1 as a thread, not as a softirq
  const ModelResult rt = run("system: {models: [rt], cpus: 2, duration: 100ms, noise: {housekeeping: {rcu: {period: 8ms, duration: 5us}}}}\n" + hog, "rt");
  EXPECT_EQ(cpu(rt, 1).softirqs, 0u);
}

TEST(MachineNoise, MemoryInterferenceSlowsWorkOnlyWhileTheHeavyTaskRuns) {
  auto tasks = [](bool heavy) {
    return std::string("tasks:\n  a: {policy: fifo, priority: 10, cpus: [0], program: [{run: 1ms}, {mark: done}]}\n") +
           "  b: {policy: fifo, priority: 10, cpus: [1], memory_heavy: " + (heavy ? "true" : "false") + ", program: [{sleep: 100us}, {run: 400us}]}\n";
  };
  const std::string sys = "system: {models: [full], cpus: 2, duration: 10ms, noise: {memory_interference: {factor: 2}}}\n";
  const ModelResult r = run(sys + tasks(true));
  // b is current (memory-heavy) on CPU 1 twice: at boot, from its switch-in
  // through the boot placement's IPI to the switch away into its 100 us sleep
  // (w1), and from its switch-in after the sleep through its 400 us run to the
  // end of its exit switch (w2). a's work runs at half speed meanwhile, so it
  // ends (w1 + w2) x (1 - 1/2) later than its 1 ms.
  const Time sw = kCosts.context_switch;
  const Time w1 = kCosts.irq_entry + kCosts.ipi_handler + kCosts.irq_exit + sw, w2 = 400_us + sw;
  const Time expected = sw + 1_ms + (w1 + w2) / 2;
  std::cout << explain("a's 1 ms of work ends", "switch + 1ms + (w1 (boot IPI + switch) + w2 (400us + switch)) / 2", expected,
                       mark(task(r, "a"), "done")) << "\n";
  EXPECT_EQ(mark(task(r, "a"), "done"), expected);
  EXPECT_EQ(mark(task(run(sys + tasks(false)), "a"), "done"), sw + 1_ms) << "no memory-heavy task: no slowdown";
}

TEST(MachineNoise, ErrorsPointAtTheField) {
  auto error = [](const std::string& text) {
    try {
      parse_workload(text, "n.yaml");
    } catch (const WorkloadError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error("system: {noise: {housekeeping: [rcu, vmstats]}}\n").find("n.yaml:1:38: "), std::string::npos)
      << error("system: {noise: {housekeeping: [rcu, vmstats]}}\n");
  EXPECT_NE(error("system: {cpus: 2, nohz_full: [2]}\n").find("CPU 2 does not exist"), std::string::npos);
  EXPECT_NE(error("system: {cpuidle: {states: [{name: C6, exit_latency: 133us, target_residency: 600us}, {name: C1, exit_latency: 2us, target_residency: 2us}]}}\n")
                .find("shallowest"), std::string::npos);
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// Every shipped profile loads; those with idle states make an idle CPU's
// wakeup pay the deepest state the governor picks: a 10 ms period on the
// Cortex-A53 board predicts ~10 ms of idle, past cpu-sleep-wait's 2.7 ms
// residency, so each wakeup pays its 1.5 ms exit latency (plus drawn costs).
TEST(MachineProfiles, ShippedProfilesCarryTheirIdleStates) {
  const std::string cyclic =
      "tasks:\n  rt: {policy: fifo, priority: 80, program: [{loop: {until: 200ms, steps: [{periodic: {period: 10ms, phase: 10ms}}, {run: 20us}]}}]}\n";
  struct Case {
    const char* profile;
    std::size_t states;
    Time deepest_exit;  // the state a 10 ms idle period selects
  };
  for (const Case& c : {Case{"x86-server", 4, 133_us}, Case{"x86-desktop", 9, 890_us}, Case{"cortex-a72", 3, 900_us}, Case{"cortex-a53", 2, 1500_us}}) {
    const Scenario sc = parse_workload(std::string("system: {models: [full], duration: 200ms, profile: ") + c.profile + "}\n" + cyclic, "p.yaml");
    ASSERT_TRUE(sc.system.machine) << c.profile;
    EXPECT_EQ(sc.system.machine->cpuidle.states.size(), c.states) << c.profile;
    const ModelResult r = run_model(sc, "full");
    const TaskResult& t = task(r, "rt");
    std::cout << c.profile << ": wakeup latency min " << format_time(t.wakeup_latency.min()) << " (the selected state's exit latency "
              << format_time(c.deepest_exit) << " + drawn costs)\n";
    EXPECT_GT(t.wakeup_latency.min(), c.deepest_exit) << c.profile;
    EXPECT_LT(t.wakeup_latency.max(), c.deepest_exit + 200_us) << c.profile;
  }
  const Scenario ideal = parse_workload("system: {profile: ideal}\n" + cyclic, "p.yaml");
  EXPECT_FALSE(ideal.system.machine) << "the ideal profile has no noise source";
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// isolcpus: a task without `cpus:` never lands on the isolated CPU, and
// vmstat_update runs only on the housekeeping CPU (kworker/0:1, one 10 us batch
// a second, the first at 1 s); TLB-shootdown IPIs reach both CPUs as interrupts.
TEST(MachineNoise, IsolcpusKeepsTasksAndVmstatAway) {
  const std::string text =
      "system: {models: [full], cpus: 2, duration: 3500ms, isolcpus: [1],\n"
      "  noise: {housekeeping: {vmstat: {period: 1s, duration: 10us}, tlb_shootdown: {rate: 100, duration: 3us}}}}\n"
      "tasks:\n  a: {policy: other, program: [{loop: {until: 3500ms, steps: [{run: 1ms}, {sleep: 1ms}]}}]}\n";
  const ModelResult r = run(text);
  EXPECT_EQ(cpu(r, 1).user, Time()) << "a never runs on the isolated CPU";
  EXPECT_GT(cpu(r, 0).user, Time());
  const Time vmstat = 10_us * 3;  // due at 1, 2 and 3 s
  std::cout << explain("kworker/0:1's vmstat work on CPU 0", "3 batches x 10us", vmstat, cpu(r, 0).kernel) << "\n";
  EXPECT_EQ(cpu(r, 0).kernel, vmstat);
  EXPECT_EQ(cpu(r, 1).kernel, Time()) << "no kworker on the isolated CPU";
  const auto& irqs = r.irq_counts;
  ASSERT_TRUE(irqs.count("tlb_shootdown/0") && irqs.count("tlb_shootdown/1"));
  EXPECT_GT(irqs.at("tlb_shootdown/1"), 200u) << "~350 expected at 100/s over 3.5 s";
  EXPECT_LT(irqs.at("tlb_shootdown/1"), 500u);
}

// An SMI limited to CPU 1 leaves CPU 0's task exact.
TEST(MachineNoise, SmiOnOneCpuOnly) {
  const std::string text = "system: {models: [full], cpus: 2, duration: 10ms,\n"
                           "  noise: {smi: {arrival: {periodic: {period: 1ms, phase: 500us}}, duration: 50us, cpus: [1]}}}\n"
                           "tasks:\n  t0: {policy: fifo, priority: 10, cpus: [0], program: [{run: 2ms}, {mark: done}]}\n"
                           "  t1: {policy: fifo, priority: 10, cpus: [1], program: [{run: 2ms}, {mark: done}]}\n";
  const ModelResult r = run(text);
  EXPECT_EQ(mark(task(r, "t0"), "done"), kCosts.context_switch + 2_ms);
  EXPECT_EQ(cpu(r, 0).smis, 0u);
  // t1 (after the boot IPI: irq entry, handler, exit) is stopped by the SMIs at 0.5, 1.5 ms, ... until it ends
  const Time start = kCosts.context_switch, ipi = kCosts.irq_entry + kCosts.ipi_handler + kCosts.irq_exit;
  const Time done = mark(task(r, "t1"), "done");
  // without SMIs it ends at 2.0035 ms; the SMI at 0.5 ms moves that to 2.0535,
  // the one at 1.5 ms to 2.1035; the one at 2.5 ms comes after the end
  const Time expected = start + ipi + 2_ms + 50_us * 2;
  std::cout << explain("t1 done", "switch + boot IPI + 2ms + 2 SMIs x 50us", expected, done) << "\n";
  EXPECT_EQ(done, expected);
  EXPECT_EQ(cpu(r, 1).smis, 10u) << "one every ms from 0.5 ms in 10 ms";
  EXPECT_EQ(cpu(r, 1).smi_stolen, 50_us * 10);
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// timer_wheel: a batch of expired timer_list timers every 10 ms runs in
// TIMER_SOFTIRQ at the CPU's next tick (every 4 ms at HZ 250): 9 batches due
// before the end (10 ... 90 ms) of 2 us each. The same seed gives the same run.
TEST(MachineNoise, TimerWheelExpiriesRunAtTheTick) {
  const std::string text = "system: {models: [full], duration: 100ms, noise: {housekeeping: {timer_wheel: {period: 10ms, duration: 2us}}}}\n"
                           "tasks:\n  hog: {policy: other, program: [{run: 100ms}]}\n";
  const ModelResult r = run(text);
  const Time expected = 2_us * ((100_ms - Time::ns(1)) / 10_ms);
  std::cout << explain("TIMER_SOFTIRQ time", "9 batches x 2us", expected, cpu(r, 0).softirq) << "\n";
  EXPECT_EQ(cpu(r, 0).softirq, expected);
  EXPECT_EQ(cpu(r, 0).softirqs, 9u);
  const ModelResult again = run(text);
  EXPECT_EQ(cpu(again, 0).softirq, cpu(r, 0).softirq);
  EXPECT_EQ(task(again, "hog").cpu_time, task(r, "hog").cpu_time);
}

}  // namespace
}  // namespace preemptsim::testing
