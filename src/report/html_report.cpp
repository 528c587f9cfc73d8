// The HTML report: one file, inline CSS and SVG drawn here (axes labelled,
// fixed colours per model and per category), a few lines of script (legend
// toggles; the page marks itself ready and records errors).
#include "report/html_report.h"

#include <fmt/format.h>

#include "report/html_escape.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "report/table.h"

namespace preemptsim {
namespace {

std::string esc(const std::string& s) { return html_escape(s); }

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

// A model keeps its colour in every report (the table's order), others by position.
std::string model_colour(const RunResult& r, std::size_t m) {
  static const std::pair<const char*, const char*> k[] = {{"none", "#1f77b4"}, {"voluntary", "#2ca02c"}, {"full", "#ff7f0e"},
                                                          {"lazy", "#9467bd"}, {"rt", "#d62728"},        {"basic_rt", "#8c564b"}};
  for (const auto& [name, c] : k)
    if (r.results[m].model == name) return c;
  return kColors[m % 8];
}

// What a CPU did, one fixed colour per category, in every plot and report:
// NET_RX is always the same orange, a hard IRQ always red.
std::string category_colour(const std::string& what) {
  static const std::pair<const char*, const char*> softirqs[] = {
      {"NET_RX", "#e6550d"}, {"NET_TX", "#fd8d3c"}, {"TIMER", "#31a354"},  {"HRTIMER", "#74c476"}, {"BLOCK", "#756bb1"},
      {"TASKLET", "#9e9ac8"}, {"SCHED", "#636363"}, {"RCU", "#969696"},    {"HI", "#fdae6b"},      {"IRQ_POLL", "#bcbddc"}};
  if (what.rfind("softirq ", 0) == 0) {
    const std::string v = what.substr(8);
    for (const auto& [name, c] : softirqs)
      if (v == name) return c;
    return "#fdd0a2";
  }
  static const std::pair<const char*, const char*> prefixes[] = {
      {"hard IRQ", "#d62728"}, {"NMI", "#7f0000"},       {"context switch", "#8c8c8c"}, {"idle", "#dddddd"},
      {"irq/", "#ff7f0e"},     {"ksoftirqd", "#e377c2"}, {"ktimers", "#17becf"}};
  for (const auto& [prefix, c] : prefixes)
    if (what.rfind(prefix, 0) == 0) return c;
  if (what.find("in the kernel") != std::string::npos) return "#1f77b4";  // a task's kernel work
  return "#6baed6";                                                      // a task's own (user) work
}

// The CPU split's categories, with the colours above.
struct CpuCategory {
  const char* name;
  Time CpuResult::*field;
  const char* colour;
};
constexpr CpuCategory kCpuCategories[] = {{"user", &CpuResult::user, "#6baed6"},          {"kernel", &CpuResult::kernel, "#1f77b4"},
                                          {"hard IRQ", &CpuResult::hardirq, "#d62728"},   {"softirq", &CpuResult::softirq, "#fd8d3c"},
                                          {"IRQ threads", &CpuResult::irqthread, "#ff7f0e"}, {"switches", &CpuResult::sched, "#8c8c8c"},
                                          {"idle", &CpuResult::idle, "#dddddd"}};

std::string text(double x, double y, const std::string& t, const char* anchor = "middle", const char* extra = "") {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"{}\"{}>{}</text>", x, y, anchor, extra, esc(t));
}

// "Nice" linear ticks (1, 2, 5 x 10^k) from 0 to at least `max`.
std::vector<double> ticks(double max) {
  if (max <= 0) return {0, 1};
  const double raw = max / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag <= 1 ? mag : raw / mag <= 2 ? 2 * mag : raw / mag <= 5 ? 5 * mag : 10 * mag;
  std::vector<double> t;
  for (double v = 0; v <= max + step * 0.999; v += step) t.push_back(v);
  return t;
}

// Latency histogram of one task, every model overlaid: x = log10 latency,
// y = log10 (1 + samples per bin), 10 bins per decade; both axes labelled.
std::string histogram_svg(const RunResult& r, std::size_t task) {
  constexpr int W = 740, H = 260, L = 60, B = 30;
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
  const double ytop = std::ceil(std::log10(1.0 + static_cast<double>(ymax)));
  auto px = [&](double x) { return L + (x - lo) / (hi - lo) * (W - L - 40); };
  auto pyl = [&](double l) { return H - B - l / ytop * (H - B - 10); };
  auto py = [&](std::uint64_t n) { return pyl(std::log10(1.0 + static_cast<double>(n))); };
  std::string s = fmt::format("<svg class=\"hist\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", W, H, W, H);
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>", L, H - B, W - 10, H - B);
  s += fmt::format("<line x1=\"{}\" y1=\"10\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>", L, L, H - B);
  for (double d = lo; d <= hi; d += 1) {
    s += text(px(d), H - B + 16, format_time_short(Time::ns(static_cast<std::int64_t>(std::pow(10.0, d)))));
    s += fmt::format("<line x1=\"{0:.1f}\" y1=\"10\" x2=\"{0:.1f}\" y2=\"{1}\" stroke=\"#ddd\"/>", px(d), H - B);
  }
  for (double l = 0; l <= ytop; l += 1) {  // 1 + n = 10^l: the counts 0, 9, 99, ... sit on the lines
    const std::uint64_t n = static_cast<std::uint64_t>(std::llround(std::pow(10.0, l))) - 1;
    s += text(L - 4, pyl(l) + 4, std::to_string(n), "end");
    s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>", L, pyl(l), W - 10, pyl(l));
  }
  s += text(14, H / 2.0, "wakeups per bin (log)", "middle", fmt::format(" transform=\"rotate(-90 14 {})\"", H / 2).c_str());
  s += text((L + W) / 2.0, H - 2, "wakeup latency (log)");
  for (std::size_t m = 0; m < series.size(); ++m) {
    std::string pts;
    for (const auto& [x, n] : series[m]) pts += fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} ", px(x), py(n), px(x + 0.1), py(n));
    s += fmt::format("<polyline class=\"model-{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>", m, model_colour(r, m), pts);
  }
  return s + "</svg>";
}

