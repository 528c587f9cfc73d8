// Tests for the report layer: text table layout, JSON shape, atomic output files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "report/json_report.h"
#include "report/output_file.h"
#include "report/table.h"
#include "stats/results.h"

namespace preemptsim {
namespace {

using namespace preemptsim::literals;

TaskResult make_task(std::string name, std::string sched, std::vector<Time> lat) {
  TaskResult t;
  t.name = std::move(name);
  t.sched = std::move(sched);
  for (Time x : lat) t.wakeup_latency.record(x);
  return t;
}

CpuResult make_cpu(int cpu, Time user, Time kernel, Time hardirq, Time sched, Time idle,
                   std::uint64_t irqs, std::uint64_t switches) {
  CpuResult c;
  c.cpu = cpu;
  c.user = user;
  c.kernel = kernel;
  c.hardirq = hardirq;
  c.sched = sched;
  c.idle = idle;
  c.irqs = irqs;
  c.switches = switches;
  return c;
}

// Two models; "hi" has wakeups and marks, "lo" has none and never exits.
RunResult sample() {
  RunResult r;
  r.workload = "examples/seed-002.yaml";
  r.seed = 1;
  r.duration = 10_s;
  r.cpus = 1;
  r.hz = 250;

  ModelResult none;
  none.model = "none";
  TaskResult hi = make_task("hi", "SCHED_FIFO 50", {3002_ms, 4_us, 5_us});
  for (Time t : {1_s, 2_s, 5004_ms}) hi.marks["done"].record(t);
  hi.exit = 6_s;
  hi.cpu_time = 1500_us;
  hi.nvcsw = 3;
  hi.nivcsw = 0;
  none.tasks.push_back(hi);
  TaskResult lo = make_task("lo", "SCHED_OTHER nice 0", {});
  lo.cpu_time = 9_s;
  lo.nvcsw = 0;
  lo.nivcsw = 2;
  none.tasks.push_back(lo);
  none.cpus.push_back(make_cpu(0, 7500_ms, 2_s, 250_ms, 200_ms, 50_ms, 2500, 7));
  none.events = 12345;

  ModelResult full;
  full.model = "full";
  TaskResult hi2 = make_task("hi", "SCHED_FIFO 50", {812_ns, 812_ns});
  hi2.marks["begin"].record(Time::ns(1));
  hi2.cpu_time = 1_ms;
  hi2.nvcsw = 1;
  hi2.nivcsw = 4;
  full.tasks.push_back(hi2);
  TaskResult lo2 = make_task("lo", "SCHED_OTHER nice 0", {});
  lo2.nivcsw = 11;
  full.tasks.push_back(lo2);
  full.cpus.push_back(make_cpu(0, 7_s, 2_s, 500_ms, 400_ms, 100_ms, 2600, 20));
  full.bugs.push_back({3_s + 4_ns, "BUG: sleeping function called from invalid context\nin_atomic(): 1\n"});
  full.events = 999;

  r.results = {none, full};
  return r;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string table_text(const RunResult& r) {
  std::ostringstream os;
  write_table(os, r);
  return os.str();
}

// Column start of each model in the header row that follows `title`.
std::vector<std::size_t> columns(const std::vector<std::string>& lines, std::size_t title_idx,
                                 const std::vector<std::string>& models) {
  const std::string& hdr = lines.at(title_idx + 1);
  std::vector<std::size_t> cols;
  std::size_t from = 0;
  for (const std::string& m : models) {
    const std::size_t p = hdr.find(m, from);
    EXPECT_NE(p, std::string::npos) << hdr;
    cols.push_back(p);
    from = p + m.size();
  }
  return cols;
}

std::size_t find_line(const std::vector<std::string>& lines, const std::string& prefix,
                      std::size_t from = 0) {
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i].rfind(prefix, 0) == 0) return i;
  ADD_FAILURE() << "no line starting with '" << prefix << "'";
  return lines.size();
}

// The cell of `row` starting at column `col`: up to the next double space.
std::string cell_at(const std::string& row, std::size_t col) {
  if (col >= row.size()) return {};
  EXPECT_EQ(row[col - 1], ' ') << "cell not at a column boundary in: " << row;
  EXPECT_NE(row[col], ' ') << "cell does not start at its column in: " << row;
  const std::size_t end = row.find("  ", col);
  return row.substr(col, end == std::string::npos ? std::string::npos : end - col);
}

TEST(FormatTimeShort, Units) {
  EXPECT_EQ(format_time_short(Time::ns(0)), "0 ns");
  EXPECT_EQ(format_time_short(Time::ns(812)), "812 ns");
  EXPECT_EQ(format_time_short(Time::ns(999)), "999 ns");
  EXPECT_EQ(format_time_short(4_us), "4.000 us");
  EXPECT_EQ(format_time_short(Time::ns(1500)), "1.500 us");
  EXPECT_EQ(format_time_short(Time::ns(999999)), "999.999 us");
  EXPECT_EQ(format_time_short(Time::ns(1234567)), "1.235 ms");   // rounded half up
  EXPECT_EQ(format_time_short(Time::ns(1234499)), "1.234 ms");
  EXPECT_EQ(format_time_short(Time::ns(999999500)), "1.000 s");  // promoted, not "1000.000 ms"
  EXPECT_EQ(format_time_short(3002_ms), "3.002 s");
  EXPECT_EQ(format_time_short(10_s), "10.000 s");
  EXPECT_EQ(format_time_short(3600_s), "3600.000 s");
  EXPECT_EQ(format_time_short(Time::ns(-4000)), "-4.000 us");
  EXPECT_EQ(format_time_short(Time::ns(std::numeric_limits<std::int64_t>::min())),
            "-9223372036.855 s");
}

TEST(Table, HeaderLine) {
  const auto lines = lines_of(table_text(sample()));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "preemptsim: examples/seed-002.yaml  seed 1  simulated 10.000 s  1 CPU  HZ 250");
  RunResult r = sample();
  r.cpus = 4;
  EXPECT_NE(table_text(r).find("  4 CPUs  HZ 250"), std::string::npos);
}

