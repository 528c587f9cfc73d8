// Tests of the input bounds (workload/limits.h): alias expansion, file size,
// regular files only, read errors, tasks and steps; and a cond whose mutex no task locks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenario_util.h"
#include "workload/limits.h"
#include "workload/parse_rtapp.h"
#include "workload/parse_yaml.h"

namespace preemptsim {
namespace {

namespace fs = std::filesystem;

template <typename F>
void expect_error(F&& f, int line, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << part;
  } catch (const WorkloadError& e) {
    if (line >= 0) {
      EXPECT_EQ(e.loc().line, line) << e.what();
    }
    EXPECT_NE(e.message().find(part), std::string::npos) << e.what() << "\nexpected part: " << part;
  }
}

// "l0: &l0 [x, x, ... ten]" then each level ten aliases of the one before:
// level k expands to 10^k leaves; nine levels are 10^9 nodes from 500 bytes.
// With `json`, keys are quoted and entries separated by commas.
std::string laughs(int levels, bool json = false) {
  std::string s;
  for (int k = 0; k < levels; ++k) {
    std::string items;
    for (int i = 0; i < 10; ++i) items += (i ? ", " : "") + (k == 0 ? std::string("x") : "*l" + std::to_string(k - 1));
    const std::string key = json ? "\"l" + std::to_string(k) + "\"" : "l" + std::to_string(k);
    s += key + ": &l" + std::to_string(k) + " [" + items + "]" + (json && k + 1 < levels ? "," : "") + "\n";
  }
  return s;
}

TEST(InputLimits, NestedAliasesStopAtTheExpansionLimit) {
  // Level k holds 1 + 10 x (level k-1) nodes: 11, 111, ..., 1111111 at k = 5
  // (line 6) is the first past 1,000,000; the error names that line.
  const std::string text = laughs(9);
  expect_error([&] { parse_workload(text, "w.yaml"); }, 6, "YAML aliases expand to more than 1000000 nodes");
  // Under the limit the same shape is read (and then rejected for its keys, not its size).
  expect_error([&] { parse_workload(laughs(3), "w.yaml"); }, 1, "unknown key 'l0'");
}

TEST(InputLimits, RtAppJsonWithAnchorsStopsAtTheLimit) {
  // rt-app JSON is read as YAML flow: anchors and aliases work there too.
  std::string text = "{\"global\": {\"duration\": 1},\n \"x\": {\n";
  text += laughs(9, true);
  text += "},\n \"tasks\": {\"t\": {\"run\": 100}}}\n";
  expect_error([&] { parse_rtapp(text, "uc.json"); }, -1, "YAML aliases expand to more than 1000000 nodes");
}

class InputFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("preemptsim-limits-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(InputFiles, OnlyRegularFilesOfBoundedSize) {
  expect_error([] { load_workload("/dev/zero"); }, -1, "it is not a regular file");
  expect_error([&] { load_workload(dir_.string()); }, -1, "it is a directory");
  expect_error([&] { load_workload((dir_ / "missing.yaml").string()); }, -1, "No such file or directory");
  // A sparse file one byte over the limit: refused from its size, never read.
  const fs::path big = dir_ / "big.yaml";
  std::ofstream(big).close();
  fs::resize_file(big, InputLimits::kMaxFileBytes + 1);
  expect_error([&] { load_workload(big.string()); }, -1, "more than the limit of 16777216 bytes");
}

TEST_F(InputFiles, ReadErrorIsAReadErrorNotAnEmptyWorkload) {
  // /proc/self/mem is a regular file whose read at offset 0 fails with EIO.
  expect_error([] { load_workload("/proc/self/mem"); }, -1, "Input/output error");
}

TEST_F(InputFiles, TimestampsFromADeviceAreRefused) {
  std::ofstream(dir_ / "w.yaml") << "system: {cpus: 1}\ntasks:\n  t: {program: [{run: 1ms}]}\nirqs:\n"
                                    "  a: {arrival: {timestamps: /dev/zero}, handler: 1us}\n";
  expect_error([&] { load_workload((dir_ / "w.yaml").string()); }, 5, "cannot read the timestamps file '/dev/zero': it is not a regular file");
}

TEST(InputLimits, StepsPerTaskAndTasks) {
  Scenario sc;
  TaskSpec t;
  t.name = "long";
  t.loc = SourceLoc{"w.yaml", 3, 3};
  Step loop;
  loop.kind = StepKind::Loop;
  loop.body.resize(InputLimits::kMaxStepsPerTask);  // + the loop itself: one over
  t.program.push_back(loop);
  sc.tasks.push_back(t);
  expect_error([&] { check_scenario_limits(sc); }, 3, "task 'long' has 100001 steps, more than the limit of 100000 per task");
  sc.tasks[0].program[0].body.pop_back();
  EXPECT_NO_THROW(check_scenario_limits(sc));
}

TEST(InputLimits, RtAppInstancesAreBoundedBeforeTheyAreMade) {
  // 49 tasks x 4096 instances = 200,704 tasks: over the 200,000 limit at the 49th.
  std::string text = "{\"global\": {\"duration\": 1},\n \"tasks\": {\n";
  for (int i = 0; i < 49; ++i) text += fmt::format("  \"t{}\": {{\"instance\": 4096, \"run\": 100}}{}\n", i, i < 48 ? "," : "");
  text += "}}\n";
  expect_error([&] { parse_rtapp(text, "uc.json"); }, 51, "too many tasks with instances: more than the limit of 200000, reached at 't48'");
}

// A cond whose mutex no task locks, only signalled: the mutex exists (as
// rt-app creates it) and the signal wakes nobody; the task runs to its end.
TEST(InputLimits, CondSignalledWithoutItsMutexEverLocked) {
  const Scenario sc = parse_workload(R"(system: {cpus: 1, duration: 10ms, models: [full]}
conds: {E: {mutex: M}}
tasks:
  t: {policy: fifo, priority: 10, program: [{signal: E}, {broadcast: E}, {run: 1ms}]}
)", "w.yaml");
  const ModelResult r = testing::run_model(sc, "full");
  const TaskResult& t = testing::task(r, "t");
  ASSERT_TRUE(t.exit.has_value()) << "the task must finish its program";
  EXPECT_GE(*t.exit, Time::ns(1'000'000)) << "expected exit after its 1 ms run";
}

}  // namespace
}  // namespace preemptsim
