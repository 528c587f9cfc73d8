// End-to-end tests of the preemptsim command: exit codes, error format,
// no output file on error, byte-identical JSON for the same input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <regex>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("preemptsim-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result run(const std::string& args) {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    const std::string cmd = std::string(PREEMPTSIM_BINARY) + " " + args + " >" + out.string() + " 2>" + err.string() + " </dev/null";
    const int status = std::system(cmd.c_str());
    return Result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

  fs::path dir_;
};

const std::string kExample = std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/seed-002-kernel-path.yaml";

TEST_F(Cli, RunsAnExampleAndWritesJson) {
  const fs::path json = dir_ / "out.json";
  const Result r = run("run " + kExample + " --json " + json.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("task hi  SCHED_FIFO 50"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(json));
  EXPECT_NE(slurp(json).find("\"wakeup_latency_ns\""), std::string::npos);
}

TEST_F(Cli, RunsAnRtAppUseCaseWithWarningsOnStderr) {
  const fs::path uc = write("uc.json",
                            "{\n  \"global\": {\"duration\": 1},\n  \"tasks\": {\"t\": {\"loop\": 1, \"run\": 100, "
                            "\"colour\": 1}}\n}\n");
  const Result r = run("run " + uc.string() + " --model full");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("task t  SCHED_OTHER"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(uc.string() + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning: unknown key 'colour'"), std::string::npos) << r.err;

  const fs::path bad = write("bad.json", "{\n  \"tasks\": {\"t\": {\"policy\": \"SCHED_FAST\", \"run\": 1}}\n}\n");
  const Result e = run("run " + bad.string());
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.err.find(bad.string() + ":2:"), std::string::npos) << e.err;
}

TEST_F(Cli, SameInputGivesByteIdenticalJson) {
  const fs::path a = dir_ / "a.json", b = dir_ / "b.json";
  ASSERT_EQ(run("run " + kExample + " --json " + a.string()).code, 0);
  ASSERT_EQ(run("run " + kExample + " --json " + b.string()).code, 0);
  EXPECT_EQ(slurp(a), slurp(b));
}

// -j: the table, the JSON and the streamed marks are the same bytes with
// one thread or two (every model, explanations on).
TEST_F(Cli, JobsDoNotChangeAnyOutput) {
  const std::string ex = std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/cyclictest-kernel-hog.yaml";
  const fs::path a = dir_ / "a.json", b = dir_ / "b.json";
  const Result one = run("run " + ex + " --duration 300ms -j 1 --json " + a.string() + " --marks " + (dir_ / "m1.csv").string());
  const Result two = run("run " + ex + " --duration 300ms -j 2 --json " + b.string() + " --marks " + (dir_ / "m2.csv").string());
  ASSERT_EQ(one.code, 0) << one.err;
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(slurp(a), slurp(b));
  EXPECT_NE(one.out.find("worst wakeups"), std::string::npos);
  // -q: no table
  const Result quiet = run("run " + ex + " --duration 100ms -q --no-explain");
  EXPECT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "");
}

// --marks: every mark, streamed; the JSON keeps counts only.
TEST_F(Cli, MarksAreStreamedToCsv) {
  const fs::path wl = write("m.yaml", "system: {cpus: 1, duration: 10ms, models: [full, rt]}\n"
                                      "tasks:\n  p:\n    policy: fifo\n    priority: 50\n"
                                      "    program:\n      - loop: {until: 10ms, steps: [{periodic: {period: 2ms}}, {mark: m}]}\n");
  const fs::path csv = dir_ / "marks.csv";
  const Result r = run("run " + wl.string() + " --no-explain -q --marks " + csv.string());
  ASSERT_EQ(r.code, 0) << r.err;
  // expiries at 2, 4, 6, 8 ms (the loop starts no iteration at or after 10 ms)
  for (const char* model : {"full", "rt"}) {
    const std::string text = slurp(dir_ / (std::string("marks.") + model + ".csv"));
    EXPECT_EQ(text.rfind("time_ns,task,mark\n", 0), 0u) << text;
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    EXPECT_EQ(lines, 1u + 4u) << "header + one line per period: 10 ms / 2 ms - 1 = 4\n" << text;
    EXPECT_NE(text.find(",p,m\n"), std::string::npos) << text;
  }
  EXPECT_FALSE(fs::exists(dir_ / "marks.full.csv.part"));
}

TEST_F(Cli, ModelOptionSelectsColumns) {
  const Result r = run("run " + kExample + " --model full,none");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string header = r.out.substr(r.out.find("task hi"));
  EXPECT_LT(header.find("full"), header.find("none")) << "columns in the order asked";
  EXPECT_EQ(header.find("voluntary"), std::string::npos);
}

TEST_F(Cli, BadWorkloadIsExit2WithLocationAndNoOutputFile) {
  const fs::path bad = write("bad.yaml", "system: {cpus: 1}\ntasks:\n  t: {policy: fifo, priority: 50, program: [{sleep: 3}]}\n");
  const fs::path json = dir_ / "never.json";
  const Result r = run("run " + bad.string() + " --json " + json.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind(bad.string() + ":3:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("unit"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(json)) << "no output file on error";
  EXPECT_EQ(r.out, "") << "nothing printed on stdout either";
}

TEST_F(Cli, UnknownModelIsExit2) {
  const Result r = run("run " + kExample + " --model full,preempt");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown model 'preempt'"), std::string::npos) << r.err;
}

TEST_F(Cli, MissingFileIsExit2) {
  const Result r = run("run " + (dir_ / "nope.yaml").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("nope.yaml"), std::string::npos) << r.err;
}

TEST_F(Cli, UnwritableJsonPathFailsWithoutAPartialFile) {
  const Result r = run("run " + kExample + " --json " + (dir_ / "no-such-dir" / "x.json").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("no-such-dir"), std::string::npos) << r.err;
}

TEST_F(Cli, UsageErrorIsExit2) {
  EXPECT_EQ(run("run").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
}

TEST_F(Cli, ModelsPrintsTheTable) {
  const Result r = run("models");
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("voluntary"), std::string::npos);
  EXPECT_NE(r.out.find("PREEMPT_LAZY"), std::string::npos);
}

TEST_F(Cli, TraceWritesOneFilePerModelAndPerfettoOneFile) {
  const fs::path trace = dir_ / "trace.txt", perfetto = dir_ / "p.json";
  const Result r = run("run " + kExample + " --model full,none --trace " + trace.string() + " --perfetto " + perfetto.string() +
                       " --window 2.9s,3.1s");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(trace)) << "several models: the model goes before the extension";
  ASSERT_TRUE(fs::exists(dir_ / "trace.full.txt"));
  ASSERT_TRUE(fs::exists(dir_ / "trace.none.txt"));
  const std::string full = slurp(dir_ / "trace.full.txt");
  EXPECT_EQ(full.rfind("# tracer: nop\n", 0), 0u);
  EXPECT_NE(full.find("sched_waking: comm=hi pid=1000 prio=49 target_cpu=000"), std::string::npos) << full;
  EXPECT_EQ(full.find("     1.0"), std::string::npos) << "nothing outside the window";
  EXPECT_NE(slurp(perfetto).find("\"traceEvents\""), std::string::npos);
  EXPECT_EQ(r.err, "") << "no progress line when stderr is not a terminal";
}

TEST_F(Cli, OneModelTraceUsesTheFileName) {
  const fs::path trace = dir_ / "t.txt";
  ASSERT_EQ(run("run " + kExample + " --model full --trace " + trace.string()).code, 0);
  EXPECT_TRUE(fs::exists(trace));
}

TEST_F(Cli, TracerReportFollowsTheTable) {
  const Result r = run("run " + kExample + " --model none --tracer wakeup_rt");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::size_t table = r.out.find("task hi"), report = r.out.find("# tracer: wakeup_rt");
  ASSERT_NE(report, std::string::npos) << r.out;
  EXPECT_LT(table, report);
  // hi waits ~3.0025 s for lo's kernel path under none (composed exactly in test_tracers.cpp)
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("# latency: (\\d+) us, #\\d+/\\d+, CPU#0 \\| \\(M:none "))) << r.out;
  EXPECT_GT(std::stoll(m[1]), 3'000'000);
  EXPECT_LT(std::stoll(m[1]), 3'010'000);
}

