// Scenario tests for locks: priority inversion under the three pthread mutex
// protocols, spinlocks under full vs rt, raw spinlocks, the debug reports.
#include <gtest/gtest.h>

#include <iostream>

#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

Scenario with_protocol(MutexProtocol protocol, int ceiling = 0) {
  Scenario sc = load_example("locks-priority-inversion.yaml");
  sc.mutexes.at(0).protocol = protocol;
  sc.mutexes.at(0).ceiling = ceiling;
  return sc;
}

const LockResult& lock(const ModelResult& r, const std::string& name) {
  for (const LockResult& l : r.locks)
    if (l.name == name) return l;
  ADD_FAILURE() << "no lock " << name;
  static LockResult none;
  return none;
}

// Scheduling overheads along the way (switches, timer interrupts, ticks)
// stay below this; the named parts of each expectation are milliseconds.
constexpr Time kOverhead = Time::ns(50'000);

TEST(PriorityInversion, ProtocolNoneHiWaitsForMid) {
  const ModelResult r = run_model(with_protocol(MutexProtocol::None), "full");
  const TaskResult& hi = task(r, "hi");
  const TaskResult& lo = task(r, "lo");
  const TaskResult& mid = task(r, "mid");
  const Time want = mark(hi, "want"), got = mark(hi, "got");
  const Time lo_done_before = want - mark(lo, "locked");  // lo's critical section run before hi came
  const Time lo_rest = Time::ns(4'000'000) - lo_done_before;
  const Time mid_run = Time::ns(10'000'000);
  const Time expected = lo_rest + mid_run;
  const std::string why = explain("none: hi's wait for M", "rest of lo's critical section " + format_time(lo_rest) +
                                      " + all of mid's run " + format_time(mid_run) + " (the inversion)",
                                  expected, got - want);
  std::cout << why << "\n";
  EXPECT_GE(got - want, expected) << why;
  EXPECT_LT(got - want, expected + kOverhead) << why;
  EXPECT_EQ(hi.lock_wait, got - want) << "lock_wait runs from the contended lock() to the switch-in as owner";
  EXPECT_EQ(lo.pi_boosts, 0u);
  EXPECT_LT(mark(mid, "done"), got) << "mid finished before hi got the lock";
  EXPECT_EQ(lock(r, "M").contended, 1u);
  EXPECT_EQ(lock(r, "M").acquisitions, 2u);
}

TEST(PriorityInversion, ProtocolInheritBoostsLoOverMid) {
  const ModelResult r = run_model(with_protocol(MutexProtocol::Inherit), "full");
  const TaskResult& hi = task(r, "hi");
  const TaskResult& lo = task(r, "lo");
  const TaskResult& mid = task(r, "mid");
  const Time want = mark(hi, "want"), got = mark(hi, "got");
  const Time lo_rest = Time::ns(4'000'000) - (want - mark(lo, "locked"));
  const std::string why = explain("inherit: hi's wait for M", "rest of lo's critical section " + format_time(lo_rest) +
                                      ", run at hi's prio (mid's 10 ms waits)",
                                  lo_rest, got - want);
  std::cout << why << "\n";
  EXPECT_GE(got - want, lo_rest) << why;
  EXPECT_LT(got - want, lo_rest + kOverhead) << why;
  EXPECT_EQ(hi.lock_wait, got - want);
  // lo was boosted once, from hi's futex_lock_pi() until its own unlock.
  EXPECT_EQ(lo.pi_boosts, 1u);
  EXPECT_GE(lo.boosted, mark(lo, "unlock") - want);
  EXPECT_LT(lo.boosted, mark(lo, "unlock") - want + kOverhead);
  EXPECT_GT(mark(mid, "start"), got) << "mid could not run while lo was boosted to hi's prio";
}

TEST(PriorityInversion, ProtocolProtectRunsLoAtTheCeiling) {
  const ModelResult r = run_model(with_protocol(MutexProtocol::Protect, 30), "full");
  const TaskResult& hi = task(r, "hi");
  const TaskResult& lo = task(r, "lo");
  // hi's timer fires at 1 ms, but lo runs at the ceiling 30 = hi's prio: no
  // preemption; hi runs when lo's unlock drops it back (sched_setparam's
  // return to user), and then finds M free.
  const Time expiry = Time::ns(1'000'000);
  const Time unlock = mark(lo, "unlock");
  const std::string why = explain("protect: hi's wakeup latency", "lo's unlock at " + format_time(unlock) + " - hi's expiry " +
                                      format_time(expiry) + " (+ a context switch)",
                                  unlock - expiry, hi.wakeup_latency.max());
  std::cout << why << "\n";
  EXPECT_GE(hi.wakeup_latency.max(), unlock - expiry) << why;
  EXPECT_LT(hi.wakeup_latency.max(), unlock - expiry + kOverhead) << why;
  EXPECT_EQ(hi.lock_wait, Time()) << "M is free when hi gets to lock it";
  EXPECT_EQ(lock(r, "M").contended, 0u);
  EXPECT_EQ(lo.pi_boosts, 1u) << "the ceiling counts as a boost";
}

// ---------------------------------------------------------------- Mars Pathfinder

TEST(MarsPathfinder, ResetsWithoutInheritanceNoneWithIt) {
  Scenario sc = load_example("locks-mars-pathfinder.yaml");
  // Per 125 ms frame: met takes the bus at 3 ms (phase 2 ms + 1 ms of work),
  // bc_dist asks for it at 5 ms, comms (95 ms) arrives at 6 ms.
  const Time met_section = Time::ns(10'000'000), met_done_before = Time::ns(2'000'000), comms = Time::ns(95'000'000);
  const std::uint64_t frames = 8;  // bc_dist jobs at 5 ms + k * 125 ms within 1 s
  // Over ~100 ms the ticks alone (HZ 250: 1 us of tick work + 1 us of entry/exit) add ~50 us.
  const Time overhead = Time::ns(200'000);
  {
    const ModelResult r = run_model(sc, "full");
    const Time expected = met_section - met_done_before + comms;
    const LockResult& bus = lock(r, "bus");
    const std::string why = explain("none: bc_dist's longest wait for the bus",
                                    "met's bus section " + format_time(met_section) + " - what met did before bc_dist came " +
                                        format_time(met_done_before) + " + comms " + format_time(comms),
                                    expected, bus.max_wait);
    std::cout << why << "; resets (deadline misses of bc_dist) " << task(r, "bc_dist").deadline_misses << "\n";
    EXPECT_GE(bus.max_wait, expected) << why;
    EXPECT_LT(bus.max_wait, expected + overhead) << why;
    EXPECT_EQ(task(r, "bc_dist").deadline_misses, frames) << "a reset every frame";
    EXPECT_EQ(task(r, "met").pi_boosts, 0u);
  }
  sc.mutexes.at(0).protocol = MutexProtocol::Inherit;
  {
    const ModelResult r = run_model(sc, "full");
    const Time expected = met_section - met_done_before;
    const LockResult& bus = lock(r, "bus");
    const std::string why = explain("inherit: bc_dist's longest wait for the bus",
                                    "met's bus section " + format_time(met_section) + " - what met did before bc_dist came " +
                                        format_time(met_done_before) + " (comms waits: met runs at 30)",
                                    expected, bus.max_wait);
    std::cout << why << "; resets " << task(r, "bc_dist").deadline_misses << "\n";
    EXPECT_GE(bus.max_wait, expected) << why;
    EXPECT_LT(bus.max_wait, expected + kOverhead) << why;
    EXPECT_EQ(task(r, "bc_dist").deadline_misses, 0u) << "no resets";
    EXPECT_EQ(task(r, "met").pi_boosts, frames) << "met inherits bc_dist's prio once per frame";
  }
}

// A periodic job's deadline: finished in time, no miss; late, one miss per late job.
TEST(DeadlineMisses, CountsLateJobsOnly) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 100ms, seed: 1}
tasks:
  t: {policy: fifo, priority: 10, program: [{loop: {count: 4, steps: [{periodic: {period: 10ms, deadline: 5ms}}, {run: 3ms}]}}, {loop: {count: 3, steps: [{periodic: {period: 10ms, deadline: 5ms}}, {run: 6ms}]}}, {periodic: {period: 10ms, deadline: 5ms}}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  // Jobs start at the periodic wakeups (10, 20, ... ms) and end at the next
  // periodic step (or the exit): 4 jobs of 3 ms meet 5 ms, 3 jobs of 6 ms
  // miss it, and the last wakeup's job (nothing to do before the exit) meets it.
  EXPECT_EQ(task(r, "t").deadline_misses, 3u);
}

// ---------------------------------------------------------------- spinlocks

Time irq_and_switch(const Costs& c) { return c.irq_entry + c.hrtimer_wakeup + c.irq_exit + c.context_switch; }

TEST(Spinlock, FullWaitsForTheUnlockRtPreemptsTheHolder) {
  const Scenario sc = load_example("locks-spinlock-full-vs-rt.yaml");
  const Costs& c = sc.system.costs;
  {
    const ModelResult r = run_model(sc, "full");
    const TaskResult& hi = task(r, "hi");
    const Time expiry = mark(hi, "sleep") + Time::ns(1'000'000);
    const Time unlock = mark(task(r, "lo"), "unlock");
    const Time expected = unlock - expiry + c.context_switch;
    const std::string why = explain("full: hi's wakeup latency", "spin_unlock()'s preempt_enable() at " + format_time(unlock) +
                                        " - expiry " + format_time(expiry) + " + context_switch " + format_time(c.context_switch),
                                    expected, hi.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(hi.wakeup_latency.max(), expected) << why;
  }
  {
    const ModelResult r = run_model(sc, "rt");
    const TaskResult& hi = task(r, "hi");
    const Time expected = irq_and_switch(c);
    const std::string why = explain("rt: hi's wakeup latency", "irq_entry + hrtimer_wakeup + irq_exit + context_switch (lo is preempted holding L)",
                                    expected, hi.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(hi.wakeup_latency.max(), expected) << why;
    EXPECT_EQ(task(r, "lo").nivcsw, 1u) << "lo was preempted inside its spinlock_t section";
    EXPECT_LT(*hi.exit, mark(task(r, "lo"), "unlock")) << "hi ran and finished while lo still held L";
  }
}

TEST(Spinlock, RawSpinlockWaitsOnEveryModel) {
  const Scenario sc = load_example("locks-raw-spinlock.yaml");
  const Costs& c = sc.system.costs;
  for (const PreemptModel& m : preempt_models()) {
    const ModelResult r = run_model(sc, std::string(m.name));
    const TaskResult& hi = task(r, "hi");
    const Time expiry = mark(hi, "sleep") + Time::ns(1'000'000);
    const Time unlock = mark(task(r, "lo"), "unlock");
    const Time expected = unlock - expiry + c.context_switch;
    const std::string why = explain(std::string(m.name) + ": hi's wakeup latency",
                                    "raw_spin_unlock() at " + format_time(unlock) + " - expiry " + format_time(expiry) +
                                        " + context_switch " + format_time(c.context_switch),
                                    expected, hi.wakeup_latency.max());
    std::cout << why << "\n";
    EXPECT_EQ(hi.wakeup_latency.max(), expected) << why;
  }
}

// Two CPUs: b spins (kernel time, preemption off) until a's unlock hands L over.
TEST(Spinlock, ContendedSpinlockSpinsUntilTheHandover) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 2, hz: 250, models: [full], duration: 20ms, seed: 1}
tasks:
  a: {policy: fifo, priority: 10, cpus: [0], program: [{syscall: x, kernel: [{spin_lock: L}, {busy: 3ms}, {mark: unlock}, {spin_unlock: L}]}]}
  b: {policy: fifo, priority: 10, cpus: [1], program: [{sleep: 1ms}, {mark: try}, {syscall: y, kernel: [{spin_lock: L}, {mark: got}, {spin_unlock: L}]}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& b = task(r, "b");
  const Time unlock = mark(task(r, "a"), "unlock");
  const Time tried = mark(b, "try");
  const std::string why = explain("b's spin", "a's unlock " + format_time(unlock) + " - b's spin_lock " + format_time(tried), unlock - tried, b.lock_wait);
  std::cout << why << "\n";
  EXPECT_EQ(mark(b, "got"), unlock) << "the handover ends the spin at the unlock instant";
  EXPECT_EQ(b.lock_wait, unlock - tried) << why;
  EXPECT_GE(b.cpu_time, unlock - tried) << "spinning burns CPU time";
  EXPECT_GE(r.cpus[1].kernel, unlock - tried) << "spinning is kernel time on b's CPU";
  const LockResult& l = lock(r, "L");
  EXPECT_EQ(l.acquisitions, 2u);
  EXPECT_EQ(l.contended, 1u);
  EXPECT_EQ(l.max_wait, unlock - tried);
}

// ---------------------------------------------------------------- PI chains

// c holds B; b holds A and blocks on B; a blocks on A: a's prio reaches c
// through b (rt_mutex_adjust_prio_chain), so m (between them) cannot run.
TEST(PriorityInheritance, TransitiveBoostThroughAChain) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 20ms, seed: 1}
tasks:
  c: {policy: fifo, priority: 10, kthread: true, program: [{rt_mutex_lock: B}, {busy: 3ms}, {mark: unlock}, {rt_mutex_unlock: B}]}
  b: {policy: fifo, priority: 20, kthread: true, program: [{sleep: 500us}, {rt_mutex_lock: A}, {mark: block}, {rt_mutex_lock: B}, {busy: 100us}, {rt_mutex_unlock: B}, {rt_mutex_unlock: A}]}
  a: {policy: fifo, priority: 30, kthread: true, program: [{sleep: 1ms}, {rt_mutex_lock: A}, {mark: got}, {busy: 100us}, {rt_mutex_unlock: A}]}
  m: {policy: fifo, priority: 25, kthread: true, program: [{sleep: 1500us}, {mark: start}, {busy: 1ms}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& c = task(r, "c");
  EXPECT_EQ(c.pi_boosts, 1u) << "boosted to b's 20, then to a's 30: one boost";
  EXPECT_EQ(task(r, "b").pi_boosts, 1u) << "b, blocked, inherits a's prio";
  EXPECT_GT(mark(task(r, "m"), "start"), mark(task(r, "a"), "got")) << "m (25) waits for the whole chain at 30";
  const Time unlock = mark(c, "unlock");
  const Time block = mark(task(r, "b"), "block");
  const std::string why = explain("c's time boosted", "c's unlock " + format_time(unlock) + " - b blocks on B " + format_time(block), unlock - block, c.boosted);
  std::cout << why << "\n";
  EXPECT_EQ(c.boosted, unlock - block) << why;
  EXPECT_TRUE(r.bugs.empty());
}

// A SCHED_OTHER owner boosted by a FIFO waiter runs in the rt class while
// boosted (rt_mutex_setprio) and returns to the fair class, sums intact.
TEST(PriorityInheritance, FairOwnerRunsInTheRtClassWhileBoosted) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full, lazy, rt], duration: 40ms, seed: 1}
mutexes: {M: {protocol: inherit}}
tasks:
  lo: {policy: other, program: [{lock: M}, {mark: locked}, {run: 4ms}, {mark: unlock}, {unlock: M}, {run: 5ms}]}
  f: {policy: other, program: [{run: 20ms}]}
  hi: {policy: fifo, priority: 30, program: [{sleep: 1ms}, {mark: want}, {lock: M}, {mark: got}, {unlock: M}]}
  mid: {policy: fifo, priority: 20, program: [{sleep: 2ms}, {mark: start}, {run: 5ms}]}
)", "inline.yaml");
  for (const char* model : {"full", "lazy", "rt"}) {
    const ModelResult r = run_model(sc, model);
    const TaskResult& lo = task(r, "lo");
    const TaskResult& hi = task(r, "hi");
    EXPECT_EQ(lo.pi_boosts, 1u) << model;
    EXPECT_GT(mark(task(r, "mid"), "start"), mark(hi, "got")) << model << ": mid waited for the boosted lo";
    EXPECT_EQ(hi.lock_wait, mark(hi, "got") - mark(hi, "want")) << model;
    EXPECT_TRUE(lo.exit.has_value()) << model;
    EXPECT_TRUE(task(r, "f").exit.has_value()) << model << ": the fair class still runs f to the end";
  }
}

