// Unit tests for kernel mechanisms: the preempt_count layout, the model
// table, RR slices, fair shares, msleep rounding, debug reports, invariants.
#include <gtest/gtest.h>

#include <iostream>

#include "core/error.h"
#include "kernel/kernel.h"
#include "kernel/preempt.h"
#include "kernel/preempt_model.h"
#include "report/json_report.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

TEST(PreemptCountLayout, MatchesIncludeLinuxPreemptH) {
  EXPECT_EQ(PREEMPT_MASK, 0x000000ffu);
  EXPECT_EQ(SOFTIRQ_MASK, 0x0000ff00u);
  EXPECT_EQ(HARDIRQ_MASK, 0x000f0000u);
  EXPECT_EQ(NMI_MASK, 0x00f00000u);  // 4 bits, not the seed's single "bit 20"
  EXPECT_EQ(SOFTIRQ_DISABLE_OFFSET, 0x200u);
  const std::uint32_t bh_disabled = SOFTIRQ_DISABLE_OFFSET;
  EXPECT_TRUE(in_softirq(bh_disabled));
  EXPECT_FALSE(in_serving_softirq(bh_disabled));
  EXPECT_TRUE(in_task(bh_disabled));
  EXPECT_TRUE(in_serving_softirq(SOFTIRQ_OFFSET));
  EXPECT_FALSE(in_task(SOFTIRQ_OFFSET));
  const std::uint32_t nmi = NMI_OFFSET + HARDIRQ_OFFSET;  // nmi_enter()
  EXPECT_TRUE(in_nmi(nmi) && in_hardirq(nmi) && in_interrupt(nmi));
  EXPECT_TRUE(in_atomic(PREEMPT_OFFSET));
  EXPECT_FALSE(in_interrupt(PREEMPT_OFFSET));
}

TEST(ModelTable, FollowsPreemptDynamic) {
  struct Row { const char* name; Call cond, might, ps, irq; bool lazy; };
  const Row rows[] = {
      {"none", Call::Real, Call::Nop, Call::Nop, Call::Nop, false},
      {"voluntary", Call::Real, Call::Real, Call::Nop, Call::Nop, false},
      {"full", Call::Nop, Call::Nop, Call::Real, Call::Real, false},
      {"lazy", Call::Nop, Call::Nop, Call::Real, Call::Real, true},
      {"rt", Call::Nop, Call::Nop, Call::Real, Call::Real, false},
  };
  for (const Row& r : rows) {
    const PreemptModel* m = find_preempt_model(r.name);
    ASSERT_NE(m, nullptr) << r.name;
    EXPECT_EQ(m->cond_resched, r.cond) << r.name;
    EXPECT_EQ(m->might_resched, r.might) << r.name;
    EXPECT_EQ(m->preempt_schedule, r.ps) << r.name;
    EXPECT_EQ(m->irqentry_exit_cond_resched, r.irq) << r.name;
    EXPECT_EQ(m->lazy, r.lazy) << r.name;
  }
  EXPECT_TRUE(find_preempt_model("rt")->rt_locks);
  EXPECT_EQ(find_preempt_model("preempt"), nullptr);
}

TEST(SchedRr, EqualPriorityTasksRotateEverySlice) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 1s}
tasks:
  a: {policy: rr, priority: 10, program: [{run: 10s}]}
  b: {policy: rr, priority: 10, program: [{run: 10s}]}
)", "rr.yaml");
  const ModelResult r = run_model(sc, "full");
  // RR_TIMESLICE = 100 ms = 25 ticks at HZ 250: about 10 rotations in 1 s.
  const auto switches = task(r, "a").nivcsw + task(r, "b").nivcsw;
  std::cout << "SCHED_RR switches in 1 s with a 100 ms slice: " << switches << "\n";
  EXPECT_GE(switches, 9u);
  EXPECT_LE(switches, 10u);
  const Time diff = task(r, "a").cpu_time - task(r, "b").cpu_time;
  EXPECT_LE(diff < Time() ? Time() - diff : diff, Time::ns(100'000'000));
}

TEST(SchedFifo, NoSliceMeansNoRotation) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 1s}
tasks:
  a: {policy: fifo, priority: 10, program: [{run: 10s}]}
  b: {policy: fifo, priority: 10, program: [{run: 10s}]}
)", "fifo.yaml");
  const ModelResult r = run_model(sc, "full");
  EXPECT_EQ(task(r, "b").cpu_time, Time()) << "b never runs: a SCHED_FIFO task keeps the CPU";
}