TEST_F(Cli, TracerOutWritesTheReports) {
  const fs::path out = dir_ / "lat.txt";
  const Result r = run("run " + kExample + " --model full,none --tracer preemptirqsoff --tracing-thresh 1us --tracer-out " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("# tracer:"), std::string::npos);
  const std::string text = slurp(out);
  EXPECT_NE(text.find("# tracer: preemptirqsoff"), std::string::npos) << text;
  EXPECT_NE(text.find("M:none"), std::string::npos) << text;
  EXPECT_NE(text.find("#  => started at: __schedule"), std::string::npos) << "the context switch: 2 us with IRQs off\n" << text;
}

TEST_F(Cli, BadTraceOptionsAreExit2AndWriteNothing) {
  const fs::path trace = dir_ / "t.txt", perfetto = dir_ / "p.json", json = dir_ / "r.json";
  const std::string outs = " --trace " + trace.string() + " --perfetto " + perfetto.string() + " --json " + json.string();
  Result r = run("run " + kExample + " --tracer function" + outs);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--tracer: unknown tracer 'function' (tracers: irqsoff, preemptoff, preemptirqsoff, wakeup, wakeup_rt)"),
            std::string::npos)
      << r.err;
  r = run("run " + kExample + " --window 3s" + outs);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--window"), std::string::npos) << r.err;
  r = run("run " + kExample + " --window 3s,2s" + outs);
  EXPECT_EQ(r.code, 2);
  r = run("run " + kExample + " --window 1x,2s" + outs);
  EXPECT_EQ(r.code, 2);
  r = run("run " + kExample + " --tracing-thresh 100us" + outs);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--tracing-thresh needs --tracer"), std::string::npos) << r.err;
  const fs::path bad = write("bad.yaml", "system: {cpus: 1}\ntasks:\n  t: {policy: fifo, priority: 50, program: [{sleep: 3}]}\n");
  r = run("run " + bad.string() + " --tracer irqsoff --tracer-out " + (dir_ / "lat.txt").string() + outs);
  EXPECT_EQ(r.code, 2);
  for (const fs::path& p : {trace, perfetto, json, dir_ / "lat.txt", dir_ / "t.full.txt"}) EXPECT_FALSE(fs::exists(p)) << p;
}

}  // namespace

