// Scale: reports, parsers and memory stay linear in tasks and bounded in the
// simulated time. Each test uses a size at which a quadratic step would take
// minutes while the linear code takes about a second; none measures time.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "kernel/kernel.h"
#include "report/json_report.h"
#include "report/table.h"
#include "scenario_util.h"
#include "sim/simulation.h"
#include "workload/parse_rtapp.h"
#include "workload/parse_yaml.h"

namespace preemptsim {
namespace {

// n SCHED_OTHER tasks that each run 1 us and exit, on 2 CPUs, two models.
// Names repeat every `distinct` tasks so that the duplicate-name paths of the
// reports (task keys, JSON "#2" suffixes) are exercised at scale too.
Scenario many_tasks(int n) {
  std::string y = "system: {cpus: 2, duration: 1s, models: [none, full]}\ntasks:\n";
  for (int i = 0; i < n; ++i) y += fmt::format("  t{}: {{policy: other, program: [{{run: 1us}}]}}\n", i);
  return parse_workload(y, "many.yaml");
}

TEST(Scale, TwentyThousandTasksRunAndReportLinearly) {
  constexpr int kTasks = 20000;  // n^2 = 4e8 name comparisons per model if quadratic
  const Scenario sc = many_tasks(kTasks);
  SimulateOptions o;
  o.explain = false;
  const RunResult r = simulate(sc, o);
  ASSERT_EQ(r.results.size(), 2u);
  ASSERT_EQ(r.results[0].tasks.size(), std::size_t{kTasks});
  for (const ModelResult& m : r.results)
    for (const TaskResult& t : m.tasks) ASSERT_TRUE(t.exit.has_value()) << t.name << " under " << m.model << " should have run its 1 us and exited";

  std::ostringstream table;
  write_table(table, r);
  const std::string text = table.str();
  std::size_t sections = 0;
  for (std::size_t p = 0; (p = text.find("\ntask t", p)) != std::string::npos; ++p) ++sections;
  EXPECT_EQ(sections, std::size_t{kTasks}) << "one table section per task";

  const auto j = to_json(r);
  EXPECT_EQ(j["results"][1]["tasks"].size(), std::size_t{kTasks});
  EXPECT_TRUE(j["results"][1]["tasks"].contains("t19999"));
}

// The same name many times: the JSON keys become NAME, NAME#2, ... NAME#n,
// and the table keeps one section per occurrence, in order.
TEST(Scale, RepeatedNamesAtScale) {
  constexpr int kTasks = 20000;
  RunResult r;
  r.duration = Time::ns(1'000'000);
  for (const char* model : {"none", "full"}) {
    ModelResult m;
    m.model = model;
    for (int i = 0; i < kTasks; ++i) {
      TaskResult t;
      t.name = i % 2 ? "odd" : "even";
      t.loops = static_cast<std::uint64_t>(i);
      m.tasks.push_back(t);
    }
    r.results.push_back(m);
  }
  const auto j = to_json(r);
  const auto& tasks = j["results"][0]["tasks"];
  ASSERT_EQ(tasks.size(), std::size_t{kTasks});
  // "odd" occurrence k (1-based) is task 2k-1: key odd#k for k >= 2
  EXPECT_EQ(tasks["odd"]["loops"], 1);
  EXPECT_EQ(tasks[fmt::format("odd#{}", kTasks / 2)]["loops"], kTasks - 1);
  EXPECT_EQ(tasks[fmt::format("even#{}", kTasks / 2)]["loops"], kTasks - 2);

  std::ostringstream table;
  write_table(table, r);
  const std::string text = table.str();
  std::size_t odd = 0;
  for (std::size_t p = 0; (p = text.find("\ntask odd\n", p)) != std::string::npos; ++p) ++odd;
  EXPECT_EQ(odd, std::size_t{kTasks / 2}) << "one section per occurrence of the name";
}

// rt-app instances whose names truncate to the same 15 characters: each
// collision takes the next free "~k" of that prefix (so task 2's instances
// continue where task 1's stopped) without rescanning the taken ones.
TEST(Scale, RtAppInstanceNamesAreLinear) {
  constexpr int kInstances = 4096;  // rt-app's maximum; 2 x 4096 instances
  const std::string json = fmt::format(R"({{"global": {{"duration": 1}}, "tasks": {{
    "abcdefghijklmnopq": {{"instance": {0}, "run": 10}},
    "abcdefghijklmnoXYZ": {{"instance": {0}, "run": 10}}}}}})",
                                       kInstances);
  const Scenario sc = parse_rtapp(json, "inline.json");
  ASSERT_EQ(sc.tasks.size(), std::size_t{2 * kInstances});
  std::set<std::string> names;
  for (const TaskSpec& t : sc.tasks) {
    EXPECT_LE(t.name.size(), 15u) << t.name;
    names.insert(t.name);
  }
  EXPECT_EQ(names.size(), sc.tasks.size()) << "names are unique";
  // instance 0 of the first task takes the 15-character prefix; instance k
  // (k >= 1) of task 1 is "~k"; instance k of task 2 is "~(4096 + k)" (its
  // instance 0 collides too and takes "~4096").
  auto suffixed = [](int k) {
    const std::string s = fmt::format("~{}", k);
    return std::string("abcdefghijklmno").substr(0, 15 - s.size()) + s;
  };
  EXPECT_EQ(sc.tasks[0].name, "abcdefghijklmno");
  EXPECT_EQ(sc.tasks[1].name, suffixed(1));
  EXPECT_EQ(sc.tasks[kInstances - 1].name, suffixed(kInstances - 1));
  EXPECT_EQ(sc.tasks[kInstances].name, suffixed(kInstances));
  EXPECT_EQ(sc.tasks[2 * kInstances - 1].name, suffixed(2 * kInstances - 1));
}

}  // namespace
}  // namespace preemptsim