// The worst task's latency over time: per model the largest wakeup latency
// in each interval of the run (TaskResult::latency_timeline).
std::string timeline_svg(const RunResult& r, std::size_t task) {
  constexpr int W = 740, H = 220, L = 70, B = 34;
  Time ymax, width;
  std::size_t bins = 0;
  for (const ModelResult& m : r.results) {
    const TaskResult& t = m.tasks[task];
    for (Time v : t.latency_timeline) ymax = std::max(ymax, v);
    width = std::max(width, t.timeline_width);
  }
  if (ymax <= Time() || width <= Time()) return "";
  bins = static_cast<std::size_t>((r.duration.count() + width.count() - 1) / width.count());
  const double xmax_s = static_cast<double>(r.duration.count()) / 1e9;
  const std::vector<double> yt = ticks(static_cast<double>(ymax.count())), xt = ticks(xmax_s);
  const double ytop = yt.back(), xtop = std::max(xt.back(), xmax_s);
  auto px = [&](double sec) { return L + sec / xtop * (W - L - 20); };
  auto py = [&](double ns) { return H - B - ns / ytop * (H - B - 10); };
  std::string s = fmt::format("<svg class=\"timeline\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", W, H, W, H);
  s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>", L, H - B, W - 10, H - B);
  s += fmt::format("<line x1=\"{}\" y1=\"10\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>", L, L, H - B);
  for (double v : yt) {
    s += text(L - 4, py(v) + 4, format_time_short(Time::ns(static_cast<std::int64_t>(v))), "end");
    s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>", L, py(v), W - 10, py(v));
  }
  for (double v : xt) s += text(px(v), H - B + 15, fmt::format("{:g} s", v));
  s += text((L + W) / 2.0, H - 4, fmt::format("simulated time (one point per {})", format_time_short(width)));
  for (std::size_t m = 0; m < r.results.size(); ++m) {
    const TaskResult& t = r.results[m].tasks[task];
    std::string pts;
    for (std::size_t i = 0; i < t.latency_timeline.size() && i < bins * 2; ++i) {
      if (t.latency_timeline[i] <= Time()) continue;
      const double sec = (static_cast<double>(i) + 0.5) * static_cast<double>(t.timeline_width.count()) / 1e9;
      pts += fmt::format("{:.1f},{:.1f} ", px(sec), py(static_cast<double>(t.latency_timeline[i].count())));
    }
    s += fmt::format("<polyline class=\"model-{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>", m, model_colour(r, m), pts);
  }
  return s + "</svg>";
}

