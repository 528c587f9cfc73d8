// Throughput means work done: a CPU-bound probe beside an interrupt load
// loses exactly the CPU time the interrupts, softirqs, IRQ threads and
// switches took; a sleep-bound task does the same work under every model.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "report/table.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

TEST(Throughput, CpuBoundProbeLosesExactlyTheInterruptAndSwitchTime) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, duration: 500ms, models: [none, voluntary, full, lazy, basic_rt, rt]}
irqs:
  nic: {arrival: {poisson: {rate: 5000}}, handler: 10us, softirqs: {NET_RX: 20us}}
tasks:
  probe:
    program:
      - loop: {until: 1s, steps: [{run: 100us}]}
)",
                                    "probe.yaml");
  const Time step = Time::ns(100'000);
  for (const std::string& model : sc.system.models) {
    const ModelResult r = run_model(sc, model);
    const CpuResult& c = r.cpus[0];
    const TaskResult& probe = task(r, "probe");
    // The probe never sleeps: everything the CPU did that was not the probe
    // is interrupt, softirq, IRQ thread, switch or kernel-thread time.
    const Time taken = c.hardirq + c.softirq + c.irqthread + c.sched + c.kernel + c.idle;
    const Time expected = sc.system.duration - taken;
    std::cout << model << ": "
              << explain("probe CPU time", "500ms - (hardirq " + format_time(c.hardirq) + " + softirq " + format_time(c.softirq) + " + irq threads " +
                                               format_time(c.irqthread) + " + switches " + format_time(c.sched) + " + kthreads " +
                                               format_time(c.kernel) + " + idle " + format_time(c.idle) + ")",
                         expected, probe.cpu_time)
              << "; work done " << format_time(probe.work) << "\n";
    EXPECT_EQ(probe.cpu_time, expected) << model;
    EXPECT_EQ(c.user, probe.cpu_time) << model << ": the probe is all the user time";
    EXPECT_EQ(c.idle, Time()) << model << ": a CPU-bound probe leaves no idle time";
    // work done counts completed steps only: at most one step short of the CPU time
    EXPECT_LE(probe.work, probe.cpu_time) << model;
    EXPECT_GT(probe.work + step, probe.cpu_time) << model;
    EXPECT_EQ(probe.work, step * static_cast<std::int64_t>(probe.loops)) << model << ": one 100 us step per iteration";
  }
}

// A sleep-bound periodic task does the same work under every model, however
// its latency changes; the summary's work row says so (+0.00%).
TEST(Throughput, SleepBoundTaskDoesNotGainFromLowerLatency) {
  const RunResult run = simulate(load_example("irq-net-rx-storm.yaml"), {}, false);
  const Time work0 = run.results.front().tasks.front().work;
  for (const ModelResult& m : run.results) EXPECT_EQ(m.tasks.front().work, work0) << m.model;
  std::ostringstream out;
  write_table(out, run);
  const std::string table = out.str();
  const auto at = table.find("work done");
  ASSERT_NE(at, std::string::npos) << table;
  const std::string line = table.substr(at, table.find('\n', at) - at);
  std::cout << line << "\n";
  std::size_t n = 0;
  for (std::size_t p = line.find("(+0.00%)"); p != std::string::npos; p = line.find("(+0.00%)", p + 1)) ++n;
  EXPECT_EQ(n, run.results.size()) << line;
}

}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// Which tasks are throughput tasks, and their rates: `throughput: true` on a
// sleeper, a batch task by default (unless `throughput: false`), a task that
// never blocks by default; a periodic task is not one.
TEST(Throughput, ThroughputTasksReportTheirRates) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 2, duration: 200ms, models: [none, rt]}
irqs:
  nic: {cpu: 0, arrival: {periodic: {period: 100us}}, handler: 5us, softirqs: {NET_RX: 20us}}
tasks:
  probe:
    cpus: [0]
    program:
      - loop: {until: end, steps: [{run: 100us}]}
  sleeper:
    cpus: [1]
    throughput: true
    program:
      - loop: {until: end, steps: [{run: 300us}, {sleep: 700us}]}
  batcher:
    policy: batch
    cpus: [1]
    throughput: false
    program:
      - loop: {until: end, steps: [{run: 1ms}, {sleep: 1ms}]}
  periodic:
    policy: fifo
    priority: 50
    cpus: [1]
    program:
      - loop: {until: end, steps: [{periodic: {period: 10ms}}, {run: 10us}]}
)",
                                    "rates.yaml");
  const RunResult run = simulate(sc);
  for (const ModelResult& r : run.results) {
    EXPECT_TRUE(task(r, "probe").throughput) << r.model << ": never blocks";
    EXPECT_TRUE(task(r, "sleeper").throughput) << r.model << ": marked";
    EXPECT_FALSE(task(r, "batcher").throughput) << r.model << ": batch, but marked false";
    EXPECT_FALSE(task(r, "periodic").throughput) << r.model << ": sleeps, unmarked";
  }
  std::ostringstream out;
  write_table(out, run);
  const std::string text = out.str();
  // probe: its work over the run, as a share of one CPU; the interrupts take
  // the rest of CPU 0 (5 us + 20 us every 100 us, and the entry/exit costs)
  const TaskResult& probe = task(run.results[0], "probe");
  const double share = 100.0 * static_cast<double>(probe.work.count()) / static_cast<double>(sc.system.duration.count());
  const double loops = static_cast<double>(probe.loops) / 0.2;
  std::cout << "probe: work " << format_time(probe.work) << " / 200 ms = " << share << "% of a CPU; " << probe.loops << " loops / 0.2 s = " << loops
            << "/s (interrupts take at least 25% of CPU 0)\n";
  EXPECT_LT(share, 75.0);
  EXPECT_GT(share, 60.0);
  const std::string probe_section = text.substr(text.find("task probe"));
  EXPECT_NE(probe_section.find(fmt::format("{:.2f}% of a CPU", share)), std::string::npos) << probe_section;
  EXPECT_NE(probe_section.find(fmt::format("{:.1f}/s", loops)), std::string::npos) << probe_section;
  // the summary sums the two throughput tasks' work
  const Time rate_work = probe.work + task(run.results[0], "sleeper").work;
  EXPECT_NE(text.find("throughput tasks      " + format_time_short(rate_work) + " in 2 (+0.00%)"), std::string::npos) << text.substr(0, 1200);
  // a task section without a throughput task has no rate rows
  const std::string periodic_section = text.substr(text.find("task periodic"), 600);
  EXPECT_EQ(periodic_section.find("work rate"), std::string::npos) << periodic_section;
}

}  // namespace
}  // namespace preemptsim::testing