namespace preemptsim {
namespace {

// A 1 ms periodic RT task on CPU 0 that marks every period, and on CPU 1 a
// task that sleeps under a spinlock on every loop (a BUG report,
// rate-limited by the kernel to one a second). Run for `seconds`.
Scenario marking_workload(int seconds) {
  return parse_workload(fmt::format(R"(system: {{cpus: 2, hz: 250, models: [full], duration: {0}s, seed: 1}}
tasks:
  cyc:
    policy: fifo
    priority: 80
    cpus: [0]
    program:
      - loop: {{until: {0}s, steps: [{{periodic: {{period: 1ms, phase: 0us}}}}, {{mark: tick}}, {{run: 10us}}]}}
  bad:
    policy: other
    cpus: [1]
    program:
      - loop:
          until: {0}s
          steps:
            - syscall: ioctl
              kernel: [{{spin_lock: L}}, {{mutex_lock: M}}, {{busy: 100us}}, {{mutex_unlock: M}}, {{spin_unlock: L}}]
            - sleep: 50ms
)",
                                    seconds),
                        "marking.yaml");
}

struct Footprint {
  std::uint64_t ticks = 0, bugs_total = 0;
  std::size_t mark_buckets = 0, bugs_kept = 0, peak_events = 0;
};

// Reads the kernel's event-queue high-water mark when the run ends.
struct QueuePeak final : Observer {
  const Kernel& k;
  std::size_t& out;
  QueuePeak(const Kernel& kk, std::size_t& o) : k(kk), out(o) {}
  void on_run_end(Time) override { out = k.peak_queued_events(); }
};

Footprint footprint(int seconds) {
  const Scenario sc = marking_workload(seconds);
  Footprint f;
  std::unique_ptr<QueuePeak> peak;
  const ModelResult r = simulate_model(sc, *find_preempt_model("full"), [&](Kernel& k, const PreemptModel&) {
    peak = std::make_unique<QueuePeak>(k, f.peak_events);
    k.add_observer(peak.get());
  });
  const TaskResult& cyc = testing::task(r, "cyc");
  const MarkStats& tick = cyc.marks.at("tick");
  f.ticks = tick.count;
  f.mark_buckets = tick.interval.buckets().size();
  f.bugs_kept = r.bugs.size();
  f.bugs_total = r.bugs_total;
  return f;
}

// Memory independent of the simulated time, checked structurally: what a
// 150 s run keeps is the same size as what a 2 s run keeps, although it
// counts 75 times more marks and more BUG reports than it keeps.
TEST(Scale, LongRunKeepsBoundedState) {
  const Footprint a = footprint(2), b = footprint(150);
  // the first period ends at 1 ms; the loop starts no iteration at or after T
  EXPECT_EQ(a.ticks, 1999u) << "expected marks = 2 s / 1 ms - 1 = 1999";
  EXPECT_EQ(b.ticks, 149999u) << "expected marks = 150 s / 1 ms - 1 = 149999";
  EXPECT_EQ(a.mark_buckets, b.mark_buckets) << "the gap histogram does not grow with the marks";
  EXPECT_EQ(b.mark_buckets, 1u) << "alone on its CPU, every gap is exactly the 1 ms period";
  EXPECT_GT(b.bugs_total, kMaxBugReports) << "one report a second for 150 s";
  EXPECT_EQ(b.bugs_kept, kMaxBugReports) << "reports kept are capped at kMaxBugReports = " << kMaxBugReports;
  EXPECT_EQ(a.bugs_kept, a.bugs_total) << "below the cap every report is kept";
  EXPECT_GT(a.peak_events, 0u);
  EXPECT_EQ(a.peak_events, b.peak_events) << "the event queue's high-water mark does not grow with time";
}

}  // namespace
}  // namespace preemptsim

namespace preemptsim {
namespace {

// --json is written task by task (write_json()); its text must be exactly the
// whole document's dump: with explanations, locks, bugs, repeated names,
// empty task and result lists, and strings that need escaping.
TEST(Scale, StreamedJsonIsTheWholeDocument) {
  auto whole = [](const RunResult& r) { return to_json(r).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n"; };
  for (const char* example : {"locks-priority-inversion.yaml", "irq-net-rx-storm.yaml", "locks-deadlock.yaml"}) {
    Scenario sc = load_workload(std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/" + example);
    sc.system.duration = Time::ns(50'000'000);
    const RunResult r = simulate(sc);
    EXPECT_EQ(to_json_text(r), whole(r)) << example;
  }
  RunResult empty;
  empty.workload = "quote\"and\\back\nslash";
  EXPECT_EQ(to_json_text(empty), whole(empty)) << "no results";
  ModelResult m;
  m.model = "none";
  empty.results.push_back(m);
  EXPECT_EQ(to_json_text(empty), whole(empty)) << "a model without tasks";
  TaskResult t;
  t.name = "tab\there";
  empty.results[0].tasks = {t, t};
  EXPECT_EQ(to_json_text(empty), whole(empty)) << "a repeated name that needs escaping";
}

}  // namespace
}  // namespace preemptsim