std::string legend(const RunResult& r) {
  std::string s = "<div class=\"legend\">";
  for (std::size_t m = 0; m < r.results.size(); ++m)
    s += fmt::format("<span class=\"toggle\" data-model=\"{}\" style=\"color:{}\">&#9632; {}</span> ", m, model_colour(r, m), esc(r.results[m].model));
  return s + "</div>";
}

std::string header_row(const RunResult& r, const char* first = "") {
  std::string s = fmt::format("<tr><th>{}</th>", first);
  for (const ModelResult& m : r.results) s += "<th>" + esc(m.model) + "</th>";
  return s + "</tr>";
}

std::string latency_table(const RunResult& r, std::size_t task) {
  std::string s = "<table>" + header_row(r);
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
  std::string s = "<table>" + header_row(r);
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

// Per model, one stacked bar per CPU: its time split by category, 0-100 %.
std::string cpu_split_svg(const RunResult& r) {
  constexpr int W = 740, L = 120, bar = 16, gap = 6;
  std::size_t rows = 0;
  for (const ModelResult& m : r.results) rows += m.cpus.size() + 1;
  const int H = static_cast<int>(rows) * (bar + gap) + 50;
  auto px = [&](double f) { return L + f * (W - L - 20); };
  std::string s = fmt::format("<svg class=\"cpusplit\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", W, H, W, H);
  int y = 10;
  for (std::size_t mi = 0; mi < r.results.size(); ++mi) {
    const ModelResult& m = r.results[mi];
    s += text(4, y + 12, "model " + m.model, "start", " font-weight=\"bold\"");
    y += bar + gap;
    for (const CpuResult& c : m.cpus) {
      Time total;
      for (const CpuCategory& k : kCpuCategories) total += c.*k.field;
      s += text(L - 6, y + 12, fmt::format("CPU {}", c.cpu), "end");
      double x = 0;
      for (const CpuCategory& k : kCpuCategories) {
        const double f = total.count() > 0 ? static_cast<double>((c.*k.field).count()) / static_cast<double>(total.count()) : 0;
        if (f <= 0) continue;
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>CPU {} {}: {} ({:.1f}%)</title></rect>", px(x), y,
                         px(x + f) - px(x), bar, k.colour, c.cpu, k.name, format_time_short(c.*k.field), 100 * f);
        x += f;
      }
      y += bar + gap;
    }
  }
  for (int p = 0; p <= 100; p += 20) {
    s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#444\"/>", px(p / 100.0), y, y + 4);
    s += text(px(p / 100.0), y + 16, fmt::format("{}%", p));
  }
  s += "</svg><div class=\"legend\">";
  for (const CpuCategory& k : kCpuCategories) s += fmt::format("<span style=\"color:{}\">&#9632;</span> {} ", k.colour, k.name);
  return s + "</div>";
}

std::string deadline_table(const RunResult& r) {
  std::string rows;
  for (std::size_t t = 0; t < r.results.front().tasks.size(); ++t) {
    bool any = false;
    for (const ModelResult& m : r.results) any = any || m.tasks[t].deadline_misses > 0;
    if (!any) continue;
    rows += "<tr><td>" + esc(r.results.front().tasks[t].name) + "</td>";
    for (const ModelResult& m : r.results) rows += fmt::format("<td>{}</td>", m.tasks[t].deadline_misses);
    rows += "</tr>";
  }
  if (rows.empty()) return "<p>No deadline misses (a task counts them with <code>periodic: {deadline: D}</code>).</p>";
  return "<table>" + header_row(r, "task") + rows + "</table>";
}

