// Scenario tests for device-driven tasks: a UIO read() loop woken by its
// interrupt (hard handler, or irq/N-NAME under forced threading), a NAPI
// receive path waking a socket reader from NET_RX, completions with and
// without timeouts, and per-job response times whose parts add up.
#include <gtest/gtest.h>

#include <iostream>

#include "scenario_util.h"
#include "workload/parse_yaml.h"

namespace preemptsim::testing {
namespace {

const Time us(std::int64_t n) { return Time::ns(n * 1000); }

TEST(UioLoop, HardHandlerWakesTheReaderOnEveryNonRtModel) {
  const Scenario sc = load_example("irq-uio-loop.yaml");
  const Costs& c = sc.system.costs;
  const Time handler = us(5);
  for (const char* model : {"none", "voluntary", "full", "lazy"}) {
    const TaskResult t = task(run_model(sc, model), "uio");
    // The logger (FIFO 60) runs in user mode when uio0 fires: the handler's
    // wake_up() makes uio (FIFO 80) the next task, taken on the return to user.
    const Time expected = c.irq_entry + handler + c.irq_exit + c.context_switch;
    const std::string why = explain(std::string(model) + " uio worst latency", "irq_entry + handler 5us + irq_exit + switch", expected,
                                    t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    EXPECT_EQ(t.wakeup_latency.count(), 100u) << "one wakeup per interrupt in 100 ms";
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    const IrqWakeParts& w = *t.irq_wake_worst;
    EXPECT_EQ(w.via, "hard handler");
    EXPECT_EQ(w.irq_latency, c.irq_entry);
    EXPECT_EQ(w.handler, handler);
    EXPECT_EQ(w.deferred, Time());
    EXPECT_EQ(w.task_wakeup, c.irq_exit + c.context_switch);
    EXPECT_EQ(w.total(), t.wakeup_latency.max()) << "the parts add up to the latency";
  }
}

TEST(UioLoop, RtIrqThreadBelowAFifoTaskWaitsForIt) {
  const Scenario sc = load_example("irq-uio-loop.yaml");
  const Costs& c = sc.system.costs;
  const Time arrival = us(500), logger_phase = us(400), logger_run = us(300), handler = us(5);
  // The logger is released at 400 us (timer IRQ + hrtimer_wakeup + switch from idle),
  // runs 300 us plus the threaded primary handler that interrupts it at 500 us,
  // then sleeps; only then does irq/16-uio0 (FIFO 50 < 60) run the handler,
  // whose wake_up() lets uio (FIFO 80) preempt it.
  const Time logger_start = logger_phase + c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
  const Time primary = c.irq_entry + c.irq_thread_wake + c.irq_exit;
  const Time logger_end = logger_start + logger_run + primary;
  const Time expected = logger_end - arrival + c.context_switch + handler + c.context_switch;
  for (const char* model : {"rt", "basic_rt"}) {
    const TaskResult t = task(run_model(sc, model), "uio");
    const std::string why = explain(std::string(model) + " uio worst latency",
                                    "(logger end " + format_time(logger_end) + " - arrival 500us) + switch + handler 5us + switch", expected,
                                    t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    const IrqWakeParts& w = *t.irq_wake_worst;
    EXPECT_EQ(w.via, "irq/16-uio0 thread");
    EXPECT_EQ(w.handler, c.irq_thread_wake) << "the hard part is irq_default_primary_handler";
    EXPECT_EQ(w.deferred, logger_end - (arrival + c.irq_entry + c.irq_thread_wake) + c.context_switch + handler);
    EXPECT_EQ(w.total(), expected);
  }
  // The fix: the IRQ thread above the logger (chrt -f -p 70 on irq/16-uio0).
  Scenario fixed = sc;
  fixed.irqs[0].thread_priority = 70;
  const TaskResult t = task(run_model(fixed, "rt"), "uio");
  const Time fixed_expected = primary + c.context_switch + handler + c.context_switch;
  const std::string why = explain("rt uio worst latency with the IRQ thread at FIFO 70",
                                  "irq_entry + primary + irq_exit + switch + handler 5us + switch", fixed_expected, t.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), fixed_expected) << why;
}

TEST(UioLoop, ResponseTimeIsLatencyPlusWorkAndItsSharesAddUp) {
  const Scenario sc = load_example("irq-uio-loop.yaml");
  for (const char* model : {"none", "full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    const TaskResult& t = task(r, "uio");
    const Time expected = t.wakeup_latency.max() + us(20);
    const std::string why = explain(std::string(model) + " uio worst response", "worst wakeup latency + run 20us", expected, t.response.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.response.max(), expected) << why;
    EXPECT_EQ(t.response.count(), 100u);
    EXPECT_EQ(t.response_worst.total(), t.response.max()) << "the worst job's parts add up";
    EXPECT_EQ(t.response_worst.running, us(20));
    EXPECT_EQ(t.response_worst.interrupts + t.response_worst.runnable, t.wakeup_latency.max());
    // the logger: periodic 1 ms with an implicit deadline; never late here
    const TaskResult& lg = task(r, "logger");
    EXPECT_EQ(lg.response.count(), 100u);
    EXPECT_EQ(lg.response_misses, 0u);
    EXPECT_EQ(lg.response_worst.total(), lg.response.max());
  }
}

TEST(NapiRecv, NetRxWakesTheReaderInlineOrInTheIrqThread) {
  const Scenario sc = load_example("irq-napi-recv.yaml");
  const Costs& c = sc.system.costs;
  const Time handler = us(2), net_rx = us(30);
  for (const char* model : {"none", "full"}) {
    const TaskResult t = task(run_model(sc, model), "reader");
    // irq_exit() runs NET_RX inline; its sk_data_ready() wakes the reader; the CPU was idle.
    const Time expected = c.irq_entry + handler + net_rx + c.irq_exit + c.context_switch;
    const std::string why = explain(std::string(model) + " reader worst latency", "irq_entry + handler 2us + NET_RX 30us + irq_exit + switch",
                                    expected, t.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
    ASSERT_TRUE(t.irq_wake_worst.has_value());
    EXPECT_EQ(t.irq_wake_worst->via, "NET_RX softirq");
    EXPECT_EQ(t.irq_wake_worst->deferred, net_rx);
  }
  const TaskResult t = task(run_model(sc, "rt"), "reader");
  // irq/16-eth0 runs the handler, then NET_RX in its own context at local_bh_enable().
  const Time expected = c.irq_entry + c.irq_thread_wake + c.irq_exit + c.context_switch + handler + net_rx + c.context_switch;
  const std::string why = explain("rt reader worst latency", "primary (entry + wake + exit) + switch + handler 2us + NET_RX 30us + switch",
                                  expected, t.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_EQ(t.wakeup_latency.max(), expected) << why;
  EXPECT_EQ(t.irq_wake_worst->via, "NET_RX softirq");
  EXPECT_EQ(t.response.max(), expected + us(10)) << "response = latency + 10 us of work";
}

Scenario inline_workload(const std::string& yaml) { return parse_workload(yaml, "inline.yaml"); }

TEST(Completion, CompleteFromAKthreadAndATimeoutThatRunsOut) {
  // A driver kthread completes `done` at 1 ms; a second waiter on `never` times out.
  const Scenario sc = inline_workload(R"(
system: {cpus: 1, models: [full], duration: 20ms}
tasks:
  waiter: {policy: fifo, priority: 50, program: [{syscall: ioctl, kernel: [{wait_for_completion: done}]}, {mark: got}]}
  timeout: {policy: fifo, priority: 40, program: [{syscall: ioctl, kernel: [{wait_for_completion: {completion: never, timeout: 8ms}}]}, {mark: gave_up}]}
  driver: {kthread: true, policy: fifo, priority: 10, program: [{sleep_until: 1ms}, complete: done, {busy: 100us}, complete: never2]}
  other: {policy: other, program: [{syscall: x, kernel: [{wait_for_completion: never2}]}]}
)");
  const ModelResult r = run_model(sc, "full");
  const Costs& c = sc.system.costs;
  // the driver's sleep: timer IRQ + hrtimer_wakeup + switch from idle, then complete(): waiter (50 > 10) preempts it
  const Time got = Time::ns(1'000'000) + c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch + c.context_switch;
  const std::string why = explain("waiter's return", "1ms + timer IRQ + switch to driver + switch to waiter", got, mark(task(r, "waiter"), "got"));
  std::cout << why << "\n";
  EXPECT_EQ(mark(task(r, "waiter"), "got"), got) << why;
  // wait_for_completion_timeout(msecs_to_jiffies(8)) at HZ 250: 2 jiffies from the jiffy of the call (0) -> 8 ms, the timer
  // wheel's level 0 rounds up by one jiffy (calc_index) -> 12 ms; TIMER_SOFTIRQ's process_timeout() wakes it.
  const Time gave_up = mark(task(r, "timeout"), "gave_up");
  std::cout << "timeout waiter gave up at " << format_time(gave_up) << " (expected after the 12 ms wheel expiry, within 20 us)\n";
  EXPECT_GE(gave_up, Time::ns(12'000'000));
  EXPECT_LT(gave_up, Time::ns(12'020'000));
}

TEST(DeviceWaitParse, Errors) {
  auto fails = [](const std::string& yaml, const std::string& part) {
    try {
      inline_workload(yaml);
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const WorkloadError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  fails("irqs: {d: {arrival: {periodic: {period: 1ms}}, handler: 1us, wake_up: q}}\ntasks: {t: {program: [{run: 1ms}]}}",
        "irq 'd' wakes wait queue 'q', which no task uses (wait_event: q)");
  fails("irqs: {d: {arrival: {periodic: {period: 1ms}}, handler: 1us, complete: q}}\ntasks: {t: {program: [{read: q}]}}",
        "irq 'd' wakes 'q' as a completion, but it is a wait queue");
  fails("irqs: {d: {arrival: {periodic: {period: 1ms}}, handler: 1us, wake_up: q, wake_from: NET_RX}}\ntasks: {t: {program: [{read: q}]}}",
        "wake_from: NET_RX names a softirq irq 'd' does not raise");
  fails("tasks: {t: {program: [{wait_event: q}]}}", "kernel step 'wait_event' outside a syscall");
  fails("tasks: {t: {program: [{syscall: s, kernel: [{read: q}]}]}}", "syscall inside a syscall");
}

}  // namespace
}  // namespace preemptsim::testing
