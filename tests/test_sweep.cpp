// Sweeps: the grid expands by path, seeds merge through the histogram's
// merge, a stopped sweep resumes, and -j does not change the summary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "scenario_util.h"
#include "sim/simulation.h"
#include "sweep/sweep.h"
#include "workload/parse_yaml.h"

namespace preemptsim {
namespace {

namespace fs = std::filesystem;

class Sweep : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("preemptsim-sweep-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  SweepSpec spec(const std::string& grid, int seeds = 3) {
    fs::copy_file(testing::source_path("examples/irq-net-rx-storm.yaml"), dir_ / "storm.yaml", fs::copy_options::overwrite_existing);
    return load_sweep_spec(write("s.yaml", fmt::format("workload: storm.yaml\nmodels: [none, rt]\nseeds: {}\nduration: 50ms\ntask: cyclic\n"
                                                         "grid:\n{}\noutput: out\n",
                                                         seeds, grid))
                               .string());
  }
  fs::path dir_;
};

// Each cell is the merge of the seeds' own runs: its count is their sum
// and its max their max, checked against direct simulate() calls.
TEST_F(Sweep, CellsAreTheMergeOfTheSeedRuns) {
  const SweepSpec s = spec("  irqs.eth0.arrival.poisson.rate: [1000, 8000]");
  const SweepResult r = run_sweep(s, 2);
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[1].label, "irqs.eth0.arrival.poisson.rate=8000");
  EXPECT_EQ(r.runs_done, 6u) << "2 rates x 3 seeds";
  for (std::size_t pi = 0; pi < 2; ++pi) {
    Scenario sc = load_workload((dir_ / "storm.yaml").string());
    sc.irqs[0].arrival.rate = pi == 0 ? 1000.0 : 8000.0;
    sc.system.models = {"none", "rt"};
    sc.system.duration = Time::ns(50'000'000);
    for (std::size_t m = 0; m < 2; ++m) {
      std::uint64_t count = 0;
      Time worst;
      for (std::uint64_t seed : s.seeds) {
        sc.system.seed = seed;
        const ModelResult one = testing::run_model(sc, sc.system.models[m]);
        const TaskResult& cyc = testing::task(one, "cyclic");
        count += cyc.wakeup_latency.count();
        worst = std::max(worst, cyc.wakeup_latency.max());
      }
      const SweepCell& c = r.cells[pi][m];
      EXPECT_EQ(c.model, sc.system.models[m]);
      EXPECT_EQ(c.latency.count(), count) << "merged count = sum over 3 seeds";
      EXPECT_EQ(c.latency.max(), worst) << "merged max = max over 3 seeds";
      EXPECT_EQ(c.seed_worst.size(), 3u);
    }
  }
  // more interrupts, longer worst case under none (hard IRQ + NET_RX in the way)
  EXPECT_GT(r.cells[1][0].latency.max(), r.cells[0][0].latency.max());
}

TEST_F(Sweep, StoppedSweepResumesAndJobsDoNotMatter) {
  const SweepSpec s = spec("  irqs.eth0.arrival.poisson.rate: [2000, 4000]\n  tasks.cyclic.priority: [50, 90]", 2);
  const SweepResult first = run_sweep(s, 1);
  EXPECT_EQ(first.points.size(), 4u) << "2 x 2 grid";
  EXPECT_EQ(first.runs_done, 8u);
  const std::string csv = sweep_csv(s, first), json = sweep_json(s, first);
  // every run stored: nothing to do again
  const SweepResult again = run_sweep(s, 2);
  EXPECT_EQ(again.runs_done, 0u);
  EXPECT_EQ(again.runs_reused, 8u);
  EXPECT_EQ(sweep_csv(s, again), csv);
  // a sweep stopped before two runs ended (their files absent or cut short)
  fs::remove(dir_ / "out/runs/p1-s2.json");
  std::ofstream(dir_ / "out/runs/p3-s1.json") << "{\"key\": \"0";
  const SweepResult resumed = run_sweep(s, 2);
  EXPECT_EQ(resumed.runs_done, 2u);
  EXPECT_EQ(resumed.runs_reused, 6u);
  EXPECT_EQ(sweep_csv(s, resumed), csv);
  EXPECT_EQ(sweep_json(s, resumed), json);
  // a changed spec value changes the runs' key: nothing stale is reused
  SweepSpec longer = s;
  longer.duration = "60ms";
  EXPECT_EQ(run_sweep(longer, 2).runs_done, 8u);
}

TEST_F(Sweep, BadPathsAndValuesPointAtTheSpec) {
  try {
    run_sweep(spec("  irqs.eth9.arrival.poisson.rate: [1]"), 1);
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().line, 7) << e.what();
    EXPECT_NE(std::string(e.what()).find("the workload has no 'irqs.eth9'"), std::string::npos) << e.what();
  }
  try {
    run_sweep(spec("  tasks.cyclic.priority: [500]"), 1);
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_NE(std::string(e.what()).find("grid point tasks.cyclic.priority=500"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_sweep_spec(write("bad.yaml", "workload: x.yaml\ngrid: {a: [1]}\nfrobnicate: 1\n").string()), WorkloadError);
  try {  // seeds go through the one seed parser the command line uses
    load_sweep_spec(write("seeds.yaml", "workload: storm.yaml\nseeds: [1, -3]\ngrid: {a: [1]}\n").string());
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().line, 2) << e.what();
    EXPECT_NE(std::string(e.what()).find("seed: '-3' is not a non-negative integer"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace preemptsim
