// The simulated cyclictest against the real one's formats (rt-tests 2.4 as
// packaged by Debian), field by field, and its option handling end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cyclictest/cyclictest.h"
#include "kernel/task.h"
#include "kernel/kernel.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

// A measurement-thread setup without running a simulation: samples are fed
// straight to the observer, as the kernel would at each switch-in.
struct Fixture {
  CyclictestOptions o;
  Scenario sc;
  std::vector<Task> tasks;
  Fixture(int threads, int hist) {
    o.priority = 80;
    o.threads = threads;
    o.loops = 50;
    o.histogram_us = hist;
    sc = make_cyclictest_scenario(o, std::nullopt);
    for (int i = 0; i < threads; ++i) {
      Task t;
      t.pid = 1000 + i;
      t.spec = &sc.tasks[static_cast<std::size_t>(i)];
      tasks.push_back(std::move(t));
    }
  }
  void feed(CyclictestObserver& obs, int thread, std::int64_t us) {
    obs.on_wakeup_latency(Time::ns(us * 1000 + 999), tasks[static_cast<std::size_t>(thread)], Time(), Time());
  }
};

// `cyclictest -p 80 -i 1000 -l 200 -q -t 2` printed, for thread 0:
//   "T: 0 (16037) P:80 I:1000 C:    200 Min:     15 Act:   27 Avg:   34 Max:     140"
// The same figures through our formatter must give the same line but for the tid.
TEST(CyclictestFormat, SummaryLineMatchesTheRealOneFieldByField) {
  Fixture f(1, 0);
  CyclictestObserver obs(f.sc, f.o);
  // 200 samples: min 15, max 140, last 27, average 34.x
  f.feed(obs, 0, 15);
  f.feed(obs, 0, 140);
  for (int i = 0; i < 197; ++i) f.feed(obs, 0, 34);
  f.feed(obs, 0, 27);
  std::ostringstream out;
  write_cyclictest_text(out, obs, f.o);
  EXPECT_EQ(out.str(), "T: 0 ( 1000) P:80 I:1000 C:    200 Min:     15 Act:   27 Avg:   34 Max:     140\n");
  // -N: "T: 0 (16259) P:80 I:1000 C:     20 Min:  18693 Act:   31892 Avg:   40584 Max:   86118"
  Fixture n(1, 0);
  n.o.nsecs = true;
  CyclictestObserver nobs(n.sc, n.o);
  for (std::int64_t ns : {18693, 86118, 31892}) nobs.on_wakeup_latency(Time::ns(ns), n.tasks[0], Time(), Time());
  std::ostringstream nout;
  write_cyclictest_text(nout, nobs, n.o);
  EXPECT_EQ(nout.str(), "T: 0 ( 1000) P:80 I:1000 C:      3 Min:  18693 Act:   31892 Avg:   45567 Max:   86118\n");
}

// `cyclictest -p 80 -i 1000 -l 50 -q -h 5 -t 2` printed (after its
// "# /dev/cpu_dma_latency" line) exactly this; every sample overflowed.
TEST(CyclictestFormat, HistogramMatchesTheRealOneLineForLine) {
  const std::string real =
      "# Histogram\n"
      "000000 000000\t000000\n"
      "000001 000000\t000000\n"
      "000002 000000\t000000\n"
      "000003 000000\t000000\n"
      "000004 000000\t000000\n"
      "# Total: 000000000 000000000\n"
      "# Min Latencies: 00028 00025\n"
      "# Avg Latencies: 00036 00038\n"
      "# Max Latencies: 00062 00050\n"
      "# Histogram Overflows: 00050 00050\n"
      "# Histogram Overflow at cycle number:\n"
      "# Thread 0: 00000 00001 00002 00003 00004 # 00045 others\n"
      "# Thread 1: 00000 00001 00002 00003 00004 # 00045 others\n";
  Fixture f(2, 5);
  CyclictestObserver obs(f.sc, f.o);
  // thread 0: min 28, max 62, average (28 + 62 + 48 x 36) / 50 = 36.36
  f.feed(obs, 0, 28);
  f.feed(obs, 0, 62);
  for (int i = 0; i < 48; ++i) f.feed(obs, 0, 36);
  // thread 1: min 25, max 50, average (25 + 50 + 48 x 39) / 50 = 38.94
  f.feed(obs, 1, 25);
  f.feed(obs, 1, 50);
  for (int i = 0; i < 48; ++i) f.feed(obs, 1, 39);
  std::ostringstream out;
  write_cyclictest_histogram(out, obs, f.o);
  EXPECT_EQ(out.str(), real);
}

TEST(CyclictestFormat, HistofallAddsASumColumnWithSeveralThreads) {
  Fixture f(2, 3);
  f.o.histofall = true;
  CyclictestObserver obs(f.sc, f.o);
  f.feed(obs, 0, 1);
  f.feed(obs, 1, 1);
  f.feed(obs, 1, 2);
  std::ostringstream out;
  write_cyclictest_histogram(out, obs, f.o);
  EXPECT_NE(out.str().find("000001 000001\t000001\t000002\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("# Thread 1:\n"), std::string::npos) << "no overflow: the bare label, as cyclictest prints it";
}

// The real --json document's keys, in its order (rt-tests 2.4).
TEST(CyclictestFormat, JsonHasTheRealKeysInOrder) {
  Fixture f(1, 100);
  CyclictestObserver obs(f.sc, f.o);
  f.feed(obs, 0, 29);
  f.feed(obs, 0, 31);
  f.feed(obs, 0, 31);
  const auto j = nlohmann::ordered_json::parse(cyclictest_json(obs, f.o, "full"));
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"file_version", "cmdline:", "rt_test_version:", "start_time", "end_time", "return_code",
                                            "sysinfo", "num_threads", "resolution_in_ns", "thread"}));
  std::vector<std::string> tkeys;
  for (const auto& [k, v] : j["thread"]["0"].items()) tkeys.push_back(k);
  EXPECT_EQ(tkeys, (std::vector<std::string>{"histogram", "cycles", "min", "max", "avg", "cpu", "node"}));
  EXPECT_EQ(j["thread"]["0"]["histogram"]["31"], 2);
  EXPECT_EQ(j["thread"]["0"]["avg"], 30.33);
  EXPECT_EQ(j["num_threads"], 1);
}

