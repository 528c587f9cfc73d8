// The HTML report: self-contained (nothing fetched at view time), carries
// the run's numbers, and renders in a real browser without script errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "report/html_report.h"
#include "report/table.h"
#include "scenario_util.h"

namespace preemptsim::testing {
namespace {

namespace fs = std::filesystem;

std::string run_cmd(const std::string& cmd) {
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    ::pclose(f);
  }
  return out;
}

TEST(HtmlReport, SelfContainedWithTheNumbers) {
  const RunResult run = simulate(load_example("seed-002-kernel-path.yaml"));
  const std::string html = to_html(run);
  EXPECT_EQ(html.find("http://"), std::string::npos) << "nothing is fetched at view time";
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  for (const ModelResult& m : run.results) {
    EXPECT_NE(html.find("<th>" + m.model + "</th>"), std::string::npos) << m.model;
    const std::string p99 = format_time_short(m.tasks[0].wakeup_latency.percentile(0.99));
    EXPECT_NE(html.find("<td>" + p99 + "</td>"), std::string::npos) << m.model << " p99 " << p99;
  }
  EXPECT_NE(html.find("PREEMPT_NONE: lo was in the kernel"), std::string::npos);
}

// Headless Chromium (Debian's chromium): the page's script runs to its end
// (it marks the body ready) and records no error; the DOM shows the numbers.
TEST(HtmlReport, RendersInHeadlessChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "chromium is not installed (.ci/run installs it)";
  const fs::path dir = fs::temp_directory_path() / ("preemptsim-html-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const RunResult run = simulate(load_example("irq-net-rx-storm.yaml"));
  std::ofstream(dir / "r.html") << to_html(run);
  const std::string dom = run_cmd(std::string(chromium) +
                                  " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
                                  "--disable-sync --no-first-run --user-data-dir=" + (dir / "profile").string() + " --dump-dom file://" +
                                  (dir / "r.html").string() + " 2>/dev/null");
  fs::remove_all(dir);
  ASSERT_FALSE(dom.empty()) << "chromium printed no DOM";
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's script did not run to its end";
  EXPECT_NE(dom.find("<p id=\"errors\" style=\"color:red\"></p>"), std::string::npos) << "a script error was recorded";
  const std::string rt_max = format_time_short(run.results.back().tasks[0].wakeup_latency.max());
  EXPECT_NE(dom.find("<td>" + rt_max + "</td>"), std::string::npos) << "rt's max latency " << rt_max << " is on the page";
  EXPECT_NE(dom.find("<svg class=\"hist\""), std::string::npos);
}


// The latency timeline keeps the largest sample per interval; past 512
// intervals the width doubles and neighbours merge (their maximum).
TEST(HtmlReport, LatencyTimelineMergesByMaximum) {
  TaskResult t;
  t.record_timeline(Time::ns(500'000), Time::ns(7'000));      // interval 0 of 1 ms
  t.record_timeline(Time::ns(1'500'000), Time::ns(9'000));    // interval 1
  t.record_timeline(Time::ns(1'700'000), Time::ns(3'000));    // interval 1, smaller: kept 9 us
  ASSERT_EQ(t.latency_timeline.size(), 2u);
  EXPECT_EQ(t.latency_timeline[1], Time::ns(9'000));
  t.record_timeline(Time::ns(600'000'000), Time::ns(1'000));  // 600 ms: past 512 x 1 ms
  EXPECT_EQ(t.timeline_width, Time::ns(2'000'000)) << "doubled once: 600 / 2 = 300 intervals";
  EXPECT_EQ(t.latency_timeline[0], Time::ns(9'000)) << "intervals 0 and 1 merged: max(7 us, 9 us)";
  EXPECT_EQ(t.latency_timeline.size(), 301u);
  EXPECT_EQ(t.latency_timeline[300], Time::ns(1'000));
}

// What is on the page: axis values on every plot, the fixed category colour
// of NET_RX in the NET_RX storm's worst case, the sections of the report.
TEST(HtmlReport, AxesColoursAndSections) {
  const RunResult run = simulate(load_example("irq-net-rx-storm.yaml"));
  const std::string html = to_html(run);
  for (const char* part : {"<h2>Latency over time</h2>", "<h2>Deadline misses</h2>", "<h2>Locks</h2>", "<h2>CPU time per CPU</h2>",
                           "wakeups per bin (log)", "wakeup latency (log)", "simulated time (one point per", ">100%</text>", ">CPU 0</text>"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
  // every svg plot carries text (its axis values), except the legend squares
  std::size_t plots = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    const std::size_t end = html.find("</svg>", at);
    EXPECT_NE(html.substr(at, end - at).find("<text"), std::string::npos) << "a plot without axis values: " << html.substr(at, 120);
    ++plots;
  }
  EXPECT_GE(plots, 4u);
  // NET_RX keeps its colour: every worst-case part "softirq NET_RX" is drawn in it
  bool net_rx = false;
  for (std::size_t at = html.find("<title>softirq NET_RX"); at != std::string::npos; at = html.find("<title>softirq NET_RX", at + 1)) {
    const std::size_t rect = html.rfind("<rect", at);
    EXPECT_NE(html.substr(rect, at - rect).find("fill=\"#e6550d\""), std::string::npos) << html.substr(rect, at - rect);
    net_rx = true;
  }
  EXPECT_TRUE(net_rx) << "a worst case of the NET_RX storm has NET_RX work in it";
  // model colours by name: rt is red in whatever position
  EXPECT_NE(html.find("data-model=\"3\" style=\"color:#d62728\">&#9632; rt"), std::string::npos);
  // the locks table of a workload with locks
  const std::string locks = to_html(simulate(load_example("locks-priority-inversion.yaml")));
  EXPECT_NE(locks.find("acquired / contended"), std::string::npos);
  EXPECT_NE(locks.find("<th colspan=\"2\" style=\"text-align:left\">M <small>"), std::string::npos) << "lock M, one model";
}
}  // namespace
}  // namespace preemptsim::testing

namespace preemptsim::testing {
namespace {

// Response time: per task with jobs, p50/p99/max and misses per model, and a
// stacked bar of where the jobs' time went; the bar's parts add up to 100 %.
TEST(HtmlReport, ResponseTimeTableAndSharesBar) {
  const RunResult run = simulate(load_example("irq-uio-loop.yaml"));
  const std::string html = to_html(run);
  ASSERT_NE(html.find("<h2>Response time</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h3 class=\"response\">uio</h3>"), std::string::npos);
  for (const ModelResult& m : run.results) {
    const TaskResult& t = task(m, "uio");
    ASSERT_GT(t.response.count(), 0u) << m.model;
    for (const Time v : {t.response.percentile(0.5), t.response.percentile(0.99), t.response.max()})
      EXPECT_NE(html.find("<td>" + format_time_short(v) + "</td>"), std::string::npos) << m.model << " " << format_time_short(v);
    // the running share of uio's jobs, as its rectangle's tooltip says
    const ResponseShares& sh = t.response_shares;
    const std::string running = fmt::format("<title>{} running: {} ({:.1f}%)</title>", m.model, format_time_short(sh.running),
                                            100.0 * static_cast<double>(sh.running.count()) / static_cast<double>(sh.total().count()));
    EXPECT_NE(html.find(running), std::string::npos) << running;
  }
  EXPECT_NE(html.find("<svg class=\"responsesplit\""), std::string::npos);
}

TEST(HtmlReport, ResponseTimeRendersInHeadlessChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) GTEST_SKIP() << "chromium is not installed (.ci/run installs it)";
  const fs::path dir = fs::temp_directory_path() / ("preemptsim-html-rt-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const RunResult run = simulate(load_example("irq-uio-loop.yaml"));
  std::ofstream(dir / "r.html") << to_html(run);
  const std::string dom = run_cmd(std::string(chromium) +
                                  " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
                                  "--disable-sync --no-first-run --user-data-dir=" + (dir / "profile").string() + " --dump-dom file://" +
                                  (dir / "r.html").string() + " 2>/dev/null");
  fs::remove_all(dir);
  ASSERT_FALSE(dom.empty()) << "chromium printed no DOM";
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"responsesplit\""), std::string::npos);
  const std::string max = format_time_short(task(run.results.back(), "uio").response.max());
  EXPECT_NE(dom.find("<td>" + max + "</td>"), std::string::npos) << "rt's worst response " << max << " is on the page";
}

}  // namespace
}  // namespace preemptsim::testing