// ---------------------------------------------------------------- debug checks

TEST(LockDebug, SleepingInsideASpinlockIsReported) {
  const Scenario sc = load_example("locks-sleep-in-spinlock.yaml");
  const std::string site = source_path("examples/locks-sleep-in-spinlock.yaml");
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    ASSERT_EQ(r.bugs.size(), 1u) << model;
    const std::string& text = r.bugs[0].text;
    std::cout << "[" << model << "] " << text << "\n";
    EXPECT_NE(text.find("BUG: sleeping function called from invalid context at "), std::string::npos);
    EXPECT_NE(text.find("locks-sleep-in-spinlock.yaml:19:13"), std::string::npos) << "the mutex_lock step's file:line:col";
    // full: caught by preempt_count; rt: by the RCU depth the rtlock holds.
    const bool rt = std::string(model) == "rt";
    EXPECT_NE(text.find(rt ? "preempt_count: 0, expected: 0" : "preempt_count: 1, expected: 0"), std::string::npos) << text;
    EXPECT_NE(text.find(rt ? "RCU nest depth: 1, expected: 0" : "RCU nest depth: 0, expected: 0"), std::string::npos) << text;
  }
}

TEST(LockDebug, AbBaOrderIsReportedOnceWithoutADeadlock) {
  const Scenario sc = load_example("locks-abba.yaml");
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    ASSERT_EQ(r.bugs.size(), 1u) << model;
    const std::string& text = r.bugs[0].text;
    std::cout << "[" << model << "] " << text << "\n";
    EXPECT_EQ(text.rfind("WARNING: possible circular locking dependency detected\n", 0), 0u);
    EXPECT_NE(text.find("b/1001 is trying to acquire lock A"), std::string::npos);
    EXPECT_NE(text.find("a/1000 took B"), std::string::npos);
    EXPECT_FALSE(r.stopped_at.has_value()) << "no deadlock in this run";
    EXPECT_TRUE(task(r, "b").exit.has_value());
  }
}

