// rt-app use cases: the shipped examples run, every event of the grammar translates, warnings and errors are located.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario_util.h"
#include "workload/parse_rtapp.h"

namespace preemptsim {
namespace {
using testing::run_model;
using testing::task;

constexpr const char* kExamples = "/usr/share/doc/rt-app/examples";

Scenario rtapp(const std::string& json) { return parse_rtapp(json, "inline.json"); }

// The error's text, which must start "inline.json:LINE:COL: ".
std::string error_of(const std::string& json, int line, int col) {
  try {
    rtapp(json);
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().line, line) << e.what();
    EXPECT_EQ(e.loc().col, col) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << json;
  return "";
}

bool has_warning(const Scenario& sc, const std::string& prefix, const std::string& text) {
  for (const auto& w : sc.warnings)
    if (w.rfind(prefix, 0) == 0 && w.find(text) != std::string::npos) return true;
  return false;
}

std::string warnings(const Scenario& sc) {
  std::string s;
  for (const auto& w : sc.warnings) s += w + "\n";
  return s;
}

ModelResult run_full(Scenario sc, Time duration) {
  sc.system.duration = duration;
  return run_model(sc, "full");
}

TEST(RtApp, EveryShippedExampleLoadsAndRuns) {
  if (!std::filesystem::is_directory(kExamples)) GTEST_SKIP() << kExamples << " is absent (apt-get install rt-app)";
  int ran = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kExamples)) {
    if (entry.path().extension() != ".json") continue;
    const std::string path = entry.path().string();
    SCOPED_TRACE(path);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("\"tasks\"") == std::string::npos) {
      // merge/global.json and merge/resources.json: fragments for merge.py, not use cases.
      EXPECT_THROW(load_workload(path), WorkloadError);
      continue;
    }
    const Scenario sc = load_workload(path);
    EXPECT_FALSE(sc.tasks.empty());
    const ModelResult r = run_full(sc, Time::ns(200'000'000));
    EXPECT_EQ(r.tasks.size(), sc.tasks.size());
    ++ran;
  }
  EXPECT_GE(ran, 10);
}

