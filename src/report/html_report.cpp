// The HTML report: one file, inline CSS and SVG drawn here, a few lines of
// script (legend toggles; the page marks itself ready and records errors).
#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/table.h"

namespace preemptsim {
namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

// Latency histogram of one task, every model overlaid: x = log10 latency,
// y = log10 (1 + samples per bin), 10 bins per decade.
std::string histogram_svg(const RunResult& r, std::size_t task) {
  constexpr int W = 740, H = 260, L = 50, B = 30;
  double lo = 1e18, hi = 0;
  std::uint64_t ymax = 1;
  std::vector<std::vector<std::pair<double, std::uint64_t>>> series;
  for (const ModelResult& m : r.results) {
    std::vector<std::pair<double, std::uint64_t>> bins;
    if (task < m.tasks.size()) {
      for (const auto& [edge, n] : m.tasks[task].wakeup_latency.buckets()) {
        const double x = std::floor(std::log10(std::max<double>(1.0, static_cast<double>(edge.count()))) * 10.0) / 10.0;
        if (!bins.empty() && bins.back().first == x)
          bins.back().second += n;
        else
          bins.emplace_back(x, n);
      }
    }
    for (const auto& [x, n] : bins) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      ymax = std::max(ymax, n);
    }
    series.push_back(std::move(bins));
  }
  if (hi < lo) return "<p>no wakeups</p>";
  lo = std::floor(lo);
  hi = std::ceil(hi + 0.1);
  const double ylog = std::log10(1.0 + static_cast<double>(ymax));
  auto px = [&](double x) { return L + (x - lo) / (hi - lo) * (W - L - 40); };
  auto py = [&](std::uint64_t n) { return H - B - std::log10(1.0 + static_cast<double>(n)) / ylog * (H - B - 10); };
  std::string s = fmt::format("<svg class=\"hist\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", W, H, W, H);
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>", L, H - B, W - 10, H - B);
  for (double d = lo; d <= hi; d += 1) {
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>", px(d), H - B + 16,
                     esc(format_time_short(Time::ns(static_cast<std::int64_t>(std::pow(10.0, d))))));
    s += fmt::format("<line x1=\"{0:.1f}\" y1=\"10\" x2=\"{0:.1f}\" y2=\"{1}\" stroke=\"#ddd\"/>", px(d), H - B);
  }
  s += fmt::format("<text x=\"12\" y=\"{}\" font-size=\"11\" transform=\"rotate(-90 12 {})\">samples (log)</text>", H / 2, H / 2);
  for (std::size_t m = 0; m < series.size(); ++m) {
    std::string pts;
    for (const auto& [x, n] : series[m]) pts += fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} ", px(x), py(n), px(x + 0.1), py(n));
    s += fmt::format("<polyline class=\"model-{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>", m, kColors[m % 8], pts);
  }
  return s + "</svg>";
}

std::string legend(const RunResult& r) {
  std::string s = "<div class=\"legend\">";
  for (std::size_t m = 0; m < r.results.size(); ++m)
    s += fmt::format("<span class=\"toggle\" data-model=\"{}\" style=\"color:{}\">&#9632; {}</span> ", m, kColors[m % 8], esc(r.results[m].model));
  return s + "</div>";
}

std::string latency_table(const RunResult& r, std::size_t task) {
  std::string s = "<table><tr><th></th>";
  for (const ModelResult& m : r.results) s += "<th>" + esc(m.model) + "</th>";
  s += "</tr>";
  struct Row {
    const char* name;
    double q;
  };
  const Row rows[] = {{"wakeups", -2}, {"min", 0}, {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}, {"p99.99", 0.9999}, {"max", 1}};
  for (const Row& row : rows) {
    s += fmt::format("<tr><td>{}</td>", row.name);
    for (const ModelResult& m : r.results) {
      const LatencyHistogram& h = m.tasks[task].wakeup_latency;
      std::string cell = "-";
      if (row.q == -2) cell = std::to_string(h.count());
      else if (h.count()) cell = format_time_short(row.q == 0 ? h.min() : row.q == 1 ? h.max() : h.percentile(row.q));
      s += "<td>" + esc(cell) + "</td>";
    }
    s += "</tr>";
  }
  return s + "</table>";
}