TEST(SchedFair, CpuTimeFollowsNiceWeights) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 4s}
tasks:
  n0: {policy: other, nice: 0, program: [{run: 10s}]}
  n5: {policy: other, nice: 5, program: [{run: 10s}]}
)", "fair.yaml");
  const ModelResult r = run_model(sc, "full");
  const double ratio = static_cast<double>(task(r, "n0").cpu_time.count()) / static_cast<double>(task(r, "n5").cpu_time.count());
  std::cout << "nice 0 : nice 5 CPU time = " << ratio << " (weights 1024 : 335 = " << 1024.0 / 335.0 << ")\n";
  EXPECT_NEAR(ratio, 1024.0 / 335.0, 0.15);
}

TEST(Msleep, WakesOnTheJiffyAfterMsecsToJiffiesPlusOne) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 100ms}
tasks:
  k: {kthread: true, policy: fifo, priority: 1, program: [{busy: 1ms}, {mark: before}, {msleep: 10ms}, {mark: after}]}
)", "msleep.yaml");
  const ModelResult r = run_model(sc, "full");
  const Costs& c = sc.system.costs;
  const Time before = mark(task(r, "k"), "before");
  const Time tick = Time::ns(4'000'000);
  // msecs_to_jiffies(10) = 3 at HZ 250; the wheel rounds a level-0 expiry up by one jiffy: jiffy(before) + 4.
  const Time expires = tick * (before / tick + 4);
  const Time expected = expires + c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
  const std::string why = explain("msleep(10) wake", "tick at jiffies(" + format_time(before) + ") + 3 (msecs_to_jiffies) + 1 (calc_index round-up) + timer IRQ + TIMER_SOFTIRQ + switch",
                                  expected, mark(task(r, "k"), "after"));
  std::cout << why << "\n";
  EXPECT_EQ(mark(task(r, "k"), "after"), expected) << why;
}

TEST(Msleep, LongTimeoutsTakeTheCoarserWheelLevel) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 2s}
tasks:
  k: {kthread: true, policy: fifo, priority: 1, program: [{msleep: 1000ms}, {mark: after}]}
)", "msleep.yaml");
  const ModelResult r = run_model(sc, "full");
  const Costs& c = sc.system.costs;
  // 1000 ms = 250 jiffies: wheel level 1 (63 <= delta < 504), granularity 8
  // jiffies: calc_index() rounds 250 up to (250 >> 3) + 1 = 32 buckets = 256 jiffies.
  const Time expected = Time::ns(4'000'000) * 256 + c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch;
  const std::string why = explain("msleep(1000) wake", "256 jiffies x 4 ms (level-1 rounding of 250) + timer IRQ + TIMER_SOFTIRQ + switch", expected,
                                  mark(task(r, "k"), "after"));
  std::cout << why << "\n";
  EXPECT_EQ(mark(task(r, "k"), "after"), expected) << why;
}

TEST(DebugChecks, MightSleepInsideAtomicPrintsTheKernelReport) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 10ms}
tasks:
  t:
    program:
      - syscall: ioctl
        kernel: [preempt_disable, might_sleep, preempt_enable]
)", "atomic.yaml");
  const ModelResult r = run_model(sc, "full");
  ASSERT_EQ(r.bugs.size(), 1u);
  const std::string& text = r.bugs[0].text;
  std::cout << text << "\n";
  EXPECT_NE(text.find("BUG: sleeping function called from invalid context at atomic.yaml:7:"), std::string::npos) << text;
  EXPECT_NE(text.find("in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1000, name: t"), std::string::npos) << text;
  EXPECT_NE(text.find("preempt_count: 1, expected: 0"), std::string::npos) << text;
}

TEST(DebugChecks, BlockingWhileAtomicIsSchedulingWhileAtomic) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [none], duration: 100ms}
tasks:
  t:
    program:
      - syscall: ioctl
        kernel: [preempt_disable, {msleep: 1ms}, preempt_enable]
)", "atomic.yaml");
  const ModelResult r = run_model(sc, "none");
  ASSERT_GE(r.bugs.size(), 1u);
  std::cout << r.bugs[0].text << "\n";
  // schedule()'s own preempt_disable() makes the printed count 2.
  EXPECT_EQ(r.bugs[0].text, "BUG: scheduling while atomic: t/1000/0x00000002");
  EXPECT_TRUE(task(r, "t").exit.has_value()) << "the run goes on after the report, as the kernel's does";
}