std::string lock_table(const RunResult& r) {
  std::map<std::string, std::vector<const LockResult*>> by_name;
  for (std::size_t m = 0; m < r.results.size(); ++m)
    for (const LockResult& l : r.results[m].locks) {
      auto& v = by_name[l.name];
      v.resize(r.results.size(), nullptr);
      v[m] = &l;
    }
  if (by_name.empty()) return "<p>No locks in this workload.</p>";
  std::string s = "<table>" + header_row(r, "lock");
  for (const auto& entry : by_name) {
    const std::string& name = entry.first;
    const std::vector<const LockResult*>& ls = entry.second;  // (clang 14 cannot capture a structured binding)
    std::string kind;
    for (const LockResult* l : ls)
      if (l) kind = l->kind;
    s += fmt::format("<tr><th colspan=\"{}\" style=\"text-align:left\">{} <small>{}</small></th></tr>", r.results.size() + 1, esc(name), esc(kind));
    auto row = [&](const char* label, auto f) {
      s += fmt::format("<tr><td>{}</td>", label);
      for (const LockResult* l : ls) s += "<td>" + esc(l ? f(*l) : std::string("-")) + "</td>";
      s += "</tr>";
    };
    row("acquired / contended", [](const LockResult& l) { return fmt::format("{} / {}", l.acquisitions, l.contended); });
    row("total wait", [](const LockResult& l) { return format_time_short(l.total_wait); });
    row("max wait", [](const LockResult& l) { return format_time_short(l.max_wait); });
    row("max hold", [](const LockResult& l) { return format_time_short(l.max_hold); });
  }
  return s + "</table>";
}

// One stacked bar per explained wakeup: its parts in order, widths to scale,
// coloured by category, with a time axis.
std::string worst_case(const ModelResult& m) {
  std::string s;
  for (const WorstCaseExplanation& e : m.explanations) {
    s += fmt::format("<div class=\"worst\"><h4>{}: {} on CPU {}</h4>", esc(e.task), esc(format_time(e.latency)), e.cpu);
    constexpr int W = 700, X0 = 10;
    s += fmt::format("<svg width=\"{}\" height=\"44\">", W + 2 * X0);
    double x = X0;
    for (const auto& [what, d] : e.parts) {
      const double w = e.latency.count() > 0 ? static_cast<double>(d.count()) / static_cast<double>(e.latency.count()) * W : 0;
      s += fmt::format("<rect x=\"{:.1f}\" y=\"2\" width=\"{:.1f}\" height=\"18\" fill=\"{}\"><title>{}: {}</title></rect>", x, std::max(w, 1.0),
                       category_colour(what), esc(what), esc(format_time(d)));
      x += w;
    }
    for (double v : ticks(static_cast<double>(e.latency.count()))) {
      if (v > static_cast<double>(e.latency.count()) * 1.0001) break;
      const double tx = X0 + v / static_cast<double>(e.latency.count()) * W;
      s += fmt::format("<line x1=\"{0:.1f}\" y1=\"22\" x2=\"{0:.1f}\" y2=\"26\" stroke=\"#444\"/>", tx);
      s += text(tx, 38, format_time_short(Time::ns(static_cast<std::int64_t>(v))));
    }
    s += "</svg><ul>";
    for (const auto& [what, d] : e.parts)
      s += fmt::format("<li><span style=\"color:{}\">&#9632;</span> {} &mdash; {}</li>", category_colour(what), esc(format_time_short(d)), esc(what));
    s += "</ul><p class=\"why\">why: " + esc(e.why) + "</p></div>";
  }
  return s;
}

// Response time: the parts of a job (ResponseShares), one fixed colour each.
struct ResponsePart {
  const char* name;
  Time ResponseShares::*field;
  const char* colour;
};
constexpr ResponsePart kResponseParts[] = {{"running", &ResponseShares::running, "#6baed6"},
                                           {"runnable", &ResponseShares::runnable, "#fdae6b"},
                                           {"preempted", &ResponseShares::preempted, "#e6550d"},
                                           {"lock", &ResponseShares::lock_blocked, "#756bb1"},
                                           {"blocked", &ResponseShares::blocked, "#969696"},
                                           {"irq", &ResponseShares::interrupts, "#d62728"}};

