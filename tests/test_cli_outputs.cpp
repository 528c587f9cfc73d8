// End-to-end tests of how the command writes its outputs: checked before the run,
// devices and links never replaced, write errors as exit 4, no half-set, no temp files left.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;     // exit status, or 128 + signal
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kExample = std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/seed-002-kernel-path.yaml";

class CliOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("preemptsim-outputs-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `preemptsim ARGS` through sh with `prefix` (shell settings) first;
  // stdout goes to `stdout_to` (a file in dir_ by default).
  Result run(const std::string& args, const std::string& prefix = "", std::string stdout_to = "") {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    if (stdout_to.empty()) stdout_to = out.string();
    const std::string cmd = prefix + std::string(PREEMPTSIM_BINARY) + " " + args + " >" + stdout_to + " 2>" + err.string() + " </dev/null";
    const std::string sh = "sh -c '" + cmd + "'";
    const int status = std::system(sh.c_str());
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return Result{code, fs::exists(out) ? slurp(out) : "", slurp(err)};
  }
  // Names in dir_ other than the captured stdout/stderr.
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename() != "stdout" && e.path().filename() != "stderr") v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
  fs::path dir_;
};

TEST_F(CliOutputs, DeviceIsWrittenThroughNeverReplaced) {
  const Result r = run("run " + kExample + " --model full --json /dev/null");
  ASSERT_EQ(r.code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null must still be the device";
  EXPECT_NE(r.out.find("task hi"), std::string::npos);
}

TEST_F(CliOutputs, LinksAreKept) {
  // A link to a device: written through, the link stays a link.
  fs::create_symlink("/dev/null", dir_ / "to-null");
  ASSERT_EQ(run("run " + kExample + " --model full --json " + (dir_ / "to-null").string()).code, 0);
  EXPECT_TRUE(fs::is_symlink(dir_ / "to-null"));
  // A link to a regular file: the file is replaced, the link kept.
  std::ofstream(dir_ / "real.json") << "old";
  fs::create_symlink(dir_ / "real.json", dir_ / "link.json");
  const Result r = run("run " + kExample + " --model full --json " + (dir_ / "link.json").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.json"));
  EXPECT_NE(slurp(dir_ / "real.json").find("\"wakeup_latency_ns\""), std::string::npos);
  EXPECT_EQ(entries(), (std::vector<std::string>{"link.json", "real.json", "to-null"})) << "no temporary file left";
}

TEST_F(CliOutputs, JsonToStdoutFollowsTheTable) {
  const fs::path captured = dir_ / "captured";
  const Result r = run("run " + kExample + " --model full --json /dev/stdout", "", captured.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string text = slurp(captured);
  const std::size_t table = text.find("task hi"), json = text.find("\"wakeup_latency_ns\"");
  ASSERT_NE(table, std::string::npos) << text;
  ASSERT_NE(json, std::string::npos) << "the JSON must be in the same file, not replacing it";
  EXPECT_LT(table, json);
}

TEST_F(CliOutputs, BadPathsFailBeforeTheSimulation) {
  fs::create_directory(dir_ / "d");
  for (const std::string& opt : {std::string("--json"), std::string("--report"), std::string("--perfetto")}) {
    const Result r = run("run " + kExample + " " + opt + " " + (dir_ / "no-such-dir" / "x").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("command line (" + opt + "): cannot write"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << "no table: the run never started";
  }
  const Result d = run("run " + kExample + " --json " + (dir_ / "d").string());
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("it is a directory"), std::string::npos) << d.err;
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
  const Result l = run("run " + kExample + " --json " + (dir_ / "dangling").string());
  EXPECT_EQ(l.code, 2);
  EXPECT_NE(l.err.find("symbolic link to nothing"), std::string::npos) << l.err;
  const Result same = run("run " + kExample + " --json " + (dir_ / "o").string() + " --perfetto " + (dir_ / "o").string());
  EXPECT_EQ(same.code, 2);
  EXPECT_NE(same.err.find("name the same file"), std::string::npos) << same.err;
}

TEST_F(CliOutputs, WriteErrorsAreExit4AndSayWhatWasWritten) {
  // Standard output full: the table cannot be written.
  const Result full = run("run " + kExample + " --model full", "", "/dev/full");
  EXPECT_EQ(full.code, 4) << full.err;
  EXPECT_NE(full.err.find("cannot write the table (standard output): writing: No space left on device"), std::string::npos) << full.err;
  // A file and a device that fails: the file (renamed first), then the table
  // are written; the device is not.
  const fs::path ok = dir_ / "ok.json";
  const Result dev = run("run " + kExample + " --model full --json " + ok.string() + " --perfetto /dev/full");
  EXPECT_EQ(dev.code, 4) << dev.err;
  EXPECT_NE(dev.err.find("written: --json " + ok.string() + ", the table (standard output); not written: --perfetto /dev/full"),
            std::string::npos) << dev.err;
  EXPECT_TRUE(fs::exists(ok));
  // Other commands: `models` into a full standard output.
  EXPECT_EQ(run("models", "", "/dev/full").code, 4);
}

TEST_F(CliOutputs, NoHalfSetOfFiles) {
  // With a file-size limit (SIGXFSZ ignored, so write() fails with EFBIG),
  // the small JSON stages but the large Perfetto trace cannot: neither is
  // renamed into place, the old JSON is kept, no temporary file is left.
  const fs::path json = dir_ / "r.json", perfetto = dir_ / "p.json";
  std::ofstream(json) << "old";
  const Result r = run("run " + kExample + " --json " + json.string() + " --perfetto " + perfetto.string(),
                       "trap \"\" XFSZ; ulimit -f 200; ");
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_NE(r.err.find("File too large; no output was written"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(json), "old");
  EXPECT_EQ(entries(), (std::vector<std::string>{"r.json"}));
}

TEST_F(CliOutputs, SignalRemovesTemporaryFiles) {
  // SIGXFSZ (file size limit, not ignored) arrives while a file is staged:
  // the handler removes the temporary files and the process dies of it.
  const fs::path perfetto = dir_ / "p.json";
  const Result r = run("run " + kExample + " --perfetto " + perfetto.string(), "ulimit -f 200; ");
  EXPECT_EQ(r.code, 128 + SIGXFSZ) << r.err;
  EXPECT_EQ(entries(), std::vector<std::string>{}) << "no temporary file left";
}

}  // namespace