// A kernel that has run one task for 1 ms and is idle again (preempt_count 0).
struct RanKernel {
  Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 10ms}
tasks:
  t: {program: [{run: 1ms}]}
)", "inv.yaml");
  Kernel k{sc, *find_preempt_model("full")};
  RanKernel() { k.run(); }
};

TEST(Invariants, PreemptCountUnderflowStopsWithTheLastEvents) {
  RanKernel ran;
  Kernel& k = ran.k;
  try {
    k.preempt_count_sub(k.cpu_rq(0), HARDIRQ_OFFSET);
    FAIL() << "no InvariantError";
  } catch (const InvariantError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("preempt_count underflow"), std::string::npos) << what;
    EXPECT_NE(what.find("last kernel events"), std::string::npos) << what;
    EXPECT_NE(what.find("sched_switch"), std::string::npos) << what;
  }
}

// Every field of preempt_count holds (2^bits - 1) nestings; one more carries
// into the next field, one release too many borrows from it: both stop the run.
TEST(Invariants, EachPreemptCountFieldOverflowsAndUnderflowsAtItsOwnEdge) {
  RanKernel ran;
  Kernel& k = ran.k;
  Rq& rq = k.cpu_rq(0);
  struct Field {
    const char* name;
    std::uint32_t offset, bits;
  };
  for (const Field& f : {Field{"PREEMPT", PREEMPT_OFFSET, PREEMPT_BITS}, Field{"SOFTIRQ", SOFTIRQ_OFFSET, SOFTIRQ_BITS},
                         Field{"HARDIRQ", HARDIRQ_OFFSET, HARDIRQ_BITS}, Field{"NMI", NMI_OFFSET, NMI_BITS}}) {
    // every other field in use, so a carry or borrow would show in them
    const std::uint32_t others = (f.offset == PREEMPT_OFFSET ? 0 : 3 * PREEMPT_OFFSET) | (f.offset == SOFTIRQ_OFFSET ? 0 : 2 * SOFTIRQ_OFFSET) |
                                 (f.offset == HARDIRQ_OFFSET ? 0 : 2 * HARDIRQ_OFFSET) | (f.offset == NMI_OFFSET ? 0 : NMI_OFFSET);
    rq.preempt_count = others;
    const std::uint32_t max = (1u << f.bits) - 1;
    for (std::uint32_t i = 0; i < max; ++i) k.preempt_count_add(rq, f.offset);
    EXPECT_EQ(rq.preempt_count, others + max * f.offset) << f.name << ": full, expected " << max << " nestings";
    EXPECT_THROW(k.preempt_count_add(rq, f.offset), InvariantError) << f.name << ": nesting " << max + 1 << " carries out";
    rq.preempt_count = others + max * f.offset;
    for (std::uint32_t i = 0; i < max; ++i) k.preempt_count_sub(rq, f.offset);
    EXPECT_EQ(rq.preempt_count, others) << f.name;
    EXPECT_THROW(k.preempt_count_sub(rq, f.offset), InvariantError) << f.name << ": one release too many borrows";
    EXPECT_EQ(rq.preempt_count, others) << f.name << ": left as it was";
  }
  rq.preempt_count = 0;
}

TEST(Invariants, AProgramThatNeverUsesTimeIsAWorkloadError) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 1s}
tasks:
  spin: {program: [{loop: {until: 1s, steps: [{mark: m}]}}]}
)", "spin.yaml");
  try {
    run_model(sc, "full");
    FAIL() << "no WorkloadError";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().line, 4) << e.what();
    EXPECT_NE(std::string(e.what()).find("makes no progress"), std::string::npos) << e.what();
  }
}

TEST(Determinism, SameInputSameJson) {
  for (const char* example : {"smp-affinity-ipi.yaml", "irq-net-rx-storm.yaml"}) {  // the second draws from random streams
    const Scenario sc = load_example(example);
    const std::string a = to_json_text(simulate(sc));
    const std::string b = to_json_text(simulate(sc));
    EXPECT_EQ(a, b) << example;
  }
}

TEST(Accounting, CpuTimeSplitSumsToTheDuration) {
  const Scenario sc = load_example("smp-affinity-ipi.yaml");
  for (const ModelResult& r : simulate(sc).results)
    for (const CpuResult& c : r.cpus)
      EXPECT_EQ(c.user + c.kernel + c.hardirq + c.sched + c.idle, sc.system.duration) << r.model << " cpu" << c.cpu;
}

}  // namespace
}  // namespace preemptsim::testing
