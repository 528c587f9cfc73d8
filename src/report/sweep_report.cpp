// Sweep page: inline SVG line plots of worst latency and p99 against the
// first grid axis, with seed spread bars, and the summary table.
#include "report/sweep_report.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "report/html_escape.h"

namespace preemptsim {

namespace {

std::string esc(const std::string& s) { return html_escape(s); }

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

struct Line {
  std::string name;
  std::vector<std::pair<std::size_t, std::size_t>> cells;  // (point, model) in x order
};

// Lines: one per model and combination of the other axes' values.
std::vector<Line> lines_of(const SweepSpec& spec, const SweepResult& r) {
  std::map<std::string, std::size_t> by_name;
  std::vector<Line> lines;
  for (std::size_t pi = 0; pi < r.cells.size(); ++pi)
    for (std::size_t m = 0; m < r.cells[pi].size(); ++m) {
      std::string name = r.cells[pi][m].model;
      for (std::size_t a = 1; a < spec.axes.size(); ++a) name += fmt::format(" {}={}", spec.axes[a].path, spec.axes[a].values[r.points[pi].index[a]]);
      auto [it, fresh] = by_name.emplace(name, lines.size());
      if (fresh) lines.push_back(Line{name, {}});
      lines[it->second].cells.emplace_back(pi, m);
    }
  return lines;
}

// One plot: y(cell) in microseconds against the first axis; `spread` draws
// each point's seed min..max as a bar.
std::string plot(const SweepSpec& spec, const SweepResult& r, const std::vector<Line>& lines, const std::string& title, bool worst) {
  const SweepAxis& x = spec.axes.front();
  const std::size_t nx = x.values.size();
  // numeric x when every value is a number, else evenly spaced categories
  std::vector<double> xv(nx);
  bool numeric = true;
  for (std::size_t i = 0; i < nx; ++i) {
    char* end = nullptr;
    xv[i] = std::strtod(x.values[i].c_str(), &end);
    numeric = numeric && end && *end == '\0' && !x.values[i].empty();
  }
  if (!numeric)
    for (std::size_t i = 0; i < nx; ++i) xv[i] = static_cast<double>(i);
  const double x0 = *std::min_element(xv.begin(), xv.end()), x1 = *std::max_element(xv.begin(), xv.end());
  auto y_of = [&](const SweepCell& c, int which) -> double {  // which: 0 value, 1 spread low, 2 spread high
    if (c.latency.count() == 0) return -1;
    if (!worst) return static_cast<double>(c.latency.percentile(0.99).count()) / 1000.0;
    if (which == 0) return static_cast<double>(c.latency.max().count()) / 1000.0;
    std::int64_t lo = -1, hi = -1;
    for (std::int64_t v : c.seed_worst)
      if (v >= 0) {
        lo = lo < 0 ? v : std::min(lo, v);
        hi = std::max(hi, v);
      }
    return static_cast<double>(which == 1 ? lo : hi) / 1000.0;
  };
  double ymax = 0;
  for (const auto& row : r.cells)
    for (const SweepCell& c : row) ymax = std::max(ymax, y_of(c, 0));
  if (ymax <= 0) ymax = 1;
  constexpr double W = 640, H = 320, L = 70, R = 200, T = 30, B = 50;
  auto px = [&](double v) { return L + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * (W - L - R); };
  auto py = [&](double v) { return H - B - v / (ymax * 1.05) * (H - T - B); };
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">)", W, H, esc(title));
  s += fmt::format(R"(<text x="{}" y="18" font-weight="bold">{}</text>)", L, esc(title));
  s += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#000"/><line x1="{0}" y1="{3}" x2="{0}" y2="{1}" stroke="#000"/>)", L, H - B, W - R, T);
  for (int k = 0; k <= 4; ++k) {
    const double v = ymax * 1.05 * k / 4;
    s += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end" font-size="11">{:.1f}</text>)", L - 4, py(v) + 4, v);
  }
  s += fmt::format(R"svg(<text x="14" y="{}" font-size="11" transform="rotate(-90 14 {})">us</text>)svg", (H - B + T) / 2, (H - B + T) / 2);
  for (std::size_t i = 0; i < nx; ++i)
    s += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle" font-size="11">{}</text>)", px(xv[i]), H - B + 16, esc(x.values[i]));
  s += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" font-size="12">{}</text>)", (L + W - R) / 2, H - 10, esc(x.path));
  for (std::size_t li = 0; li < lines.size(); ++li) {
    const char* col = kColours[li % std::size(kColours)];
    std::string pts;
    for (const auto& [pi, m] : lines[li].cells) {
      const double y = y_of(r.cells[pi][m], 0);
      if (y < 0) continue;
      const double xx = px(xv[r.points[pi].index[0]]);
      pts += fmt::format("{:.1f},{:.1f} ", xx, py(y));
      s += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)", xx, py(y), col);
      if (worst) {
        const double lo = y_of(r.cells[pi][m], 1), hi = y_of(r.cells[pi][m], 2);
        s += fmt::format(R"(<line class="spread" x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="1"/>)", xx, py(lo), py(hi), col);
      }
    }
    s += fmt::format(R"(<polyline class="line" data-line="{}" fill="none" stroke="{}" stroke-width="1.5" points="{}"/>)", esc(lines[li].name), col, pts);
    s += fmt::format(R"(<text x="{}" y="{}" font-size="11" fill="{}">{}</text>)", W - R + 10, T + 14 * static_cast<double>(li + 1), col, esc(lines[li].name));
  }
  return s + "</svg>\n";
}

}  // namespace

std::string sweep_html(const SweepSpec& spec, const SweepResult& r) {
  const std::vector<Line> lines = lines_of(spec, r);
  std::string h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>preemptsim sweep</title>\n"
                  "<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse}"
                  "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>\n";
  h += fmt::format("<h1>Sweep of {}</h1>\n<p>{} point(s) &times; {} seed(s); wakeup latency{}, merged over seeds. "
                   "Bars: the worst case of each seed, lowest to highest.</p>\n",
                   esc(spec.workload), r.points.size(), spec.seeds.size(), spec.task.empty() ? " of every task" : " of task " + esc(spec.task));
  h += plot(spec, r, lines, "worst wakeup latency", true);
  h += plot(spec, r, lines, "p99 wakeup latency", false);
  h += "<table id=\"summary\"><tr><th>point</th><th>model</th><th>wakeups</th><th>p99 (ns)</th><th>max (ns)</th></tr>\n";
  for (std::size_t pi = 0; pi < r.cells.size(); ++pi)
    for (const SweepCell& c : r.cells[pi]) {
      const bool any = c.latency.count() > 0;
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(r.points[pi].label), esc(c.model), c.latency.count(),
                       any ? fmt::format("{}", c.latency.percentile(0.99).count()) : "-", any ? fmt::format("{}", c.latency.max().count()) : "-");
    }
  return h + "</table>\n</body></html>\n";
}

}  // namespace preemptsim
