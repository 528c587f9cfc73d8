// Inputs read as users mean them: a preemptsim workload saved as .json, µs in
// durations, rt-app's handling of mistyped events, --cpus for run, until: end.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario_util.h"
#include "sim/run_options.h"
#include "workload/duration.h"
#include "workload/parse_rtapp.h"

namespace preemptsim::testing {
namespace {

namespace fs = std::filesystem;

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("preemptsim-inputs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

int run_cli(const std::string& args, std::string* out, std::string* err) {
  const fs::path o = write_temp("stdout", ""), e = write_temp("stderr", "");
  const int status = std::system((std::string(PREEMPTSIM_BINARY) + " " + args + " >" + o.string() + " 2>" + e.string()).c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  if (out) *out = slurp(o);
  if (err) *err = slurp(e);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The same workload as YAML and as JSON (which YAML reads too) gives the same
// scenario: a FIFO 50 task sleeping 1 ms, then exiting.
TEST(Inputs, PreemptsimWorkloadSavedAsJsonIsAWorkload) {
  const std::string yaml = "system: {cpus: 1, models: [full], duration: 10ms}\n"
                           "tasks:\n  hi: {policy: fifo, priority: 50, program: [{sleep: 1ms}, {run: 100us}]}\n";
  const std::string json = "{\"system\": {\"cpus\": 1, \"models\": [\"full\"], \"duration\": \"10ms\"},\n"
                           " \"tasks\": {\"hi\": {\"policy\": \"fifo\", \"priority\": 50, \"program\": [{\"sleep\": \"1ms\"}, {\"run\": \"100us\"}]}}}\n";
  const Scenario a = load_workload(write_temp("w.yaml", yaml).string());
  const Scenario b = load_workload(write_temp("w.json", json).string());
  ASSERT_EQ(b.tasks.size(), 1u);
  EXPECT_EQ(b.tasks[0].policy, Policy::Fifo);
  EXPECT_EQ(b.tasks[0].priority, 50);
  EXPECT_TRUE(b.warnings.empty());
  const TaskResult ta = task(run_model(a, "full"), "hi");
  const TaskResult tb = task(run_model(b, "full"), "hi");
  ASSERT_TRUE(ta.exit && tb.exit);
  EXPECT_EQ(*ta.exit, *tb.exit) << "same workload, same run";
  // Without a system block, a task with a program still makes it a workload.
  const Scenario c = load_workload(write_temp("bare.json", "{\"tasks\": {\"t\": {\"program\": [{\"run\": \"1ms\"}]}}}").string());
  EXPECT_EQ(c.tasks[0].program[0].duration, Time::ns(1'000'000));
  // The CLI runs it (the issue's "unknown policy 'fifo'" came from reading it as rt-app).
  std::string out, err;
  EXPECT_EQ(run_cli("run " + write_temp("cli.json", json).string(), &out, &err), 0) << err;
  EXPECT_NE(out.find("task hi  SCHED_FIFO 50"), std::string::npos) << out;
}

TEST(Inputs, MicroSignInDurations) {
  const SourceLoc at{"cli"};
  EXPECT_EQ(parse_duration("250\u00b5s", at).count(), 250'000) << "U+00B5 MICRO SIGN";
  EXPECT_EQ(parse_duration("1.5 \u03bcs", at).count(), 1'500) << "U+03BC GREEK SMALL LETTER MU";
  const Scenario sc = parse_workload("tasks:\n  t: {program: [{sleep: 100\u00b5s}, {run: 20\u00b5s}]}\n", "mu.yaml");
  EXPECT_EQ(sc.tasks[0].program[0].duration, Time::ns(100'000));
  EXPECT_EQ(sc.tasks[0].program[1].duration, Time::ns(20'000));
}

// rt-app 1.0 (Debian) checks each event's JSON type; on a mismatch it logs
// "Unknown or mismatch X event type !!!", runs nothing for the event and goes
// on. Its taskset.json depends on that: `rt-app taskset.json` logged the
// lock_order message 5 times and the sleep message 4 times, then ran.
TEST(Inputs, RtAppMistypedEventsAreIgnoredAsRtAppDoes) {
  const Scenario sc = parse_rtapp(R"({"global": {"duration": 1}, "tasks": {
    "t": {"loop": 1, "run": 100, "sleep": false, "lock_order": ["a"], "run2": "fast", "sleep2": 50}
  }})", "mis.json");
  const auto& p = sc.tasks[0].program;
  ASSERT_EQ(p.size(), 2u) << "run 100 and sleep2 50 stay; sleep, lock_order and run2 are dropped";
  EXPECT_EQ(p[0].duration, Time::ns(100'000));
  EXPECT_EQ(p[1].duration, Time::ns(50'000));
  int msgs = 0;
  for (const std::string& w : sc.warnings) msgs += w.find("Unknown or mismatch") != std::string::npos;
  EXPECT_EQ(msgs, 3);

  const std::string taskset = "/usr/share/doc/rt-app/taskset.json";
  if (!fs::exists(taskset)) GTEST_SKIP() << taskset << " is absent (apt-get install rt-app)";
  const Scenario ts = load_workload(taskset);
  int lock_order = 0, sleep = 0;
  for (const std::string& w : ts.warnings) {
    lock_order += w.find("Unknown or mismatch lock_order") != std::string::npos;
    sleep += w.find("Unknown or mismatch sleep") != std::string::npos;
  }
  EXPECT_EQ(lock_order, 5) << "rt-app's count";
  EXPECT_EQ(sleep, 4) << "rt-app's count";
  Scenario shortened = ts;
  shortened.system.duration = Time::ns(50'000'000);
  const ModelResult r = run_model(shortened, "full");
  EXPECT_EQ(r.tasks.size(), ts.tasks.size());
}

// --cpus for run: an rt-app use case that pins nothing gets the CPUs asked
// for; a CPU count below a pinned CPU is an error (exit 2).
TEST(Inputs, RunCpusOption) {
  const fs::path uc = write_temp("uc.json", R"({"global": {"duration": 1}, "tasks": {"t": {"instance": 4, "loop": -1, "run": 1000, "sleep": 1000}}})");
  Scenario sc = load_workload(uc.string());
  EXPECT_EQ(sc.system.cpus, 1) << "nothing pinned: 1 CPU";
  set_cpus(sc, "4", SourceLoc{"cli"});
  EXPECT_EQ(sc.system.cpus, 4);
  std::string out, err;
  ASSERT_EQ(run_cli("run " + uc.string() + " --cpus 4 --model full --duration 20ms --no-explain", &out, &err), 0) << err;
  EXPECT_NE(out.find("4 CPUs"), std::string::npos) << out.substr(0, 200);
  EXPECT_NE(out.find("\ncpu 3\n"), std::string::npos) << out;
  Scenario pinned = load_example("smp-affinity-ipi.yaml");
  EXPECT_THROW(set_cpus(pinned, "1", SourceLoc{"cli"}), WorkloadError) << "rt1 is pinned to CPU 1";
  EXPECT_THROW(set_cpus(pinned, "0", SourceLoc{"cli"}), WorkloadError);
  EXPECT_THROW(set_cpus(pinned, "two", SourceLoc{"cli"}), WorkloadError);
  EXPECT_EQ(run_cli("run " + source_path("examples/smp-affinity-ipi.yaml") + " --cpus 1", &out, &err), 2);
  EXPECT_NE(err.find("pinned to CPU 1"), std::string::npos) << err;
}

// until: end loops for the whole run whatever --duration says; a loop with a
// time stops there, and run says so when --duration goes past it.
TEST(Inputs, UntilEndFollowsTheRunsDuration) {
  const std::string w = "system: {cpus: 1, models: [full], duration: 10ms}\ntasks:\n"
                        "  a: {program: [{loop: {until: end, steps: [{periodic: {period: 1ms}}, {run: 10us}]}}]}\n"
                        "  b: {program: [{loop: {until: 10ms, steps: [{periodic: {period: 1ms}}, {run: 10us}]}}]}\n";
  Scenario sc = parse_workload(w, "end.yaml");
  sc.system.duration = Time::ns(50'000'000);
  const ModelResult r = run_model(sc, "full");
  const std::uint64_t period_ms = 1, run_ms = 50, file_ms = 10;
  std::cout << "a (until: end): " << task(r, "a").loops << " loops; b (until: 10ms): " << task(r, "b").loops << "\n";
  EXPECT_GE(task(r, "a").loops, run_ms / period_ms - 1) << "a wakes every 1 ms for the 50 ms run";
  EXPECT_LE(task(r, "b").loops, file_ms / period_ms + 1) << "b stops at 10 ms";
  const auto notes = loops_ending_before(sc, sc.system.duration);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("end.yaml:4:"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("task 'b'"), std::string::npos) << notes[0];
  std::string out, err;
  ASSERT_EQ(run_cli("run " + write_temp("end.yaml", w).string() + " --duration 50ms --no-explain", &out, &err), 0) << err;
  EXPECT_NE(err.find("write 'until: end'"), std::string::npos) << err;
}

}  // namespace
}  // namespace preemptsim::testing