TEST(Table, TaskRowsAligned) {
  const std::string text = table_text(sample());
  const auto lines = lines_of(text);
  const std::size_t t = find_line(lines, "task hi");
  ASSERT_LT(t, lines.size());
  EXPECT_EQ(lines[t], "task hi  SCHED_FIFO 50");
  const auto cols = columns(lines, t, {"none", "full"});
  ASSERT_EQ(cols.size(), 2u);

  auto cells = [&](const std::string& label) {
    const std::size_t i = find_line(lines, "  " + label, t);
    std::vector<std::string> c;
    if (i < lines.size())
      for (std::size_t col : cols) c.push_back(cell_at(lines[i], col));
    return c;
  };
  EXPECT_EQ(cells("wakeups"), (std::vector<std::string>{"3", "2"}));
  EXPECT_EQ(cells("latency min"), (std::vector<std::string>{"4.000 us", "812 ns"}));
  EXPECT_EQ(cells("latency max"), (std::vector<std::string>{"3.002 s", "812 ns"}));
  EXPECT_EQ(cells("latency avg"), (std::vector<std::string>{"1.001 s", "812 ns"}));
  // 5 us lies in the bucket [4992, 5023] ns: the percentile is its upper edge
  EXPECT_EQ(cells("latency p50"), (std::vector<std::string>{"5.023 us", "812 ns"}));
  EXPECT_EQ(cells("latency p99"), (std::vector<std::string>{"3.002 s", "812 ns"}));
  EXPECT_EQ(cells("latency p99.9"), (std::vector<std::string>{"3.002 s", "812 ns"}));
  EXPECT_EQ(cells("exit"), (std::vector<std::string>{"6.000 s", "-"}));
  EXPECT_EQ(cells("cpu time"), (std::vector<std::string>{"1.500 ms", "1.000 ms"}));
  EXPECT_EQ(cells("switches vol/invol"), (std::vector<std::string>{"3/0", "1/4"}));
  // mark rows: the union of names, sorted; '-' where a model has none
  EXPECT_EQ(cells("mark begin"), (std::vector<std::string>{"-", "n=1 last 1 ns"}));
  EXPECT_EQ(cells("mark done"), (std::vector<std::string>{"n=3 last 5.004 s", "-"}));
  EXPECT_LT(find_line(lines, "  mark begin", t), find_line(lines, "  mark done", t));

  // No line ends in whitespace.
  for (const std::string& l : lines) {
    if (!l.empty()) {
      EXPECT_NE(l.back(), ' ') << l;
    }
  }
}