TEST(RtApp, RepeatedKeysKeepTheirOrderWithCommentsTrailingCommasAndPrefixes) {
  const Scenario sc = rtapp(R"({
  /* a block comment
     over two lines */
  "global": { "duration": 1, },  // a line comment
  "tasks": {
    "t": {
      "loop": 1,
      "run": 100,
      "sleep": 200,
      "run0": 300,
      "runtime": 50,
      "sleep_more": 10,
    },
  },
})");
  ASSERT_EQ(sc.tasks.size(), 1u);
  const auto& p = sc.tasks[0].program;
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].kind, StepKind::Run);
  EXPECT_EQ(p[0].duration, Time::ns(100'000));
  EXPECT_EQ(p[1].kind, StepKind::Sleep);
  EXPECT_EQ(p[1].duration, Time::ns(200'000));
  EXPECT_EQ(p[2].kind, StepKind::Run);
  EXPECT_EQ(p[2].duration, Time::ns(300'000));
  EXPECT_EQ(p[3].kind, StepKind::Run);
  EXPECT_EQ(p[3].duration, Time::ns(50'000));
  EXPECT_EQ(p[4].kind, StepKind::Sleep);
  EXPECT_EQ(p[2].loc.line, 10) << "locations point into the original text, comments included";
  EXPECT_EQ(sc.system.duration, Time::ns(1'000'000'000));
  EXPECT_TRUE(sc.warnings.empty()) << warnings(sc);
}

TEST(RtApp, TabsAndNoSpacesParse) {
  const Scenario sc = rtapp("{\"tasks\":{\"t\":{\t\"loop\":2,\t\"run\":10,\"sleep\":10}},\"global\":{\"duration\":1}}");
  ASSERT_EQ(sc.tasks.size(), 1u);
  ASSERT_EQ(sc.tasks[0].program.size(), 1u);
  EXPECT_EQ(sc.tasks[0].program[0].kind, StepKind::Loop);
  EXPECT_EQ(sc.tasks[0].program[0].count, 2);
}

TEST(RtApp, UnknownAndMisplacedKeysAreWarningsWithTheirLine) {
  const Scenario sc = rtapp(R"({
  "global": { "duration": 1, "colour": "blue" },
  "tasks": {
    "t": {
      "bogus": 3,
      "phases": { "p": { "loop": 1, "cpus": [0], "run": 10, "nonsense": 1 } },
      "run": 5
    }
  },
  "extra": {}
})");
  EXPECT_TRUE(has_warning(sc, "inline.json:2:30:", "unknown key 'colour'")) << warnings(sc);
  EXPECT_TRUE(has_warning(sc, "inline.json:5:7:", "unknown key 'bogus'")) << warnings(sc);
  EXPECT_TRUE(has_warning(sc, "inline.json:6:", "phase-level cpus")) << warnings(sc);
  EXPECT_TRUE(has_warning(sc, "inline.json:6:", "unknown key 'nonsense'")) << warnings(sc);
  EXPECT_TRUE(has_warning(sc, "inline.json:7:7:", "beside \"phases\"")) << warnings(sc);
  EXPECT_TRUE(has_warning(sc, "inline.json:10:3:", "unknown top-level key 'extra'")) << warnings(sc);
}

TEST(RtApp, MalformedJsonAndWrongTypesAreErrorsWithLineAndColumn) {
  EXPECT_NE(error_of("{\n  \"tasks\": {\n    \"t\": { \"run\": 10 \"sleep\": 1 }\n  }\n}", 3, 29).find("syntax"),
            std::string::npos);
  EXPECT_NE(error_of("{\n  \"tasks\": {\n    \"t\": { \"run\": -5 }\n  }\n}", 3, 19).find("-5"), std::string::npos);
  EXPECT_NE(error_of("{\n  \"tasks\": {\n    \"t\": { \"policy\": \"SCHED_FAST\", \"run\": 1 }\n  }\n}", 3, 22)
                .find("unknown policy"),
            std::string::npos);
  EXPECT_NE(error_of("{\n  \"global\": {\"duration\": 1}\n}", 1, 1).find("no \"tasks\""), std::string::npos);
  EXPECT_NE(error_of("{\"tasks\": {\"t\": {\"loop\": 1, \"wait\": {\"ref\": \"c\", \"mutex\": \"m\"}}}}", 1, 37)
                .find("without holding its mutex"),
            std::string::npos);
}

TEST(RtApp, DurationMinusOneIsCappedWithAWarning) {
  const Scenario sc = rtapp(R"({"global": {"duration": -1}, "tasks": {"t": {"run": 10}}})");
  EXPECT_EQ(sc.system.duration, Time::ns(10'000'000'000));
  EXPECT_TRUE(has_warning(sc, "inline.json:1:", "capped at 10 s")) << warnings(sc);
}

TEST(RtApp, InstancesDelayPolicyAndPriority) {
  const Scenario sc = rtapp(R"({
  "global": {"duration": 1, "default_policy": "SCHED_FIFO"},
  "tasks": {
    "w": {"instance": 3, "delay": 250, "priority": 40, "cpus": [1, 2], "run": 10},
    "a_very_long_thread_name": {"instance": 2, "policy": "SCHED_OTHER", "priority": -5, "run": 10},
    "d": {"policy": "SCHED_DEADLINE", "dl-runtime": 2000, "dl-period": 10000, "run": 10},
    "r": {"policy": "SCHED_RR", "run": 10}
  }
})");
  ASSERT_EQ(sc.tasks.size(), 7u);
  EXPECT_EQ(sc.tasks[0].name, "w-0");
  EXPECT_EQ(sc.tasks[2].name, "w-2");
  EXPECT_EQ(sc.tasks[0].policy, Policy::Fifo);
  EXPECT_EQ(sc.tasks[0].priority, 40);
  EXPECT_EQ(sc.tasks[0].cpus, (std::vector<int>{1, 2}));
  EXPECT_EQ(sc.system.cpus, 3) << "the system has the CPUs the use case names";
  ASSERT_EQ(sc.tasks[0].program.size(), 2u);
  EXPECT_EQ(sc.tasks[0].program[0].kind, StepKind::Sleep) << "delay is a leading sleep";
  EXPECT_EQ(sc.tasks[0].program[0].duration, Time::ns(250'000));
  EXPECT_EQ(sc.tasks[0].program[1].kind, StepKind::Loop) << "loop defaults to -1: until the end of the run";
  EXPECT_EQ(sc.tasks[0].program[1].count, -1);
  EXPECT_EQ(sc.tasks[3].name, "a_very_long_thr");
  EXPECT_EQ(sc.tasks[4].name, "a_very_long_t~1") << "truncated to 15 characters, kept unique";
  EXPECT_EQ(sc.tasks[3].policy, Policy::Other);
  EXPECT_EQ(sc.tasks[3].nice, -5) << "rt-app's priority is a nice value for SCHED_OTHER";
  EXPECT_EQ(sc.tasks[5].policy, Policy::Deadline) << "SCHED_DEADLINE runs as a deadline task";
  EXPECT_EQ(sc.tasks[5].dl_runtime, Time::ns(2'000'000));
  EXPECT_EQ(sc.tasks[5].dl_period, Time::ns(10'000'000));
  EXPECT_EQ(sc.tasks[5].dl_deadline, Time::ns(10'000'000)) << "dl-deadline defaults to dl-period";
  try {
    rtapp(R"({"global": {"duration": 1}, "tasks": {"d": {"policy": "SCHED_DEADLINE", "run": 10}}})");
    ADD_FAILURE() << "SCHED_DEADLINE without dl-runtime accepted";
  } catch (const WorkloadError& e) {
    EXPECT_NE(e.message().find("sched_setattr would fail with -EINVAL"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sc.tasks[6].policy, Policy::Rr);
  EXPECT_EQ(sc.tasks[6].priority, 10) << "RT priority defaults to 10";
  EXPECT_TRUE(has_warning(sc, "inline.json:5:", "TASK_COMM_LEN")) << warnings(sc);
}

TEST(RtApp, PhasesRunInOrderWithTheirLoops) {
  const Scenario sc = rtapp(R"({
  "global": {"duration": 1},
  "tasks": {"t": {"loop": 2, "cpus": [0], "phases": {
    "a": {"loop": 3, "run": 1000},
    "b": {"run": 500, "sleep": 100},
    "a": {"loop": 2, "run": 200}
  }}}
})");
  const auto& p = sc.tasks[0].program;
  ASSERT_EQ(p.size(), 1u);
  ASSERT_EQ(p[0].kind, StepKind::Loop);
  EXPECT_EQ(p[0].count, 2);
  ASSERT_EQ(p[0].body.size(), 4u) << "loop 1 phases are inlined; a repeated phase name is a second phase";
  EXPECT_EQ(p[0].body[0].count, 3);
  EXPECT_EQ(p[0].body[3].count, 2);
  const ModelResult r = run_full(sc, Time::ns(100'000'000));
  const TaskResult& t = task(r, "t");
  ASSERT_TRUE(t.exit.has_value());
  // 2 x (3 x 1000 + 500 + 2 x 200) us of user compute, plus kernel entry/exit for the sleeps.
  EXPECT_GE(t.cpu_time, Time::ns(7'800'000));
  EXPECT_LT(t.cpu_time, Time::ns(7'900'000));
  EXPECT_EQ(t.loops, 2u);
}

TEST(RtApp, TimerIsAPeriodicWakeupWithLatencySamples) {
  const Scenario sc = rtapp(R"({
  "global": {"duration": 1},
  "tasks": {"t": {"policy": "SCHED_FIFO", "priority": 50, "cpus": [0],
    "run": 300, "timer": {"ref": "tick", "period": 1000, "mode": "absolute"}}}
})");
  ASSERT_EQ(sc.tasks[0].program.size(), 1u);
  const Step& loop = sc.tasks[0].program[0];
  ASSERT_EQ(loop.body.size(), 2u);
  EXPECT_EQ(loop.body[1].kind, StepKind::Periodic);
  EXPECT_EQ(loop.body[1].period, Time::ns(1'000'000));
  const ModelResult r = run_full(sc, Time::ns(100'000'000));
  const TaskResult& t = task(r, "t");
  // One wakeup per 1 ms period over 100 ms: 100 samples, give or take the first and last.
  EXPECT_GE(t.wakeup_latency.count(), 98u);
  EXPECT_LE(t.wakeup_latency.count(), 100u);
  EXPECT_GE(t.loops, 98u);
}

// lo takes M, hi (higher) blocks on it, mid (between) becomes runnable: PI
// keeps mid from delaying hi only when pi_enabled is set.
std::string pi_case(bool pi) {
  return std::string(R"({"global": {"duration": 1, "pi_enabled": )") + (pi ? "true" : "false") + R"(},
  "tasks": {
    "lo": {"policy": "SCHED_FIFO", "priority": 10, "cpus": [0], "loop": 1, "lock": "M", "run": 4000, "unlock": "M"},
    "hi": {"policy": "SCHED_FIFO", "priority": 30, "cpus": [0], "loop": 1, "delay": 1000, "lock": "M", "run": 100, "unlock": "M"},
    "mid": {"policy": "SCHED_FIFO", "priority": 20, "cpus": [0], "loop": 1, "delay": 2000, "run": 10000}
  }})";
}

TEST(RtApp, LockUnlockWithPiEnabledInheritsPriority) {
  const Scenario pi = rtapp(pi_case(true));
  ASSERT_EQ(pi.mutexes.size(), 1u);
  EXPECT_EQ(pi.mutexes[0].protocol, MutexProtocol::Inherit);
  const ModelResult r = run_full(pi, Time::ns(50'000'000));
  EXPECT_GE(task(r, "lo").pi_boosts, 1u);
  ASSERT_TRUE(task(r, "hi").exit.has_value());
  EXPECT_LT(*task(r, "hi").exit, Time::ns(4'500'000)) << "hi runs once lo's 4 ms critical section ends";

  const Scenario none = rtapp(pi_case(false));
  EXPECT_EQ(none.mutexes[0].protocol, MutexProtocol::None);
  const ModelResult n = run_full(none, Time::ns(50'000'000));
  EXPECT_EQ(task(n, "lo").pi_boosts, 0u);
  ASSERT_TRUE(task(n, "hi").exit.has_value());
  EXPECT_GT(*task(n, "hi").exit, Time::ns(14'000'000)) << "without PI mid's 10 ms run delays hi";
}

TEST(RtApp, WaitSignalBroadSyncTranslate) {
  const Scenario sc = rtapp(R"({
  "global": {"duration": 1},
  "resources": {"m": {"type": "mutex"}, "c": {"type": "wait"}},
  "tasks": {
    "waiter": {"loop": 1, "lock": "m", "wait": {"ref": "c", "mutex": "m"}, "unlock": "m", "run": 100},
    "syncer": {"loop": 1, "delay": 100, "sync": {"ref": "c", "mutex": "m"}, "run": 100},
    "waker": {"loop": 1, "delay": 1000, "signal": "c", "sleep": 100, "broad": "c"}
  }
})");
  const auto& s = sc.tasks[1].program;
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[1].kind, StepKind::Lock);
  EXPECT_EQ(s[2].kind, StepKind::CondSignal);
  EXPECT_EQ(s[3].kind, StepKind::CondWait);
  EXPECT_EQ(s[4].kind, StepKind::Unlock);
  EXPECT_EQ(sc.tasks[2].program[1].kind, StepKind::CondSignal);
  EXPECT_EQ(sc.tasks[2].program[3].kind, StepKind::CondBroadcast);
  ASSERT_EQ(sc.syncs.size(), 1u);
  EXPECT_EQ(sc.syncs[0].mutex, "m");
  const ModelResult r = run_full(sc, Time::ns(20'000'000));
  // syncer's signal wakes waiter at 100 us; waker's signal at 1 ms wakes syncer.
  ASSERT_TRUE(task(r, "waiter").exit.has_value());
  EXPECT_LT(*task(r, "waiter").exit, Time::ns(1'000'000));
  ASSERT_TRUE(task(r, "syncer").exit.has_value());
  EXPECT_GT(*task(r, "syncer").exit, Time::ns(1'000'000));
}

TEST(RtApp, BarrierCountsEveryTaskAndInstanceUsingIt) {
  const Scenario sc = rtapp(R"({"global": {"duration": 1}, "tasks": {
    "a": {"instance": 2, "loop": 1, "run": 100, "barrier": "B", "run1": 10},
    "b": {"loop": 1, "sleep": 2000, "barrier": "B"}
  }})");
  ASSERT_EQ(sc.syncs.size(), 1u);
  EXPECT_EQ(sc.syncs[0].kind, SyncKind::Barrier);
  EXPECT_EQ(sc.syncs[0].value, 3);
  Scenario two = sc;
  two.system.cpus = 2;
  const ModelResult r = run_full(two, Time::ns(20'000'000));
  ASSERT_TRUE(task(r, "a-0").exit.has_value());
  EXPECT_GT(*task(r, "a-0").exit, Time::ns(2'000'000)) << "a-0 waits for b at the barrier";
}

TEST(RtApp, SuspendResumeYieldMemIorunFork) {
  const Scenario sc = rtapp(R"({"global": {"duration": 1}, "tasks": {
    "s": {"loop": 1, "suspend": "", "run": 100, "yield": "", "mem": 4000, "iorun": 1000, "fork": "x"},
    "r": {"loop": 1, "sleep": 1000, "resume": "s"}
  }})");
  const auto& p = sc.tasks[0].program;
  ASSERT_EQ(p.size(), 5u) << "fork is dropped";
  EXPECT_EQ(p[0].kind, StepKind::Suspend);
  EXPECT_EQ(p[0].lock, "s") << "an empty suspend names the thread itself";
  EXPECT_EQ(p[2].kind, StepKind::Yield);
  EXPECT_EQ(p[3].kind, StepKind::Run);
  EXPECT_EQ(p[3].duration, Time::ns(1000)) << "mem: 4 bytes per ns";
  EXPECT_EQ(p[4].duration, Time::ns(1000)) << "iorun: 1 byte per ns";
  EXPECT_TRUE(has_warning(sc, "inline.json:2:", "fork")) << warnings(sc);
  const Scenario bare = rtapp("{\"tasks\": {\"s\": {\"loop\": 1,\n \"suspend\",\n \"run\": 1}}}");
  ASSERT_EQ(bare.tasks[0].program.size(), 2u);
  EXPECT_EQ(bare.tasks[0].program[0].lock, "s") << "a key without a value (video-long.json) reads as \"\"";
  EXPECT_FALSE(has_warning(bare, "inline.json:2:", "suspend")) << "no warning for a bare suspend\n" << warnings(bare);
  const ModelResult r = run_full(sc, Time::ns(20'000'000));
  ASSERT_TRUE(task(r, "s").exit.has_value());
  EXPECT_GT(*task(r, "s").exit, Time::ns(1'100'000)) << "s runs only after r's resume at 1 ms";
}

TEST(RtApp, DetectionLeavesYamlAlone) {
  EXPECT_FALSE(is_rtapp_workload("{}", "x.json")) << "no tasks: neither kind; the YAML reader reports it";
  EXPECT_TRUE(is_rtapp_workload("{\"global\": {}, \"tasks\": {\"t\": {\"program\": 1}}}", "x.yaml")) << "rt-app's global";
  EXPECT_FALSE(is_rtapp_workload("{\"system\": {\"cpus\": 1}, \"tasks\": {\"t\": {\"run\": 1}}}", "x.json"));
  EXPECT_FALSE(is_rtapp_workload("{\"tasks\": {\"hi\": {\"policy\": \"fifo\", \"priority\": 50, \"program\": [{\"sleep\": \"1ms\"}]}}}", "w.json"));
  EXPECT_TRUE(is_rtapp_workload("/* c */ {\"tasks\": {\"t\": {\"run\": 1}}}", "x.txt"));
  EXPECT_FALSE(is_rtapp_workload("{tasks: {t: {program: [run: 1ms]}}}", "x.yaml"));
  EXPECT_FALSE(is_rtapp_workload("tasks:\n  t: {program: [run: 1ms]}\n", "x.yaml"));
}

}  // namespace
}  // namespace preemptsim

namespace preemptsim {
namespace {

// examples/rtapp-pi-inversion.json (the figure is in its comment): with PI,
// hi's end = lo's 4 ms critical section + hi's 0.1 ms run, plus kernel
// overheads (context switches, futex calls): about 4.1 ms. Without PI mid's
// 10 ms run comes between: about 14.1 ms.
TEST(RtAppExample, PiInversionFigure) {
  Scenario sc = testing::load_example("rtapp-pi-inversion.json");
  EXPECT_TRUE(sc.warnings.empty()) << warnings(sc);
  ASSERT_EQ(sc.tasks.size(), 3u);
  const ModelResult r = run_full(sc, Time::ns(50'000'000));
  const Time hi_end = task(r, "hi").exit.value_or(Time::max());
  const Time expected = Time::ns(4'000'000 + 100'000);
  EXPECT_GE(hi_end, expected) << testing::explain("hi's end", "lo's 4 ms + hi's 0.1 ms", expected, hi_end);
  EXPECT_LT(hi_end, expected + Time::ns(100'000)) << testing::explain("hi's end", "lo's 4 ms + hi's 0.1 ms", expected, hi_end);
  EXPECT_GE(task(r, "lo").pi_boosts, 1u);

  sc.mutexes[0].protocol = MutexProtocol::None;
  const ModelResult n = run_full(sc, Time::ns(50'000'000));
  const Time hi_late = task(n, "hi").exit.value_or(Time::max());
  const Time expected_late = Time::ns(4'000'000 + 10'000'000 + 100'000);
  EXPECT_GE(hi_late, expected_late) << testing::explain("hi's end without PI", "4 ms + mid's 10 ms + 0.1 ms", expected_late, hi_late);
  EXPECT_LT(hi_late, expected_late + Time::ns(100'000)) << testing::explain("hi's end without PI", "4 ms + mid's 10 ms + 0.1 ms", expected_late, hi_late);
}

// examples/rtapp-deadline.json: rt-app's SCHED_DEADLINE tasks run as
// deadline tasks (no longer FIFO 99): ahead of the FIFO 99 spinner, the
// one within its reservation keeps every deadline, the greedy one is
// throttled once per job.
TEST(RtAppExample, DeadlineTasksRunAsDeadlineTasks) {
  Scenario sc = testing::load_example("rtapp-deadline.json");
  EXPECT_TRUE(sc.warnings.empty()) << warnings(sc);
  ASSERT_EQ(sc.tasks.size(), 3u);
  EXPECT_EQ(sc.tasks[0].policy, Policy::Deadline);
  EXPECT_EQ(sc.tasks[0].dl_runtime, Time::ns(2'000'000));
  const Time duration = Time::ns(300'000'000);
  const ModelResult r = run_full(sc, duration);
  const TaskResult& ctl = task(r, "ctl");
  const TaskResult& greedy = task(r, "greedy");
  // ctl: 1 ms per 10 ms, above the spinner: one job per period, none late.
  EXPECT_EQ(ctl.sched, "SCHED_DEADLINE 2ms/10ms/10ms");
  EXPECT_EQ(ctl.response.count(), static_cast<std::uint64_t>(duration / Time::ns(10'000'000)));
  EXPECT_EQ(ctl.response_misses, 0u);
  EXPECT_EQ(ctl.dl_overruns, 0u);
  // greedy: a 3 ms job on 1 ms of runtime per period overruns at least
  // once per job (twice when the tick lets it run less than 3 ms in two periods).
  std::cout << "greedy: " << greedy.response.count() << " jobs, " << greedy.dl_overruns << " overruns, " << greedy.response_misses
            << " misses; ctl: " << ctl.response.count() << " jobs, 0 misses\n";
  EXPECT_GE(greedy.dl_overruns, greedy.response.count());
  EXPECT_LE(greedy.dl_overruns, 2 * greedy.response.count() + 2);
  EXPECT_GT(greedy.response_misses, 0u);
}

}  // namespace
}  // namespace preemptsim
