// cpupri, the overload mask and cpudl's masks: after every scheduling signal
// of busy SMP runs (migrations, PI boosts, deadline throttling and push/pull,
// RT throttling, the fair server), the masks agree with a scan of every
// CPU's queues.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

class CpupriChecker final : public Observer {
 public:
  explicit CpupriChecker(const Kernel& k) : k_(k) {}
  std::uint32_t signal_families() const override { return SIG_SCHED; }
  void on_sched_wakeup(Time t, const Rq&, const Task&, int) override { check(t); }
  void on_sched_switch(Time t, const Rq&, const Task&, std::uint32_t, bool, const Task&) override { check(t); }
  void on_switch(Time t, int cpu, const Task&, const Task& next, bool) override {
    if (next.policy == Policy::Deadline) dl_cpus[next.comm].insert(cpu);
    check(t);
  }
  std::size_t checks = 0;
  std::map<std::string, std::set<int>> dl_cpus;  // per deadline task, the CPUs it ran on
  std::string first_error;

 private:
  void check(Time t) {
    ++checks;
    if (!first_error.empty()) return;
    const std::string e = k_.cpupri_check();
    if (!e.empty()) first_error = "at " + format_time(t) + ":\n" + e;
  }
  const Kernel& k_;
};

// Returns, over the models, the most CPUs one deadline task ran on.
std::size_t expect_consistent(const Scenario& sc, const char* what, std::size_t min_checks) {
  std::size_t most_dl_cpus = 0;
  for (const PreemptModel& m : preempt_models()) {
    Kernel k(sc, m);
    CpupriChecker c(k);
    k.add_observer(&c);
    k.run();
    EXPECT_GE(c.checks, min_checks) << what << " under " << m.name;
    EXPECT_EQ(c.first_error, "") << what << " under " << m.name;
    for (const auto& [task, cpus] : c.dl_cpus) most_dl_cpus = std::max(most_dl_cpus, cpus.size());
  }
  return most_dl_cpus;
}

TEST(Cpupri, MasksAgreeWithTheQueuesOnEveryExample) {
  for (const char* ex : {"product-like.yaml", "smp-affinity-ipi.yaml", "locks-priority-inversion.yaml", "deadline-edf-vs-fifo.yaml",
                         "rt-throttling.yaml", "workqueue-starvation.yaml", "locks-mars-pathfinder.yaml"}) {
    Scenario sc = load_example(ex);
    if (sc.system.duration > Time::ns(300'000'000)) sc.system.duration = Time::ns(300'000'000);
    expect_consistent(sc, ex, 1);
  }
}

// Unpinned RT and fair tasks on 6 CPUs wake, migrate, get pushed and pulled.
TEST(Cpupri, MasksAgreeWhileTasksMigrate) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 6, duration: 300ms, seed: 3}
irqs:
  nic: {cpu: 2, arrival: {poisson: {rate: 4000}}, handler: 4us, softirqs: {NET_RX: 30us}}
tasks:
  r1: {policy: fifo, priority: 80, program: [{loop: {until: end, steps: [{periodic: {period: 700us}}, {run: {uniform: [50us, 600us]}}]}}]}
  r2: {policy: fifo, priority: 60, program: [{loop: {until: end, steps: [{periodic: {period: 500us}}, {run: {uniform: [50us, 450us]}}]}}]}
  r3: {policy: rr, priority: 60, program: [{loop: {until: end, steps: [{sleep: 300us}, {run: 400us}]}}]}
  f1: {policy: other, program: [{loop: {until: end, steps: [{sleep: 200us}, {run: {uniform: [10us, 900us]}}]}}]}
  f2: {policy: other, nice: -5, program: [{loop: {until: end, steps: [{run: 2ms}, {sleep: 100us}]}}]}
  f3: {policy: batch, program: [{loop: {until: end, steps: [{run: 5ms}, {sleep: 1ms}]}}]}
  f4: {policy: other, cpus: [0, 1], program: [{loop: {until: end, steps: [{sleep: 150us}, {syscall: write, kernel: [{busy: 300us}, cond_resched]}]}}]}
)",
                                     "migrate.yaml");
  expect_consistent(sc, "migrate.yaml", 1000);
}

// More unpinned deadline tasks than CPUs, beside RT and fair load: deadline
// tasks are placed on free CPUs, pushed from CPUs with two or more, and
// pulled when a CPU's earliest deadline gets later (cpudl's free mask and the
// deadline overload mask).
TEST(Cpupri, DeadlineMasksAgreeWhileDeadlineTasksMigrate) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 4, duration: 300ms, seed: 5}
tasks:
  d1: {policy: deadline, runtime: 1ms, deadline: 3ms, period: 4ms, program: [{loop: {until: end, steps: [{run: {uniform: [200us, 900us]}}, {periodic: {period: 4ms}}]}}]}
  d2: {policy: deadline, runtime: 1ms, deadline: 4ms, period: 4ms, program: [{loop: {until: end, steps: [{run: {uniform: [200us, 900us]}}, {periodic: {period: 4ms}}]}}]}
  d3: {policy: deadline, runtime: 2ms, deadline: 5ms, period: 6ms, program: [{loop: {until: end, steps: [{run: {uniform: [500us, 1900us]}}, {periodic: {period: 6ms}}]}}]}
  d4: {policy: deadline, runtime: 2ms, deadline: 6ms, period: 6ms, program: [{loop: {until: end, steps: [{run: {uniform: [500us, 1900us]}}, {periodic: {period: 6ms}}]}}]}
  d5: {policy: deadline, runtime: 1ms, deadline: 2ms, period: 5ms, program: [{loop: {until: end, steps: [{run: {uniform: [100us, 900us]}}, {periodic: {period: 5ms}}]}}]}
  d6: {policy: deadline, runtime: 3ms, deadline: 8ms, period: 8ms, program: [{loop: {until: end, steps: [{run: {uniform: [1ms, 2900us]}}, {periodic: {period: 8ms}}]}}]}
  r1: {policy: fifo, priority: 50, program: [{loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 200us}]}}]}
  f1: {policy: other, program: [{loop: {until: end, steps: [{run: 3ms}, {sleep: 500us}]}}]}
)",
                                     "deadline-migrate.yaml");
  EXPECT_GE(expect_consistent(sc, "deadline-migrate.yaml", 1000), 3u) << "some deadline task ran on at least 3 of the 4 CPUs";
}

}  // namespace
}  // namespace preemptsim::testing
