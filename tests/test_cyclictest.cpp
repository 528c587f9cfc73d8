// The simulated cyclictest against the real one's formats (rt-tests 2.4 as
// packaged by Debian), field by field, and its option handling end to end.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
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
  EXPECT_EQ(run("cyclictest -l100000 -m -S -p90 -i200 -h400 -q --cpus 2 --model full", &out), 0) << out;
  EXPECT_NE(out.find("# Histogram\n000000 "), std::string::npos) << out.substr(0, 300);
  EXPECT_NE(out.find("# Thread 1:"), std::string::npos);
  EXPECT_EQ(run("cyclictest --mlockall --smp --priority=80 --interval=200 --distance=0 -D 1 --cpus 2 --models none,rt", &out), 0) << out;
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
  ASSERT_EQ(run("cyclictest -p 80 -i 1000 -l 100 -q --model none,full --json=" + (dir / "r.json").string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "r.none.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "r.full.json"));
  ASSERT_EQ(run("cyclictest -p 80 -i 1000 -l 100 -q --model full --json=" + (dir / "one.json").string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "one.json")) << "one model: exactly the file named";
  std::filesystem::remove_all(dir);
}


// The real lines below were recorded with Debian's rt-tests cyclictest V 2.40,
// run as root on a 2-CPU virtual machine, stdout and stderr captured; the
// command is given with each. Thread ids differ (the simulator numbers tasks
// from 1000), latencies are fed to the observer as the real run measured them.

// `cyclictest -a 0-1 -v -t 2 -p 80 -i 1000 -l 2 -q` printed:
//   Max CPUs = 2 / Online CPUs = 2 / Using 2 cpus. / # /dev/cpu_dma_latency set to 0us /
//   Thread 0 using cpu 0. / Thread 0 Interval: 1500 / Thread 1 using cpu 1. / Thread 1 Interval: 2000 /
//   the four samples / the two T: lines (-q prints them at the exit even with -v).
TEST(CyclictestFormat, VerboseMatchesTheRealOneLineForLine) {
  const std::string real_start = "Max CPUs = 2\nOnline CPUs = 2\nUsing 2 cpus.\n";
  const std::string real_threads = "Thread 0 using cpu 0.\nThread 0 Interval: 1500\nThread 1 using cpu 1.\nThread 1 Interval: 2000\n";
  const std::string real_values =
      "       0:       0:      58\n"
      "       0:       1:      67\n"
      "       1:       0:      69\n"
      "       1:       1:      61\n";
  const std::string real_summary =
      "T: 0 (27464) P:80 I:1000 C:      2 Min:     58 Act:   67 Avg:   62 Max:      67\n"
      "T: 1 (27465) P:80 I:1500 C:      2 Min:     61 Act:   61 Avg:   65 Max:      69\n";
  Fixture f(2, 0);
  f.o.verbose = true;
  f.o.quiet = true;
  f.o.affinity = true;
  f.o.affinity_set = {0, 1};
  f.sc = make_cyclictest_scenario(f.o, std::nullopt);
  CyclictestObserver obs(f.sc, f.o);
  for (std::int64_t us : {58, 67}) f.feed(obs, 0, us);
  for (std::int64_t us : {69, 61}) f.feed(obs, 1, us);
  std::ostringstream start, threads, values, summary;
  write_cyclictest_verbose_start(start, f.sc.system.cpus, f.o);
  write_cyclictest_verbose_header(threads, obs, f.o);
  write_cyclictest_values(values, obs);
  write_cyclictest_text(summary, obs, f.o);
  EXPECT_EQ(start.str(), real_start);
  EXPECT_EQ(threads.str(), real_threads);
  EXPECT_EQ(values.str(), real_values);
  std::string expected = real_summary;
  for (auto [tid, pid] : {std::pair{"27464", " 1000"}, std::pair{"27465", " 1001"}}) expected.replace(expected.find(tid), 5, pid);
  EXPECT_EQ(summary.str(), expected);
}

// `cyclictest -t 2 -p 80 -i 1000 -l 1000 -b 1 -q` printed (thread 0's first
// sample, 59 us, was over 1 us; thread 1 never woke, so cyclictest's initial
// minimum 1000000 stands):
TEST(CyclictestFormat, BreaktraceMatchesTheRealOneLineForLine) {
  const std::string real =
      "T: 0 (27241) P:80 I:1000 C:      1 Min:     59 Act:   59 Avg:   59 Max:      59\n"
      "T: 1 (27242) P:80 I:1500 C:      0 Min:1000000 Act:    0 Avg:    0 Max:       0\n"
      "# Thread Ids: 27241 27242\n"
      "# Break thread: 27241\n"
      "# Break value: 59\n";
  Fixture f(2, 0);
  f.o.breaktrace_us = 1;
  CyclictestObserver obs(f.sc, f.o);
  f.feed(obs, 0, 59);
  f.feed(obs, 1, 30);  // after the break: every thread has stopped
  f.feed(obs, 0, 70);
  std::ostringstream out;
  write_cyclictest_text(out, obs, f.o);
  write_cyclictest_break(out, obs);
  std::string expected = real;
  for (auto [tid, pid] : {std::pair{"(27241)", "( 1000)"}, std::pair{"(27242)", "( 1001)"}, std::pair{"Ids: 27241 27242", "Ids: 01000 01001"},
                          std::pair{"thread: 27241", "thread: 1000"}})
    expected.replace(expected.find(tid), std::string(tid).size(), pid);
  EXPECT_EQ(out.str(), expected);
}

// `cyclictest -t 3 -p 80 --priospread -i 1000 -l 5 -q` printed P:80, P:79,
// P:78; `cyclictest --priospread -t 2 -i 1000 -l 2 -q` printed P: 3 and P: 2
// and on stderr "defaulting realtime priority to 3" and "policy and priority
// don't match: setting policy to SCHED_FIFO".
TEST(CyclictestOptions, PriospreadAsTheRealOne) {
  CyclictestOptions o;
  o.threads = 3;
  o.priority = 80;
  o.priospread = true;
  o.loops = 5;
  EXPECT_TRUE(cyclictest_adjust(o, 1).empty());
  Scenario sc = make_cyclictest_scenario(o, std::nullopt);
  ASSERT_EQ(sc.tasks.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sc.tasks[static_cast<std::size_t>(i)].priority, 80 - i) << "thread " << i << ": -p 80 minus " << i;
    EXPECT_EQ(sc.tasks[static_cast<std::size_t>(i)].policy, Policy::Fifo);
  }
  CyclictestOptions d;
  d.threads = 2;
  d.priospread = true;
  d.loops = 2;
  const std::vector<std::string> msgs = cyclictest_adjust(d, 1);
  EXPECT_EQ(msgs, (std::vector<std::string>{"defaulting realtime priority to 3", "policy and priority don't match: setting policy to SCHED_FIFO"}));
  sc = make_cyclictest_scenario(d, std::nullopt);
  EXPECT_EQ(sc.tasks[0].priority, 3);  // threads + 1
  EXPECT_EQ(sc.tasks[1].priority, 2);
}

