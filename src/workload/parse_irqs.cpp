// Reads `irqs:` (device interrupt lines and NMI sources: affinity, arrival
// process, handler duration, softirqs raised, threading flags) and the
// distributions durations are drawn from.
#include "workload/parse_irqs.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <optional>

#include "workload/duration.h"
#include "workload/parse_deferred.h"
#include "workload/limits.h"

namespace preemptsim::workload_detail {

double real_number(const Reader& r, const Field& f, double lo, const char* lo_text) {
  if (!f.value.IsScalar()) r.fail(f, fmt::format("expected a number{}, got {}", Reader::for_key(f), describe(f.value)));
  const std::string s = f.value.Scalar();
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v))
    r.fail(f, fmt::format("expected a number{}, got '{}'", Reader::for_key(f), s));
  if (v < lo || (lo == 0 && v == 0 && std::string(lo_text) == "more than 0"))
    r.fail(f, fmt::format("{} must be {}, got {}", f.key.empty() ? "the value" : f.key, lo_text, s));
  return v;
}

// The one key of a single-key map ({uniform: ...}), with its name checked.
Field only_entry(const Reader& r, const Field& f, const std::string& what, Names accepted) {
  const std::vector<Field> entries = r.map(f, what, accepted);
  if (entries.size() != 1)
    r.fail(f, fmt::format("{} takes exactly one of: {}", what, join(accepted)));
  return entries[0];
}

Arrival parse_arrival(const Reader& r, const Field& f) {
  Arrival a;
  const Field e = only_entry(r, f, "arrival", {"periodic", "poisson", "sporadic", "burst", "timestamps"});
  if (e.key == "periodic") {
    a.kind = Arrival::Kind::Periodic;
    bool has_period = false;
    for (const Field& k : r.map(e, "periodic arrival", {"period", "phase", "jitter"})) {
      if (k.key == "period") {
        a.period = r.duration(k, Time::ns(1), "more than 0");
        has_period = true;
      }
      if (k.key == "phase") a.phase = r.duration(k, Time(), "at least 0");
      if (k.key == "jitter") a.jitter = r.duration(k, Time(), "at least 0");
    }
    if (!has_period) r.fail(e, "a periodic arrival needs 'period'");
    if (a.jitter >= a.period) r.fail(e, "jitter must be below the period (arrivals must stay in order)");
  } else if (e.key == "poisson") {
    a.kind = Arrival::Kind::Poisson;
    bool has_rate = false;
    for (const Field& k : r.map(e, "poisson arrival", {"rate", "phase"})) {
      if (k.key == "rate") {
        a.rate = real_number(r, k, 0, "more than 0");
        if (!Time::checked_ns(1e9 / a.rate))  // the Time rule: the mean interval must be representable
          r.fail(k, fmt::format("rate {}/s is too low: its mean interval of {:g} s exceeds the longest representable time ({})",
                                k.value.Scalar(), 1 / a.rate, format_limit(Time::max())));
        has_rate = true;
      }
      if (k.key == "phase") a.phase = r.duration(k, Time(), "at least 0");
    }
    if (!has_rate) r.fail(e, "a poisson arrival needs 'rate' (arrivals per second)");
  } else if (e.key == "sporadic") {
    a.kind = Arrival::Kind::Sporadic;
    std::optional<Field> min, mean;
    for (const Field& k : r.map(e, "sporadic arrival", {"min_interarrival", "mean", "phase"})) {
      if (k.key == "min_interarrival") min = k;
      if (k.key == "mean") mean = k;
      if (k.key == "phase") a.phase = r.duration(k, Time(), "at least 0");
    }
    if (!min || !mean) r.fail(e, "a sporadic arrival needs 'min_interarrival' and 'mean'");
    a.min_interarrival = r.duration(*min, Time::ns(1), "more than 0");
    a.mean = r.duration(*mean, Time::ns(1), "more than 0");
    if (a.mean < a.min_interarrival) r.fail(*mean, "the mean inter-arrival time cannot be below min_interarrival");
  } else if (e.key == "burst") {
    a.kind = Arrival::Kind::Burst;
    std::optional<Field> count, gap, every;
    for (const Field& k : r.map(e, "burst arrival", {"count", "gap", "every", "phase"})) {
      if (k.key == "count") count = k;
      if (k.key == "gap") gap = k;
      if (k.key == "every") every = k;
      if (k.key == "phase") a.phase = r.duration(k, Time(), "at least 0");
    }
    if (!count || !gap || !every) r.fail(e, "a burst arrival needs 'count', 'gap' and 'every'");
    a.count = static_cast<int>(r.integer(*count, 1, 1'000'000));
    a.gap = r.duration(*gap, Time(), "at least 0");
    a.every = r.duration(*every, Time::ns(1), "more than 0");
    if (a.gap * (a.count - 1) >= a.every) r.fail(*every, "a burst must end before the next one starts: every > (count - 1) x gap");
  } else {
    a.kind = Arrival::Kind::Timestamps;
    const std::string name = r.string(e);
    std::filesystem::path p(name);
    if (p.is_relative()) p = std::filesystem::path(r.file()).parent_path() / p;
    std::istringstream in(read_input_file(p.string(), "the timestamps file", r.loc(e)));  // bounded, regular files only
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      const auto last = line.find_last_not_of(" \t\r");
      const SourceLoc at{p.string(), n, static_cast<int>(first) + 1};
      const Time t = parse_duration(line.substr(first, last - first + 1), at);
      if (!a.timestamps.empty() && t < a.timestamps.back())
        throw_workload_error(at, "timestamps must be in ascending order");
      a.timestamps.push_back(t);
    }
    if (a.timestamps.empty()) r.fail(e, fmt::format("the timestamps file '{}' holds no timestamp", p.string()));
  }
  return a;
}