TEST(Table, NoWakeupsPrintsDash) {
  const auto lines = lines_of(table_text(sample()));
  const std::size_t t = find_line(lines, "task lo");
  ASSERT_LT(t, lines.size());
  EXPECT_EQ(lines[t], "task lo  SCHED_OTHER nice 0");
  const auto cols = columns(lines, t, {"none", "full"});
  for (const char* label : {"latency min", "latency avg", "latency p50", "latency p99",
                            "latency p99.9", "latency max"}) {
    const std::size_t i = find_line(lines, std::string("  ") + label, t);
    ASSERT_LT(i, lines.size());
    EXPECT_EQ(cell_at(lines[i], cols[0]), "-") << label;
    EXPECT_EQ(cell_at(lines[i], cols[1]), "-") << label;
  }
  const std::size_t w = find_line(lines, "  wakeups", t);
  EXPECT_EQ(cell_at(lines[w], cols[0]), "0");
  const std::size_t s = find_line(lines, "  switches vol/invol", t);
  EXPECT_EQ(cell_at(lines[s], cols[1]), "0/11");
  // lo has no marks: no mark rows before the next section
  const std::size_t next = find_line(lines, "cpu 0", t);
  for (std::size_t i = t; i < next; ++i) EXPECT_EQ(lines[i].find("  mark "), std::string::npos);
}

TEST(Table, CpuRows) {
  const auto lines = lines_of(table_text(sample()));
  const std::size_t c = find_line(lines, "cpu 0");
  ASSERT_LT(c, lines.size());
  EXPECT_EQ(lines[c], "cpu 0");
  const auto cols = columns(lines, c, {"none", "full"});
  auto cells = [&](const std::string& label) {
    const std::size_t i = find_line(lines, "  " + label, c);
    std::vector<std::string> v;
    if (i < lines.size())
      for (std::size_t col : cols) {
        // cells here contain one space between time and percentage
        const std::string& row = lines[i];
        const std::size_t end = row.find("  ", col);
        v.push_back(row.substr(col, end == std::string::npos ? std::string::npos : end - col));
      }
    return v;
  };
  EXPECT_EQ(cells("user"), (std::vector<std::string>{"7.500 s (75.0%)", "7.000 s (70.0%)"}));
  EXPECT_EQ(cells("kernel"), (std::vector<std::string>{"2.000 s (20.0%)", "2.000 s (20.0%)"}));
  EXPECT_EQ(cells("hardirq"), (std::vector<std::string>{"250.000 ms (2.5%)", "500.000 ms (5.0%)"}));
  EXPECT_EQ(cells("sched"), (std::vector<std::string>{"200.000 ms (2.0%)", "400.000 ms (4.0%)"}));
  EXPECT_EQ(cells("idle"), (std::vector<std::string>{"50.000 ms (0.5%)", "100.000 ms (1.0%)"}));
  EXPECT_EQ(cells("irqs"), (std::vector<std::string>{"2500", "2600"}));
  EXPECT_EQ(cells("context switches"), (std::vector<std::string>{"7", "20"}));
}