TEST(LockDebug, ARealDeadlockStopsTheRunWithTheCycle) {
  const Scenario sc = load_example("locks-deadlock.yaml");
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(sc, model);
    ASSERT_EQ(r.bugs.size(), 2u) << model << ": the order warning, then the deadlock";
    const std::string& text = r.bugs[1].text;
    std::cout << "[" << model << "] " << text << "\n";
    EXPECT_NE(text.find("BUG: deadlock"), std::string::npos);
    EXPECT_NE(text.find("b/1001 waits for A held by a/1000"), std::string::npos);
    EXPECT_NE(text.find("a/1000 waits for B held by b/1001"), std::string::npos);
    ASSERT_TRUE(r.stopped_at.has_value());
    // b asks for A after its 2 ms section (plus its switch-in): the cycle closes there.
    EXPECT_GE(*r.stopped_at, Time::ns(2'000'000));
    EXPECT_LT(*r.stopped_at, Time::ns(2'000'000) + kOverhead);
    EXPECT_FALSE(task(r, "a").exit.has_value());
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// The _bh flavours balance on every model (a raw spinlock's BH part is RT's
// local lock under rt): no underflow warning, the task finishes.
TEST(Spinlock, BhFlavoursBalanceOnEveryModel) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, duration: 10ms, seed: 1}
tasks:
  k: {kthread: true, program: [{raw_spin_lock_bh: R}, {busy: 10us}, {raw_spin_unlock_bh: R}, {spin_lock_bh: S}, {busy: 10us}, {spin_unlock_bh: S}, {spin_lock_irqsave: S}, {spin_unlock_irqrestore: S}]}
)", "inline.yaml");
  for (const PreemptModel& m : preempt_models()) {
    const ModelResult r = run_model(sc, std::string(m.name));
    EXPECT_TRUE(r.bugs.empty()) << m.name << ": " << (r.bugs.empty() ? "" : r.bugs[0].text);
    EXPECT_TRUE(task(r, "k").exit.has_value()) << m.name;
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// rwlock_t without PREEMPT_RT (qrwlock): readers share it; a writer spins
// until the last reader leaves; a reader arriving behind a waiting writer
// queues behind it.
TEST(RwLock, ReadersShareAWriterWaitsForThemAndLaterReadersWaitForTheWriter) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 4, hz: 250, models: [full], duration: 20ms, seed: 1}
tasks:
  r1: {kthread: true, cpus: [0], program: [{read_lock: L}, {mark: got}, {busy: 3ms}, {mark: unlock}, {read_unlock: L}]}
  r2: {kthread: true, cpus: [1], program: [{sleep: 1ms}, {read_lock: L}, {mark: got}, {busy: 1ms}, {read_unlock: L}]}
  w:  {kthread: true, cpus: [2], program: [{sleep: 1500us}, {mark: try}, {write_lock: L}, {mark: got}, {busy: 1ms}, {mark: unlock}, {write_unlock: L}]}
  r3: {kthread: true, cpus: [3], program: [{sleep: 2ms}, {mark: try}, {read_lock: L}, {mark: got}, {read_unlock: L}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& r1 = task(r, "r1");
  const TaskResult& w = task(r, "w");
  const TaskResult& r3 = task(r, "r3");
  EXPECT_EQ(task(r, "r2").lock_wait, Time()) << "r2 shares L with r1";
  // r2 left at about 2 ms; w gets L when r1, the last reader, leaves.
  EXPECT_EQ(mark(w, "got"), mark(r1, "unlock"));
  EXPECT_EQ(w.lock_wait, mark(r1, "unlock") - mark(w, "try"));
  // r3 (2 ms) could share with r1, but w waits ahead of it: r3 follows w.
  EXPECT_EQ(mark(r3, "got"), mark(w, "unlock"));
  EXPECT_EQ(lock(r, "L").contended, 2u);
  EXPECT_EQ(lock(r, "L").acquisitions, 4u);
}

// One CPU: a writer holds L for 3 ms; a higher-prio reader wakes at 1 ms.
// full: the writer's section is preempt-disabled: the reader waits for the
// unlock. rt (rwbase_rt): the reader preempts the writer, blocks on L and
// boosts it over mid, who waits until the reader is through.
TEST(RwLock, RtReaderBoostsTheWriter) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full, rt], duration: 20ms, seed: 1}
tasks:
  w:   {policy: fifo, priority: 10, kthread: true, program: [{write_lock: L}, {busy: 3ms}, {mark: unlock}, {write_unlock: L}, {busy: 1ms}]}
  rd:  {policy: fifo, priority: 30, kthread: true, program: [{sleep: 1ms}, {mark: want}, {read_lock: L}, {mark: got}, {read_unlock: L}]}
  mid: {policy: fifo, priority: 20, kthread: true, program: [{sleep: 1500us}, {mark: start}, {busy: 1ms}]}
)", "inline.yaml");
  {
    const ModelResult r = run_model(sc, "full");
    EXPECT_EQ(task(r, "w").pi_boosts, 0u);
    EXPECT_GE(mark(task(r, "rd"), "want"), mark(task(r, "w"), "unlock")) << "rd could not run inside the write section";
  }
  {
    const ModelResult r = run_model(sc, "rt");
    const TaskResult& rd = task(r, "rd");
    EXPECT_LT(mark(rd, "want"), Time::ns(1'100'000)) << "rd preempted the writer at once";
    EXPECT_EQ(task(r, "w").pi_boosts, 1u) << "the blocked reader boosts the writer";
    EXPECT_EQ(mark(rd, "got"), mark(task(r, "w"), "unlock") + sc.system.costs.context_switch)
        << "the handoff at write_unlock, then a switch to rd";
    EXPECT_GT(mark(task(r, "mid"), "start"), mark(rd, "got"));
  }
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// local_lock_t is per CPU: two CPUs "share" it without contention. Under
// full it is preempt_disable(); under rt a per-CPU spinlock_t: the holder
// is preempted, and a waiter on the same CPU blocks and boosts it.
TEST(LocalLock, PerCpuWithoutRtPreemptibleAndPiWithRt) {
  const Scenario two_cpus = parse_workload(R"(
system: {cpus: 2, hz: 250, models: [full, rt], duration: 10ms, seed: 1}
tasks:
  a: {kthread: true, cpus: [0], program: [{local_lock: L}, {busy: 2ms}, {local_unlock: L}]}
  b: {kthread: true, cpus: [1], program: [{sleep: 500us}, {local_lock: L}, {busy: 1ms}, {local_unlock: L}]}
)", "inline.yaml");
  for (const char* model : {"full", "rt"}) {
    const ModelResult r = run_model(two_cpus, model);
    EXPECT_EQ(lock(r, "L").contended, 0u) << model << ": one instance per CPU";
    EXPECT_EQ(lock(r, "L").acquisitions, 2u) << model;
    EXPECT_TRUE(r.bugs.empty()) << model;
  }
  const Scenario one_cpu = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full, rt], duration: 10ms, seed: 1}
