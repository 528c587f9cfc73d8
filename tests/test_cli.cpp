// End-to-end tests of the preemptsim command: exit codes, error format,
// no output file on error, byte-identical JSON for the same input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
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

TEST_F(Cli, SameInputGivesByteIdenticalJson) {
  const fs::path a = dir_ / "a.json", b = dir_ / "b.json";
  ASSERT_EQ(run("run " + kExample + " --json " + a.string()).code, 0);
  ASSERT_EQ(run("run " + kExample + " --json " + b.string()).code, 0);
  EXPECT_EQ(slurp(a), slurp(b));
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