Distribution parse_distribution(const Reader& r, const Field& f) {
  Distribution d;
  if (!f.value.IsMap()) {  // "5us" (anything else but a map fails as a duration)
    d.value = r.duration(f, Time(), "at least 0");
    return d;
  }
  // One shape, plus an optional min/max clamp.
  const Names shapes = {"fixed", "uniform", "normal", "lognormal", "exponential", "histogram"};
  std::optional<Field> shape, min, max;
  const std::string what = f.key.empty() ? "a distribution" : f.key;
  for (const Field& k : r.map(f, what, {"fixed", "uniform", "normal", "lognormal", "exponential", "histogram", "min", "max"})) {
    if (k.key == "min") min = k;
    else if (k.key == "max") max = k;
    else if (shape) r.fail(k, fmt::format("{} takes exactly one of: {} (and optionally min, max)", what, join(shapes)));
    else shape = k;
  }
  if (!shape) r.fail(f, fmt::format("{} takes exactly one of: {} (and optionally min, max)", what, join(shapes)));
  const Field& e = *shape;
  if (e.key == "fixed") {
    d.value = r.duration(e, Time(), "at least 0");
  } else if (e.key == "uniform") {
    d.kind = Distribution::Kind::Uniform;
    const std::vector<Field> b = r.list(e);
    if (b.size() != 2) r.fail(e, "uniform takes [low, high]");
    d.lo = r.duration(b[0], Time(), "at least 0");
    d.hi = r.duration(b[1], Time(), "at least 0");
    if (d.hi < d.lo) r.fail(b[1], "uniform: high is below low");
  } else if (e.key == "normal") {
    d.kind = Distribution::Kind::Normal;
    int seen = 0;
    for (const Field& k : r.map(e, "normal", {"mean", "stddev"})) {
      ++seen;
      (k.key == "mean" ? d.mean : d.stddev) = r.duration(k, Time(), "at least 0");
    }
    if (seen != 2) r.fail(e, "normal needs 'mean' and 'stddev' (samples below 0 are cut to 0)");
  } else if (e.key == "lognormal") {
    d.kind = Distribution::Kind::Lognormal;
    int seen = 0;
    for (const Field& k : r.map(e, "lognormal", {"median", "sigma"})) {
      ++seen;
      if (k.key == "median") d.median = r.duration(k, Time(), "at least 0");
      if (k.key == "sigma") d.sigma = real_number(r, k, 0, "at least 0");
    }
    if (seen != 2) r.fail(e, "lognormal needs 'median' and 'sigma'");
  } else if (e.key == "exponential") {
    d.kind = Distribution::Kind::Exponential;
    bool has = false;
    for (const Field& k : r.map(e, "exponential", {"mean"})) {
      d.mean = r.duration(k, Time::ns(1), "more than 0");
      has = true;
    }
    if (!has) r.fail(e, "exponential needs 'mean'");
  } else {
    d.kind = Distribution::Kind::Histogram;
    for (const Field& b : r.list(e)) {
      const std::vector<Field> pair = r.list(b);
      if (pair.size() != 2) r.fail(b, "a histogram bucket is [value, weight]");
      d.buckets.emplace_back(r.duration(pair[0], Time(), "at least 0"), real_number(r, pair[1], 0, "more than 0"));
    }
    if (d.buckets.empty()) r.fail(e, "the histogram has no bucket");
  }
  if (min) d.min = r.duration(*min, Time(), "at least 0");
  if (max) d.max = r.duration(*max, Time(), "at least 0");
  if (d.max < d.min) r.fail(*max, "max is below min");
  return d;
}

SoftirqVec parse_softirq_name(const Reader& r, const Field& f, const std::string& name, const SourceLoc& at) {
  std::string n = name;
  if (n.size() > 8 && n.ends_with("_SOFTIRQ")) n.resize(n.size() - 8);
  for (int v = 0; v < NR_SOFTIRQS; ++v)
    if (n == softirq_name(static_cast<SoftirqVec>(v))) return static_cast<SoftirqVec>(v);
  r.fail(at, f.path, fmt::format("unknown softirq '{}' (vectors: HI, TIMER, NET_TX, NET_RX, BLOCK, IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU)", name));
}

