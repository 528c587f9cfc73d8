// preemptsim import: the text reader, real Debian kernel traces (trace.dat
// and text) imported and self-checked, the round trip through --trace, and
// bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "import/import.h"
#include "import/read_dat.h"
#include "import/read_text.h"
#include "import/self_check.h"
#include "kernel/kernel.h"
#include "sim/simulation.h"
#include "trace/ftrace_format.h"
#include "workload/parse_yaml.h"

namespace fs = std::filesystem;
using namespace preemptsim;

namespace {

const std::string kData = std::string(PREEMPTSIM_SOURCE_DIR) + "/tests/data/";

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("preemptsim-import-" + std::to_string(::getpid()) + "-" + name);
  fs::create_directories(d);
  return d;
}

const TaskSpec* find_task(const Scenario& sc, const std::string& name) {
  for (const TaskSpec& t : sc.tasks)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace

TEST(ImportText, ParsesTheKernelsLineFormats) {
  TraceEvent e;
  // tracefs `trace` (latency flags column)
  ASSERT_TRUE(parse_trace_line("          <idle>-0       [001] d.h1.     8.188249: local_timer_entry: vector=236", e));
  EXPECT_EQ(e.comm, "<idle>");
  EXPECT_EQ(e.pid, 0);
  EXPECT_EQ(e.cpu, 1);
  EXPECT_EQ(e.t, Time::ns(8'188'249'000));
  EXPECT_EQ(e.name, "local_timer_entry");
  EXPECT_EQ(e.fields, "vector=236");
  // a comm with a dash and blanks, and the TGID column
  ASSERT_TRUE(parse_trace_line("  kworker/u8:0-x-12    (     12) [000] ..... 1.000000123: sched_waking: comm=a pid=5 prio=19 target_cpu=000", e));
  EXPECT_EQ(e.comm, "kworker/u8:0-x");
  EXPECT_EQ(e.pid, 12);
  EXPECT_EQ(e.t, Time::ns(1'000'000'123));
  // `trace-cmd report` (no flags column)
  ASSERT_TRUE(parse_trace_line("        workload-144   [001]     4.534428: sys_exit:             NR 1 = 1", e));
  EXPECT_EQ(e.name, "sys_exit");
  EXPECT_EQ(e.fields, "NR 1 = 1");
  EXPECT_FALSE(parse_trace_line("# tracer: nop", e));
  EXPECT_FALSE(parse_trace_line("cpus=2", e));
  EXPECT_EQ(trace_field("prev_comm=a b prev_pid=3 prev_state=R+ ==> next_comm=x next_pid=4", "next_comm").value_or(""), "x");
  EXPECT_EQ(trace_field_int("prev_pid=3 next_pid=4", "pid"), std::nullopt);  // "pid" is not "prev_pid"
  EXPECT_EQ(trace_field_int("comm=x pid=42", "pid"), 42);
}

// The four recordings in tests/data (tests/data/record.sh): Debian's 6.12
// generic (PREEMPT_DYNAMIC, booted voluntary) and PREEMPT_RT kernels under
// QEMU, cyclictest -p 80 -i 1000 -l 400 beside `load` reading /dev/zero.
class RealTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(RealTrace, ImportsIntoAWorkloadThatPassesItsSelfCheck) {
  const std::string path = kData + GetParam();
  ImportOptions o;
  const ImportResult r = import_trace(path, o);
  const bool rt = GetParam().find("-rt-") != std::string::npos;
  EXPECT_EQ(r.model, rt ? "rt" : "voluntary") << r.model_reason;
  EXPECT_EQ(r.format.rfind("trace.dat", 0) == 0, GetParam().find(".dat") != std::string::npos);
  const Scenario sc = parse_workload(r.workload.yaml, "imported.yaml");
  EXPECT_EQ(sc.system.cpus, 1);
  EXPECT_EQ(sc.system.hz, 250);  // Debian's CONFIG_HZ, measured from the tick's hrtimer expiries
  // cyclictest's measuring thread: SCHED_FIFO 80, a 1 ms periodic loop (cyclictest -p 80 -i 1000).
  const TaskSpec* meas = nullptr;
  for (const TaskSpec& t : sc.tasks)
    if (t.name.rfind("cyclictest-", 0) == 0) meas = &t;
  ASSERT_NE(meas, nullptr) << r.workload.yaml;
  EXPECT_EQ(meas->policy, Policy::Fifo);
  EXPECT_EQ(meas->priority, 80);
  ASSERT_FALSE(meas->program.empty());
  const Step& loop = meas->program.back();
  ASSERT_EQ(loop.kind, StepKind::Loop);
  ASSERT_EQ(loop.body.front().kind, StepKind::Periodic);
  // the median interval between sched_waking events: 1 ms to within the clock's jitter
  EXPECT_NEAR(static_cast<double>(loop.body.front().period.count()), 1e6, 100.0);
  // load: SCHED_OTHER, CPU-bound, a read() whose kernel path has preemption points (it was preempted inside it).
  const TaskSpec* load = find_task(sc, "load");
  ASSERT_NE(load, nullptr);
  EXPECT_EQ(load->policy, Policy::Other);
  EXPECT_NE(r.workload.yaml.find("- syscall: read"), std::string::npos);
  EXPECT_NE(r.workload.yaml.find("cond_resched]"), std::string::npos);
  // Warnings: these kernels lack CONFIG_PREEMPTIRQ_TRACEPOINTS.
  bool warned = false;
  for (const std::string& w : r.warnings) warned |= w.find("preemptirq:preempt_disable") != std::string::npos;
  EXPECT_TRUE(warned);
  // The self-check under the recorded model agrees within the stated tolerance.
  const SelfCheck c = self_check(sc, r.model, r.profile, r.workload.task_names);
  std::cout << format_self_check(c);
  EXPECT_EQ(c.failures, 0) << format_self_check(c);
  int latency_rows = 0;
  for (const CheckRow& row : c.rows) latency_rows += row.what.find("latency p50") != std::string::npos;
  EXPECT_GE(latency_rows, 1);
}

INSTANTIATE_TEST_SUITE_P(Debian612, RealTrace,
                         ::testing::Values("6.12.117+deb12-amd64.trace.dat.gz", "6.12.117+deb12-amd64.trace.txt.gz",
                                           "6.12.117+deb12-rt-amd64.trace.dat.gz", "6.12.117+deb12-rt-amd64.trace.txt.gz"),
                         [](const auto& info) {
                           std::string n = info.param.substr(16);
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ImportDat, ReadsTheSameEventsAsTraceCmdReport) {
  // trace-cmd report of this file lists 24306 events (counted once with
  // `trace-cmd report -i FILE | wc -l`, minus its "cpus=1" header line); the
  // reader must see every one, in time order.
  std::size_t n = 0;
  Time last;
  bool ordered = true;
  read_trace_dat(kData + "6.12.117+deb12-amd64.trace.dat.gz", [&](const TraceEvent& e) {
    ordered &= e.t >= last;
    last = e.t;
    ++n;
  });
  EXPECT_EQ(n, 24306u);
  EXPECT_TRUE(ordered);
}

// Round trip: a workload run with --trace (the simulator's ftrace text),
// imported, and run again: the periodic task's wakeup latency distribution
// (timer expiry -> switch-in, the table's "latency" rows) comes back. Model
// full: the simulator's trace has no sys_enter/sys_exit, so the hog's kernel
// time comes back as user time, which only the preemptible models treat the
// same way (docs/import.md). What varies the latency here is the interrupt
// line (Poisson arrivals, handler and NET_RX histograms), which the import
// fits from irq_handler_entry/exit and softirq_entry/exit.
TEST(ImportRoundTrip, TraceImportRunGivesTheSameLatencyDistribution) {
  const std::string original = R"(
system: {cpus: 1, hz: 250, duration: 4s, models: [full], seed: 3}
tasks:
  rt: {policy: fifo, priority: 80, program: [{loop: {until: 4s, steps: [{periodic: {period: 1ms}}, {run: {uniform: [5us, 25us]}}]}}]}
  hog: {program: [{loop: {until: 4s, steps: [{run: 10us}, {syscall: read, kernel: [{busy: {uniform: [20us, 80us]}}]}]}}]}
irqs:
  eth0: {cpu: 0, arrival: {poisson: {rate: 5000}}, handler: {uniform: [2us, 8us]}, softirqs: {NET_RX: {uniform: [5us, 15us]}}}
)";
  const fs::path dir = temp_dir("roundtrip");
  const Scenario sc = parse_workload(original, "original.yaml");
  std::unique_ptr<FtraceWriter> w;
  const RunResult first = simulate(sc, [&](Kernel& k, const PreemptModel&) {
    w = std::make_unique<FtraceWriter>(k);
    k.add_observer(w.get());
  }, false);
  const fs::path trace = dir / "trace.txt";
  std::ofstream(trace) << w->text();
  ImportOptions o;
  o.model = "full";
  const ImportResult r = import_trace(trace.string(), o);
  const Scenario again = parse_workload(r.workload.yaml, (dir / "imported.yaml").string());
  const RunResult second = simulate(again, {}, false);
  const LatencyHistogram& a = first.results.at(0).tasks.at(0).wakeup_latency;
  const TaskResult* rt = nullptr;
  for (const TaskResult& t : second.results.at(0).tasks)
    if (t.name == "rt") rt = &t;
  ASSERT_NE(rt, nullptr) << r.workload.yaml;
  const LatencyHistogram& b = rt->wakeup_latency;
  // 4000 wakeups each. Tolerance: within 1 us or 15% of the original's value,
  // whichever is larger: the text trace has microsecond timestamps, and the
  // imported line draws its own Poisson arrivals, so the tail moves by a
  // sample or two.
  EXPECT_NEAR(static_cast<double>(a.count()), static_cast<double>(b.count()), 4.0);
  for (double q : {0.1, 0.5, 0.9, 0.99}) {
    const Time x = a.percentile(q), y = b.percentile(q);
    const double tol = std::max(1000.0, 0.15 * static_cast<double>(x.count()));
    std::cout << "round trip p" << q * 100 << ": original " << x.count() << " ns, imported " << y.count() << " ns (tolerance " << tol << " ns)\n";
    EXPECT_NEAR(static_cast<double>(x.count()), static_cast<double>(y.count()), tol) << "p" << q;
  }
  fs::remove_all(dir);
}

TEST(ImportErrors, NotATraceIsAnErrorAtItsLine) {
  const fs::path dir = temp_dir("errors");
  const fs::path bad = dir / "bad.txt";
  std::ofstream(bad) << "# tracer: nop\n#\n          <idle>-0       [000] d.h1.     8.188249: local_timer_entry: vector=236\nhello world\n";
  try {
    import_trace(bad.string(), ImportOptions{});
    FAIL() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(bad.string() + ":4:1: not a trace line", 0), 0u) << e.what();
  }
  // Events but no sched_switch: nothing to import, said plainly.
  const fs::path nosched = dir / "nosched.txt";
  std::ofstream(nosched) << "          <idle>-0       [000] d.h1.     8.188249: local_timer_entry: vector=236\n";
  EXPECT_THROW(import_trace(nosched.string(), ImportOptions{}), WorkloadError);
  // A truncated trace.dat (its first 4 KiB): libtracecmd refuses it, exit 2 from the command.
  {
    std::ifstream in(kData + "6.12.117+deb12-amd64.trace.dat.gz", std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(dir / "cut.dat.gz", std::ios::binary) << head;
  }
  const std::string cmd = std::string(PREEMPTSIM_BINARY) + " import " + (dir / "cut.dat.gz").string() + " -o " + (dir / "w.yaml").string() +
                          " >/dev/null 2>" + (dir / "err").string();
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_FALSE(fs::exists(dir / "w.yaml"));
  fs::remove_all(dir);
}
