// Scenario tests for deferred work: tasklets (coalescing, a hard IRQ's
// tasklet waking a task), workqueues (a kworker on an idle CPU, starvation
// behind an RT task, WQ_HIGHPRI, an unbound kworker on another CPU, delayed
// work's timer-wheel rounding) and irq_work (hard IRQ vs irq_work/N on
// PREEMPT_RT). Every expectation is composed from the workload's costs.
#include <gtest/gtest.h>

#include <iostream>

#include <fmt/format.h>

#include "scenario_util.h"
#include "workload/parse_yaml.h"

namespace preemptsim::testing {
namespace {

const Time us(std::int64_t n) { return Time::ns(n * 1000); }
const Time ms(std::int64_t n) { return Time::ns(n * 1'000'000); }

Scenario inline_workload(const std::string& yaml) { return parse_workload(yaml, "inline.yaml"); }

// The deferred objects' counters and the marks, read from the kernel as the run ends.
struct DeferLog final : Observer {
  const Kernel* k = nullptr;
  std::vector<DeferStats> tasklets, irq_works, works;
  MarkLog marks;
  void on_mark(Time t, const Task& p, const std::string& name) override { marks.on_mark(t, p, name); }
  void on_run_end(Time) override {
    for (const KTasklet& t : k->tasklets()) tasklets.push_back(t.stats);
    for (const KIrqWork& w : k->irq_works()) irq_works.push_back(w.stats);
    for (const KWork& w : k->works()) works.push_back(w.stats);
  }
};

ModelResult run_logged(const Scenario& sc, const std::string& model, DeferLog& log) {
  const PreemptModel* m = find_preempt_model(model);
  EXPECT_NE(m, nullptr) << model;
  return simulate_model(sc, *m, [&log](Kernel& k, const PreemptModel&) {
    log.k = &k;
    k.add_observer(&log);
  });
}

TEST(Tasklet, SchedulesBeforeItRunsCoalesceIntoOneRunThatDoesAllTheirWork) {
  // Three tasklet_schedule() calls inside a BH-disabled section: TASKLET_STATE_SCHED
  // is set by the first, so the tasklet is queued once; local_bh_enable() runs it
  // once, with the 3 x 10 us its schedules brought.
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, duration: 5ms}
tasklets:
  t: {run: 10us}
tasks:
  k: {kthread: true, policy: fifo, priority: 10, program: [mark: a, local_bh_disable, tasklet_schedule: t, tasklet_schedule: t, tasklet_schedule: t, local_bh_enable, mark: b]}
)");
  for (const char* model : {"none", "full", "rt"}) {
    DeferLog log;
    run_logged(sc, model, log);
    ASSERT_EQ(log.tasklets.size(), 1u);
    const DeferStats& s = log.tasklets[0];
    std::cout << model << ": tasklet t: " << s.calls << " calls, " << s.coalesced << " coalesced, " << s.runs << " run(s), "
              << format_time(s.done) << " done\n";
    EXPECT_EQ(s.calls, 3u);
    EXPECT_EQ(s.coalesced, 2u) << "the 2nd and 3rd found TASKLET_STATE_SCHED set";
    EXPECT_EQ(s.runs, 1u);
    EXPECT_EQ(s.done, us(30)) << "one run does the work of the three schedules";
    const Time expected = us(30);
    const Time actual = log.marks("k", "b", 0) - log.marks("k", "a", 0);
    const std::string why = explain(std::string(model) + " local_bh_enable() running the tasklet", "3 schedules x 10us in one run", expected, actual);
    std::cout << why << "\n";
    EXPECT_EQ(actual, expected) << why;
  }
}

TEST(Tasklet, AScheduleDuringItsCallbackQueuesItAgain) {
  // tasklet_clear_sched() comes before the callback: an interrupt during the
  // 50 us callback that schedules it again makes a second run.
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, models: [full], duration: 5ms}
irqs:
  dev: {arrival: {burst: {count: 2, gap: 20us, every: 10ms, phase: 1ms}}, handler: 1us, tasklet_schedule: t}