std::vector<IrqSpec> parse_irqs(const Reader& r, const Field& f, const SystemSpec& sys) {
  std::vector<IrqSpec> irqs;
  for (const Field& i : r.map(f, "irqs", {}, "interrupt name")) {
    IrqSpec irq;
    irq.name = i.key;
    irq.loc = r.loc(i.key_node);
    bool has_arrival = false, has_handler = false;
    std::optional<Field> wake_from;
    for (const Field& e : r.map(i, fmt::format("irq '{}'", i.key),
                                {"cpu", "arrival", "handler", "softirqs", "no_thread", "percpu", "nmi", "thread_priority",
                                 "wake_up", "complete", "wake_from", "tasklet_schedule", "tasklet_hi_schedule",
                                 "queue_work", "queue_delayed_work", "schedule_work", "schedule_delayed_work",
                                 "irq_work_queue"})) {
      if (is_defer_call(e.key)) {  // the handler's calls, made as it ends (resolved by resolve_deferred())
        irq.defer.push_back(parse_defer_call(r, e));
        continue;
      }
      if (e.key == "cpu") {
        irq.cpu = static_cast<int>(r.integer(e, 0, 255));
        if (irq.cpu >= sys.cpus) r.fail(e, fmt::format("cpu {} does not exist: the system has {} CPU(s)", irq.cpu, sys.cpus));
      } else if (e.key == "arrival") {
        irq.arrival = parse_arrival(r, e);
        has_arrival = true;
      } else if (e.key == "handler") {
        irq.handler = parse_distribution(r, e);
        has_handler = true;
      } else if (e.key == "softirqs") {
        for (const Field& s : r.map(e, "softirqs", {}, "softirq vector"))
          irq.softirqs.push_back(SoftirqRaise{parse_softirq_name(r, s, s.key, r.loc(s.key_node)), parse_distribution(r, s)});
      } else if (e.key == "no_thread") {
        irq.no_thread = r.boolean(e);
      } else if (e.key == "percpu") {
        irq.percpu = r.boolean(e);
      } else if (e.key == "nmi") {
        irq.nmi = r.boolean(e);
      } else if (e.key == "thread_priority") {
        irq.thread_priority = static_cast<int>(r.integer(e, 1, 99));
      } else if (e.key == "wake_up" || e.key == "complete") {
        if (!irq.wakes.empty()) r.fail(e, "an irq wakes one wait queue or one completion: give 'wake_up' or 'complete', not both");
        irq.wakes = r.string(e);
        irq.wakes_completion = e.key == "complete";
      } else if (e.key == "wake_from") {
        wake_from = e;
      }
    }
    if (wake_from) {  // 'handler' (the default) or one of the softirqs the irq raises
      const std::string w = r.string(*wake_from);
      if (irq.wakes.empty()) r.fail(*wake_from, "wake_from needs 'wake_up: Q' or 'complete: C' (what to wake)");
      if (w != "handler") {
        const SoftirqVec v = parse_softirq_name(r, *wake_from, w, r.loc(*wake_from));
        for (std::size_t k = 0; k < irq.softirqs.size(); ++k)
          if (irq.softirqs[k].vec == v) irq.wake_softirq = static_cast<int>(k);
        if (irq.wake_softirq < 0)
          r.fail(*wake_from, fmt::format("wake_from: {} names a softirq irq '{}' does not raise (add it to 'softirqs:')", w, i.key));
      }
    }
    if (irq.nmi && !irq.wakes.empty()) r.fail(irq.loc, i.path, "an NMI handler cannot wake tasks (it may not take the wait queue's lock)");
    if (!has_arrival) r.fail(irq.loc, i.path, fmt::format("irq '{}' needs an 'arrival'", i.key));
    if (!has_handler) r.fail(irq.loc, i.path, fmt::format("irq '{}' needs a 'handler' duration", i.key));
    if (irq.nmi && !irq.softirqs.empty()) r.fail(irq.loc, i.path, "an NMI handler cannot raise softirqs");
    for (const DeferCall& d : irq.defer)
      if (irq.nmi && d.kind != DeferCall::Kind::IrqWork)
        r.fail(d.loc, i.path, fmt::format("an NMI handler cannot call {} (only irq_work_queue() is NMI-safe)", d.call));
    irqs.push_back(std::move(irq));
  }
  return irqs;
}

void check_irq_wakes(const Reader& r, const Scenario& sc) {
  for (const IrqSpec& irq : sc.irqs) {
    if (irq.wakes.empty()) continue;
    const SyncKind want = irq.wakes_completion ? SyncKind::Completion : SyncKind::WaitQueue;
    const SyncSpec* found = nullptr;
    for (const SyncSpec& s : sc.syncs)
      if (s.name == irq.wakes) found = &s;
    if (!found)
      r.fail(irq.loc, "irqs." + irq.name,
             fmt::format("irq '{}' wakes {} '{}', which no task uses ({}: {})", irq.name, sync_kind_name(want), irq.wakes,
                         irq.wakes_completion ? "wait_for_completion" : "wait_event", irq.wakes));
    if (found->kind != want)
      r.fail(irq.loc, "irqs." + irq.name,
             fmt::format("irq '{}' wakes '{}' as a {}, but it is a {} (first used at {})", irq.name, irq.wakes, sync_kind_name(want),
                         sync_kind_name(found->kind), found->loc.str()));
  }
}

}  // namespace preemptsim::workload_detail