TEST(Table, SectionsShareColumns) {
  const auto lines = lines_of(table_text(sample()));
  const auto a = columns(lines, find_line(lines, "task hi"), {"none", "full"});
  const auto b = columns(lines, find_line(lines, "task lo"), {"none", "full"});
  const auto c = columns(lines, find_line(lines, "cpu 0"), {"none", "full"});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(Table, Bugs) {
  const std::string text = table_text(sample());
  const auto lines = lines_of(text);
  const std::size_t b = find_line(lines, "bugs");
  ASSERT_LT(b + 4, lines.size());
  EXPECT_EQ(lines[b + 1], "  full: 1 report");
  EXPECT_EQ(lines[b + 2], "    at 3.000000004 s");
  EXPECT_EQ(lines[b + 3], "      BUG: sleeping function called from invalid context");
  EXPECT_EQ(lines[b + 4], "      in_atomic(): 1");
  EXPECT_EQ(lines.size(), b + 5);

  RunResult r = sample();
  r.results[1].bugs.clear();
  EXPECT_EQ(table_text(r).find("bugs"), std::string::npos);
}

// A run with a lock: the "lock M" section (after the tasks, before the
// CPUs), the tasks' lock rows, and the stopped run in the bugs header.
RunResult with_lock() {
  RunResult r = sample();
  for (ModelResult& m : r.results) {
    LockResult l;
    l.name = "M";
    l.kind = "pthread mutex (inherit)";
    l.acquisitions = 4;
    l.contended = 1;
    l.total_wait = 3_ms;
    l.max_wait = 3_ms;
    l.max_hold = 4_ms;
    m.locks.push_back(l);
    m.tasks[0].lock_wait = 3_ms;
    m.tasks[1].pi_boosts = 1;
    m.tasks[1].boosted = 2_ms;
  }
  r.results[1].stopped_at = 2_s;
  return r;
}

TEST(Table, LockSectionAndRows) {
  const auto lines = lines_of(table_text(with_lock()));
  const std::size_t l = find_line(lines, "lock M  pthread mutex (inherit)");
  EXPECT_LT(find_line(lines, "task lo"), l);
  EXPECT_LT(l, find_line(lines, "cpu 0"));
  const auto cols = columns(lines, l, {"none", "full"});
  EXPECT_EQ(cell_at(lines[find_line(lines, "  acquisitions", l)], cols[1]), "4");
  EXPECT_EQ(cell_at(lines[find_line(lines, "  contended", l)], cols[0]), "1");
  EXPECT_EQ(cell_at(lines[find_line(lines, "  wait max", l)], cols[0]), "3.000 ms");
  EXPECT_EQ(cell_at(lines[find_line(lines, "  hold max", l)], cols[1]), "4.000 ms");
  const std::size_t lo = find_line(lines, "task lo");
  EXPECT_EQ(cell_at(lines[find_line(lines, "  boosts / boosted", lo)], cols[0]), "1 / 2.000 ms");
  EXPECT_EQ(cell_at(lines[find_line(lines, "  lock wait", find_line(lines, "task hi"))], cols[1]), "3.000 ms");
  EXPECT_EQ(lines[find_line(lines, "bugs") + 1], "  full: 1 report (run stopped at 2.000000000 s)");
  // Without locks, no lock rows at all.
  EXPECT_EQ(table_text(sample()).find("lock wait"), std::string::npos);
}

TEST(Json, Locks) {
  const auto j = to_json(with_lock());
  const auto& m = j["results"][1]["locks"]["M"];
  std::vector<std::string> keys;
  for (const auto& [k, v] : m.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "acquisitions", "contended", "total_wait_ns", "max_wait_ns", "max_hold_ns"}));
  EXPECT_EQ(m["kind"], "pthread mutex (inherit)");
  EXPECT_EQ(m["max_hold_ns"], 4000000);
  EXPECT_EQ(j["results"][1]["stopped_at_ns"], 2000000000LL);
  EXPECT_TRUE(j["results"][0]["stopped_at_ns"].is_null());
  EXPECT_EQ(j["results"][0]["tasks"]["lo"]["pi_boosts"], 1);
  EXPECT_EQ(j["results"][0]["tasks"]["lo"]["boosted_ns"], 2000000);
  EXPECT_EQ(j["results"][0]["tasks"]["hi"]["lock_wait_ns"], 3000000);
}

TEST(Table, WideCellsWidenAllColumns) {
  RunResult r = sample();
  r.results[0].model = "a-rather-long-model-name";
  r.results[1].tasks[0].marks["x"].record(Time::ns(123456789012345));
  const auto lines = lines_of(table_text(r));
  const std::size_t t = find_line(lines, "task hi");
  const auto cols = columns(lines, t, {"a-rather-long-model-name", "full"});
  const std::size_t i = find_line(lines, "  mark x", t);
  ASSERT_LT(i, lines.size());
  EXPECT_EQ(cell_at(lines[i], cols[1]), "n=1 last 123456.789 s");
  EXPECT_EQ(cell_at(lines[i], cols[0]), "-");
  const std::size_t mx = find_line(lines, "  latency max", t);
  EXPECT_EQ(cell_at(lines[mx], cols[0]), "3.002 s");
  EXPECT_EQ(cell_at(lines[mx], cols[1]), "812 ns");
}