tasklets:
  t: {run: 50us}
tasks:
  idle_loop: {policy: other, program: [sleep: 4ms]}
)");
  DeferLog log;
  run_logged(sc, "full", log);
  const DeferStats& s = log.tasklets[0];
  std::cout << "tasklet t: " << s.calls << " calls, " << s.coalesced << " coalesced, " << s.runs << " runs\n";
  EXPECT_EQ(s.calls, 2u);
  EXPECT_EQ(s.coalesced, 0u) << "the second schedule came while the callback ran: TASKLET_STATE_SCHED was clear";
  EXPECT_EQ(s.runs, 2u);
  EXPECT_EQ(s.done, us(100));
}

// The device -> deferral -> task paths, with one line on an idle CPU.
std::string device_path(const std::string& irq_call, const std::string& extra) {
  return R"(
system: {cpus: 1, duration: 20ms}
irqs:
  dev: {arrival: {periodic: {period: 5ms, phase: 1ms}}, handler: 5us, )" +
         irq_call + R"(}
)" + extra + R"(
tasks:
  reader: {policy: fifo, priority: 80, program: [{loop: {count: 3, steps: [{syscall: read, kernel: [wait_for_completion: done]}, run: 10us]}}]}
)";
}

TEST(Tasklet, FromAHardIrqWakesTheReaderThroughTaskletSoftirq) {
  const Scenario sc = inline_workload(device_path("tasklet_schedule: t", "tasklets:\n  t: {run: 20us, complete: done}"));
  const Costs& c = sc.system.costs;
  const Time handler = us(5), tasklet = us(20);
  for (const char* model : {"none", "voluntary", "full", "lazy"}) {
    const TaskResult t = task(run_model(sc, model), "reader");
    // irq_exit() runs TASKLET_SOFTIRQ inline; its complete() wakes the reader on the idle CPU.
    const Time expected = c.irq_entry + handler + tasklet + c.irq_exit + c.context_switch;
    const std::string why = explain(std::string(model) + " reader latency", "irq_entry + handler 5us + tasklet 20us + irq_exit + switch", expected,
                                    t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    EXPECT_EQ(t.irq_wake_worst->via, "tasklet t (TASKLET softirq)");
    EXPECT_EQ(t.irq_wake_worst->deferred, tasklet);
    EXPECT_EQ(t.irq_wake_worst->total(), t.wakeup_latency.max());
  }
  // rt: irq/16-dev runs the handler, then the tasklet at its local_bh_enable(), in its own context.
  const TaskResult t = task(run_model(sc, "rt"), "reader");
  const Time expected = c.irq_entry + c.irq_thread_wake + c.irq_exit + c.context_switch + handler + tasklet + c.context_switch;
  const std::string why = explain("rt reader latency", "primary (entry + wake + exit) + switch + handler 5us + tasklet 20us + switch", expected,
                                  t.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
}

TEST(Workqueue, KworkerOnAnIdleCpu) {
  const Scenario sc = inline_workload(device_path("queue_work: {workqueue: events, work: w}", "work:\n  w: [busy: 20us, complete: done]"));
  const Costs& c = sc.system.costs;
  const Time handler = us(5), work = us(20);
  for (const char* model : {"none", "voluntary", "full", "lazy"}) {
    const TaskResult t = task(run_model(sc, model), "reader");
    // The handler's queue_work() wakes kworker/0:0 on the idle CPU; its complete() wakes the reader.
    const Time expected = c.irq_entry + handler + c.irq_exit + c.context_switch + work + c.context_switch;
    const std::string why = explain(std::string(model) + " reader latency", "irq_entry + handler 5us + irq_exit + switch to kworker/0:0 + work 20us + switch",
                                    expected, t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    const IrqWakeParts& w = *t.irq_wake_worst;
    EXPECT_EQ(w.via, "kworker/0:0 (workqueue events)");
    EXPECT_EQ(w.deferred_wait, c.irq_exit + c.context_switch) << "queued -> the kworker starts the work";
    EXPECT_EQ(w.deferred, c.irq_exit + c.context_switch + work);
    EXPECT_EQ(w.total(), t.wakeup_latency.max());
  }
  const TaskResult t = task(run_model(sc, "rt"), "reader");
  const Time expected = c.irq_entry + c.irq_thread_wake + c.irq_exit + c.context_switch + handler + c.context_switch + work + c.context_switch;
  const std::string why = explain("rt reader latency", "primary + switch to irq/16-dev + handler 5us + switch to kworker/0:0 + work 20us + switch",
                                  expected, t.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
}

TEST(Workqueue, PendingWorkIsNotQueuedTwice) {
  // Two interrupts 2 us apart, both queue_work() the same item before the
  // kworker (switch 2 us after irq_exit) has taken it: WORK_STRUCT_PENDING.
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, models: [full], duration: 5ms}
irqs:
  dev: {arrival: {burst: {count: 2, gap: 2us, every: 10ms, phase: 1ms}}, handler: 0us, queue_work: {workqueue: events, work: w}}
work:
  w: [busy: 20us]
tasks:
  t: {policy: other, program: [sleep: 4ms]}
)");
  DeferLog log;
  run_logged(sc, "full", log);
  const DeferStats& s = log.works[0];
  std::cout << "work w: " << s.calls << " queue_work calls, " << s.coalesced << " while pending, " << s.runs << " run(s)\n";
  EXPECT_EQ(s.calls, 2u);
  EXPECT_EQ(s.coalesced, 1u);
  EXPECT_EQ(s.runs, 1u);
}

TEST(Workqueue, StarvedBehindAnRtHogUntilTheFairServerUnderEveryModel) {
  const Scenario sc = load_example("workqueue-starvation.yaml");
  const Costs& c = sc.system.costs;
  const Time arrival = ms(10), handler = us(5), work = us(20);
  // The fair server's period starts with the first fair wakeup (the kworker's, at
  // ~10 ms) on the 1 s grid; nothing fair runs, so all of its 50 ms runtime is
  // left at the zero-laxity point 1 s - 50 ms; that timer's interrupt
  // preempts the hog (in user mode) for kworker/0:0.
  const Time zero_laxity = sc.system.fair_server_period - sc.system.fair_server_runtime;
  const Time kworker_in = zero_laxity + c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
  const Time expected = kworker_in + work + c.context_switch - arrival;
  for (const auto& m : preempt_models()) {
    const TaskResult t = task(run_model(sc, std::string(m.name)), "rx_reader");
    const std::string why = explain(std::string(m.name) + " rx_reader latency",
                                    "zero-laxity point 950ms + timer IRQ (entry + hrtimer + exit) + switch to kworker/0:0 + work 20us + switch - arrival 10ms",
                                    expected, t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    EXPECT_EQ(t.irq_wake_worst->via, "kworker/0:0 (workqueue events)");
  }
  (void)handler;
  // Without the fair server (and without RT throttling) the kworker never runs.
  Scenario off = sc;
  off.system.fair_server_runtime = Time();
  const TaskResult t = task(run_model(off, "full"), "rx_reader");
  std::cout << "full without the fair server: rx_reader woken " << t.wakeup_latency.count() << " times\n";
  EXPECT_EQ(t.wakeup_latency.count(), 0u) << "kworker/0:0 never runs behind the FIFO hog";
}

TEST(Workqueue, UnboundKworkerRunsOnTheOtherCpu) {
  const Scenario sc = load_example("workqueue-starvation.yaml");
  const Costs& c = sc.system.costs;
  const Time handler = us(5), work = us(20);
  // The handler's queue_work() wakes kworker/u8:0, which the hog keeps off
  // CPU 0: select_task_rq() picks idle CPU 1 (a reschedule IPI there); its
  // complete() wakes unb_reader on CPU 0 through another IPI, which preempts
  // the hog on its return to user.
  const Time ipi = c.ipi_latency + c.irq_entry + c.ipi_handler + c.irq_exit;
  const Time expected = c.irq_entry + handler + ipi + c.context_switch + work + ipi + c.context_switch;
  for (const char* model : {"none", "full", "lazy"}) {
    const TaskResult t = task(run_model(sc, model), "unb_reader");
    const std::string why = explain(std::string(model) + " unb_reader latency",
                                    "irq_entry + handler 5us + IPI to CPU 1 (latency + entry + handler + exit) + switch + work 20us + IPI to CPU 0 + switch",
                                    expected, t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    EXPECT_EQ(t.irq_wake_worst->via, "kworker/u8:0 (workqueue stats_wq)");
  }
}

TEST(Workqueue, HighpriKworkerPreemptsAFairHogAtOnce) {
  // A nice 0 CPU hog in a syscall; the interrupt queues one work on a normal
  // and one on a WQ_HIGHPRI workqueue. kworker/0:0H (nice -20) has the
  // earlier EEVDF deadline and the hog has used its first slice (no
  // RUN_TO_PARITY protection), so under full it preempts at the interrupt's return.
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, models: [full], duration: 30ms}
irqs:
  dev: {arrival: {periodic: {period: 50ms, phase: 10ms}}, handler: 5us, queue_work: {workqueue: hipri, work: hi}, schedule_work: lo}
workqueues:
  hipri: {highpri: true}
work:
  hi: [mark: hi_start, busy: 20us]
  lo: [mark: lo_start, busy: 20us]
tasks:
  hog: {policy: other, program: [{syscall: ioctl, kernel: [busy: 25ms]}]}
)");
  const Costs& c = sc.system.costs;
  DeferLog log;
  run_logged(sc, "full", log);
  const Time hi_start = log.marks("kworker/0:0H", "hi_start", 0);
  const Time expected = ms(10) + c.irq_entry + us(5) + c.irq_exit + c.context_switch;
  const std::string why = explain("kworker/0:0H start", "arrival 10ms + irq_entry + handler 5us + irq_exit + switch", expected, hi_start);
  std::cout << why << "\n";
  EXPECT_EQ(hi_start, expected) << why;
  const Time lo_start = log.marks("kworker/0:0", "lo_start", 0);
  std::cout << "kworker/0:0 (nice 0) started at " << format_time(lo_start) << ", after kworker/0:0H's 20 us\n";
  EXPECT_GE(lo_start, hi_start + us(20)) << "the nice 0 worker runs after the nice -20 one";
}

TEST(Workqueue, DelayedWorkRoundsLikeATimerWheelTimer) {
  // queue_delayed_work(events, w, msecs_to_jiffies(10)) at t = 1.5 ms, HZ 250:
  // 10 ms = 2.5 -> 3 jiffies from jiffy 0; the wheel's level 0 rounds the
  // expiry up by one jiffy (calc_index()): jiffy 4 = 16 ms. Then the tick's
  // interrupt, TIMER_SOFTIRQ's delayed_work_timer_fn(), the kworker.
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, hz: 250, duration: 40ms}
work:
  w: [mark: started, busy: 20us]
tasks:
  q: {kthread: true, policy: fifo, priority: 10, program: [sleep_until: 1.5ms, {queue_delayed_work: {workqueue: events, work: w, delay: 10ms}}]}
)");
  const Costs& c = sc.system.costs;
  const std::int64_t hz = sc.system.hz, tick_ns = 1'000'000'000 / hz;
  const std::int64_t jiffies_now = us(1500).count() / tick_ns;            // 0
  const std::int64_t timeout = (10 * hz + 999) / 1000;                     // msecs_to_jiffies(10) = 3
  const Time wheel_expiry = Time::ns((jiffies_now + timeout + 1) * tick_ns);  // level 0: + 1 jiffy
  for (const char* model : {"none", "full"}) {
    DeferLog log;
    run_logged(sc, model, log);
    // The CPU is idle (NOHZ: the tick stopped), so the expiry's own interrupt:
    // irq_entry + irq_exit, TIMER_SOFTIRQ (its hrtimer_wakeup cost), switch.
    const Time expected = wheel_expiry + c.irq_entry + c.irq_exit + c.hrtimer_wakeup + c.context_switch;
    const Time actual = log.marks("kworker/0:0", "started", 0);
    const std::string why = explain(std::string(model) + " delayed work start",
                                    "jiffy (0 + 3 + 1) x 4ms + irq_entry + irq_exit + TIMER_SOFTIRQ + switch", expected, actual);
    std::cout << why << "\n";
    EXPECT_EQ(actual, expected) << why;
  }
}