// -t without a number: one thread per CPU (of -a's set when given, as
// cyclictest's get_available_cpus(): `cyclictest -t -a 1 -p 80 -l 3 -q` ran one
// thread), of --cpus or the load's system.cpus; -S ignores -t and -a with the
// real tool's warnings (`cyclictest -S -p 80 -i 1000 -l 3 -q -t 5 -a 1` on 2
// CPUs: two threads, "WARN: -t ignored due to smp mode", "WARN: -a ignored due
// to smp mode" on stderr).
TEST(CyclictestCli, ThreadsWithoutANumber) {
  auto count = [](const std::string& out) {
    std::size_t n = 0;
    for (std::size_t at = out.find("\nT:"); at != std::string::npos; at = out.find("\nT:", at + 1)) ++n;
    return n;
  };
  std::string out;
  for (const char* t : {"-t", "--threads", "-t -q"}) {
    ASSERT_EQ(run(std::string("cyclictest ") + t + " -p 80 -i 1000 -l 5 -q --cpus 3 --model full", &out), 0) << out;
    EXPECT_EQ(count(out), 3u) << t << ", --cpus 3: three threads\n" << out;
  }
  ASSERT_EQ(run("cyclictest -p 80 -t -i 1000 -l 5 -q --load " + std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/smp-affinity-ipi.yaml --model full", &out), 0) << out;
  const Scenario smp = load_example("smp-affinity-ipi.yaml");
  EXPECT_EQ(count(out), static_cast<std::size_t>(smp.system.cpus)) << "the load's system.cpus\n" << out;
  ASSERT_EQ(run("cyclictest -t -a 1 -p 80 -l 3 -q --cpus 2 --model full", &out), 0) << out;
  EXPECT_EQ(count(out), 1u) << "-a 1: one CPU in the set\n" << out;
  ASSERT_EQ(run("cyclictest -S -p 80 -i 1000 -l 3 -q -t 5 -a 1 --cpus 2 --model full", &out), 0) << out;
  EXPECT_EQ(count(out), 2u) << out;
  EXPECT_NE(out.find("WARN: -t ignored due to smp mode\nWARN: -a ignored due to smp mode\n"), std::string::npos) << out;
}

// -M is cyclictest's --refresh_on_max (it changes only how a terminal is
// redrawn): accepted, the output is the same; the models are --model/--models.
// -u, --latency, --laptop, --default-system, --tracemark, -m are accepted too.
TEST(CyclictestCli, AcceptedAndIgnoredOptions) {
  std::string plain, with;
  ASSERT_EQ(run("cyclictest -p 80 -i 1000 -l 50 -q --model none,full", &plain), 0) << plain;
  for (const char* opt : {"-M", "--refresh_on_max", "-u", "--unbuffered", "--latency 10", "--latency=0", "-m", "--default-system", "--tracemark"}) {
    ASSERT_EQ(run(std::string("cyclictest -p 80 -i 1000 -l 50 -q ") + opt + " --models none,full", &with), 0) << opt << "\n" << with;
    EXPECT_EQ(with, plain) << opt;
  }
  // --laptop: `cyclictest -p 80 -i 1000 -l 3 --latency 10 --laptop -q -u` printed this on stderr
  ASSERT_EQ(run("cyclictest -p 80 -i 1000 -l 50 -q --laptop --model none,full", &with), 0) << with;
  EXPECT_EQ(with, "WARN: not setting cpu_dma_latency to save battery power\n" + plain);
}

// -b on the kernel hog: the run stops at the first sample over the limit.
// Expected from an unbroken -v run of the same model: the break is the first
// listed value over the limit, at that cycle; the explanation's parts add up
// to the latency.
TEST(CyclictestCli, BreaktraceStopsAtTheFirstSampleOverTheLimit) {
  const std::string load = std::string(PREEMPTSIM_SOURCE_DIR) + "/examples/cyclictest-kernel-hog.yaml";
  std::string all, broken;
  ASSERT_EQ(run("cyclictest -p 90 -i 1000 -l 300 -v --load " + load + " --model voluntary", &all), 0) << all;
  const std::int64_t limit = 60;
  std::istringstream in(all);
  std::int64_t first = -1, cycle = -1;
  for (std::string line; std::getline(in, line);) {
    long long th, c, v;
    if (std::sscanf(line.c_str(), "%lld:%lld:%lld", &th, &c, &v) == 3 && v > limit) {
      first = v;
      cycle = c;
      break;
    }
  }
  ASSERT_GE(first, 0) << "no sample over " << limit << " us under voluntary\n" << all;
  const auto dir = std::filesystem::temp_directory_path() / ("ctb-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_EQ(run("cyclictest -p 90 -i 1000 -l 300 -q -b " + std::to_string(limit) + " --load " + load + " --model voluntary --break-trace " +
                    (dir / "bt.txt").string(),
                &broken),
            0)
      << broken;
  std::cout << "first sample over " << limit << " us: " << first << " us at cycle " << cycle << "\n" << broken;
  EXPECT_NE(broken.find(fmt::format("C:{:7} ", cycle + 1)), std::string::npos) << "cycles = the break's cycle + 1\n" << broken;
  EXPECT_NE(broken.find(fmt::format("Act:{:5} ", first)), std::string::npos) << broken;
  EXPECT_NE(broken.find(fmt::format("# Break value: {}\n", first)), std::string::npos) << broken;
  EXPECT_NE(broken.find("# Break thread: 1002\n"), std::string::npos) << "the load has two tasks\n" << broken;
  // The parts: "#   <time>  <what>" lines; their sum is the latency.
  std::istringstream bin(broken);
  double sum_us = 0;
  int parts = 0;
  for (std::string line; std::getline(bin, line);) {
    double v;
    char unit[8];
    if (line.rfind("#   ", 0) == 0 && std::sscanf(line.c_str(), "# %lf %7s", &v, unit) == 2) {
      sum_us += std::string(unit) == "us" ? v : std::string(unit) == "ms" ? v * 1000 : std::string(unit) == "ns" ? v / 1000 : v * 1e6;
      ++parts;
    }
  }
  EXPECT_GT(parts, 1) << broken;
  EXPECT_EQ(std::llround(sum_us * 1000) / 1000, first) << "the parts add up to the break's latency (truncated to us)";
  EXPECT_NE(broken.find("# Why: "), std::string::npos) << broken;
  std::ifstream tf(dir / "bt.txt");
  std::stringstream trace;
  trace << tf.rdbuf();
  EXPECT_NE(trace.str().find("# tracer: nop"), std::string::npos);
  EXPECT_NE(trace.str().find("next_comm=cyclictest-0"), std::string::npos) << trace.str();
  std::filesystem::remove_all(dir);
}

// -r: each period starts when the thread reads the clock after its wakeup,
// so under a load with latencies the run holds fewer cycles than with
// absolute sleeps, and cycles x interval + the sum of the latencies fits in
// the run (-D 1: 1 s).
TEST(CyclictestScenario, RelativeSleepsDriftByTheLatency) {
  CyclictestOptions o;
  o.priority = 90;
  o.interval_us = 1000;
  o.duration = Time::ns(1'000'000'000);
  o.verbose = true;
  const Scenario abs_sc = make_cyclictest_scenario(o, load_example("cyclictest-kernel-hog.yaml"));
  CyclictestOptions r = o;
  r.relative = true;
  const Scenario rel_sc = make_cyclictest_scenario(r, load_example("cyclictest-kernel-hog.yaml"));
  CyclictestObserver a(abs_sc, o), b(rel_sc, r);
  simulate_model(abs_sc, *find_preempt_model("none"), [&](Kernel& k, const PreemptModel&) { k.add_observer(&a); });
  simulate_model(rel_sc, *find_preempt_model("none"), [&](Kernel& k, const PreemptModel&) { k.add_observer(&b); });
  const auto& th = b.threads()[0];
  std::int64_t lat = 0;
  for (std::int64_t v : th.values) lat += v;
  std::cout << "absolute: " << a.threads()[0].cycles << " cycles; relative: " << th.cycles << " cycles, latencies " << lat << " us\n";
  EXPECT_LT(th.cycles, a.threads()[0].cycles);
  EXPECT_LE(static_cast<std::int64_t>(th.cycles) * 1000 + lat, 1'000'000);
}

// -A USEC: thread N's grid starts N x USEC after the common start.
TEST(CyclictestOptions, AlignedShiftsEachThreadsGrid) {
  CyclictestOptions o;
  o.threads = 3;
  o.loops = 5;
  o.aligned_us = 250;
  const Scenario sc = make_cyclictest_scenario(o, std::nullopt);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sc.tasks[static_cast<std::size_t>(i)].program[0].body[0].phase, Time::ns(250'000 * i));
}
}  // namespace
}  // namespace preemptsim::testing
