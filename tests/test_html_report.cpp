// The HTML report: self-contained (nothing fetched at view time), carries
// the run's numbers, and renders in a real browser without script errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace preemptsim::testing
