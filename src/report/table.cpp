// Text table report: per-task and per-CPU rows with one aligned column per model.
#include "report/table.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace preemptsim {

std::string format_time_short(Time t) {
  const std::int64_t v = t.count();
  const char* sign = v < 0 ? "-" : "";
  // Magnitude as unsigned so that INT64_MIN does not overflow.
  const std::uint64_t a = v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v)
                                 : static_cast<std::uint64_t>(v);
  if (a < 1000) return fmt::format("{}{} ns", sign, a);
  struct Unit {
    std::uint64_t ns;  // nanoseconds per unit
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1000, "us"}, {1000000, "ms"}, {1000000000, "s"}};
  for (std::size_t i = 0; i < std::size(kUnits); ++i) {
    const std::uint64_t per_milli = kUnits[i].ns / 1000;  // ns per 0.001 unit
    const std::uint64_t milli = a / per_milli + (a % per_milli >= (per_milli + 1) / 2 ? 1 : 0);
    const bool last = i + 1 == std::size(kUnits);
    if (milli < 1000000 || last)  // below 1000 units, or no larger unit
      return fmt::format("{}{}.{:03d} {}", sign, milli / 1000, milli % 1000, kUnits[i].name);
  }
  return {};  // unreachable
}

namespace {

struct Row {
  std::string label;               // without indentation
  std::vector<std::string> cells;  // one per model
};

struct Section {
  std::string title;
  std::vector<Row> rows;
};

// Display width of a UTF-8 string: the number of code points.
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

void pad_to(std::string& line, std::size_t width) {
  const std::size_t w = display_width(line);
  if (w < width) line.append(width - w, ' ');
}

void rstrip(std::string& s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
}

// part/whole as a percentage with one decimal, rounded half up ("25.0%").
std::string percent(Time part, Time whole) {
  if (whole.count() <= 0) return {};
  const __int128 p = part.count();
  const __int128 w = whole.count();
  __int128 tenths = (p * 1000 + (p >= 0 ? w / 2 : -w / 2)) / w;
  const char* sign = tenths < 0 ? "-" : "";
  if (tenths < 0) tenths = -tenths;
  const auto t = static_cast<std::uint64_t>(tenths);
  return fmt::format("{}{}.{}%", sign, t / 10, t % 10);
}

// A task is identified across models by its name and, should a workload ever
// repeat a name, by which occurrence of that name it is.
using TaskKey = std::pair<std::string, std::size_t>;

// Each task's key (name, occurrence of that name), in task order: linear
// in tasks through a count per name.
std::vector<TaskKey> own_keys(const ModelResult& m) {
  std::vector<TaskKey> keys;
  keys.reserve(m.tasks.size());
  std::unordered_map<std::string, std::size_t> seen;
  for (const TaskResult& t : m.tasks) keys.emplace_back(t.name, seen[t.name]++);
  return keys;
}

struct TaskKeyHash {
  std::size_t operator()(const TaskKey& k) const noexcept { return std::hash<std::string>{}(k.first) * 31 + k.second; }
};

// The distinct keys over all models, in first-appearance order, and for each
// model the index of each key's task (none where that model lacks it):
// O(tasks x models) with hashing.
struct TaskIndex {
  std::vector<TaskKey> keys;
  std::vector<std::vector<std::optional<std::size_t>>> of_model;  // [model][key]
};

TaskIndex index_tasks(const RunResult& r) {
  TaskIndex ix;
  std::unordered_map<TaskKey, std::size_t, TaskKeyHash> pos;
  std::vector<std::vector<TaskKey>> own;
  for (const ModelResult& m : r.results) {
    own.push_back(own_keys(m));
    for (const TaskKey& k : own.back())
      if (pos.emplace(k, ix.keys.size()).second) ix.keys.push_back(k);
  }
  for (const std::vector<TaskKey>& keys : own) {
    std::vector<std::optional<std::size_t>> idx(ix.keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) idx[pos.at(keys[i])] = i;
    ix.of_model.push_back(std::move(idx));
  }
  return ix;
}

Section task_section(const RunResult& r, const TaskIndex& ix, std::size_t k, bool locks) {
  const TaskKey& key = ix.keys[k];
  const std::size_t n = r.results.size();
  std::vector<const TaskResult*> t(n, nullptr);
  for (std::size_t m = 0; m < n; ++m)
    if (const auto i = ix.of_model[m][k]) t[m] = &r.results[m].tasks[*i];

  Section s;
  s.title = "task " + key.first;
  for (const TaskResult* p : t) {
    if (p) {
      if (!p->sched.empty()) s.title += "  " + p->sched;
      break;
    }
  }

  // Adds a row whose cell is f(task) where the model has the task, "" otherwise.
  auto row = [&](std::string label, auto f) {
    Row rw{std::move(label), {}};
    for (const TaskResult* p : t) rw.cells.push_back(p ? f(*p) : std::string());
    s.rows.push_back(std::move(rw));
  };
  auto latency = [&](std::string label, auto get) {
    row(std::move(label), [&](const TaskResult& x) -> std::string {
      if (x.wakeup_latency.count() == 0) return "-";
      return format_time_short(get(x.wakeup_latency));
    });
  };

  row("wakeups", [](const TaskResult& x) { return fmt::format("{}", x.wakeup_latency.count()); });
  latency("latency min", [](const LatencyHistogram& h) { return h.min(); });
  latency("latency avg", [](const LatencyHistogram& h) { return h.mean(); });
  latency("latency p50", [](const LatencyHistogram& h) { return h.percentile(0.50); });
  latency("latency p90", [](const LatencyHistogram& h) { return h.percentile(0.90); });
  latency("latency p99", [](const LatencyHistogram& h) { return h.percentile(0.99); });
  latency("latency p99.9", [](const LatencyHistogram& h) { return h.percentile(0.999); });
  latency("latency p99.99", [](const LatencyHistogram& h) { return h.percentile(0.9999); });
  latency("latency max", [](const LatencyHistogram& h) { return h.max(); });
  // timerlat's split: expiry -> the hrtimer callback (IRQ latency).
  row("irq latency p99", [](const TaskResult& x) {
    return x.irq_latency.count() ? format_time_short(x.irq_latency.percentile(0.99)) : std::string("-");
  });
  row("irq latency max", [](const TaskResult& x) {
    return x.irq_latency.count() ? format_time_short(x.irq_latency.max()) : std::string("-");
  });
  row("exit", [](const TaskResult& x) { return x.exit ? format_time_short(*x.exit) : "-"; });
  row("cpu time", [](const TaskResult& x) { return format_time_short(x.cpu_time); });
  row("loops", [](const TaskResult& x) { return fmt::format("{}", x.loops); });
  // A throughput task's rates: work done per second of its life (to its
  // exit, or the whole run), as a share of one CPU, and loop iterations per second.
  bool rate = false;
  for (const TaskResult* p : t) rate = rate || (p && p->throughput);
  auto per_life = [&r](const TaskResult& x, double amount) {
    const Time life = x.exit ? *x.exit : r.duration;
    return amount / (static_cast<double>(life.count()) / 1e9);
  };
  if (rate) {
    row("work rate", [&](const TaskResult& x) -> std::string {
      if (!x.throughput || (x.exit ? *x.exit : r.duration) <= Time()) return "-";
      return fmt::format("{:.2f}% of a CPU", 100.0 * per_life(x, static_cast<double>(x.work.count()) / 1e9));
    });
    row("loop rate", [&](const TaskResult& x) -> std::string {
      if (!x.throughput || (x.exit ? *x.exit : r.duration) <= Time()) return "-";
      return fmt::format("{:.1f}/s", per_life(x, static_cast<double>(x.loops)));
    });
  }
  row("migrations", [](const TaskResult& x) { return fmt::format("{}", x.migrations); });
  row("switches vol/invol",
      [](const TaskResult& x) { return fmt::format("{}/{}", x.nvcsw, x.nivcsw); });
  // Lock rows only where the workload has locks; deadline rows where it has deadlines.
  bool deadlines = false;
  for (const TaskResult* p : t) deadlines = deadlines || (p && p->deadline_misses > 0);
  if (locks) {
    row("lock wait", [](const TaskResult& x) { return format_time_short(x.lock_wait); });
    row("boosts / boosted", [](const TaskResult& x) { return fmt::format("{} / {}", x.pi_boosts, format_time_short(x.boosted)); });
  }
  if (deadlines) row("deadline misses", [](const TaskResult& x) { return fmt::format("{}", x.deadline_misses); });
  bool overruns = false;
  for (const TaskResult* p : t) overruns = overruns || (p && p->overruns > 0);
  if (overruns) row("overruns", [](const TaskResult& x) { return fmt::format("{}", x.overruns); });
  bool dl = false;  // SCHED_DEADLINE: throttled (replenishment timers waited for) and runtime overruns
  for (const TaskResult* p : t) dl = dl || (p && p->sched.rfind("SCHED_DEADLINE", 0) == 0);
  if (dl) row("dl throttled/overruns", [](const TaskResult& x) { return fmt::format("{}/{}", x.dl_throttled, x.dl_overruns); });
  // Device wakeups: the worst one split along its path; response time per job.
  bool irq_wakes = false, jobs = false;
  for (const TaskResult* p : t) irq_wakes = irq_wakes || (p && p->irq_wake_worst), jobs = jobs || (p && p->response.count() > 0);
  if (irq_wakes) {
    row("irq wakeup via", [](const TaskResult& x) { return x.irq_wake_worst ? x.irq_wake_worst->via : std::string("-"); });
    auto part = [&](std::string label, auto get) {
      row(std::move(label), [&](const TaskResult& x) { return x.irq_wake_worst ? format_time_short(get(*x.irq_wake_worst)) : std::string("-"); });
    };
    part("irq wakeup worst", [](const IrqWakeParts& w) { return w.total(); });
    part("  irq latency", [](const IrqWakeParts& w) { return w.irq_latency; });
    part("  hard handler", [](const IrqWakeParts& w) { return w.handler; });
    part("  thread/softirq", [](const IrqWakeParts& w) { return w.deferred; });
    part("    until it ran", [](const IrqWakeParts& w) { return w.deferred_wait; });  // the deferred stage's wakeup/switch-in
    part("  task wakeup", [](const IrqWakeParts& w) { return w.task_wakeup; });
  }
  if (jobs) {
    auto resp = [&](std::string label, auto get) {
      row(std::move(label), [&](const TaskResult& x) { return x.response.count() ? format_time_short(get(x.response)) : std::string("-"); });
    };
    row("jobs", [](const TaskResult& x) { return fmt::format("{}", x.response.count()); });
    resp("response avg", [](const LatencyHistogram& h) { return h.mean(); });
    resp("response p99", [](const LatencyHistogram& h) { return h.percentile(0.99); });
    resp("response max", [](const LatencyHistogram& h) { return h.max(); });
    row("response misses", [](const TaskResult& x) { return fmt::format("{}", x.response_misses); });
    // The share of the summed response time spent other than running.
    auto share = [&](std::string label, Time ResponseShares::*part) {
      row(std::move(label), [part](const TaskResult& x) -> std::string {
        const Time total = x.response_shares.total();
        if (total <= Time()) return "-";
        return fmt::format("{:.1f}%", 100.0 * static_cast<double>((x.response_shares.*part).count()) / static_cast<double>(total.count()));
      });
    };
    share("  running", &ResponseShares::running);
    share("  runnable", &ResponseShares::runnable);
    share("  preempted", &ResponseShares::preempted);
    share("  blocked on locks", &ResponseShares::lock_blocked);
    share("  blocked", &ResponseShares::blocked);
    share("  interrupts", &ResponseShares::interrupts);
  }

  // One row per mark name seen in any model, in name order.
  std::vector<std::string> marks;
  for (const TaskResult* p : t)
    if (p)
      for (const auto& [name, times] : p->marks)
        if (std::find(marks.begin(), marks.end(), name) == marks.end()) marks.push_back(name);
  std::sort(marks.begin(), marks.end());
  for (const std::string& name : marks) {
    row("mark " + name, [&](const TaskResult& x) -> std::string {
      const auto it = x.marks.find(name);
      if (it == x.marks.end() || it->second.count == 0) return "-";
      return fmt::format("n={} last {}", it->second.count, format_time_short(it->second.last));
    });
  }
  return s;
}

// Per model, the work the workload got done against the latency it saw,
// each relative to the first model: the trade-off the models make. Work is
// work completed (run/busy steps, loop iterations, the makespan of tasks that
// finished), not CPU time: a task that sleeps does not gain when it wakes
// sooner. The CPU split says where the capacity went.
Section summary_section(const RunResult& r) {
  Section s;
  s.title = "summary (relative to " + (r.results.empty() ? std::string("-") : r.results.front().model) + ")";
  struct Totals {
    Time cpu, work, overhead, worst, makespan, rate_work;
    std::size_t rate_tasks = 0;
    Time user, kernel, hardirq, softirq, irqthread, sched, idle;
    std::uint64_t loops = 0, switches = 0;
    std::size_t finished = 0, tasks = 0;
  };
  std::vector<Totals> t;
  for (const ModelResult& m : r.results) {
    Totals x;
    for (const TaskResult& task : m.tasks) {
      x.cpu += task.cpu_time;
      x.work += task.work;
      x.loops += task.loops;
      if (task.throughput) {
        x.rate_work += task.work;
        ++x.rate_tasks;
      }
      x.switches += task.nvcsw + task.nivcsw;
      ++x.tasks;
      if (task.exit) {
        ++x.finished;
        x.makespan = std::max(x.makespan, *task.exit);
      }
      if (task.wakeup_latency.count()) x.worst = std::max(x.worst, task.wakeup_latency.max());
    }
    for (const CpuResult& c : m.cpus) {
      x.overhead += c.hardirq + c.softirq + c.irqthread + c.sched;
      x.user += c.user;
      x.kernel += c.kernel;
      x.hardirq += c.hardirq;
      x.softirq += c.softirq;
      x.irqthread += c.irqthread;
      x.sched += c.sched;
      x.idle += c.idle;
    }
    t.push_back(x);
  }
  auto rel = [](double a, double b) { return b > 0 ? fmt::format("{:+.2f}%", (a / b - 1.0) * 100.0) : std::string("-"); };
  auto row = [&](std::string label, auto f) {
    Row rw{std::move(label), {}};
    for (std::size_t i = 0; i < t.size(); ++i) rw.cells.push_back(f(t[i], t.front()));
    s.rows.push_back(std::move(rw));
  };
  const Time capacity = r.duration * r.cpus;
  row("work done", [&](const Totals& x, const Totals& f) {
    return fmt::format("{} ({})", format_time_short(x.work), rel(static_cast<double>(x.work.count()), static_cast<double>(f.work.count())));
  });
  row("loop iterations", [&](const Totals& x, const Totals& f) {
    return fmt::format("{} ({})", x.loops, rel(static_cast<double>(x.loops), static_cast<double>(f.loops)));
  });
  // The throughput tasks' own work (`throughput: true`, batch, never blocked).
  bool any_rate = false;
  for (const Totals& x : t) any_rate = any_rate || x.rate_tasks > 0;
  if (any_rate)
    row("throughput tasks", [&](const Totals& x, const Totals& f) {
      return fmt::format("{} in {} ({})", format_time_short(x.rate_work), x.rate_tasks,
                         rel(static_cast<double>(x.rate_work.count()), static_cast<double>(f.rate_work.count())));
    });
  // Only when some task has a fixed amount of work and finished it.
  bool finished = false;
  for (const Totals& x : t) finished = finished || x.finished > 0;
  if (finished)
    row("makespan", [&](const Totals& x, const Totals& f) -> std::string {
      if (x.finished < x.tasks) return fmt::format("- ({}/{} finished)", x.finished, x.tasks);
      if (f.finished < f.tasks) return format_time_short(x.makespan);
      return fmt::format("{} ({})", format_time_short(x.makespan), rel(static_cast<double>(x.makespan.count()), static_cast<double>(f.makespan.count())));
    });
  row("task CPU time", [&](const Totals& x, const Totals&) { return fmt::format("{} ({})", format_time_short(x.cpu), percent(x.cpu, capacity)); });
  auto split = [&](std::string label, Time Totals::*field) {
    row(std::move(label), [&, field](const Totals& x, const Totals&) { return fmt::format("{} ({})", format_time_short(x.*field), percent(x.*field, capacity)); });
  };
  split("cpu user", &Totals::user);
  split("cpu kernel", &Totals::kernel);
  split("cpu hardirq", &Totals::hardirq);
  split("cpu softirq", &Totals::softirq);
  split("cpu irq threads", &Totals::irqthread);
  split("cpu switches", &Totals::sched);
  split("cpu idle", &Totals::idle);
  row("kernel overhead", [&](const Totals& x, const Totals&) { return fmt::format("{} ({})", format_time_short(x.overhead), percent(x.overhead, capacity)); });
  row("overhead added", [&](const Totals& x, const Totals& f) {
    const Time d = x.overhead - f.overhead;
    return fmt::format("{}{}", d < Time() ? "-" : "+", format_time_short(d < Time() ? Time() - d : d));
  });
  row("task switches", [&](const Totals& x, const Totals&) { return fmt::format("{}", x.switches); });
  row("worst latency", [&](const Totals& x, const Totals& f) {
    if (x.worst == Time()) return std::string("-");
    if (f.worst == Time()) return format_time_short(x.worst);
    return fmt::format("{} (x{:.3g})", format_time_short(x.worst), static_cast<double>(x.worst.count()) / static_cast<double>(f.worst.count()));
  });
  return s;
}

// "lock L  mutex": acquisitions, contention, waits and the longest hold, per model.
Section lock_section(const RunResult& r, const std::string& name) {
  Section s;
  s.title = "lock " + name;
  std::vector<const LockResult*> l;
  for (const ModelResult& m : r.results) {
    const LockResult* found = nullptr;
    for (const LockResult& x : m.locks)
      if (x.name == name) found = &x;
    l.push_back(found);
  }
  for (const LockResult* p : l)
    if (p) {
      s.title += "  " + p->kind;
      break;
    }
  auto row = [&](std::string label, auto f) {
    Row rw{std::move(label), {}};
    for (const LockResult* p : l) rw.cells.push_back(p ? f(*p) : std::string());
    s.rows.push_back(std::move(rw));
  };
  row("acquisitions", [](const LockResult& x) { return fmt::format("{}", x.acquisitions); });
  row("contended", [](const LockResult& x) { return fmt::format("{}", x.contended); });
  row("wait total", [](const LockResult& x) { return format_time_short(x.total_wait); });
  row("wait max", [](const LockResult& x) { return format_time_short(x.max_wait); });
  row("hold max", [](const LockResult& x) { return format_time_short(x.max_hold); });
  return s;
}

Section cpu_section(const RunResult& r, int cpu) {
  const std::size_t n = r.results.size();
  std::vector<const CpuResult*> c(n, nullptr);
  for (std::size_t m = 0; m < n; ++m)
    for (const CpuResult& x : r.results[m].cpus)
      if (x.cpu == cpu) {
        c[m] = &x;
        break;
      }

  Section s;
  s.title = fmt::format("cpu {}", cpu);
  auto row = [&](std::string label, auto f) {
    Row rw{std::move(label), {}};
    for (const CpuResult* p : c) rw.cells.push_back(p ? f(*p) : std::string());
    s.rows.push_back(std::move(rw));
  };
  auto share = [&](std::string label, Time CpuResult::*field) {
    row(std::move(label), [&](const CpuResult& x) {
      const std::string pc = percent(x.*field, r.duration);
      return pc.empty() ? format_time_short(x.*field)
                        : fmt::format("{} ({})", format_time_short(x.*field), pc);
    });
  };
  share("user", &CpuResult::user);
  share("kernel", &CpuResult::kernel);
  share("hardirq", &CpuResult::hardirq);
  share("softirq", &CpuResult::softirq);
  share("irq threads", &CpuResult::irqthread);
  share("sched", &CpuResult::sched);
  share("idle", &CpuResult::idle);
  row("irqs", [](const CpuResult& x) { return fmt::format("{}", x.irqs); });
  row("softirq runs", [](const CpuResult& x) { return fmt::format("{}", x.softirqs); });
  row("context switches", [](const CpuResult& x) { return fmt::format("{}", x.switches); });
  row("IPIs received", [](const CpuResult& x) { return fmt::format("{}", x.ipis); });
  bool smis = false, idle_states = false;
  for (const CpuResult* p : c) {
    smis = smis || (p && p->smis);
    idle_states = idle_states || (p && !p->idle_states.empty());
  }
  if (smis)
    row("SMIs (stolen)", [](const CpuResult& x) { return fmt::format("{} ({})", x.smis, format_time_short(x.smi_stolen)); });
  if (idle_states)  // cpuidle usage per state, as cpuN/cpuidle/stateK/usage
    row("idle states (usage)", [](const CpuResult& x) {
      std::string cell;
      for (const CpuResult::IdleState& st : x.idle_states) cell += fmt::format("{}{} {}", cell.empty() ? "" : ", ", st.name, st.usage);
      return cell;
    });
  return s;
}

}  // namespace