tasks:
  lo: {policy: fifo, priority: 10, kthread: true, program: [{local_lock: L}, {busy: 3ms}, {mark: unlock}, {local_unlock: L}]}
  hi: {policy: fifo, priority: 30, kthread: true, program: [{sleep: 1ms}, {mark: want}, {local_lock: L}, {mark: got}, {local_unlock: L}]}
)", "inline.yaml");
  {
    const ModelResult r = run_model(one_cpu, "full");
    EXPECT_GE(mark(task(r, "hi"), "want"), mark(task(r, "lo"), "unlock")) << "full: no preemption inside local_lock()";
    EXPECT_EQ(lock(r, "L").contended, 0u);
  }
  {
    const ModelResult r = run_model(one_cpu, "rt");
    EXPECT_LT(mark(task(r, "hi"), "want"), mark(task(r, "lo"), "unlock")) << "rt: hi preempts the holder";
    EXPECT_EQ(lock(r, "L").contended, 1u);
    EXPECT_EQ(task(r, "lo").pi_boosts, 1u);
    EXPECT_TRUE(r.bugs.empty()) << r.bugs[0].text;
  }
}

}  // namespace
}  // namespace preemptsim::testing

// ---------------------------------------------------------------- user-space sync

namespace preemptsim::testing {
namespace {

TEST(UserSync, SemaphoreHandsItsTokenToTheWaiter) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 10ms, seed: 1}
semaphores: {S: {initial: 0}}
tasks:
  cons: {policy: fifo, priority: 20, program: [{sem_wait: S}, {mark: got}, {run: 100us}, {sem_wait: S}, {mark: got2}]}
  prod: {policy: other, program: [{run: 1ms}, {mark: post}, {sem_post: S}, {mark: after}, {sem_post: S}, {run: 1ms}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& cons = task(r, "cons");
  const TaskResult& prod = task(r, "prod");
  // sem_post's futex wake returns to user with cons (RT) waiting: a switch.
  EXPECT_EQ(mark(cons, "got"), mark(prod, "post") + sc.system.costs.context_switch);
  EXPECT_GT(mark(prod, "after"), mark(cons, "got")) << "prod resumed only after cons blocked again";
  EXPECT_EQ(cons.nvcsw, 3u) << "blocked once per sem_wait, and the exit";
}

TEST(UserSync, BarrierOpensWhenTheLastTaskArrives) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 3, hz: 250, models: [full], duration: 10ms, seed: 1}
tasks:
  a: {policy: fifo, priority: 10, cpus: [0], program: [{run: 1ms}, {barrier: B}, {mark: through}]}
  b: {policy: fifo, priority: 10, cpus: [1], program: [{run: 2ms}, {barrier: B}, {mark: through}]}
  c: {policy: fifo, priority: 10, cpus: [2], program: [{run: 3ms}, {mark: arrive}, {barrier: B}, {mark: through}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const Time last = mark(task(r, "c"), "arrive");
  EXPECT_EQ(mark(task(r, "c"), "through"), last) << "the last arrival does not wait";
  for (const char* t : {"a", "b"}) {
    EXPECT_GE(mark(task(r, t), "through"), last) << t;
    EXPECT_LT(mark(task(r, t), "through"), last + Time::ns(20'000)) << t << ": woken by c's futex wake (IPI + switch)";
  }
}

TEST(UserSync, CondWaitReleasesTheMutexAndGetsItBackAtTheSignallersUnlock) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 250, models: [full], duration: 10ms, seed: 1}
mutexes: {M: {protocol: inherit}}
conds: {E: {mutex: M}}
tasks:
  waiter: {policy: fifo, priority: 30, program: [{lock: M}, {wait: E}, {mark: woke}, {unlock: M}]}
  sig: {policy: fifo, priority: 10, program: [{run: 1ms}, {lock: M}, {mark: locked}, {signal: E}, {run: 500us}, {mark: unlock}, {unlock: M}, {run: 1ms}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& w = task(r, "waiter");
  const TaskResult& sig = task(r, "sig");
  EXPECT_EQ(sig.lock_wait, Time()) << "the wait released M: sig takes it uncontended";
  EXPECT_EQ(mark(w, "woke"), mark(sig, "unlock") + sc.system.costs.context_switch)
      << "requeued onto M at the signal; M handed over at sig's unlock";
  EXPECT_EQ(sig.pi_boosts, 1u) << "the requeued waiter boosts sig (PI mutex)";
  EXPECT_TRUE(r.bugs.empty());
}

TEST(UserSync, ResumeBeforeSuspendIsKept) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 2, hz: 250, models: [full], duration: 10ms, seed: 1}
tasks:
  s: {policy: fifo, priority: 10, cpus: [0], program: [{run: 2ms}, {suspend: X}, {mark: a}, {suspend: X}, {mark: b}]}
  r: {policy: fifo, priority: 10, cpus: [1], program: [{run: 1ms}, {resume: X}, {run: 3ms}, {mark: resume}, {resume: X}]}
)", "inline.yaml");
  const ModelResult r = run_model(sc, "full");
  const TaskResult& s = task(r, "s");
  EXPECT_LT(mark(s, "a"), Time::ns(2'100'000)) << "the earlier resume lets the first suspend through";
  EXPECT_GE(mark(s, "b"), mark(task(r, "r"), "resume")) << "the second suspend waits for the second resume";
  EXPECT_EQ(s.nvcsw, 2u) << "one suspend blocked, then the exit";
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// mutex_optimistic_spin(): without PREEMPT_RT a contended mutex spins while
// its owner runs on another CPU, and takes the mutex at the unlock without
// sleeping; when the owner leaves its CPU, the spinner goes to sleep.
TEST(MutexSpin, SpinsWhileTheOwnerRunsSleepsWhenItStops) {
  const Scenario running = parse_workload(R"(
system: {cpus: 2, hz: 250, models: [full, rt], duration: 10ms, seed: 1}
tasks:
  a: {kthread: true, cpus: [0], program: [{mutex_lock: M}, {busy: 2ms}, {mark: unlock}, {mutex_unlock: M}]}
  b: {kthread: true, cpus: [1], program: [{sleep: 500us}, {mark: try}, {mutex_lock: M}, {mark: got}, {mutex_unlock: M}]}
)", "inline.yaml");
  {
    const ModelResult r = run_model(running, "full");
    const TaskResult& b = task(r, "b");
    const Time spin = mark(task(r, "a"), "unlock") - mark(b, "try");
    const std::string why = explain("b's optimistic spin", "a's unlock - b's mutex_lock", spin, b.lock_wait);
    std::cout << why << "\n";
    EXPECT_EQ(mark(b, "got"), mark(task(r, "a"), "unlock")) << "the spinner takes it at the unlock instant";
    EXPECT_EQ(b.lock_wait, spin) << why;
    EXPECT_GE(b.cpu_time, spin) << "spinning burns CPU";
    EXPECT_EQ(b.nvcsw, 2u) << "b slept only in its sleep step (and exited): never on the mutex";
  }
  {
    const ModelResult r = run_model(running, "rt");  // an rt_mutex: no optimistic spinning modelled
    const TaskResult& b = task(r, "b");
    EXPECT_EQ(b.nvcsw, 3u) << "b blocks on the rt_mutex";
    EXPECT_LT(b.cpu_time, Time::ns(100'000));
  }
  const Scenario sleeping_owner = parse_workload(R"(
system: {cpus: 2, hz: 250, models: [full], duration: 20ms, seed: 1}
tasks:
  a: {kthread: true, cpus: [0], program: [{mutex_lock: M}, {busy: 1ms}, {mark: sleep}, {msleep: 4ms}, {mutex_unlock: M}]}
  b: {kthread: true, cpus: [1], program: [{sleep: 500us}, {mark: try}, {mutex_lock: M}, {mark: got}, {mutex_unlock: M}]}
)", "inline.yaml");
  const ModelResult r = run_model(sleeping_owner, "full");
  const TaskResult& b = task(r, "b");
  const Time spun = mark(task(r, "a"), "sleep") - mark(b, "try");
  EXPECT_GE(b.cpu_time, spun) << "b spun until a went to sleep";
  EXPECT_LT(b.cpu_time, spun + Time::ns(50'000)) << "and no longer";
  EXPECT_EQ(b.nvcsw, 3u) << "then b slept on the mutex";
  EXPECT_GT(mark(b, "got"), mark(task(r, "a"), "sleep") + Time::ns(4'000'000));
  EXPECT_EQ(b.lock_wait, mark(b, "got") - mark(b, "try")) << "the wait counts the spin and the sleep";
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// rt_mutex_steal() on a PREEMPT_RT spinlock_t: o unlocks at ~2.002 ms and
// wakes its waiter w on another CPU (an IPI and a switch away); n asks for
// L 1 us later, while L is free but w not yet running. A non-RT n of w's
// (default) prio steals it laterally; an RT n of w's prio may not.
TEST(RtLockSteal, LateralStealForNonRtOnlyNeverAgainstAnRtWaiter) {
  const std::string tasks = R"(
system: {cpus: 3, hz: 250, models: [rt], duration: 10ms, seed: 1}
tasks:
  o: {kthread: true, cpus: [0], program: [{spin_lock: L}, {busy: 2ms}, {mark: unlock}, {spin_unlock: L}, {busy: 1ms}]}
  w: {kthread: true, cpus: [1], POLICYprogram: [{sleep: 500us}, {spin_lock: L}, {mark: got}, {busy: 100us}, {spin_unlock: L}]}
  n: {kthread: true, cpus: [2], POLICYprogram: [{sleep_until: 1999us}, {mark: try}, {spin_lock: L}, {mark: got}, {busy: 100us}, {spin_unlock: L}]}
)";
  auto with = [&](const std::string& policy) {
    std::string t = tasks;
    for (std::size_t at; (at = t.find("POLICY")) != std::string::npos;) t.replace(at, 6, policy);
    return parse_workload(t, "inline.yaml");
  };
  {
    const ModelResult r = run_model(with(""), "rt");
    const TaskResult& n = task(r, "n");
    ASSERT_GT(mark(n, "try"), mark(task(r, "o"), "unlock"));
    EXPECT_EQ(n.lock_wait, Time()) << "n (SCHED_OTHER) steals the free lock from the woken w";
    EXPECT_GT(mark(task(r, "w"), "got"), mark(n, "got")) << "w gets L after n";
  }
  {
    const ModelResult r = run_model(with("policy: fifo, priority: 10, "), "rt");
    const TaskResult& n = task(r, "n");
    ASSERT_GT(mark(n, "try"), mark(task(r, "o"), "unlock"));
    EXPECT_GT(n.lock_wait, Time()) << "n (SCHED_FIFO 10) may not steal from the equal-prio RT waiter w";
    EXPECT_LT(mark(task(r, "w"), "got"), mark(n, "got"));
  }
}

}  // namespace
}  // namespace preemptsim::testing