std::string cpu_table(const RunResult& r) {
  std::string s = "<table><tr><th></th>";
  for (const ModelResult& m : r.results) s += "<th>" + esc(m.model) + "</th>";
  s += "</tr>";
  auto row = [&](const char* name, auto f) {
    s += fmt::format("<tr><td>{}</td>", name);
    for (const ModelResult& m : r.results) s += "<td>" + esc(f(m)) + "</td>";
    s += "</tr>";
  };
  auto sum = [](const ModelResult& m, auto field) {
    Time t;
    for (const CpuResult& c : m.cpus) t += c.*field;
    return t;
  };
  row("task CPU time", [](const ModelResult& m) {
    Time t;
    for (const TaskResult& x : m.tasks) t += x.cpu_time;
    return format_time_short(t);
  });
  row("loop iterations", [](const ModelResult& m) {
    std::uint64_t n = 0;
    for (const TaskResult& x : m.tasks) n += x.loops;
    return std::to_string(n);
  });
  row("hard IRQ", [&](const ModelResult& m) { return format_time_short(sum(m, &CpuResult::hardirq)); });
  row("softirq", [&](const ModelResult& m) { return format_time_short(sum(m, &CpuResult::softirq)); });
  row("IRQ threads", [&](const ModelResult& m) { return format_time_short(sum(m, &CpuResult::irqthread)); });
  row("context switches", [&](const ModelResult& m) { return format_time_short(sum(m, &CpuResult::sched)); });
  row("idle", [&](const ModelResult& m) { return format_time_short(sum(m, &CpuResult::idle)); });
  return s + "</table>";
}

// One stacked bar per explained wakeup: its parts in order, widths to scale.
std::string worst_case(const ModelResult& m) {
  std::string s;
  for (const WorstCaseExplanation& e : m.explanations) {
    s += fmt::format("<div class=\"worst\"><h4>{}: {} on CPU {}</h4>", esc(e.task), esc(format_time(e.latency)), e.cpu);
    constexpr int W = 700;
    s += fmt::format("<svg width=\"{}\" height=\"22\">", W);
    double x = 0;
    std::size_t i = 0;
    for (const auto& [what, d] : e.parts) {
      const double w = e.latency.count() > 0 ? static_cast<double>(d.count()) / static_cast<double>(e.latency.count()) * W : 0;
      s += fmt::format("<rect x=\"{:.1f}\" y=\"2\" width=\"{:.1f}\" height=\"18\" fill=\"{}\"><title>{}: {}</title></rect>", x, std::max(w, 1.0),
                       kColors[i++ % 8], esc(what), esc(format_time(d)));
      x += w;
    }
    s += "</svg><ul>";
    i = 0;
    for (const auto& [what, d] : e.parts)
      s += fmt::format("<li><span style=\"color:{}\">&#9632;</span> {} &mdash; {}</li>", kColors[i++ % 8], esc(format_time_short(d)), esc(what));
    s += "</ul><p class=\"why\">why: " + esc(e.why) + "</p></div>";
  }
  return s;
}

}  // namespace

std::string to_html(const RunResult& r) {
  std::string s = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>preemptsim: " + esc(r.workload) + "</title>";
  s += "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.5em 0}"
       "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child{text-align:left}.toggle{cursor:pointer;margin-right:1em}"
       ".off{opacity:.3}.why{font-size:90%}h2{border-bottom:1px solid #888}</style></head><body>";
  s += fmt::format("<h1>preemptsim: {}</h1><p>seed {} &middot; simulated {} &middot; {} CPU{} &middot; HZ {}</p>", esc(r.workload), r.seed,
                   esc(format_time_short(r.duration)), r.cpus, r.cpus == 1 ? "" : "s", r.hz);
  s += "<p id=\"errors\" style=\"color:red\"></p>";
  if (!r.results.empty()) {
    s += "<h2>Wakeup latency</h2>" + legend(r);
    for (std::size_t t = 0; t < r.results.front().tasks.size(); ++t) {
      const TaskResult& task = r.results.front().tasks[t];
      s += fmt::format("<h3 class=\"task\">{} <small>{}</small></h3>", esc(task.name), esc(task.sched));
      s += histogram_svg(r, t) + latency_table(r, t);
    }
    s += "<h2>Throughput</h2>" + cpu_table(r);
    s += "<h2>Worst cases</h2>";
    for (const ModelResult& m : r.results)
      if (!m.explanations.empty()) s += "<h3>model " + esc(m.model) + "</h3>" + worst_case(m);
  }
  s += "<script>\n"
       "window.onerror=function(m){document.getElementById('errors').textContent+='script error: '+m;};\n"
       "document.querySelectorAll('.toggle').forEach(function(t){t.addEventListener('click',function(){\n"
       "  t.classList.toggle('off');\n"
       "  document.querySelectorAll('.model-'+t.dataset.model).forEach(function(p){p.style.display=t.classList.contains('off')?'none':'';});\n"
       "});});\n"
       "document.body.dataset.ready='1';\n"
       "</script></body></html>\n";
  return s;
}

}  // namespace preemptsim