namespace {

// A lock misuse found statically: exit 2 with file:line:col.
TEST_F(Cli, BadLockUsageIsExit2WithLocation) {
  const fs::path w = write("w.yaml", "tasks:\n  a: {kthread: true, program: [{mutex_unlock: M}]}\n");
  const Result r = run("run " + w.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(w.string() + ":2:47: tasks.a.program[0]: unlock of lock 'M', which is not held here"), std::string::npos) << r.err;
}

// A deadlock is a reported bug, not a failure: exit 0, the report on stderr,
// in the table and in the JSON with the stop time.
TEST_F(Cli, DeadlockIsReportedOnStderrTableAndJson) {
  const fs::path json = dir_ / "out.json";
  const Result r = run("run " + std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/locks-deadlock.yaml --json " + json.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("BUG: deadlock"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("(run stopped at "), std::string::npos) << r.out;
  const std::string j = slurp(json);
  EXPECT_NE(j.find("\"stopped_at_ns\": 2003500"), std::string::npos);
  EXPECT_NE(j.find("BUG: deadlock"), std::string::npos);
}

}  // namespace

// `preemptsim models`: where each model runs softirqs. basic_rt force-threads
// interrupts, so irq_exit() wakes ksoftirqd and the IRQ threads run the work
// at their local_bh_enable(); only rt runs it preemptibly in the tasks.
TEST(CliModels, SoftirqColumnFollowsForcedThreading) {
  const std::string cmd = std::string(PREEMPTSIM_BINARY) + " models";
  FILE* f = ::popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, f)) out += buf;
  ASSERT_EQ(::pclose(f), 0);
  auto row_ends = [&](const std::string& model, const std::string& tail) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(model + " ", 0) == 0) return line.size() >= tail.size() && line.substr(line.size() - tail.size()) == tail;
    return false;
  };
  EXPECT_TRUE(row_ends("full", "at irq_exit")) << out;
  EXPECT_TRUE(row_ends("basic_rt", "irq threads, ksoftirqd")) << out;
  EXPECT_TRUE(row_ends("rt", "in tasks")) << out;
}
