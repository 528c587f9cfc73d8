// Models on a thread pool: the same bytes whatever -j, errors of the
// lowest-numbered job, every job run once.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "report/json_report.h"
#include "report/table.h"
#include "scenario_util.h"
#include "sim/parallel.h"
#include "sim/simulation.h"

namespace preemptsim {
namespace {

std::string outputs(const RunResult& r) {
  std::ostringstream table;
  write_table(table, r);
  return table.str() + to_json_text(r);
}

// Every model, with explanations (recorded in each model's own run, in its
// job too), on a workload with IRQs and a random (Poisson) arrival.
TEST(Parallel, OneAndTwoJobsGiveTheSameBytes) {
  Scenario sc = testing::load_example("irq-net-rx-storm.yaml");
  sc.system.models = {"none", "voluntary", "full", "lazy", "rt", "basic_rt"};
  sc.system.duration = Time::ns(200'000'000);
  SimulateOptions o;
  o.jobs = 1;
  const std::string one = outputs(simulate(sc, o));
  o.jobs = 2;
  const std::string two = outputs(simulate(sc, o));
  o.jobs = 0;  // every core
  const std::string all = outputs(simulate(sc, o));
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, all);
  EXPECT_NE(one.find("worst wakeups, model basic_rt"), std::string::npos) << "explanations are part of the output compared";
}

TEST(Parallel, HookGetsEachModelsSlotOnce) {
  Scenario sc = testing::load_example("irq-net-rx-storm.yaml");
  sc.system.models = {"none", "full", "rt", "full"};
  SimulateOptions o;
  o.jobs = 2;
  o.explain = false;
  std::vector<std::string> seen(sc.system.models.size());
  o.hook = [&](Kernel&, const PreemptModel& m, std::size_t i) { seen[i] = std::string(m.name); };
  const RunResult r = simulate(sc, o);
  EXPECT_EQ(seen, sc.system.models);
  ASSERT_EQ(r.results.size(), 4u);
  EXPECT_EQ(r.results[3].model, "full");
}

TEST(Parallel, EveryJobRunsAndTheFirstErrorWins) {
  for (unsigned jobs : {1U, 2U, 4U}) {
    std::vector<std::atomic<int>> ran(8);
    try {
      run_jobs(8, jobs, [&](std::size_t i) {
        ++ran[i];
        if (i == 5 || i == 2) throw std::runtime_error("job " + std::to_string(i));
      });
      ADD_FAILURE() << "no error rethrown";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "job 2") << "-j" << jobs << ": the lowest-numbered failure, as -j1 reports it";
    }
    for (std::size_t i = 0; i < ran.size(); ++i) EXPECT_EQ(ran[i], 1) << "job " << i << " with -j" << jobs;
  }
}

}  // namespace
}  // namespace preemptsim