TEST(Table, Deterministic) {
  EXPECT_EQ(table_text(sample()), table_text(sample()));
}

TEST(Table, NoModels) {
  RunResult r = sample();
  r.results.clear();
  const auto lines = lines_of(table_text(r));
  ASSERT_EQ(lines.size(), 1u);
}

TEST(Json, TopLevelShapeAndOrder) {
  const auto j = to_json(sample());
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"workload", "seed", "duration_ns", "cpus", "hz", "results"}));
  EXPECT_EQ(j["workload"], "examples/seed-002.yaml");
  EXPECT_EQ(j["seed"], 1);
  EXPECT_EQ(j["duration_ns"], 10000000000LL);
  EXPECT_EQ(j["cpus"], 1);
  EXPECT_EQ(j["hz"], 250);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["model"], "none");
  EXPECT_EQ(j["results"][1]["model"], "full");

  keys.clear();
  for (const auto& [k, v] : j["results"][0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"model", "tasks", "cpus", "bugs", "bugs_total", "locks", "stopped_at_ns", "irq_counts", "device_work", "worst_wakeups", "events"}));
  EXPECT_EQ(j["results"][0]["events"], 12345);
  EXPECT_EQ(j["results"][1]["events"], 999);
}

TEST(Json, Tasks) {
  const auto j = to_json(sample());
  const auto& tasks = j["results"][0]["tasks"];
  std::vector<std::string> names;
  for (const auto& [k, v] : tasks.items()) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"hi", "lo"}));  // workload order, not sorted

  const auto& hi = tasks["hi"];
  std::vector<std::string> keys;
  for (const auto& [k, v] : hi.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"sched", "wakeup_latency_ns", "irq_latency_ns", "marks", "exit_ns",
                                            "cpu_ns", "nvcsw", "nivcsw", "migrations", "loops", "work_ns", "throughput_task", "lock_wait_ns", "pi_boosts",
                                            "boosted_ns", "deadline_misses", "overruns"}));
  EXPECT_EQ(hi["sched"], "SCHED_FIFO 50");
  const auto& lat = hi["wakeup_latency_ns"];
  keys.clear();
  for (const auto& [k, v] : lat.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"count", "min", "mean", "max", "p50", "p90", "p99", "p999", "p9999"}));
  EXPECT_EQ(lat["count"], 3);
  EXPECT_EQ(lat["min"], 4000);
  EXPECT_EQ(lat["max"], 3002000000LL);
  EXPECT_EQ(lat["mean"], (3002000000LL + 4000 + 5000) / 3);
  EXPECT_EQ(lat["p50"], 5023);  // upper edge of [4992, 5023]
  EXPECT_EQ(lat["p90"], 3002000000LL);
  EXPECT_EQ(lat["p999"], 3002000000LL);
  // marks: count, first, last and the gaps (1 s then 3.004 s) as a histogram
  const auto& done = hi["marks"]["done"];
  EXPECT_EQ(done["count"], 3);
  EXPECT_EQ(done["first_ns"], 1000000000LL);
  EXPECT_EQ(done["last_ns"], 5004000000LL);
  EXPECT_EQ(done["interval_ns"]["count"], 2);
  EXPECT_EQ(done["interval_ns"]["min"], 1000000000LL);
  EXPECT_EQ(done["interval_ns"]["max"], 3004000000LL);
  EXPECT_EQ(hi["exit_ns"], 6000000000LL);
  EXPECT_EQ(hi["cpu_ns"], 1500000);
  EXPECT_EQ(hi["nvcsw"], 3);
  EXPECT_EQ(hi["nivcsw"], 0);

  const auto& lo = tasks["lo"];
  EXPECT_TRUE(lo["exit_ns"].is_null());
  EXPECT_EQ(lo["wakeup_latency_ns"]["count"], 0);
  EXPECT_TRUE(lo["wakeup_latency_ns"]["p99"].is_null());
  EXPECT_TRUE(lo["wakeup_latency_ns"]["min"].is_null());
  EXPECT_TRUE(lo["marks"].is_object());
  EXPECT_TRUE(lo["marks"].empty());
  EXPECT_EQ(lo["nivcsw"], 2);
}