void write_table(std::ostream& out, const RunResult& r) {
  std::string text = fmt::format("preemptsim: {}  seed {}  simulated {}  {} CPU{}  HZ {}\n",
                                 r.workload, r.seed, format_time_short(r.duration), r.cpus,
                                 r.cpus == 1 ? "" : "s", r.hz);

  std::vector<Section> sections;
  if (!r.results.empty()) sections.push_back(summary_section(r));
  const TaskIndex ix = index_tasks(r);
  bool locks = false;
  for (const ModelResult& m : r.results) locks = locks || !m.locks.empty();
  for (std::size_t k = 0; k < ix.keys.size(); ++k) sections.push_back(task_section(r, ix, k, locks));
  std::vector<std::string> lock_names;  // name order (each model lists its locks by name)
  for (const ModelResult& m : r.results)
    for (const LockResult& l : m.locks)
      if (std::find(lock_names.begin(), lock_names.end(), l.name) == lock_names.end()) lock_names.push_back(l.name);
  std::sort(lock_names.begin(), lock_names.end());
  for (const std::string& name : lock_names) sections.push_back(lock_section(r, name));
  std::vector<int> cpus;
  for (const ModelResult& m : r.results)
    for (const CpuResult& x : m.cpus) cpus.push_back(x.cpu);
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  for (int cpu : cpus) sections.push_back(cpu_section(r, cpu));

  // One layout for the whole table: every section lines up with the others.
  constexpr std::size_t kIndent = 2, kGap = 2;
  std::size_t label_w = 20;
  std::size_t cell_w = 10;
  for (const ModelResult& m : r.results) cell_w = std::max(cell_w, display_width(m.model));
  for (const Section& s : sections)
    for (const Row& rw : s.rows) {
      label_w = std::max(label_w, display_width(rw.label));
      for (const std::string& c : rw.cells) cell_w = std::max(cell_w, display_width(c));
    }
  const std::size_t first_col = kIndent + label_w + kGap;
  const std::size_t col_w = cell_w + kGap;

  auto emit = [&](const std::string& label, const std::vector<std::string>& cells) {
    std::string line(kIndent, ' ');
    line += label;
    pad_to(line, first_col);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      pad_to(line, first_col + (i + 1) * col_w);
    }
    rstrip(line);
    text += line;
    text += '\n';
  };

  std::vector<std::string> models;
  for (const ModelResult& m : r.results) models.push_back(m.model);
  for (const Section& s : sections) {
    text += '\n';
    text += s.title;
    text += '\n';
    emit("", models);
    for (const Row& rw : s.rows) emit(rw.label, rw.cells);
  }

  // Why the worst wakeups: one paragraph per model, a few lines per task.
  for (const ModelResult& m : r.results) {
    if (m.explanations.empty()) continue;
    text += fmt::format("\nworst wakeups, model {}\n", m.model);
    for (const WorstCaseExplanation& e : m.explanations) {
      text += fmt::format("  {}: {} on CPU {} (timer expiry at {})\n", e.task, format_time(e.latency), e.cpu, format_time(e.expiry));
      for (const auto& [what, d] : e.parts) text += fmt::format("    {:>14}  {}\n", format_time_short(d), what);
      text += fmt::format("    why: {}\n", e.why);
    }
  }

  bool any_bugs = false;
  for (const ModelResult& m : r.results) any_bugs = any_bugs || !m.bugs.empty();
  if (any_bugs) {
    text += "\nbugs\n";
    for (const ModelResult& m : r.results) {
      if (m.bugs.empty()) continue;
      const std::uint64_t total = std::max<std::uint64_t>(m.bugs_total, m.bugs.size());
      text += fmt::format("  {}: {} report{}{}{}\n", m.model, total, total == 1 ? "" : "s",
                          total > m.bugs.size() ? fmt::format(" (the first {} shown)", m.bugs.size()) : std::string(),
                          m.stopped_at ? fmt::format(" (run stopped at {})", format_time(*m.stopped_at)) : std::string());
      for (const BugReport& b : m.bugs) {
        text += fmt::format("    at {}\n", format_time(b.time));
        // The report's own lines, indented; trailing blank lines dropped.
        std::string body = b.text;
        while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
        std::size_t pos = 0;
        while (pos <= body.size() && !body.empty()) {
          std::size_t nl = body.find('\n', pos);
          if (nl == std::string::npos) nl = body.size();
          std::string line = "      " + body.substr(pos, nl - pos);
          rstrip(line);
          text += line;
          text += '\n';
          pos = nl + 1;
        }
      }
    }
  }
  out << text;
}

}  // namespace preemptsim
