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

}  // namespace
}  // namespace preemptsim::testing
