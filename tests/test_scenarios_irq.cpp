// Scenario tests for interrupts: a NET_RX storm per model, IRQ affinity,
// RT throttling, NMIs, softirqs raised from task context, arrival processes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "kernel/kernel.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

TEST(NetRxStorm, NonRtWaitsForHandlerAndSoftirqBasicRtForSoftirqRtForNeither) {
  const Scenario sc = load_example("irq-net-rx-storm.yaml");
  const Costs& c = sc.system.costs;
  const Time handler = Time::ns(20'000), net_rx = Time::ns(25'000);
  const TaskResult full = task(run_model(sc, "full"), "cyclic");
  const TaskResult basic = task(run_model(sc, "basic_rt"), "cyclic");
  const TaskResult rt = task(run_model(sc, "rt"), "cyclic");
  // rt: at worst the timer interrupt waits for a threaded primary handler
  // (entry + irq_thread_wake + exit), then its own interrupt (with a tick and
  // the RT period timer), then the switch.
  const Time rt_bound = c.irq_entry + c.irq_thread_wake + c.irq_exit + c.irq_entry + c.tick + c.hrtimer_wakeup * 2 + c.irq_exit + c.context_switch;
  std::cout << "cyclic max latency: full " << format_time(full.wakeup_latency.max()) << ", basic_rt "
            << format_time(basic.wakeup_latency.max()) << ", rt " << format_time(rt.wakeup_latency.max()) << " (bound "
            << format_time(rt_bound) << " = primary handler + own timer IRQ + tick + period timer + switch)\n"
            << "cyclic max IRQ latency: full " << format_time(full.irq_latency.max()) << " (waits for a 20 us hard handler), rt "
            << format_time(rt.irq_latency.max()) << "\n";
  EXPECT_LE(rt.wakeup_latency.max(), rt_bound);
  // full: a hard handler and at least one NET_RX run ahead of the wakeup at worst.
  EXPECT_GE(full.wakeup_latency.max(), handler + net_rx);
  EXPECT_GT(full.wakeup_latency.max(), basic.wakeup_latency.max());
  EXPECT_GT(basic.wakeup_latency.max(), rt.wakeup_latency.max());
  // basic_rt threads the handler (no 20 us hard IRQ in the way) but not the softirq.
  EXPECT_GE(basic.wakeup_latency.max(), net_rx);
  EXPECT_GE(full.irq_latency.max(), handler) << "the timer IRQ waited for eth0's hard handler";
  EXPECT_GE(basic.irq_latency.max(), handler) << "non-RT irq_forced_thread_fn() runs the handler with IRQs off";
  EXPECT_LT(rt.irq_latency.max(), Time::ns(5'000)) << "threaded: the hard part is only the wakeup";
}

TEST(NetRxStorm, PerCpuSplitShowsWhereTheWorkRuns) {
  const Scenario sc = load_example("irq-net-rx-storm.yaml");
  const ModelResult full = run_model(sc, "full");
  const ModelResult rt = run_model(sc, "rt");
  const CpuResult& f = full.cpus[0];
  const CpuResult& r = rt.cpus[0];
  EXPECT_EQ(f.irqthread, Time()) << "no IRQ threads without forced threading";
  EXPECT_GT(f.hardirq, Time::ns(300'000'000)) << "~8000/s x 2 s x 20 us in hard IRQ context";
  // under rt the handler runs in irq/16-eth0: IRQTF_RUNTHREAD merges the
  // interrupts that arrive before it runs into one run, which does the 20 us
  // of each of them (the driver drains its ring): the thread's time is the
  // arrivals' handler work, 20 us each, and at least that
  const ModelResult::DeviceWork& w = rt.device_work.at("eth0");
  EXPECT_EQ(w.handler_done, Time::ns(20'000) * (static_cast<std::int64_t>(w.arrivals) - (w.handler_arrived - w.handler_done) / Time::ns(20'000)));
  EXPECT_GE(r.irqthread, w.handler_done);
  EXPECT_GT(r.irqthread, Time::ns(250'000'000));
  EXPECT_LT(r.hardirq, f.hardirq / 5);
  EXPECT_GT(f.softirq, Time::ns(350'000'000));
  EXPECT_GT(r.softirq, Time::ns(350'000'000)) << "NET_RX still costs the same, in the thread's context";
  // Same seed, same arrivals in every model; but an edge that arrives while
  // the line is still pending coalesces (one IRR bit per line), and a 20 us
  // hard handler leaves more time for that than a threaded primary handler.
  EXPECT_LT(full.irq_counts.at("eth0"), rt.irq_counts.at("eth0"));
  EXPECT_GT(full.irq_counts.at("eth0"), rt.irq_counts.at("eth0") * 95 / 100);
  for (const ModelResult* m : {&full, &rt})
    for (const CpuResult& c : m->cpus)
      EXPECT_EQ(c.user + c.kernel + c.hardirq + c.softirq + c.irqthread + c.sched + c.idle, sc.system.duration) << m->model;
}

TEST(IrqAffinity, TheIsolatedCpuSeesOnlyItsOwnTimer) {
  const Scenario sc = load_example("irq-affinity-isolation.yaml");
  const Costs& c = sc.system.costs;
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    const Time expected = c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
    const std::string why = explain(std::string(model) + " cyclic1 max latency on the isolated CPU", "irq_entry + hrtimer_wakeup + irq_exit + switch", expected,
                                    task(r, "cyclic1").wakeup_latency.max());
    std::cout << why << "; cyclic0 beside the storm: " << format_time(task(r, "cyclic0").wakeup_latency.max()) << "\n";
    EXPECT_EQ(task(r, "cyclic1").wakeup_latency.max(), expected) << why;
    EXPECT_EQ(r.cpus[1].softirq, Time());
    EXPECT_EQ(r.cpus[1].irqthread, Time());
    // every 50 us from 90 us up to the end: (1 s - 90 us) / 50 us rounded up, all taken on cpu 0
    EXPECT_EQ(r.irq_counts.at("eth0"), (1'000'000u - 90u + 49u) / 50u);
  }
  EXPECT_GT(task(run_model(sc, "full"), "cyclic0").wakeup_latency.max(), Time::ns(20'000)) << "cyclic0 waits behind the storm";
}

// 6.12+ default: the deferred fair server gives starved fair tasks its
// 50 ms per 1 s, at the end of each period, ahead of the RT spinner.
TEST(RtBandwidth, FairServerServesTheStarvedFairTask) {
  const Scenario sc = load_example("rt-throttling.yaml");
  ASSERT_EQ(sc.system.rt_bandwidth, SystemSpec::RtBandwidth::FairServer);
  const ModelResult r = run_model(sc, "full");
  const std::int64_t periods = sc.system.duration / sc.system.fair_server_period;
  const Time expected = sc.system.fair_server_runtime * periods;
  const Time tick = Time::ns(1'000'000'000 / sc.system.hz);
  const Time other = task(r, "other").cpu_time;
  // The served window is the last 50 ms of the period: inside it, the
  // switch into the fair task and the tick interrupts are not fair time.
  const Costs& c = sc.system.costs;
  const Time overhead = c.context_switch + (c.irq_entry + c.tick + c.irq_exit) * (sc.system.fair_server_runtime / tick + 1);
  std::cout << "fair server: other got " << format_time(other) << "; expected " << periods << " periods x (runtime "
            << format_time(sc.system.fair_server_runtime) << " - switch and ticks inside it " << format_time(overhead)
            << ") = " << format_time((sc.system.fair_server_runtime - overhead) * periods) << "\n";
  EXPECT_GE(other, (sc.system.fair_server_runtime - overhead) * periods);
  EXPECT_LE(other, expected + tick * periods);
  EXPECT_EQ(task(r, "spinner").nivcsw, static_cast<std::uint64_t>(periods)) << "set aside once per period";
}

// CONFIG_RT_GROUP_SCHED (or up to 6.11): RT throttling gives the same share,
// noticed at the tick after 950 ms of RT time.
TEST(RtBandwidth, ThrottlingGivesTheRestOfEachPeriod) {
  Scenario sc = load_example("rt-throttling.yaml");
  sc.system.rt_bandwidth = SystemSpec::RtBandwidth::Throttle;
  const ModelResult r = run_model(sc, "full");
  const std::int64_t periods = sc.system.duration / sc.system.rt_period;
  const Time share = sc.system.rt_period - sc.system.rt_runtime;
  const Time tick = Time::ns(1'000'000'000 / sc.system.hz);
  const Time expected = share * periods;
  const Time other = task(r, "other").cpu_time;
  std::cout << "throttling: other got " << format_time(other) << "; expected " << periods << " periods x (" << format_time(sc.system.rt_period) << " - "
            << format_time(sc.system.rt_runtime) << ") = " << format_time(expected)
            << ", less up to one tick per period (throttling is noticed at the tick)\n";
  EXPECT_LE(other, expected);
  EXPECT_GE(other, expected - tick * periods);
  EXPECT_EQ(task(r, "spinner").nivcsw, static_cast<std::uint64_t>(periods)) << "switched out once per throttle";
}

TEST(RtBandwidth, EitherMechanismCanBeTurnedOff) {
  Scenario sc = load_example("rt-throttling.yaml");
  sc.system.fair_server_runtime = Time();
  EXPECT_EQ(task(run_model(sc, "full"), "other").cpu_time, Time()) << "fair server runtime 0: the spinner starves SCHED_OTHER";
  sc.system.rt_bandwidth = SystemSpec::RtBandwidth::Throttle;
  sc.system.rt_runtime = Time::ns(-1);
  EXPECT_EQ(task(run_model(sc, "full"), "other").cpu_time, Time()) << "sched_rt_runtime_us -1: no throttling";
}

TEST(Nmi, NotStoppedByLocalIrqDisable) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 10ms}
irqs:
  watchdog: {cpu: 0, nmi: true, arrival: {periodic: {period: 100us, phase: 50us}}, handler: 5us}
tasks:
  k:
    kthread: true
    policy: fifo
    priority: 10
    program: [{mark: start}, local_irq_disable, {busy: 1ms}, local_irq_enable, {mark: end}]
)", "nmi.yaml");
  const Costs& c = sc.system.costs;
  const ModelResult r = run_model(sc, "full");
  const Time start = mark(task(r, "k"), "start");
  const Time took = mark(task(r, "k"), "end") - start;
  // NMIs at 50 us + k*100 us land inside the section: count them from the result.
  const std::uint64_t n = r.irq_counts.at("watchdog");
  EXPECT_GE(n, 10u);
  const Time nmi = c.nmi_entry + Time::ns(5'000);
  const std::int64_t inside = took.count() / 100'000 + 1;
  const Time expected = Time::ns(1'000'000) + nmi * inside;
  const std::string why = explain("irqs-off section length", "1 ms of work + " + std::to_string(inside) + " NMIs x (nmi entry/exit + 5 us handler)", expected, took);
  std::cout << why << "\n";
  EXPECT_EQ(took, expected) << why;
}

TEST(Softirq, RaisedInsideBhSectionRunsAtLocalBhEnable) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full, rt], duration: 10ms}
tasks:
  k:
    kthread: true
    policy: fifo
    priority: 10
    program: [local_bh_disable, {raise_softirq: {vector: NET_RX, duration: 50us}}, {mark: raised}, local_bh_enable, {mark: after}]
)", "bh.yaml");
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    const Time took = mark(task(r, "k"), "after") - mark(task(r, "k"), "raised");
    std::cout << model << ": local_bh_enable() ran the 50 us NET_RX in " << task(r, "k").name << "'s own context: " << format_time(took) << "\n";
    EXPECT_EQ(took, Time::ns(50'000)) << model;
    EXPECT_EQ(r.cpus[0].softirq, Time::ns(50'000)) << model;
  }
}

TEST(Softirq, RaisedOutsideBhSectionWakesKsoftirqd) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 10ms}
tasks:
  k:
    kthread: true
    policy: fifo
    priority: 10
    program: [{raise_softirq: {vector: TASKLET, duration: 30us}}, {mark: raised}, {sleep: 1ms}]
)", "ksoftirqd.yaml");
  const ModelResult r = run_model(sc, "full");
  // k keeps the CPU (FIFO); when it sleeps, ksoftirqd/0 (SCHED_OTHER) runs the TASKLET work.
  EXPECT_EQ(r.cpus[0].softirq, Time::ns(30'000));
  EXPECT_EQ(r.cpus[0].switches, 5u) << "boot->k, k->ksoftirqd (k sleeps), ksoftirqd->idle, idle->k (woken), k->idle (exit)";
}

// With forced IRQ threading, an expired timer-wheel timer (msleep) is run by
// ktimers/N at SCHED_FIFO 1: one switch into ktimers, its TIMER_SOFTIRQ work,
// one switch into the sleeper. Without it, irq_exit() runs the softirq inline.
TEST(Softirq, TimerWheelExpiryGoesThroughKtimersWhenThreaded) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full, rt], duration: 100ms}
tasks:
  hog: {policy: other, program: [{run: 1s}]}
  k: {kthread: true, policy: fifo, priority: 10, program: [{mark: before}, {msleep: 10ms}, {mark: after}]}
)", "ktimers.yaml");
  const Costs& c = sc.system.costs;
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    const Time before = mark(task(r, "k"), "before");
    const Time tick = Time::ns(4'000'000);
    // msecs_to_jiffies(10) = 3, rounded up one jiffy by calc_index(); the tick
    // that expires it also costs its own handler time (the hog keeps the tick on).
    const Time expires = tick * (before / tick + 4);
    const bool threaded = std::string(model) == "rt";
    const Time expected = expires + c.irq_entry + c.tick + c.irq_exit + (threaded ? c.context_switch : Time()) + c.hrtimer_wakeup + c.context_switch;
    const std::string why = explain(std::string(model) + " msleep(10) wake",
                                    threaded ? "tick IRQ (entry + tick + exit) + switch to ktimers/0 + TIMER_SOFTIRQ + switch to k"
                                             : "tick IRQ (entry + tick), TIMER_SOFTIRQ at irq_exit, exit + switch to k",
                                    expected, mark(task(r, "k"), "after"));
    std::cout << why << "\n";
    EXPECT_EQ(mark(task(r, "k"), "after"), expected) << why;
  }
}