TEST(IrqWork, HardIrqOnNonRtAndTheIrqWorkThreadOnRt) {
  const Scenario sc = inline_workload(device_path("irq_work_queue: x", "irq_works:\n  x: {run: 10us, complete: done}"));
  const Costs& c = sc.system.costs;
  const Time handler = us(5), cb = us(10);
  for (const char* model : {"none", "full"}) {
    const TaskResult t = task(run_model(sc, model), "reader");
    // The self-IPI is taken as the device's interrupt returns: its handler runs the callback.
    const Time expected = c.irq_entry + handler + c.irq_exit + c.irq_entry + cb + c.irq_exit + c.context_switch;
    const std::string why = explain(std::string(model) + " reader latency", "device IRQ (entry + 5us + exit) + irq_work IPI (entry + 10us + exit) + switch",
                                    expected, t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    EXPECT_EQ(t.irq_wake_worst->via, "irq_work x (hard IRQ)");
  }
  // PREEMPT_RT: irq/16-dev queues it (not IRQ_WORK_HARD_IRQ: lazy_list); the
  // self-IPI's handler only wakes irq_work/0 (FIFO 1), which runs after the IRQ thread.
  {
    const TaskResult t = task(run_model(sc, "rt"), "reader");
    const Time primary = c.irq_entry + c.irq_thread_wake + c.irq_exit;
    const Time expected = primary + c.context_switch + handler + c.irq_entry + c.irq_exit + c.context_switch + cb + c.context_switch;
    const std::string why = explain("rt reader latency", "primary + switch + handler 5us + IPI (entry + exit) + switch to irq_work/0 + 10us + switch",
                                    expected, t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    EXPECT_EQ(t.irq_wake_worst->via, "irq_work x (irq_work/0 thread)");
  }
  // IRQ_WORK_HARD_IRQ: in the IPI's handler on PREEMPT_RT too.
  const Scenario hard = inline_workload(device_path("irq_work_queue: x", "irq_works:\n  x: {run: 10us, hard: true, complete: done}"));
  const TaskResult t = task(run_model(hard, "rt"), "reader");
  const Time expected = c.irq_entry + c.irq_thread_wake + c.irq_exit + c.context_switch + handler + c.irq_entry + cb + c.irq_exit + c.context_switch;
  const std::string why = explain("rt reader latency, IRQ_WORK_HARD_IRQ", "primary + switch + handler 5us + IPI (entry + 10us + exit) + switch", expected,
                                  t.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
}

TEST(DeferredWork, BadInputIsAWorkloadError) {
  auto error_of = [](const std::string& yaml) -> std::string {
    try {
      inline_workload(yaml);
    } catch (const WorkloadError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string base = "system: {cpus: 1}\ntasks:\n  t: {policy: other, program: [{syscall: x, kernel: [";
  EXPECT_NE(error_of(base + "tasklet_schedule: nope]}]}\n").find("no tasklet 'nope'"), std::string::npos);
  EXPECT_NE(error_of(base + "{queue_work: {workqueue: nope, work: w}}]}]}\nwork:\n  w: [busy: 1us]\n").find("no workqueue 'nope'"), std::string::npos);
  EXPECT_NE(error_of(base + "{queue_delayed_work: {workqueue: events, work: w, delay: 1500us}}]}]}\nwork:\n  w: [busy: 1us]\n").find("whole milliseconds"),
            std::string::npos);
  EXPECT_NE(error_of(base + "tasklet_schedule: t]}]}\ntasklets:\n  t: {run: 0us, tasklet_schedule: t}\n").find("must take time"), std::string::npos);
  EXPECT_NE(error_of("system: {cpus: 1}\ntasks:\n  t: {policy: other, program: [tasklet_schedule: t]}\ntasklets:\n  t: {run: 1us}\n").find("outside a syscall"),
            std::string::npos);
  EXPECT_NE(error_of(base + "busy: 1us]}]}\nirq_works:\n  x: {run: 1us, hard: true, lazy: true}\n").find("not both"), std::string::npos);
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// The worst-case explanation of a device wakeup names the interrupt, then
// each stage of its path with the times the run gives: the hard handler, the
// IRQ thread, a softirq, a tasklet, a kworker, an irq_work. The expected
// sentences are composed from the workload's costs and durations.
const WorstCaseExplanation& explanation(const ModelResult& r, const std::string& task) {
  for (const WorstCaseExplanation& e : r.explanations)
    if (e.task == task) return e;
  ADD_FAILURE() << "no explanation for " << task << " under " << r.model;
  static WorstCaseExplanation none;
  return none;
}

void expect_wording(const std::string& what, const std::string& irq_yaml, const std::string& extra, const std::string& model,
                    const std::string& expected_path) {
  Scenario sc = inline_workload(device_path(irq_yaml, extra));
  sc.system.models = {model};
  const RunResult run = simulate(sc);  // with the explanations
  const WorstCaseExplanation& e = explanation(run.results.at(0), "reader");
  const std::string head = "when the interrupt arrived the CPU was in: idle (preempt_count 0x0, IRQs on); ";
  std::cout << what << " (" << model << "): " << e.why << "\n";
  EXPECT_EQ(e.why.rfind(head + expected_path + "; ", 0), 0u) << what << "\nexpected to start with: " << head << expected_path << "\nactual: " << e.why;
}

TEST(DeviceWakeupExplanation, NamesEachStageOfThePathWithItsTimes) {
  const Costs c = inline_workload(device_path("complete: done", "")).system.costs;
  const Time arrival = ms(1), handler = us(5);
  const Time entry = arrival + c.irq_entry, handler_end = entry + handler;
  const std::string hard = fmt::format("the dev interrupt arrived at {}; its hard handler began {} later and ran {}", format_time(arrival),
                                       format_time(c.irq_entry), format_time(handler));
  // 1. the hard handler's own complete()
  expect_wording("hard handler", "complete: done", "", "full", hard + fmt::format(" and its complete() woke reader at {}", format_time(handler_end)));
  // 2. forced threading: the primary handler wakes irq/16-dev, which runs after irq_exit and a switch
  {
    const Time primary_end = entry + c.irq_thread_wake, thread_start = primary_end + c.irq_exit + c.context_switch;
    expect_wording("IRQ thread", "complete: done", "", "rt",
                   fmt::format("the dev interrupt arrived at {}; its hard handler began {} later and ran {} (the primary handler, which only "
                               "wakes the IRQ thread); irq/16-dev began the threaded handler {} after the handler and woke reader {} later, at {}",
                               format_time(arrival), format_time(c.irq_entry), format_time(c.irq_thread_wake), format_time(thread_start - primary_end),
                               format_time(handler), format_time(thread_start + handler)));
  }
  // 3. NET_RX's work ends with the wake (sk_data_ready()), inline at irq_exit()
  expect_wording("softirq", "softirqs: {NET_RX: 30us}, complete: done, wake_from: NET_RX", "", "full",
                 hard + fmt::format("; the NET_RX softirq it raised woke reader {} after the handler, at {}", format_time(us(30)),
                                    format_time(handler_end + us(30))));
  // 4. a tasklet scheduled by the handler, run by irq_exit() at once
  expect_wording("tasklet", "tasklet_schedule: t", "tasklets:\n  t: {run: 20us, complete: done}", "full",
                 hard + fmt::format("; tasklet t (TASKLET softirq) began {} after the handler and woke reader {} later, at {}", format_time(Time()),
                                    format_time(us(20)), format_time(handler_end + us(20))));
  // 5. a work queued by the handler: kworker/0:0 starts after irq_exit() and the switch
  {
    const Time start = handler_end + c.irq_exit + c.context_switch;
    expect_wording("workqueue", "queue_work: {workqueue: events, work: w}", "work:\n  w: [busy: 20us, complete: done]", "full",
                   hard + fmt::format("; work w on workqueue events, run by kworker/0:0, began {} after the handler and woke reader {} later, at {}",
                                      format_time(start - handler_end), format_time(us(20)), format_time(start + us(20))));
  }
  // 6. an irq_work: its self-IPI is taken after the device's irq_exit()
  {
    const Time start = handler_end + c.irq_exit + c.irq_entry;
    expect_wording("irq_work", "irq_work_queue: x", "irq_works:\n  x: {run: 10us, complete: done}", "full",
                   hard + fmt::format("; irq_work x (hard IRQ) began {} after the handler and woke reader {} later, at {}", format_time(start - handler_end),
                                      format_time(us(10)), format_time(start + us(10))));
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// Every kworker holds every work function: a workload whose work functions
// would make more kworker steps than the limit is refused, not run.
TEST(DeferredWork, WorkFunctionsCopiedIntoEveryKworkerAreBounded) {
  std::string yaml = "system: {cpus: 256}\nwork:\n";
  for (int i = 0; i < 20; ++i) yaml += fmt::format("  w{}: [{{loop: {{count: 1, steps: [{}]}}}}]\n", i, [] {
                                        std::string s;
                                        for (int k = 0; k < 30; ++k) s += k ? ", busy: 1us" : "busy: 1us";
                                        return s;
                                      }());
  yaml += "tasks:\n  t: {kthread: true, program: [schedule_work: w0]}\n";
  // 20 works x (1 loop + 30 steps + its return) = 640 steps, 16 workers, 514 pools: 5.3 million
  try {
    inline_workload(yaml);
    ADD_FAILURE() << "accepted";
  } catch (const WorkloadError& e) {
    std::cout << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find("the work functions have 640 steps; copied into every kworker (514 pools x 16 workers)"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// irq_work_queue() is the one deferral an NMI handler may make: its callback
// runs from the self-IPI, taken as soon as the NMI returns.
TEST(IrqWork, QueuedFromAnNmiRunsFromTheSelfIpiAfterIt) {
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, models: [full], duration: 3ms}
irqs:
  pmu: {nmi: true, arrival: {periodic: {period: 10ms, phase: 1ms}}, handler: 3us, irq_work_queue: x}
irq_works:
  x: {run: 10us, complete: done}
tasks:
  reader: {policy: fifo, priority: 80, program: [{syscall: read, kernel: [wait_for_completion: done]}, mark: woken]}
)");
  const Costs& c = sc.system.costs;
  DeferLog log;
  run_logged(sc, "full", log);
  const Time expected = ms(1) + c.nmi_entry + us(3) + c.irq_entry + us(10) + c.irq_exit + c.context_switch;
  const Time actual = log.marks("reader", "woken", 0);
  const std::string why = explain("reader's return", "arrival 1ms + NMI (entry/exit + 3us) + IPI (entry + 10us + exit) + switch", expected, actual);
  std::cout << why << "\n";
  EXPECT_EQ(actual, expected) << why;
  EXPECT_EQ(log.irq_works.at(0).runs, 1u);
}

}  // namespace
}  // namespace preemptsim::testing
