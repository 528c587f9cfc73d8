// The worst-case explanation recorded during the run (live) against the one
// made by a second, identical run over the windows the first run found: the
// same words, parts and times for every task, model and example; and when a
// CPU's ring of activities no longer reaches back to a worst expiry, the
// second run takes over for that window alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "analysis/root_cause.h"
#include "scenario_util.h"
#include "stats/task_stats.h"

namespace preemptsim::testing {
namespace {

namespace fs = std::filesystem;

std::string show(const WorstCaseExplanation& e) {
  std::string s = e.task + " on CPU " + std::to_string(e.cpu) + ": " + format_time(e.latency) + " after " + format_time(e.expiry) + "\n";
  for (const auto& [what, d] : e.parts) s += "  " + format_time(d) + "  " + what + "\n";
  return s + "  why: " + e.why + "\n";
}

std::string show(const std::vector<WorstCaseExplanation>& v) {
  std::string s;
  for (const WorstCaseExplanation& e : v) s += show(e);
  return s;
}

// Every example (its first second, at most), every model: the live
// explanation reads exactly as the one of the second run.
TEST(RootCauseLive, SameAsTheSecondRunOnEveryExample) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source_path("examples"))) {
    const std::string name = e.path().filename().string();
    if (name.rfind("sweep-", 0) == 0) continue;  // a sweep specification, not a workload
    if (name == "profile-calibrated.yaml") continue;  // reads the profile `preemptsim calibrate` writes in build/ (a doc test)
    if (e.path().extension() == ".yaml" || e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 20u);
  std::size_t compared = 0;
  for (const fs::path& f : files) {
    Scenario sc = load_workload(f.string());
    if (sc.system.duration > Time::ns(1000000000)) sc.system.duration = Time::ns(1000000000);
    for (const PreemptModel& m : preempt_models()) {
      ModelResult live;
      try {
        live = simulate_model(sc, m, {}, true);
      } catch (const std::exception&) {
        continue;  // an example made to fail (a deadlock, an admission error) is tested elsewhere
      }
      const std::vector<WorstCaseExplanation> second = explain_worst_cases(sc, m, live);
      EXPECT_EQ(show(live.explanations), show(second)) << f.filename().string() << " under " << m.name;
      compared += second.size();
    }
  }
  EXPECT_GT(compared, 100u);
}

// The cases the examples do not reach: unpinned tasks woken from one CPU and
// run on another (migrations, remote wakeups), an overrun (no timer fired:
// the task reached its sleep late), and a device wait whose event had come
// already; every model, two seconds.
TEST(RootCauseLive, SameAsTheSecondRunForMigrationsAndOverruns) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 2, duration: 2s, seed: 7}
irqs:
  nic: {cpu: 1, arrival: {poisson: {rate: 3000}}, handler: 4us, softirqs: {NET_RX: 30us}}
  dev: {cpu: 0, arrival: {poisson: {rate: 500}}, handler: 3us, wake_up: dev}
tasks:
  rt: {policy: fifo, priority: 80, program: [{loop: {until: end, steps: [{periodic: {period: 700us}}, {run: 60us}]}}]}
  late:
    policy: fifo
    priority: 70
    cpus: [0]
    program: [{loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: {uniform: [300us, 1200us]}}]}}]
  waiter: {policy: fifo, priority: 60, program: [{loop: {until: end, steps: [{read: dev}, {run: 40us}, {sleep: 1ms}]}}]}
  a: {policy: other, program: [{loop: {until: end, steps: [{sleep: 500us}, {run: {uniform: [10us, 300us]}}, {syscall: write, kernel: [{busy: 250us}, might_sleep, {busy: 150us}]}]}}]}
  b: {policy: other, program: [{loop: {until: end, steps: [{sleep: 300us}, {run: 500us}]}}]}
  c: {policy: other, nice: 5, program: [{loop: {until: end, steps: [{sleep: 1300us}, {syscall: read, kernel: [{busy: 400us}, cond_resched]}]}}]}
)",
                                     "migrations.yaml");
  std::size_t overruns = 0;
  for (const PreemptModel& m : preempt_models()) {
    const ModelResult live = simulate_model(sc, m, {}, true);
    const std::vector<WorstCaseExplanation> second = explain_worst_cases(sc, m, live);
    EXPECT_EQ(show(live.explanations), show(second)) << m.name;
    EXPECT_EQ(live.explanations.size(), sc.tasks.size()) << m.name;
    for (const WorstCaseExplanation& e : live.explanations) overruns += e.why.rfind("overrun:", 0) == 0;
  }
  EXPECT_GT(overruns, 0u) << "the case must include an overrun as a worst wakeup";
}