TEST(CyclictestOptions, CpusetsAndDurations) {
  const SourceLoc at{"x", 0, 0};
  EXPECT_EQ(parse_cpuset("3-5,0", at), (std::vector<int>{3, 4, 5, 0}));
  EXPECT_EQ(parse_cyclictest_duration("90", at), Time::ns(90'000'000'000));
  EXPECT_EQ(parse_cyclictest_duration("1m", at), Time::ns(60'000'000'000));
  EXPECT_EQ(parse_cyclictest_duration("2h", at), Time::ns(7'200'000'000'000));
  EXPECT_THROW(parse_cpuset("5-3", at), WorkloadError);
  EXPECT_THROW(parse_cyclictest_duration("1x", at), WorkloadError);
}

// On top of the kernel-hog workload the measurement threads see the model:
// none >= voluntary >= full, as the workload's own cyclic task does.
TEST(CyclictestScenario, MeasuresTheModelsOnTopOfALoad) {
  CyclictestOptions o;
  o.priority = 90;
  o.loops = 1500;
  o.interval_us = 1000;
  const Scenario sc = make_cyclictest_scenario(o, load_example("cyclictest-kernel-hog.yaml"));
  std::map<std::string, std::int64_t> max;
  for (const char* m : {"none", "voluntary", "full"}) {
    CyclictestObserver obs(sc, o);
    simulate_model(sc, *find_preempt_model(m), [&](Kernel& k, const PreemptModel&) { k.add_observer(&obs); });
    ASSERT_EQ(obs.threads().size(), 1u);
    EXPECT_EQ(obs.threads()[0].cycles, 1500u) << m;
    max[m] = obs.threads()[0].max;
  }
  std::cout << "cyclictest -p 90 -l 1500 over the hog: max none " << max["none"] << " us, voluntary " << max["voluntary"] << " us, full "
            << max["full"] << " us\n";
  EXPECT_GE(max["none"], max["voluntary"]);
  EXPECT_GT(max["voluntary"], max["full"]);
  EXPECT_LE(max["full"], 10);
}

int run(const std::string& args, std::string* out = nullptr) {
  const std::string tmp = (std::filesystem::temp_directory_path() / ("ct-" + std::to_string(::getpid()) + ".out")).string();
  const int status = std::system((std::string(PREEMPTSIM_BINARY) + " " + args + " >" + tmp + " 2>&1").c_str());
  if (out) {
    std::ifstream in(tmp);
    std::stringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
  }
  std::filesystem::remove(tmp);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Command lines as real-time Linux tutorials give them.
TEST(CyclictestCli, TutorialCommandLinesRun) {
  std::string out;
  EXPECT_EQ(run("cyclictest -l100000 -m -S -p90 -i200 -h400 -q --cpus 2 -M full", &out), 0) << out;
  EXPECT_NE(out.find("# Histogram\n000000 "), std::string::npos) << out.substr(0, 300);
  EXPECT_NE(out.find("# Thread 1:"), std::string::npos);
  EXPECT_EQ(run("cyclictest --mlockall --smp --priority=80 --interval=200 --distance=0 -D 1 --cpus 2 -M none,rt", &out), 0) << out;
  EXPECT_NE(out.find("# preemptsim cyclictest: model none\nT: 0 ("), std::string::npos) << out;
  EXPECT_NE(out.find("# preemptsim cyclictest: model rt\nT: 0 ("), std::string::npos) << out;
  EXPECT_NE(out.find("I:200 C:   4999"), std::string::npos) << "1 s at 200 us: 4999 wakeups before the end\n" << out;
}

TEST(CyclictestCli, BadOptionsAreExit2) {
  std::string out;
  EXPECT_EQ(run("cyclictest -p 200 -l 10", &out), 2) << out;
  EXPECT_NE(out.find("-p: priority 200 is out of range"), std::string::npos) << out;
  EXPECT_EQ(run("cyclictest -p 80", &out), 2) << out;
  EXPECT_NE(out.find("give -l LOOPS or -D DURATION"), std::string::npos) << out;
  EXPECT_EQ(run("cyclictest -p 80 -l 10 --frobnicate", &out), 2) << out;
  EXPECT_EQ(run("cyclictest -p 80 -l 10 -a 4 --cpus 2", &out), 2) << out;
}

TEST(CyclictestCli, JsonPerModel) {
  const auto dir = std::filesystem::temp_directory_path() / ("ctj-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_EQ(run("cyclictest -p 80 -i 1000 -l 100 -q -M none,full --json=" + (dir / "r.json").string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "r.none.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "r.full.json"));
  ASSERT_EQ(run("cyclictest -p 80 -i 1000 -l 100 -q -M full --json=" + (dir / "one.json").string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "one.json")) << "one model: exactly the file named";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace preemptsim::testing
