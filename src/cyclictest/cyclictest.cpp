// The simulated cyclictest: option helpers, building the measurement threads,
// gathering cyclictest's statistics and printing its formats.
#include "cyclictest/cyclictest.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "kernel/preempt_model.h"
#include "kernel/task.h"

namespace preemptsim {

namespace {
const SourceLoc kCmdline{"cyclictest command line", 0, 0};

std::int64_t parse_int(const std::string& s, const SourceLoc& where, const std::string& what) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size()) throw_workload_error(where, fmt::format("{}: '{}' is not a whole number", what, s));
  return v;
}
}  // namespace

std::vector<int> parse_cpuset(const std::string& text, const SourceLoc& where) {
  std::vector<int> cpus;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::size_t dash = part.find('-');
    const std::int64_t lo = parse_int(part.substr(0, dash), where, "-a CPUSET");
    const std::int64_t hi = dash == std::string::npos ? lo : parse_int(part.substr(dash + 1), where, "-a CPUSET");
    if (lo < 0 || hi < lo || hi >= MAX_CPUS) throw_workload_error(where, fmt::format("-a: bad CPU range '{}'", part));
    for (std::int64_t c = lo; c <= hi; ++c) cpus.push_back(static_cast<int>(c));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cpus;
}

Time parse_cyclictest_duration(const std::string& text, const SourceLoc& where) {
  std::string num = text;
  std::int64_t mult = 1;
  if (!num.empty()) {
    switch (num.back()) {
      case 's': case 'S': mult = 1; num.pop_back(); break;
      case 'm': case 'M': mult = 60; num.pop_back(); break;
      case 'h': case 'H': mult = 3600; num.pop_back(); break;
      case 'd': case 'D': mult = 86400; num.pop_back(); break;
      default: break;
    }
  }
  const std::int64_t v = parse_int(num, where, "-D");
  if (v <= 0) throw_workload_error(where, fmt::format("-D: the duration must be positive, got '{}'", text));
  return Time::ns(v * mult * 1'000'000'000);
}

namespace {
// The number of distinct CPUs in -a's set (cyclictest's get_available_cpus()).
int cpus_in_set(const std::vector<int>& set) {
  std::vector<int> s = set;
  std::sort(s.begin(), s.end());
  return static_cast<int>(std::unique(s.begin(), s.end()) - s.begin());
}
}  // namespace

std::vector<std::string> cyclictest_adjust(CyclictestOptions& o, int cpus) {
  std::vector<std::string> msgs;
  if (o.smp && !o.affinity_set.empty()) o.affinity_set.clear();  // "-a ignored due to smp mode"
  const int nthreads = o.smp ? cpus : o.threads_per_cpu ? (o.affinity_set.empty() ? cpus : cpus_in_set(o.affinity_set)) : o.threads;
  const bool rt_policy = o.policy == "fifo" || o.policy == "rr";
  // -p sets SCHED_FIFO as it is parsed; a priority from anywhere else meets the default SCHED_OTHER
  const bool defaulted = o.priospread && o.priority == 0;
  if (defaulted) {
    msgs.push_back(fmt::format("defaulting realtime priority to {}", nthreads + 1));
    o.priority = nthreads + 1;
  }
  if (o.priority != 0 && !rt_policy && (defaulted || !o.policy.empty())) {
    msgs.push_back("policy and priority don't match: setting policy to SCHED_FIFO");
    o.policy = "fifo";
  }
  if (rt_policy && o.priority == 0) {
    msgs.push_back(fmt::format("defaulting realtime priority to {}", nthreads + 1));
    o.priority = nthreads + 1;
  }
  return msgs;
}

Scenario make_cyclictest_scenario(const CyclictestOptions& o, std::optional<Scenario> load) {
  Scenario sc;
  if (load) {
    sc = std::move(*load);
  } else {
    sc.file = "cyclictest";
    for (const PreemptModel& m : preempt_models()) sc.system.models.emplace_back(m.name);
  }
  int max_cpu = 0;
  for (int c : o.affinity_set) max_cpu = std::max(max_cpu, c);
  if (o.cpus > 0) {
    if (load && o.cpus != sc.system.cpus)
      throw_workload_error(kCmdline, fmt::format("--cpus {} differs from the load's system.cpus {}", o.cpus, sc.system.cpus));
    sc.system.cpus = o.cpus;
  } else if (!load) {
    sc.system.cpus = max_cpu + 1;  // enough for -a; --cpus for more
  }
  if (max_cpu >= sc.system.cpus)
    throw_workload_error(kCmdline, fmt::format("-a: CPU {} does not exist: the simulated system has {} CPU(s) (see --cpus)", max_cpu, sc.system.cpus));

  // -t alone: one thread per CPU of -a's set, else per CPU (get_available_cpus())
  const int nthreads = o.smp ? sc.system.cpus
                       : o.threads_per_cpu ? (o.affinity_set.empty() ? sc.system.cpus : cpus_in_set(o.affinity_set))
                                           : o.threads;
  if (nthreads < 1) throw_workload_error(kCmdline, "-t: at least one thread");
  if (o.interval_us <= 0) throw_workload_error(kCmdline, "-i: the interval must be positive");
  if (o.distance_us < 0) throw_workload_error(kCmdline, "-d: the distance cannot be negative");
  if (o.breaktrace_us < 0) throw_workload_error(kCmdline, "-b: the limit cannot be negative");
  if (o.aligned_us < -1) throw_workload_error(kCmdline, "-A: the offset cannot be negative");

  Policy policy = o.priority > 0 ? Policy::Fifo : Policy::Other;
  if (!o.policy.empty()) {
    if (o.policy == "fifo") policy = Policy::Fifo;
    else if (o.policy == "rr") policy = Policy::Rr;
    else if (o.policy == "other" || o.policy == "normal") policy = Policy::Other;
    else if (o.policy == "batch") policy = Policy::Batch;
    else if (o.policy == "idle") policy = Policy::Idle;
    else throw_workload_error(kCmdline, fmt::format("--policy: unknown policy '{}' (other, normal, batch, idle, fifo, rr)", o.policy));
  }
  const bool rt = policy == Policy::Fifo || policy == Policy::Rr;
  if (rt && (o.priority < 1 || o.priority > 99)) throw_workload_error(kCmdline, fmt::format("-p: priority {} is out of range for {} (1..99)", o.priority, policy_name(policy)));
  if (!rt && o.priority != 0) throw_workload_error(kCmdline, fmt::format("-p {} needs a real-time policy (fifo or rr)", o.priority));
  if (o.priospread && o.priority - (nthreads - 1) < 0)
    throw_workload_error(kCmdline, fmt::format("--priospread: thread {} would get priority {} (below 0)", nthreads - 1, o.priority - (nthreads - 1)));

  Time end;
  if (o.loops == 0 && o.duration == Time() && !load)
    throw_workload_error(kCmdline, "give -l LOOPS or -D DURATION (a simulation cannot run endlessly)");
  for (int i = 0; i < nthreads; ++i) {
    TaskSpec t;
    t.name = fmt::format("cyclictest-{}", i);
    // --priospread: thread N at -p minus N; one that reaches 0 runs SCHED_OTHER, as cyclictest's does
    const int prio = rt ? o.priority - (o.priospread ? i : 0) : 0;
    t.policy = prio > 0 ? policy : Policy::Other;
    t.priority = prio;
    t.loc = kCmdline;
    if (o.affinity || o.smp) {
      if (!o.smp && !o.affinity_set.empty())
        t.cpus = {o.affinity_set[static_cast<std::size_t>(i) % o.affinity_set.size()]};
      else
        t.cpus = {i % sc.system.cpus};
    }
    // rt-tests spreads intervals by -d only without a histogram (-h/-H runs all threads alike)
    const std::int64_t distance = o.histogram_us > 0 ? 0 : o.distance_us;
    const Time interval = Time::ns((o.interval_us + i * distance) * 1000);
    // clock_nanosleep(TIMER_ABSTIME) on a grid (-A: thread N's grid shifted by N x USEC);
    // with -r a relative sleep, so each period starts when the thread reads the clock
    Step periodic;
    periodic.kind = o.relative ? StepKind::Sleep : StepKind::Periodic;
    (o.relative ? periodic.duration : periodic.period) = interval;
    if (o.aligned_us > 0 && !o.relative) periodic.phase = Time::ns(o.aligned_us * 1000 * i);
    periodic.loc = kCmdline;
    Step loop;
    loop.kind = StepKind::Loop;
    loop.loc = kCmdline;
    if (o.loops > 0) {
      loop.count = static_cast<std::int64_t>(o.loops);
      // -r drifts by each latency: allow as long again for it
      end = std::max(end, periodic.phase + interval * static_cast<std::int64_t>(o.loops + 1) * (o.relative ? 2 : 1));
    } else {
      loop.until = o.duration > Time() ? o.duration : sc.system.duration;
    }
    loop.body.push_back(periodic);
    t.program.push_back(std::move(loop));
    sc.tasks.push_back(std::move(t));
  }
  if (o.duration > Time()) sc.system.duration = o.duration;
  else if (o.loops > 0) sc.system.duration = end;
  return sc;
}

CyclictestObserver::CyclictestObserver(const Scenario& sc, const CyclictestOptions& o) : o_(o) {
  // Measurement threads are the last tasks; workload tasks get pids from 1000 in order.
  for (std::size_t i = 0; i < sc.tasks.size(); ++i) {
    const TaskSpec& t = sc.tasks[i];
    if (t.name.rfind("cyclictest-", 0) != 0 || t.loc.file != kCmdline.file) continue;
    if (threads_.empty()) {
      first_index_ = i;
      first_pid_ = 1000 + static_cast<int>(i);
    }
    Thread th;
    th.pid = 1000 + static_cast<int>(i);
    th.name = t.name;
    th.priority = t.priority;
    const Step& wait = t.program[0].body[0];
    th.interval_us = (wait.kind == StepKind::Sleep ? wait.duration : wait.period).count() / 1000;
    th.cpu = t.cpus.size() == 1 ? t.cpus[0] : -1;
    th.hist.assign(static_cast<std::size_t>(o.histogram_us), 0);
    threads_.push_back(std::move(th));
  }
}

void CyclictestObserver::on_wakeup_latency(Time t, const Task& p, Time expiry, Time) {
  const int i = p.pid - first_pid_;
  if (p.is_idle() || i < 0 || static_cast<std::size_t>(i) >= threads_.size()) return;
  if (break_.hit) return;  // -b: every thread stopped at the break
  Thread& th = threads_[static_cast<std::size_t>(i)];
  const std::int64_t ns = (t - expiry).count();
  const std::int64_t diff = o_.nsecs ? ns : ns / 1000;  // calcdiff() truncates to us
  // -b compares the sample in the run's unit (ns with -N), as cyclictest does; the sample still counts
  if (o_.breaktrace_us > 0 && diff > o_.breaktrace_us)
    break_ = Break{.hit = true, .thread = static_cast<std::size_t>(i), .value = diff, .expiry = expiry, .at = t, .cpu = p.cpu};
  if (o_.verbose) th.values.push_back(diff);
  if (th.cycles == 0 || diff < th.min) th.min = diff;
  if (diff > th.max) th.max = diff;
  th.act = diff;
  th.sum += static_cast<double>(diff);
  if (o_.histogram_us > 0) {
    const std::int64_t bucket = o_.nsecs ? diff / 1000 : diff;
    if (bucket >= o_.histogram_us) {
      ++th.overflows;
      if (th.overflow_cycles.size() < static_cast<std::size_t>(o_.histogram_us)) th.overflow_cycles.push_back(th.cycles);
    } else {
      ++th.hist[static_cast<std::size_t>(bucket)];
    }
  }
  ++th.cycles;
}

namespace {
std::int64_t avg_of(const CyclictestObserver::Thread& th) {
  return th.cycles ? static_cast<std::int64_t>(th.sum / static_cast<double>(th.cycles)) : 0;
}
// A thread without a sample keeps cyclictest's initial minimum (stat->min = 1000000).
std::int64_t min_of(const CyclictestObserver::Thread& th) { return th.cycles ? th.min : 1000000; }
}  // namespace

// print_stat(): the us and ns variants differ in field widths.
void write_cyclictest_text(std::ostream& out, const CyclictestObserver& obs, const CyclictestOptions& o) {
  int i = 0;
  for (const auto& th : obs.threads()) {
    if (o.nsecs)
      out << fmt::format("T:{:2} ({:5}) P:{:2} I:{} C:{:7} Min:{:7} Act:{:8} Avg:{:8} Max:{:8}\n", i, th.pid, th.priority,
                         th.interval_us, th.cycles, min_of(th), th.act, avg_of(th), th.max);
    else
      out << fmt::format("T:{:2} ({:5}) P:{:2} I:{} C:{:7} Min:{:7} Act:{:5} Avg:{:5} Max:{:8}\n", i, th.pid, th.priority,
                         th.interval_us, th.cycles, min_of(th), th.act, avg_of(th), th.max);
    ++i;
  }
}

// print_hist(): one row per microsecond, threads tab-separated (with -H and
// several threads, a sum column), then the footer lines.
void write_cyclictest_histogram(std::ostream& out, const CyclictestObserver& obs, const CyclictestOptions& o) {
  const auto& ths = obs.threads();
  const bool sum_column = o.histofall && ths.size() > 1;
  out << "# Histogram\n";
  for (int b = 0; b < o.histogram_us; ++b) {
    std::string row = fmt::format("{:06d} ", b);
    std::uint64_t sum = 0;
    for (std::size_t j = 0; j < ths.size(); ++j) {
      const std::uint64_t n = ths[j].hist[static_cast<std::size_t>(b)];
      sum += n;
      row += fmt::format("{:06d}", n);
      if (j + 1 < ths.size()) row += '\t';
    }
    if (sum_column) row += fmt::format("\t{:06d}", sum);
    out << row << '\n';
  }
  auto footer = [&](const char* label, auto value, const char* spec) {
    out << label;
    for (const auto& th : ths) out << fmt::format(fmt::runtime(spec), value(th));
    out << '\n';
  };
  footer("# Total:", [&](const auto& th) {
    std::uint64_t n = 0;
    for (auto c : th.hist) n += c;
    return n;
  }, " {:09d}");
  footer("# Min Latencies:", [](const auto& th) { return min_of(th); }, " {:05d}");
  footer("# Avg Latencies:", [](const auto& th) { return avg_of(th); }, " {:05d}");
  footer("# Max Latencies:", [](const auto& th) { return th.max; }, " {:05d}");
  footer("# Histogram Overflows:", [](const auto& th) { return th.overflows; }, " {:05d}");
  out << "# Histogram Overflow at cycle number:\n";
  for (std::size_t j = 0; j < ths.size(); ++j) {
    std::string line = fmt::format("# Thread {}:", j);
    for (auto c : ths[j].overflow_cycles) line += fmt::format(" {:05d}", c);
    if (ths[j].overflows > ths[j].overflow_cycles.size()) line += fmt::format(" # {:05d} others", ths[j].overflows - ths[j].overflow_cycles.size());
    out << line << '\n';
  }
}

void write_cyclictest_verbose_start(std::ostream& out, int cpus, const CyclictestOptions& o) {
  out << fmt::format("Max CPUs = {}\nOnline CPUs = {}\n", cpus, cpus);
  if (!o.smp && !o.affinity_set.empty()) out << fmt::format("Using {} cpus.\n", cpus_in_set(o.affinity_set));
}

void write_cyclictest_verbose_header(std::ostream& out, const CyclictestObserver& obs, const CyclictestOptions& o) {
  const auto& ths = obs.threads();
  for (std::size_t i = 0; i < ths.size(); ++i) {
    if (!o.smp && !o.affinity_set.empty()) out << fmt::format("Thread {} using cpu {}.\n", i, ths[i].cpu);
    // cyclictest prints the interval after adding -d for the next thread (its loop's order)
    const std::int64_t shown = ths[i].interval_us + (o.histogram_us > 0 ? 0 : o.distance_us);
    out << fmt::format("Thread {} Interval: {}\n", i, shown);
  }
}

void write_cyclictest_values(std::ostream& out, const CyclictestObserver& obs) {
  const auto& ths = obs.threads();
  for (std::size_t i = 0; i < ths.size(); ++i)
    for (std::size_t c = 0; c < ths[i].values.size(); ++c) out << fmt::format("{:8}:{:8}:{:8}\n", i, c, ths[i].values[c]);
}

void write_cyclictest_break(std::ostream& out, const CyclictestObserver& obs) {
  std::string ids = "# Thread Ids:";
  for (const auto& th : obs.threads()) ids += fmt::format(" {:05d}", th.pid);
  out << ids << '\n';
  const auto& b = obs.break_hit();
  if (b.hit) out << fmt::format("# Break thread: {}\n# Break value: {}\n", obs.threads()[b.thread].pid, b.value);
}

std::string cyclictest_json(const CyclictestObserver& obs, const CyclictestOptions& o, const std::string& model) {
  nlohmann::ordered_json j;
  j["file_version"] = 1;
  j["cmdline:"] = o.cmdline;  // (sic) cyclictest writes these two keys with a colon
  j["rt_test_version:"] = "preemptsim";
  j["start_time"] = "simulated";
  j["end_time"] = "simulated";
  j["return_code"] = 0;
  j["sysinfo"] = {{"sysname", "Linux"}, {"nodename", "preemptsim"}, {"release", "simulated"},
                  {"version", std::string("preemptsim model ") + model}, {"machine", "x86_64"},
                  {"realtime", model == "rt" ? 1 : 0}};
  j["num_threads"] = obs.threads().size();
  j["resolution_in_ns"] = o.nsecs ? 1 : 0;
  nlohmann::ordered_json threads = nlohmann::ordered_json::object();
  int i = 0;
  for (const auto& th : obs.threads()) {
    nlohmann::ordered_json t;
    nlohmann::ordered_json hist = nlohmann::ordered_json::object();
    for (std::size_t b = 0; b < th.hist.size(); ++b)
      if (th.hist[b]) hist[std::to_string(b)] = th.hist[b];
    t["histogram"] = hist;
    t["cycles"] = th.cycles;
    t["min"] = min_of(th);
    t["max"] = th.max;
    t["avg"] = th.cycles ? std::round(th.sum / static_cast<double>(th.cycles) * 100.0) / 100.0 : 0.0;
    t["cpu"] = th.cpu;  // -1 when the thread is not pinned, as rt-tests writes it
    t["node"] = 0;
    threads[std::to_string(i++)] = t;
  }
  j["thread"] = threads;
  return j.dump(2) + "\n";
}

}  // namespace preemptsim