// A ring of 4 activities per CPU cannot reach back to most expiries: those
// windows are listed for a second run, which explains them as before.
TEST(RootCauseLive, ARingTooShortHandsTheWindowToASecondRun) {
  const Scenario sc = load_workload(source_path("examples/cyclictest-kernel-hog.yaml"));
  for (const char* model : {"none", "full", "rt"}) {
    const PreemptModel& m = *find_preempt_model(model);
    Kernel k(sc, m);
    const int first_pid = k.tasks().front()->pid;
    TaskStatsObserver stats(sc.tasks.size(), first_pid);
    RootCauseObserver tiny(k, m, first_pid, sc.tasks.size(), 4);
    k.add_observer(&stats);
    k.add_observer(&tiny);
    k.run();
    const std::vector<WorstWindow> replay = tiny.needs_replay();
    EXPECT_FALSE(replay.empty()) << model << ": a 4-record ring should miss some window";
    const ModelResult full = simulate_model(sc, m, {}, false);
    const std::vector<WorstCaseExplanation> expected = explain_worst_cases(sc, m, full);
    EXPECT_EQ(show(live_explanations(sc, m, tiny)), show(expected)) << model;
    // the windows handed over are the tasks' worst ones, as the statistics found them
    for (const WorstWindow& w : replay) {
      const TaskResult& t = full.tasks.at(static_cast<std::size_t>(w.pid - first_pid));
      EXPECT_EQ(w.expiry, t.worst_expiry) << w.task;
      EXPECT_EQ(w.at, t.worst_at) << w.task;
    }
  }
}

// An interrupt storm longer than the ring before a wakeup, the window itself
// inside it: the explanation still knows which task the CPU was running in
// task context (under PREEMPT_RT the NIC's IRQ thread, between whose records
// only interrupt records come), instead of calling the CPU idle. With rings
// of 64 and 128 records, rt's worst window is such a case.
TEST(RootCauseLive, AStormLongerThanTheRingStillNamesTheTaskContext) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, duration: 1s, seed: 1}
irqs:
  nic: {cpu: 0, arrival: {poisson: {rate: 60000}}, handler: 2us, softirqs: {NET_RX: {uniform: [1us, 20us]}}}
tasks:
  h: {policy: fifo, priority: 90, program: [{loop: {until: end, steps: [{periodic: {period: 1300us}}, {run: 80us}]}}]}
  rt: {policy: fifo, priority: 80, program: [{loop: {until: end, steps: [{periodic: {period: 700us}}, {run: 60us}]}}]}
  b: {policy: other, program: [{loop: {until: end, steps: [{syscall: write, kernel: [{busy: 300us}]}]}}]}
)",
                                     "storm.yaml");
  for (const std::size_t ring : {64u, 128u}) {
    for (const char* model : {"none", "full", "rt"}) {
      const PreemptModel& m = *find_preempt_model(model);
      Kernel k(sc, m);
      const int first_pid = k.tasks().front()->pid;
      TaskStatsObserver stats(sc.tasks.size(), first_pid);
      RootCauseObserver small(k, m, first_pid, sc.tasks.size(), ring);
      k.add_observer(&stats);
      k.add_observer(&small);
      k.run();
      const ModelResult plain = simulate_model(sc, m, {}, false);
      EXPECT_EQ(show(live_explanations(sc, m, small)), show(explain_worst_cases(sc, m, plain))) << model << ", ring of " << ring;
    }
  }
}

}  // namespace
}  // namespace preemptsim::testing