// handle_softirqs() restarts while work keeps coming, but at most 10 passes
// and within 2 ms (jiffy-granular): a storm that raises NET_RX faster than a
// pass drains it overflows to ksoftirqd/0; a light one never wakes it.
TEST(Softirq, RestartLimitHandsTheRestToKsoftirqd) {
  auto ksoftirqd_ran = [](const std::string& period) {
    const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 50ms}
irqs:
  eth0: {arrival: {periodic: {period: )" + period + R"(}}, handler: 1us, softirqs: {NET_RX: 8us}}
tasks:
  t: {program: [{sleep: 1s}]}
)", "limit.yaml");
    Kernel k(sc, *find_preempt_model("full"));
    k.run();
    for (const auto& t : k.tasks())
      if (t->comm == "ksoftirqd/0") return t->state == TASK_RUNNING || t->nvcsw + t->nivcsw > 0;  // woken at least once
    ADD_FAILURE() << "no ksoftirqd/0";
    return false;
  };
  EXPECT_TRUE(ksoftirqd_ran("9us")) << "a new NET_RX every 9 us, each pass takes 8 us + the nested IRQ: never drained in 10 passes";
  EXPECT_FALSE(ksoftirqd_ran("100us")) << "each raise is drained in one pass";
}

// PREEMPT_RT: BH-disable is a per-CPU sleeping lock with PI; elsewhere a
// non-preemptible preempt_count section.
TEST(RtBhLock, PreemptibleSectionsSerialisedWithPriorityInheritance) {
  const Scenario sc = load_example("rt-bh-lock.yaml");
  const Costs& c = sc.system.costs;
  {
    const ModelResult r = run_model(sc, "full");
    const TaskResult& net = task(r, "net");
    const Time done = mark(task(r, "low"), "bh_done");
    std::cout << "full: net's wakeup latency " << format_time(net.wakeup_latency.max()) << " (low's BH section is not preemptible); BH taken "
              << format_time(mark(net, "got_bh") - mark(net, "wants_bh")) << " after asking\n";
    EXPECT_EQ(mark(net, "got_bh"), mark(net, "wants_bh")) << "once running, nothing holds BH";
    EXPECT_EQ(mark(net, "wants_bh"), done + c.context_switch) << "preempted at local_bh_enable()'s preempt_check_resched()";
    EXPECT_EQ(task(r, "low").pi_boosts, 0u);
  }
  {
    const ModelResult r = run_model(sc, "rt");
    const TaskResult& net = task(r, "net");
    const TaskResult& low = task(r, "low");
    const Time done = mark(low, "bh_done");
    const Time waited = mark(net, "got_bh") - mark(net, "wants_bh");
    const Time expected = done + c.context_switch - mark(net, "wants_bh");
    const std::string why = explain("rt: net's wait for softirq_ctrl.lock",
                                    "low (boosted to FIFO 60) finishes its section at " + format_time(done) +
                                        ", unlocks, net is switched in: - net's request at " + format_time(mark(net, "wants_bh")),
                                    expected, waited);
    std::cout << why << "; net's wakeup latency " << format_time(net.wakeup_latency.max()) << "\n";
    EXPECT_EQ(waited, expected) << why;
    EXPECT_LT(net.wakeup_latency.max(), Time::ns(10'000)) << "low's BH section is preemptible under rt";
    EXPECT_EQ(low.pi_boosts, 1u) << "low inherited net's priority while net waited";
    bool found = false;
    for (const LockResult& l : r.locks)
      if (l.name == "softirq_ctrl.lock") {
        found = true;
        EXPECT_EQ(l.contended, 1u);
      }
    EXPECT_TRUE(found) << "the BH lock is reported with the locks under rt";
  }
}

TEST(Arrivals, BurstPeriodicTimestampsAndPoisson) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("preemptsim-ts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ts.txt") << "# arrival times\n100us\n250us\n\n1ms\n";
  std::ofstream(dir / "w.yaml") << R"(
system: {cpus: 1, models: [full], duration: 10s}
irqs:
  burst: {arrival: {burst: {count: 4, gap: 10us, every: 1ms}}, handler: 1us}
  tick: {arrival: {periodic: {period: 10ms, jitter: 1ms}}, handler: 1us}
  file: {arrival: {timestamps: ts.txt}, handler: 1us}
  poisson: {arrival: {poisson: {rate: 1000}}, handler: 1us}
tasks:
  t: {program: [{sleep: 1s}]}
)";
  const Scenario sc = load_workload((dir / "w.yaml").string());
  const ModelResult r = run_model(sc, "full");
  EXPECT_EQ(r.irq_counts.at("burst"), 4u * 10'000u);
  EXPECT_EQ(r.irq_counts.at("tick"), 1'000u);
  EXPECT_EQ(r.irq_counts.at("file"), 3u);
  // 10 s at 1000/s: 10000 expected, standard deviation 100.
  EXPECT_NEAR(static_cast<double>(r.irq_counts.at("poisson")), 10'000.0, 400.0);
  Scenario other = sc;
  other.system.seed = 2;
  EXPECT_NE(run_model(other, "full").irq_counts.at("poisson"), r.irq_counts.at("poisson")) << "the seed drives the streams";
  EXPECT_EQ(run_model(other, "full").irq_counts.at("burst"), r.irq_counts.at("burst"));
  std::filesystem::remove_all(dir);
}

TEST(IrqParsing, ErrorsNameTheirPlace) {
  auto fails_at = [](const std::string& text, int line, const std::string& what) {
    try {
      parse_workload(text, "irq.yaml");
      ADD_FAILURE() << "no error for: " << what;
    } catch (const WorkloadError& e) {
      EXPECT_EQ(e.loc().line, line) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  const std::string head = "system: {cpus: 2}\ntasks:\n  t: {program: [{run: 1ms}]}\nirqs:\n";
  fails_at(head + "  a: {arrival: {sometimes: {rate: 3}}, handler: 1us}\n", 5, "unknown key 'sometimes'");
  fails_at(head + "  a: {arrival: {poisson: {rate: 3}}, handler: 1us, softirqs: {NET_RXX: 1us}}\n", 5, "unknown softirq 'NET_RXX'");
  fails_at(head + "  a: {arrival: {poisson: {rate: 3}}}\n", 5, "needs a 'handler'");
  fails_at(head + "  a: {cpu: 2, arrival: {poisson: {rate: 3}}, handler: 1us}\n", 5, "cpu 2 does not exist");
  fails_at(head + "  a: {arrival: {poisson: {rate: -3}}, handler: 1us}\n", 5, "rate must be more than 0");
  fails_at(head + "  a: {arrival: {timestamps: missing.txt}, handler: 1us}\n", 5, "cannot read the timestamps file");
  fails_at(head + "  a: {arrival: {poisson: {rate: 3}}, handler: {uniform: [5us, 2us]}}\n", 5, "high is below low");
  fails_at("system: {rt_runtime: 2s}\ntasks:\n  t: {program: [{run: 1ms}]}\n", 1, "rt_runtime cannot exceed rt_period");
  fails_at("tasks:\n  t: {program: [{raise_softirq: NET_RX}]}\n", 2, "outside a syscall");
}

}  // namespace
}  // namespace preemptsim::testing