// Per task with jobs: p50/p99/max and deadline misses per model, then one
// stacked bar per model: where its jobs' response time went (all jobs summed, 0-100 %).
std::string response_section(const RunResult& r) {
  std::string s;
  for (std::size_t t = 0; t < r.results.front().tasks.size(); ++t) {
    bool any = false;
    for (const ModelResult& m : r.results) any = any || m.tasks[t].response.count() > 0;
    if (!any) continue;
    s += fmt::format("<h3 class=\"response\">{}</h3><table>", esc(r.results.front().tasks[t].name)) + header_row(r);
    auto row = [&](const char* name, auto f) {
      s += fmt::format("<tr><td>{}</td>", name);
      for (const ModelResult& m : r.results) s += "<td>" + esc(f(m.tasks[t])) + "</td>";
      s += "</tr>";
    };
    auto q = [](const TaskResult& x, double p) { return x.response.count() ? format_time_short(x.response.percentile(p)) : std::string("-"); };
    row("jobs", [](const TaskResult& x) { return std::to_string(x.response.count()); });
    row("p50", [&](const TaskResult& x) { return q(x, 0.5); });
    row("p99", [&](const TaskResult& x) { return q(x, 0.99); });
    row("max", [](const TaskResult& x) { return x.response.count() ? format_time_short(x.response.max()) : std::string("-"); });
    row("deadline misses", [](const TaskResult& x) { return std::to_string(x.response_misses); });
    s += "</table>";
    constexpr int W = 740, L = 120, bar = 16, gap = 6;
    const int H = static_cast<int>(r.results.size()) * (bar + gap) + 30;
    auto px = [&](double f) { return L + f * (W - L - 20); };
    s += fmt::format("<svg class=\"responsesplit\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", W, H, W, H);
    int y = 4;
    for (const ModelResult& m : r.results) {
      const ResponseShares& sh = m.tasks[t].response_shares;
      const Time total = sh.total();
      s += text(L - 6, y + 12, m.model, "end");
      double x = 0;
      for (const ResponsePart& k : kResponseParts) {
        const double f = total.count() > 0 ? static_cast<double>((sh.*k.field).count()) / static_cast<double>(total.count()) : 0;
        if (f <= 0) continue;
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{} {}: {} ({:.1f}%)</title></rect>", px(x), y,
                         px(x + f) - px(x), bar, k.colour, m.model, k.name, format_time_short(sh.*k.field), 100 * f);
        x += f;
      }
      y += bar + gap;
    }
    for (int p = 0; p <= 100; p += 20) {
      s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#444\"/>", px(p / 100.0), y, y + 4);
      s += text(px(p / 100.0), y + 16, fmt::format("{}%", p));
    }
    s += "</svg>";
  }
  if (s.empty()) return "<p>No jobs (a job is a periodic wakeup, or a wait a device or another task ends).</p>";
  s += "<div class=\"legend\">share of the response time, all jobs: ";
  for (const ResponsePart& k : kResponseParts) s += fmt::format("<span style=\"color:{}\">&#9632;</span> {} ", k.colour, k.name);
  return s + "</div>";
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
    // the task with the largest worst wakeup in any model, and when its spikes happened
    std::size_t worst = 0;
    Time worst_max;
    for (const ModelResult& m : r.results)
      for (std::size_t t = 0; t < m.tasks.size(); ++t)
        if (m.tasks[t].wakeup_latency.count() && m.tasks[t].wakeup_latency.max() > worst_max) {
          worst_max = m.tasks[t].wakeup_latency.max();
          worst = t;
        }
    const std::string tl = worst_max > Time() ? timeline_svg(r, worst) : "";
    if (!tl.empty())
      s += "<h2>Latency over time</h2><p>" + esc(r.results.front().tasks[worst].name) +
           " (the task with the largest wakeup latency): the largest sample of each interval, per model.</p>" + tl;
    s += "<h2>Response time</h2>" + response_section(r);
    s += "<h2>Deadline misses</h2>" + deadline_table(r);
    s += "<h2>Locks</h2>" + lock_table(r);
    s += "<h2>Throughput</h2>" + cpu_table(r);
    s += "<h2>CPU time per CPU</h2>" + cpu_split_svg(r);
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