TEST(Json, CpusAndBugs) {
  const auto j = to_json(sample());
  const auto& cpu = j["results"][1]["cpus"][0];
  std::vector<std::string> keys;
  for (const auto& [k, v] : cpu.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"cpu", "user_ns", "kernel_ns", "hardirq_ns", "softirq_ns", "irqthread_ns",
                                            "sched_ns", "idle_ns", "irqs", "softirqs", "ipis", "switches"}));
  EXPECT_EQ(cpu["cpu"], 0);
  EXPECT_EQ(cpu["user_ns"], 7000000000LL);
  EXPECT_EQ(cpu["hardirq_ns"], 500000000);
  EXPECT_EQ(cpu["sched_ns"], 400000000);
  EXPECT_EQ(cpu["idle_ns"], 100000000);
  EXPECT_EQ(cpu["irqs"], 2600);
  EXPECT_EQ(cpu["switches"], 20);

  EXPECT_TRUE(j["results"][0]["bugs"].is_array());
  EXPECT_TRUE(j["results"][0]["bugs"].empty());
  const auto& bug = j["results"][1]["bugs"][0];
  keys.clear();
  for (const auto& [k, v] : bug.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"time_ns", "text"}));
  EXPECT_EQ(bug["time_ns"], 3000000004LL);
  EXPECT_EQ(bug["text"], "BUG: sleeping function called from invalid context\nin_atomic(): 1\n");
}

TEST(Json, TextRoundTripsAndEndsWithNewline) {
  const std::string s = to_json_text(sample());
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.back(), '\n');
  EXPECT_EQ(s.rfind("{\n  \"workload\": ", 0), 0u);
  const auto parsed = nlohmann::ordered_json::parse(s);
  EXPECT_EQ(parsed, to_json(sample()));
  EXPECT_EQ(s, to_json_text(sample()));
}

TEST(Json, InvalidUtf8DoesNotThrow) {
  RunResult r = sample();
  r.results[1].bugs[0].text = "bad \xff byte";
  std::string s;
  EXPECT_NO_THROW(s = to_json_text(r));
  EXPECT_NE(s.find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

// A fresh empty directory, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "preemptsim-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(path)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(OutputFile, WritesExactlyAndLeavesNoTemp) {
  TempDir d;
  const auto p = d.path / "out.json";
  std::string contents = "first\n";
  contents.push_back('\0');
  contents += std::string(100000, 'x');
  write_file_atomic(p.string(), contents);
  EXPECT_EQ(slurp(p), contents);
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"out.json"}));

  // Replacing an existing file.
  write_file_atomic(p.string(), "second");
  EXPECT_EQ(slurp(p), "second");
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"out.json"}));

  // Empty contents.
  write_file_atomic(p.string(), "");
  EXPECT_EQ(slurp(p), "");
  EXPECT_TRUE(std::filesystem::exists(p));
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"out.json"}));
}

TEST(OutputFile, MissingDirectoryFailsCleanly) {
  TempDir d;
  const std::string p = (d.path / "no-such-dir" / "out.txt").string();
  try {
    write_file_atomic(p, "data");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(p), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  }
  EXPECT_TRUE(d.entries().empty());
}

TEST(OutputFile, RenameFailureRemovesTemp) {
  // The target is a non-empty directory: the temp file is written, the
  // rename fails, and the temp file must be gone afterwards.
  TempDir d;
  std::filesystem::create_directory(d.path / "target");
  std::ofstream(d.path / "target" / "keep") << "k";
  EXPECT_THROW(write_file_atomic((d.path / "target").string(), "data"), std::runtime_error);
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"target"}));
}

TEST(OutputFile, RelativePath) {
  TempDir d;
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(d.path);
  EXPECT_NO_THROW(write_file_atomic("plain.txt", "abc"));
  std::filesystem::current_path(old);
  EXPECT_EQ(slurp(d.path / "plain.txt"), "abc");
  EXPECT_EQ(d.entries(), (std::vector<std::string>{"plain.txt"}));
}

}  // namespace
}  // namespace preemptsim
