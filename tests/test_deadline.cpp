// Scenario tests for SCHED_DEADLINE (kernel/deadline.cpp): EDF order, the
// CBS (throttling at runtime exhaustion, replenishment at the next period,
// the wakeup rule), admission control, overruns, global EDF on two CPUs, a
// deadline task above SCHED_FIFO 99, and the fair server among deadline tasks.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "scenario_util.h"
#include "workload/parse_yaml.h"
#include "workload/sched_dl_params.h"

namespace preemptsim::testing {
namespace {

const Time us(std::int64_t n) { return Time::ns(n * 1000); }
const Time ms(std::int64_t n) { return Time::ns(n * 1'000'000); }

Scenario inline_workload(const std::string& yaml) { return parse_workload(yaml, "inline.yaml"); }

// Every scheduling decision about the deadline tasks: when __schedule()
// switched one out (and whether it was still runnable), when one was picked,
// and every job release with its absolute deadline.
struct DlLog final : Observer {
  struct Switch {
    Time t;
    std::string prev, next;
    bool preempt;
  };
  std::vector<Switch> switches;
  std::map<std::string, std::vector<std::pair<Time, Time>>> releases;  // task -> (time, deadline)
  std::uint32_t signal_families() const override { return SIG_SCHED; }
  void on_sched_switch(Time t, const Rq&, const Task& prev, std::uint32_t prev_state, bool, const Task& next) override {
    switches.push_back({t, prev.comm, next.comm, prev_state == TASK_RUNNING});
  }
  void on_job_release(Time t, const Task& p, Time, Time deadline) override { releases[p.comm].emplace_back(t, deadline); }
  // The n-th time `name` was switched out while still runnable (throttled or preempted).
  Time out(const std::string& name, std::size_t n) const {
    for (const Switch& s : switches)
      if (s.prev == name && s.preempt && n-- == 0) return s.t;
    ADD_FAILURE() << name << " was not switched out " << n + 1 << " times";
    return Time();
  }
  Time in(const std::string& name, std::size_t n) const {
    for (const Switch& s : switches)
      if (s.next == name && n-- == 0) return s.t;
    ADD_FAILURE() << name << " was not switched in " << n + 1 << " times";
    return Time();
  }
};

ModelResult run_logged(const Scenario& sc, const std::string& model, DlLog& log) {
  return simulate_model(sc, *find_preempt_model(model), [&log](Kernel& k, const PreemptModel&) { k.add_observer(&log); });
}

const char* kNoCosts =
    "costs: {irq_entry: 0ns, irq_exit: 0ns, tick: 0ns, hrtimer_wakeup: 0ns, context_switch: 0ns, ipi_latency: 0ns, ipi_handler: 0ns}";

// Three deadline tasks released together on one CPU run in the order of
// their absolute deadlines, whatever their order in the file.
TEST(Deadline, EdfRunsTheEarliestDeadlineFirst) {
  const Scenario sc = inline_workload(std::string("system: {cpus: 1, hz: 1000, duration: 50ms, ") + kNoCosts + R"(}
tasks:
  late:  {policy: deadline, runtime: 2ms, deadline: 30ms, period: 40ms, program: [{run: 1ms}, {mark: done}]}
  early: {policy: deadline, runtime: 2ms, deadline: 10ms, period: 40ms, program: [{run: 1ms}, {mark: done}]}
  mid:   {policy: deadline, runtime: 2ms, deadline: 20ms, period: 40ms, program: [{run: 1ms}, {mark: done}]}
)");
  for (const char* model : {"none", "full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    // Without costs each runs its 1 ms back to back: early, mid, late.
    const Time early = mark(task(r, "early"), "done"), mid = mark(task(r, "mid"), "done"), late = mark(task(r, "late"), "done");
    std::cout << explain(std::string(model) + " early done", "1ms", ms(1), early) << "; "
              << explain("mid done", "early 1ms + 1ms", ms(2), mid) << "; " << explain("late done", "early + mid + 1ms", ms(3), late) << "\n";
    EXPECT_EQ(early, ms(1));
    EXPECT_EQ(mid, ms(2));
    EXPECT_EQ(late, ms(3));
  }
}

// The CBS: a task that needs 5 ms with 2 ms per 10.5 ms of reservation is
// throttled at the first tick after its runtime is gone (no HRTICK) and
// replenished by dl_task_timer at the start of its next period.
TEST(Deadline, CbsThrottlesAtExhaustionAndReplenishesAtTheNextPeriod) {
  const Scenario sc = inline_workload(R"(system: {cpus: 1, hz: 1000, duration: 40ms}
tasks:
  dl: {policy: deadline, runtime: 2ms, period: 10500us, program: [{run: 5ms}, {mark: done}]}
  bg: {policy: other, program: [{run: 1s}]}
)");
  const Costs& c = sc.system.costs;
  const Time tick_irq = c.irq_entry + c.tick;  // the tick's handler runs sched_tick() -> update_curr_dl()
  for (const char* model : {"none", "full", "rt"}) {
    DlLog log;
    const ModelResult r = run_logged(sc, model, log);
    // Picked at 0 (runtime is charged from the pick); 2 ms of runtime is
    // gone by the 2 ms tick, noticed at its sched_tick(); out on the IRQ's
    // return to user.
    const Time out1 = ms(2) + tick_irq + c.irq_exit;
    // The timer at deadline - deadline + period = 10.5 ms (no tick then).
    const Time in1 = us(10500) + c.irq_entry + c.hrtimer_wakeup + c.irq_exit;
    // Replenished: runtime = 2ms - the overrun (the tick handler's 1.5us);
    // exhausted before the 12 ms tick? 12ms - in1 = 1.4995 ms < 1.9985 ms: no;
    // at the 13 ms tick: yes.
    const Time out2 = ms(13) + tick_irq + c.irq_exit;
    // Second throttle: the new deadline is 21 ms, the timer at 21 ms (a tick too: tick first, then the timer).
    const Time in2 = ms(21) + c.irq_entry + c.tick + c.hrtimer_wakeup + c.irq_exit;
    std::cout << explain(std::string(model) + " throttled", "2ms tick + irq_entry + tick + irq_exit", out1, log.out("dl", 0)) << "; "
              << explain("replenished", "period 10.5ms + irq_entry + hrtimer_wakeup + irq_exit", in1, log.in("dl", 1)) << "; "
              << explain("throttled again", "13ms tick + irq_entry + tick + irq_exit", out2, log.out("dl", 1)) << "; "
              << explain("replenished again", "21ms + irq_entry + tick + hrtimer_wakeup + irq_exit", in2, log.in("dl", 2)) << "\n";
    EXPECT_EQ(log.out("dl", 0), out1);
    EXPECT_EQ(log.in("dl", 1), in1);
    EXPECT_EQ(log.out("dl", 1), out2);
    EXPECT_EQ(log.in("dl", 2), in2);
    const TaskResult& t = task(r, "dl");
    // 5 ms of work in about 2 ms per period: two throttles, done in the third period; one job, missed.
    EXPECT_EQ(t.dl_throttled, 2u);
    EXPECT_EQ(t.dl_overruns, 2u);
    EXPECT_EQ(t.response.count(), 1u);
    EXPECT_EQ(t.response_misses, 1u) << "the job's deadline was 10.5 ms; it ended after 21 ms";
  }
}

// update_dl_entity(): a wakeup keeps the deadline while runtime / (deadline
// - now) <= dl_runtime / dl_deadline, else a new period starts at the wakeup.
TEST(Deadline, CbsWakeupRuleKeepsOrResetsTheDeadline) {
  const Scenario sc = inline_workload(std::string("system: {cpus: 1, hz: 1000, duration: 60ms, ") + kNoCosts + R"(}
tasks:
  keep:  {policy: deadline, runtime: 4ms, period: 20ms, program: [{run: 1ms}, {sleep: 1ms}, {run: 1ms}]}
  reset: {policy: deadline, runtime: 4ms, period: 40ms, program: [{sleep: 5ms}, {run: 1ms}, {sleep: 32ms}, {run: 1ms}]}
)");
  DlLog log;
  run_logged(sc, "full", log);
  // keep: released at 0 (deadline 20 ms), wakes at 2 ms with 3 ms left:
  // 3/18 <= 4/20, the deadline stays 20 ms.
  ASSERT_EQ(log.releases["keep"].size(), 2u);
  std::cout << explain("keep: second job's deadline", "first deadline 0 + 20ms (3ms/18ms <= 4ms/20ms)", ms(20),
                       log.releases["keep"][1].second)
            << "\n";
  EXPECT_EQ(log.releases["keep"][1].second, ms(20));
  // reset: released at 0 (deadline 40 ms) but first runs when keep
  // sleeps at 1 ms: sleeps 5 ms (to 6), runs 1 ms (to 7), sleeps 32 ms and
  // wakes at 39 ms with 3 ms left and 7 ms to its deadline (46 ms, set at
  // its 6 ms wakeup): 3/7 > 4/40, a new period: 39 + 40.
  ASSERT_EQ(log.releases["reset"].size(), 3u);
  const auto [t, d] = log.releases["reset"][2];
  std::cout << explain("reset: third job's deadline", "wakeup (1 + 5 + 1 + 32 = 39ms) + 40ms (3ms/7ms > 4ms/40ms)", ms(79), d) << "\n";
  EXPECT_EQ(t, ms(39));
  EXPECT_EQ(d, ms(79));
  EXPECT_EQ(log.releases["reset"][1].second, ms(46)) << "at 6 ms: 4ms/34ms > 4ms/40ms: a new period, 6 + 40";
}

// Admission control: Σ runtime/period over deadline tasks plus the fair
// servers' bandwidth may not exceed sched_rt_runtime_us/sched_rt_period_us x CPUs.
TEST(Deadline, AdmissionRefusesWithEbusyPastTheRootDomainLimit) {
  auto three = [](int third_pct, const std::string& system, int cpus = 1) {
    return "system: {cpus: " + std::to_string(cpus) + system + "}\ntasks:\n"
           "  a: {policy: deadline, runtime: 30ms, period: 100ms, program: [yield]}\n"
           "  b: {policy: deadline, runtime: 30ms, period: 100ms, program: [yield]}\n"
           "  c: {policy: deadline, runtime: " + std::to_string(third_pct) + "ms, period: 100ms, program: [yield]}\n";
  };
  // 6.12+: 95 % - the fair server's 5 % = 90 % for deadline tasks.
  EXPECT_NO_THROW(inline_workload(three(29, "")));  // 89 %
  try {
    inline_workload(three(31, ""));  // 91 %
    ADD_FAILURE() << "admitted 91 % beside the fair server's 5 % (limit 95 %)";
  } catch (const WorkloadError& e) {
    std::cout << e.what() << "\n";
    EXPECT_EQ(e.loc().line, 5) << "names task c";
    EXPECT_NE(e.message().find("task 'c': sched_setattr would fail with -EBUSY"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("is 96.000%, above"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("= 95.000%"), std::string::npos) << e.message();
  }
  // Classic throttling (no fair server): the whole 95 %.
  EXPECT_NO_THROW(inline_workload(three(31, ", rt_bandwidth: throttle")));
  EXPECT_THROW(inline_workload(three(36, ", rt_bandwidth: throttle")), WorkloadError);  // 96 %
  // sched_rt_runtime_us = -1: no admission control.
  EXPECT_NO_THROW(inline_workload(three(40, ", rt_runtime: -1")));
  // Two CPUs: twice the limit.
  EXPECT_NO_THROW(inline_workload(three(31, "", 2)));
}

// examples/deadline-admission.yaml: 30 % + 30 % + 29 % (+ the fair
// server's 5 %) is admitted and EDF meets every deadline; c at 31 % is refused.
TEST(Deadline, AdmissionExampleJustUnderAndJustOver) {
  const Scenario sc = load_example("deadline-admission.yaml");
  for (const char* model : {"none", "full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    for (const auto& [name, period] : {std::pair{"a", ms(10)}, std::pair{"b", ms(20)}, std::pair{"c", ms(50)}}) {
      const TaskResult& t = task(r, name);
 // activations at 0, P, 2P, ... up to the loop's end at 490 ms (the last one ends at the exit)
      const auto jobs = static_cast<std::uint64_t>(ms(490) / period + 1);
      std::cout << model << " " << name << ": jobs " << t.response.count() << " (expected floor(490ms / " << format_time(period)
                << ") + 1 = " << jobs << "), misses " << t.response_misses << ", throttled " << t.dl_throttled << "\n";
      EXPECT_EQ(t.response.count(), jobs);
      EXPECT_EQ(t.response_misses, 0u);
      EXPECT_EQ(t.dl_throttled, 0u);
    }
  }
  std::ifstream in(source_path("examples/deadline-admission.yaml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("runtime: 14500us");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "runtime: 15500us");
  try {
    parse_workload(text, "over.yaml");
    ADD_FAILURE() << "96 % admitted";
  } catch (const WorkloadError& e) {
    std::cout << e.what() << "\n";
    EXPECT_EQ(e.loc().line, 33);
    EXPECT_NE(e.message().find("task 'c': sched_setattr would fail with -EBUSY"), std::string::npos);
    EXPECT_NE(e.message().find("= 31.000% on top of 65.000%"), std::string::npos) << "30 % + 30 % + the server's 5 %";
  }
}

TEST(Deadline, ParametersFollowCheckparamDl) {
  auto err = [](const std::string& params) {
    try {
      inline_workload("tasks:\n  a: {policy: deadline, " + params + ", program: [yield]}\n");
    } catch (const WorkloadError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(err("runtime: 3ms, deadline: 2ms, period: 10ms").find("inline.yaml:2:"), std::string::npos);
  EXPECT_NE(err("runtime: 3ms, deadline: 2ms, period: 10ms").find("-EINVAL: runtime 3.000000 ms exceeds deadline"), std::string::npos)
      << err("runtime: 3ms, deadline: 2ms, period: 10ms");
  EXPECT_NE(err("runtime: 1ms, deadline: 20ms, period: 10ms").find("deadline 20.000000 ms exceeds period"), std::string::npos);
  EXPECT_NE(err("runtime: 1000ns, period: 10ms").find("below 1.024 us"), std::string::npos) << err("runtime: 1000ns, period: 10ms");
  EXPECT_NE(err("runtime: 10us, period: 50us").find("outside"), std::string::npos) << "period below 100 us";
  EXPECT_NE(err("runtime: 1ms, period: 5s").find("outside"), std::string::npos) << "period above 2^22 us";
  EXPECT_EQ(err("runtime: 1ms, period: 10ms"), "accepted");
  EXPECT_NE(err("priority: 5, runtime: 1ms, period: 10ms").find("priority applies to fifo and rr only"), std::string::npos);
}

// SCHED_FLAG_DL_OVERRUN: every job that needs more than its runtime overruns once.
TEST(Deadline, OverrunsAreCountedPerJob) {
  const Scenario sc = inline_workload(R"(system: {cpus: 1, hz: 1000, duration: 200ms}
tasks:
  greedy: {policy: deadline, runtime: 2ms, period: 10ms, program: [{loop: {count: 5, steps: [{run: 3ms}, {periodic: {period: 30ms}}]}}]}
  fits: {policy: deadline, runtime: 2ms, period: 10ms, program: [{loop: {count: 5, steps: [{run: 1ms}, {periodic: {period: 30ms}}]}}]}
)");
  const ModelResult r = run_model(sc, "full");
  std::cout << "greedy: 5 jobs of 3ms on 2ms of runtime: overruns " << task(r, "greedy").dl_overruns << " (expected 5); fits: "
            << task(r, "fits").dl_overruns << " (expected 0)\n";
  EXPECT_EQ(task(r, "greedy").dl_overruns, 5u);
  EXPECT_EQ(task(r, "greedy").dl_throttled, 5u);
  EXPECT_EQ(task(r, "fits").dl_overruns, 0u);
  EXPECT_EQ(task(r, "fits").response_misses, 0u);
}

// Global EDF on two CPUs: of three deadline tasks released together, the
// two earliest deadlines run at once; the third waits for a CPU.
TEST(Deadline, TwoCpusRunTheTwoEarliestDeadlines) {
  const Scenario sc = inline_workload(std::string("system: {cpus: 2, hz: 1000, duration: 50ms, ") + kNoCosts + R"(}
tasks:
  c: {policy: deadline, runtime: 6ms, deadline: 30ms, period: 40ms, program: [{mark: start}, {run: 5ms}]}
  a: {policy: deadline, runtime: 6ms, deadline: 10ms, period: 40ms, program: [{mark: start}, {run: 5ms}]}
  b: {policy: deadline, runtime: 6ms, deadline: 20ms, period: 40ms, program: [{mark: start}, {run: 5ms}]}
)");
  for (const char* model : {"none", "full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    const Time a = mark(task(r, "a"), "start"), b = mark(task(r, "b"), "start"), c = mark(task(r, "c"), "start");
    std::cout << model << ": a (deadline 10ms) starts at " << format_time(a) << ", b (20ms) at " << format_time(b)
              << "; " << explain("c (30ms) start", "when a or b is done: 5ms", ms(5), c) << "\n";
    EXPECT_EQ(a, Time());
    EXPECT_EQ(b, Time());
    EXPECT_EQ(c, ms(5));
    EXPECT_EQ(task(r, "c").migrations + task(r, "b").migrations + task(r, "a").migrations, 1u)
        << "one push from CPU 0 (all start there) to CPU 1";
  }
}

// pull_dl_task(): when the deadline task of CPU 1 blocks, CPU 1 pulls the
// earliest deadline task waiting on CPU 0 (which could not be pushed while
// CPU 1 ran an earlier deadline).
TEST(Deadline, PullTakesAWaitingTaskWhenACpuGetsFree) {
  const Scenario sc = inline_workload(std::string("system: {cpus: 2, hz: 1000, duration: 30ms, ") + kNoCosts + R"(}
tasks:
  x: {policy: deadline, runtime: 6ms, deadline: 10ms, period: 40ms, program: [{run: 5ms}]}
  z: {policy: deadline, runtime: 6ms, deadline: 12ms, period: 40ms, program: [{run: 1ms}, {sleep: 20ms}]}
  y: {policy: deadline, runtime: 6ms, deadline: 15ms, period: 40ms, program: [{mark: start}, {run: 1ms}]}
)");
  for (const char* model : {"none", "full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    // All start on CPU 0: x (10 ms) runs, z (12 ms) is pushed to the free
    // CPU 1, y (15 ms) stays (not earlier than CPU 1's 12 ms) until z blocks at 1 ms.
    const Time y = mark(task(r, "y"), "start");
    std::cout << explain(std::string(model) + " y starts", "z's 1ms on CPU 1, then pulled (not x's end at 5ms)", ms(1), y) << "\n";
    EXPECT_EQ(y, ms(1));
    EXPECT_EQ(task(r, "y").migrations, 1u);
    EXPECT_EQ(task(r, "z").migrations, 1u);
    EXPECT_EQ(task(r, "x").migrations, 0u);
  }
}

// yield_task_dl(): a yield ends the instance; the task waits for its next
// period, when it gets a full runtime and a new deadline.
TEST(Deadline, YieldEndsTheJobUntilTheNextPeriod) {
  const Scenario sc = inline_workload(std::string("system: {cpus: 1, hz: 1000, duration: 35ms, ") + kNoCosts + R"(}
tasks:
  y: {policy: deadline, runtime: 5ms, period: 10ms, program: [{loop: {count: 3, steps: [{run: 1ms}, {mark: done}, yield]}}]}
  bg: {policy: other, program: [{run: 1s}]}
)");
  DlLog log;
  const ModelResult r = run_logged(sc, "full", log);
  for (std::size_t k = 0; k < 3; ++k) {
    const Time expected = ms(10) * static_cast<std::int64_t>(k) + ms(1);
    const Time got = mark(task(r, "y"), "done", k);
    std::cout << explain("job " + std::to_string(k) + " done", std::to_string(k) + " periods of 10ms + 1ms", expected, got) << "\n";
    EXPECT_EQ(got, expected);
  }
  ASSERT_GE(log.releases["y"].size(), 3u);
  EXPECT_EQ(log.releases["y"][1], std::make_pair(ms(10), ms(20))) << "released by the replenishment at 10 ms, due at 20 ms";
  EXPECT_EQ(task(r, "y").dl_overruns, 0u) << "a yield is not an overrun";
  EXPECT_EQ(task(r, "y").response_misses, 0u);
}

// A deadline task preempts SCHED_FIFO 99 at once: its wakeup latency is the
// timer interrupt and one switch.
TEST(Deadline, DeadlineTaskPreemptsFifo99) {
  const Scenario sc = inline_workload(R"(system: {cpus: 1, hz: 1000, duration: 100ms}
tasks:
  hog: {policy: fifo, priority: 99, program: [{run: 1s}]}
  dl: {policy: deadline, runtime: 1ms, period: 10ms, program: [{loop: {count: 8, steps: [{periodic: {period: 10ms, phase: 5500us}}, {run: 500us}]}}]}
)");
  const Costs& c = sc.system.costs;
  for (const char* model : {"none", "full", "rt"}) {
    const TaskResult t = task(run_model(sc, model), "dl");
    const Time expected = c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
    std::cout << explain(std::string(model) + " dl worst latency", "irq_entry + hrtimer_wakeup + irq_exit + switch", expected,
                         t.wakeup_latency.max())
              << "\n";
    EXPECT_EQ(t.wakeup_latency.max(), expected);
    EXPECT_EQ(t.response_misses, 0u);
  }
}

// The fair server is one deadline entity among the deadline tasks: with a
// FIFO hog and a deadline task, the starved fair task still gets 50 ms per
// second, and the deadline task keeps its deadlines.
TEST(Deadline, FairServerAmongDeadlineTasksServesTheStarvedFairTask) {
  const Scenario sc = inline_workload(R"(system: {cpus: 1, hz: 1000, duration: 2s}
tasks:
  hog: {policy: fifo, priority: 50, program: [{run: 100s}]}
  dl: {policy: deadline, runtime: 10ms, period: 100ms, program: [{loop: {until: 1990ms, steps: [{run: 5ms}, {periodic: {period: 100ms}}]}}]}
  other: {policy: other, program: [{run: 100s}]}
)");
  const ModelResult r = run_model(sc, "full");
  const std::int64_t periods = sc.system.duration / sc.system.fair_server_period;
  const Time runtime = sc.system.fair_server_runtime, tick = ms(1);
  const Costs& c = sc.system.costs;
  const Time overhead = c.context_switch + (c.irq_entry + c.tick + c.irq_exit) * (runtime / tick + 1);
  const Time other = task(r, "other").cpu_time;
  std::cout << "fair server among deadline tasks: other got " << format_time(other) << "; expected " << periods
            << " x (50ms - switch and ticks " << format_time(overhead) << ") .. " << periods << " x (50ms + a tick)\n";
  EXPECT_GE(other, (runtime - overhead) * periods);
  EXPECT_LE(other, (runtime + tick) * periods);
  EXPECT_EQ(task(r, "dl").response_misses, 0u);
  EXPECT_EQ(task(r, "dl").response.count(), 20u);
}

}  // namespace
}  // namespace preemptsim::testing
