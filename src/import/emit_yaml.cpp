// The one place that turns measured figures into workload text: tasks and
// their programs (periodic, sporadic, CPU-bound or the exact recorded
// timeline), per-syscall kernel paths, interrupt lines and their softirqs.
#include "import/emit_yaml.h"

#include <algorithm>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "workload/scenario.h"

namespace preemptsim {

// run: and busy: take distributions: the measured histograms go into the
// steps. (false: their means, the histograms only in comments.)
constexpr bool kStepDistributions = true;

std::string yaml_duration(Time t) {
  std::int64_t ns = t.count();
  if (ns < 0) ns = 0;
  auto trimmed = [](std::int64_t whole, std::int64_t frac, int digits, const char* unit) {
    if (frac == 0) return fmt::format("{}{}", whole, unit);
    std::string f = fmt::format("{:0{}}", frac, digits);
    while (!f.empty() && f.back() == '0') f.pop_back();
    return fmt::format("{}.{}{}", whole, f, unit);
  };
  if (ns >= 1'000'000'000) return trimmed(ns / 1'000'000'000, ns % 1'000'000'000, 9, "s");
  if (ns >= 1'000'000) return trimmed(ns / 1'000'000, ns % 1'000'000, 6, "ms");
  if (ns >= 1'000) return trimmed(ns / 1'000, ns % 1'000, 3, "us");
  return fmt::format("{}ns", ns);
}

namespace {

Time mean(const std::vector<Time>& v) {
  if (v.empty()) return Time();
  std::int64_t s = 0;
  for (Time t : v) s += t.count();
  return Time::ns(s / static_cast<std::int64_t>(v.size()));
}

Time sum(const std::vector<Time>& v) {
  Time s;
  for (Time t : v) s += t;
  return s;
}

Time median(std::vector<Time> v) {
  if (v.empty()) return Time();
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

std::string summary(const std::vector<Time>& v) {
  if (v.empty()) return "no samples";
  std::vector<Time> s = v;
  std::sort(s.begin(), s.end());
  return fmt::format("{} samples: min {}, median {}, mean {}, max {}", s.size(), yaml_duration(s.front()), yaml_duration(s[s.size() / 2]),
                     yaml_duration(mean(s)), yaml_duration(s.back()));
}

// Intervals between successive times.
std::vector<Time> intervals(const std::vector<Time>& ts) {
  std::vector<Time> d;
  for (std::size_t i = 1; i < ts.size(); ++i) d.push_back(ts[i] - ts[i - 1]);
  return d;
}

// Regular: at least 4 intervals, and 80% of them within 10% of the median.
bool regular(const std::vector<Time>& iv, Time& period) {
  if (iv.size() < 4) return false;
  period = median(iv);
  if (period <= Time()) return false;
  std::size_t close = 0;
  for (Time d : iv)
    if (std::llabs((d - period).count()) * 10 <= period.count()) ++close;
  // ... and the mean near the median too, so that bursts with long gaps between them are not "periodic"
  return close * 5 >= iv.size() * 4 && std::llabs((mean(iv) - period).count()) * 10 <= period.count();
}

const char* const kSyscallNames[] = {
    "read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "mprotect", "munmap", "brk",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "pread64", "pwrite64", "readv", "writev", "access", "pipe",
    "select", "sched_yield", "mremap", "msync", "mincore", "madvise", "shmget", "shmat", "shmctl", "dup", "dup2", "pause",
    "nanosleep", "getitimer", "alarm", "setitimer", "getpid", "sendfile", "socket", "connect", "accept", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "shutdown", "bind", "listen", "getsockname", "getpeername", "socketpair", "setsockopt",
    "getsockopt", "clone", "fork", "vfork", "execve", "exit", "wait4", "kill", "uname"};

// x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) for the names we print.
std::string syscall_name(int nr) {
  if (nr >= 0 && nr < static_cast<int>(std::size(kSyscallNames))) return kSyscallNames[nr];
  switch (nr) {
    case 202: return "futex";
    case 228: return "clock_gettime";
    case 230: return "clock_nanosleep";
    case 231: return "exit_group";
    case 232: return "epoll_wait";
    case 257: return "openat";
    case 270: return "pselect6";
    case 271: return "ppoll";
    case 281: return "epoll_pwait";
    case 318: return "getrandom";
    case 16: return "ioctl";
    default: return fmt::format("syscall_{}", nr);
  }
}

std::string sanitize(const std::string& comm) {
  std::string s;
  for (char ch : comm) s += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-') ? ch : '_';
  if (s.empty()) s = "task";
  return s;
}

struct Writer {
  std::string out;
  template <typename... A>
  void line(int indent, fmt::format_string<A...> f, A&&... a) {
    out.append(static_cast<std::size_t>(indent), ' ');
    out += fmt::format(f, std::forward<A>(a)...);
    out += '\n';
  }
};

// A duration step value: the histogram when steps take distributions, else the mean.
std::string step_value(const std::vector<Time>& v) { return kStepDistributions ? yaml_histogram(v) : yaml_duration(mean(v)); }

// The kernel path of one syscall kind (the steps of its `kernel:` list).
void kernel_path(Writer& w, int ind, const SyscallProfile& sp, const TaskProfile& t, std::vector<std::string>& warnings, bool preemptirq) {
  const Time k = mean(sp.kernel);
  w.line(ind, "# kernel time per call: {} (sys_enter -> sys_exit, on-CPU, IRQs excluded)", summary(sp.kernel));
  if (!sp.preempt_off.empty()) {
    std::vector<Time> off = sp.preempt_off;
    const Time longest = *std::max_element(off.begin(), off.end());
    w.line(ind, "# preempt-off sections inside it (preemptirq:preempt_disable/enable): {}", summary(off));
    w.line(ind, "- preempt_disable");
    w.line(ind, "- busy: {}   # the longest recorded preempt-off section", yaml_duration(std::min(longest, k)));
    w.line(ind, "- preempt_enable");
    if (k > longest) w.line(ind, "- busy: {}   # the rest of the call, preemptible", yaml_duration(k - longest));
    return;
  }
  if (sp.preempted_inside > 0 && !sp.preempt_delays.empty()) {
    // A waking lands anywhere between two preemption points: the delays spread
    // over [base, base + gap], base being the wakeup and switch work itself.
    const auto [lo, hi] = std::minmax_element(sp.preempt_delays.begin(), sp.preempt_delays.end());
    const Time chunk = std::max(*hi - *lo, Time::ns(1000));
    const std::int64_t n = std::max<std::int64_t>(1, (k.count() + chunk.count() / 2) / chunk.count());
    w.line(ind, "# preempted {} times inside this call; waking -> switch while {} was in it: {} to {}, so a gap of about {}",
           sp.preempted_inside, t.comm, yaml_duration(*lo), yaml_duration(*hi), yaml_duration(chunk));
    w.line(ind, "# inferred (no preemptirq events): preemption points about every {}", yaml_duration(k / n));
    w.line(ind, "- loop: {{count: {}, steps: [{{busy: {}}}, cond_resched]}}", n, yaml_duration(k / n));
    if (!preemptirq)
      warnings.push_back(fmt::format("{}: {} kernel path: preemption points inferred from {} in-call preemptions (record preemptirq events to measure them)",
                                     t.comm, syscall_name(sp.nr), sp.preempted_inside));
    return;
  }
  w.line(ind, "# no preemption inside it was recorded: written as one stretch without preemption points (inferred)");
  w.line(ind, "- busy: {}", step_value(sp.kernel));
}

}  // namespace

std::string yaml_histogram(std::vector<Time> s, int buckets) {
  if (s.empty()) return "0ns";
  std::sort(s.begin(), s.end());
  if (s.front() == s.back()) return yaml_duration(s.front());
  std::vector<std::pair<Time, std::size_t>> b;
  std::set<Time> distinct(s.begin(), s.end());
  if (distinct.size() <= static_cast<std::size_t>(buckets)) {
    for (Time v : distinct) b.emplace_back(v, static_cast<std::size_t>(std::count(s.begin(), s.end(), v)));
  } else {
    const std::size_t body = s.size() - 1;  // the maximum gets its own bucket
    for (int i = 0; i < buckets; ++i) {
      const std::size_t lo = body * static_cast<std::size_t>(i) / static_cast<std::size_t>(buckets);
      const std::size_t hi = body * static_cast<std::size_t>(i + 1) / static_cast<std::size_t>(buckets);
      if (hi <= lo) continue;
      std::vector<Time> part(s.begin() + static_cast<std::ptrdiff_t>(lo), s.begin() + static_cast<std::ptrdiff_t>(hi));
      b.emplace_back(mean(part), hi - lo);
    }
    b.emplace_back(s.back(), 1);
  }
  std::string out = "{histogram: [";
  for (std::size_t i = 0; i < b.size(); ++i) out += fmt::format("{}[{}, {}]", i ? ", " : "", yaml_duration(b[i].first), b[i].second);
  return out + "]}";
}

EmittedWorkload emit_workload(const TraceProfile& p, const EmitOptions& o) {
  EmittedWorkload ew;
  Writer w;
  // The workload's time 0: a tick boundary at or before the first event, so
  // that recorded timers keep their place relative to the simulated tick
  // (both measured at hrtimer_expire_entry, whose IRQ entry offset cancels).
  Time origin = p.start;
  const Time span = std::max(p.end - p.start, Time::ns(1000));
  const bool preemptirq = p.events.count("preempt_disable") > 0;

  // HZ from the tick's hrtimer expiries (else the local timer interrupts) on the busiest CPU.
  int hz = 250;
  std::string hz_note = "not measured (no tick hrtimer or local_timer events): Debian's CONFIG_HZ";
  {
    std::uint64_t ticks = 0, timers = 0;
    for (const CpuProfile& c : p.cpus) ticks = std::max(ticks, c.ticks), timers = std::max(timers, c.timer_irqs);
    const std::uint64_t best = ticks >= 4 ? ticks : timers;
    if (best >= 4) {
      const double per_s = static_cast<double>(best) * 1e9 / static_cast<double>(span.count());
      for (int h : {100, 250, 300, 1000})
        if (std::abs(per_s - h) < std::abs(per_s - hz)) hz = h;
      if (std::abs(per_s - 250) <= std::abs(per_s - hz)) hz = 250;
      hz_note = fmt::format("{} {} in {} on the busiest CPU = {:.0f}/s", best, ticks >= 4 ? "tick hrtimer expiries" : "local timer interrupts",
                            yaml_duration(span), per_s);
    }
  }
  Time origin_now = origin;  // the same instant on the hrtimer clock (now= of hrtimer_expire_entry)
  if (p.first_tick != Time::max()) {
    const Time tick = Time::ns(1'000'000'000 / hz);
    // whole ticks back towards the first event (a few us of IRQ entry may leave
    // the first events just before time 0: they are written at 0)
    const Time ticks_back = tick * ((p.first_tick - p.start) / tick);
    origin = p.first_tick - ticks_back;
    origin_now = p.first_tick_now - ticks_back;
  }
  auto rel = [&](Time t) { return t - origin; };
  const Time length = p.end - origin;
  w.line(0, "# Imported by `preemptsim import` from {} ({}).", o.source, o.format);
  w.line(0, "# Recorded {} of trace ({} events); times below count from a tick boundary {} before its first event.", yaml_duration(span),
         std::accumulate(p.events.begin(), p.events.end(), std::uint64_t{0}, [](std::uint64_t a, const auto& e) { return a + e.second; }),
         p.start >= origin ? yaml_duration(p.start - origin) : "-" + yaml_duration(origin - p.start));
  w.line(0, "# Mode: {}.", o.exact ? "--exact (every recorded wakeup and interrupt at its recorded time)"
                                    : "fitted (periods, rates and distributions; run it longer or with other seeds)");
  w.line(0, "# Recorded under: {} (the model the self-check runs).", o.recorded_model);
  if (o.irq_exit != Time::max())
    w.line(0, "# Costs: the simulator's defaults, except irq_exit (fitted: see system.costs).");
  else
    w.line(0, "# Costs (context switch, IRQ entry/exit) are the simulator's defaults, not measured.");
  w.line(0, "system:");
  w.line(2, "cpus: {}   # CPUs in the trace", std::max(1, p.ncpus));
  w.line(2, "hz: {}   # {}", hz, hz_note);
  w.line(2, "duration: {}   # to the trace's last event", yaml_duration(length));
  w.line(2, "seed: 1");
  if (o.irq_exit != Time::max()) {
    w.line(2, "costs:");
    w.line(4, "irq_exit: {}   # {}", yaml_duration(o.irq_exit), o.irq_exit_note);
  }

  // Tasks: every task that ran, except the threads the simulator models itself.
  std::set<std::string> used;
  std::vector<std::string> skipped;
  w.line(0, "tasks:");
  int written = 0;
  for (const TaskProfile& t : p.tasks) {
    if (t.cpu_time <= Time() && t.latencies.empty()) continue;
    if (t.comm.rfind("ksoftirqd/", 0) == 0 || t.comm.rfind("ktimers/", 0) == 0 || t.comm.rfind("irq/", 0) == 0) {
      skipped.push_back(fmt::format("{}-{}", t.comm, t.pid));
      continue;
    }
    std::string name = sanitize(t.comm).substr(0, 15);
    if (used.count(name)) {
      const std::string suffix = fmt::format("-{}", t.pid);
      name = name.substr(0, 15 - std::min<std::size_t>(15, suffix.size())) + suffix;
    }
    used.insert(name);
    ew.task_names[t.pid] = name;
    ++written;
    w.line(2, "{}:   # pid {}, comm {}: on CPU {} ({:.1f}%), {} wakeups, {} blocks, {} preemptions", name, t.pid, t.comm,
           yaml_duration(t.cpu_time), 100.0 * static_cast<double>(t.cpu_time.count()) / static_cast<double>(span.count()),
           t.latencies.size(), t.blocks, t.preempted);
    if (t.prio < 100) {
      w.line(4, "policy: fifo   # prio {} in sched_switch (SCHED_FIFO and SCHED_RR look alike there)", t.prio);
      w.line(4, "priority: {}", std::clamp(99 - t.prio, 1, 99));
    } else {
      w.line(4, "policy: other   # prio {} in sched_switch", t.prio);
      w.line(4, "nice: {}", std::clamp(t.prio - 120, -20, 19));
    }
    if (!t.cpus.empty() && static_cast<int>(t.cpus.size()) < p.ncpus) {
      std::string l;
      for (int c : t.cpus) l += fmt::format("{}{}", l.empty() ? "" : ", ", c);
      w.line(4, "cpus: [{}]   # the CPUs it ran on (the affinity mask itself is not in the trace)", l);
    }
    if (t.kthread) w.line(4, "kthread: true   # a kernel thread, by its name");
    w.line(4, "program:");
    const Time first = rel(t.first), last = rel(t.last);
    std::vector<Time> iv = intervals(t.wakeups);
    Time period;
    const Time life = std::max(t.last - t.first, Time::ns(1));
    const bool cpu_bound = t.blocks < 3 && t.cpu_time * 2 > life;
    if (first > Time()) w.line(6, "- sleep_until: {}   # first seen", yaml_duration(first));
    // The syscalls of one activation (or of the whole run for a CPU-bound task).
    // A CPU-bound task's loop is one call of its busiest syscall (and of those made about as often).
    std::size_t busiest = 1;
    Time busiest_sum;
    for (const auto& [nr, sp] : t.syscalls)
      if (sum(sp.kernel) > busiest_sum) busiest_sum = sum(sp.kernel), busiest = std::max<std::size_t>(1, sp.kernel.size());
    const double per = cpu_bound ? static_cast<double>(busiest) : std::max<double>(1.0, static_cast<double>(t.act_user.size()));
    std::vector<const SyscallProfile*> calls;
    Time kernel_sum;
    for (const auto& [nr, sp] : t.syscalls) {
      kernel_sum += sum(sp.kernel);
      if (!t.kthread && !sp.kernel.empty() && static_cast<double>(sp.kernel.size()) / per >= 0.5) calls.push_back(&sp);
    }
    std::sort(calls.begin(), calls.end(), [](const SyscallProfile* a, const SyscallProfile* b) { return sum(a->kernel) > sum(b->kernel); });
    if (calls.size() > 3) calls.resize(3);
    auto activation = [&](int ind, bool cpu_loop) {
      if (t.kthread) {
        std::vector<Time> work;
        for (std::size_t i = 0; i < t.act_user.size(); ++i) work.push_back(t.act_user[i] + t.act_kernel[i]);
        if (work.empty() || cpu_loop) work = {t.cpu_time / static_cast<std::int64_t>(std::max<std::uint64_t>(1, t.preempted + 1))};
        w.line(ind, "- busy: {}   # kernel work per activation: {}", step_value(work), summary(work));
        return;
      }
      std::vector<Time> user = t.act_user;
      if (cpu_loop) {
        const std::int64_t n = calls.empty() ? 1 : static_cast<std::int64_t>(calls.front()->kernel.size());
        user = {(t.cpu_time > kernel_sum ? t.cpu_time - kernel_sum : Time()) / std::max<std::int64_t>(1, n)};
      }
      w.line(ind, "- run: {}   # user time per {}: {}", step_value(user), cpu_loop ? "call" : "activation", summary(user));
      for (const SyscallProfile* sp : calls) {
        const std::int64_t n = cpu_loop ? 1 : std::llround(static_cast<double>(sp->kernel.size()) / per);
        if (n > 1) {
          w.line(ind, "- loop:   # {:.1f} calls per activation", static_cast<double>(sp->kernel.size()) / per);
          w.line(ind + 4, "count: {}", n);
          w.line(ind + 4, "steps:");
          ind += 6;
        }
        w.line(ind, "- syscall: {}   # NR {}, {} calls", syscall_name(sp->nr), sp->nr, sp->kernel.size());
        w.line(ind + 2, "kernel:");
        kernel_path(w, ind + 4, *sp, t, ew.warnings, preemptirq);
        if (n > 1) ind -= 6;
      }
      if (cpu_loop && calls.empty()) return;
    };
    if (cpu_bound) {
      w.line(6, "- loop:   # CPU-bound: it never blocked for long in the trace");
      w.line(10, "until: {}   # last seen", yaml_duration(last));
      w.line(10, "steps:");
      activation(12, true);
    } else if (o.exact || (!regular(iv, period) && t.wakeups.size() < 5)) {
      w.line(6, "# the recorded timeline: each wakeup (sched_waking) at its time, then that activation's work{}",
             o.exact ? "" : " (too few wakeups to fit)");
      const std::size_t program_start = w.out.size();
      const std::size_t shift = t.first_act_unwoken ? 1 : 0;
      for (std::size_t a = 0; a < t.act_user.size(); ++a) {
        if (a >= shift) {
          if (a - shift >= t.wakeups.size()) break;
          w.line(6, "- sleep_until: {}", yaml_duration(rel(t.wakeups[a - shift])));
        }
        if (t.kthread) {
          w.line(6, "- busy: {}", yaml_duration(t.act_user[a] + t.act_kernel[a]));
          continue;
        }
        if (t.act_user[a] > Time()) w.line(6, "- run: {}", yaml_duration(t.act_user[a]));
        if (t.act_kernel[a] > Time()) {
          w.line(6, "- syscall: kernel   # this activation's kernel time, all syscalls together");
          w.line(8, "kernel: [{{busy: {}}}]", yaml_duration(t.act_kernel[a]));
        }
      }
      if (w.out.size() == program_start)  // no complete activation: its CPU time in one piece
        w.line(6, "- {}: {}   # all its CPU time, in one piece", t.kthread ? "busy" : "run", yaml_duration(t.cpu_time));
    } else if (regular(iv, period)) {
      Time phase = p.first_tick != Time::max() && !t.timer_wakeup_at.empty() ? (t.timer_wakeup_at.front() - origin_now) % period
                                                                              : rel(t.wakeups.front()) % period;
      // A timer within 5 us of the tick grid was on it: the few microseconds are
      // where the callbacks ran inside the shared interrupt, not a phase.
      std::string snapped;
      if (p.first_tick != Time::max()) {
        const Time g = Time::ns(std::gcd(period.count(), Time::ns(1'000'000'000 / hz).count()));
        const Time off = phase % g;
        const Time d = std::min(off, g - off);
        if (d <= Time::ns(5000) && d > Time()) {
          snapped = fmt::format(", snapped to the tick grid from {}", yaml_duration(phase));
          phase = (off == d ? phase - off : phase + d) % period;
        }
      }
      w.line(6, "- loop:   # periodic: wakeup intervals {}", summary(iv));
      w.line(10, "until: {}", yaml_duration(last));
      w.line(10, "steps:");
      w.line(12, "- periodic: {{period: {}, phase: {}}}   # {} of {} wakeups came from hrtimer_wakeup{}", yaml_duration(period),
             yaml_duration(phase), t.timer_wakeups, t.wakeups.size(), snapped);
      activation(12, false);
    } else {
      std::vector<Time> sleeps;
      for (std::size_t i = 0; i + 1 < t.wakeups.size() && i < t.act_user.size(); ++i) {
        const Time busy = t.act_user[i] + t.act_kernel[i] + (i < t.latencies.size() ? t.latencies[i] : Time());
        sleeps.push_back(iv[i] > busy ? iv[i] - busy : Time());
      }
      w.line(6, "- loop:   # sporadic: wakeup intervals {}", summary(iv));
      w.line(10, "until: {}", yaml_duration(last));
      w.line(10, "steps:");
      w.line(12, "- sleep: {}   # median time blocked: {}", yaml_duration(median(sleeps)), summary(sleeps));
      activation(12, false);
    }
  }
  if (written == 0) {
    w.line(2, "idle:   # the trace shows no task running: a placeholder so that the workload runs");
    w.line(4, "program: [{{sleep: {}}}]", yaml_duration(span));
  }
  if (!skipped.empty()) {
    std::string l;
    for (const std::string& s : skipped) l += (l.empty() ? "" : ", ") + s;
    ew.warnings.push_back(fmt::format("left out {} (the simulator runs its own ksoftirqd, ktimers and IRQ threads)", l));
  }

  // Interrupt lines, and the softirqs the local timer raised.
  std::vector<std::string> lines;
  for (const IrqLineProfile& l : p.irqs) {
    if (l.arrivals.empty()) continue;
    Writer iw;
    int cpu = 0;
    std::uint64_t most = 0;
    for (auto [c, n] : l.cpus)
      if (n > most) most = n, cpu = c;
    iw.line(2, "{}:   # irq {} ({}): {} arrivals", fmt::format("irq{}-{}", l.irq, sanitize(l.name)).substr(0, 40), l.irq, l.name, l.arrivals.size());
    iw.line(4, "cpu: {}   # where {} of its {} arrivals were", cpu, most, l.arrivals.size());
    Time period;
    std::vector<Time> iv = intervals(l.arrivals);
    if (o.exact) {
      const std::string file = fmt::format("{}.irq{}.timestamps", o.stem, l.irq);
      std::string ts = fmt::format("# irq {} ({}): the recorded irq_handler_entry times, from the trace's first event\n", l.irq, l.name);
      for (Time t : l.arrivals) ts += yaml_duration(rel(t)) + "\n";
      ew.files.emplace_back(file, ts);
      iw.line(4, "arrival: {{timestamps: {}}}   # the recorded irq_handler_entry times", file);
    } else if (l.arrivals.size() < 3) {
      iw.line(4, "arrival: {{poisson: {{rate: {:.3f}}}}}   # only {} arrivals in {}: a rate, nothing more", static_cast<double>(l.arrivals.size()) * 1e9 / static_cast<double>(span.count()),
              l.arrivals.size(), yaml_duration(span));
    } else if (regular(iv, period)) {
      iw.line(4, "arrival: {{periodic: {{period: {}, phase: {}}}}}   # intervals {}", yaml_duration(period),
              yaml_duration(rel(l.arrivals.front()) % period), summary(iv));
    } else {
      iw.line(4, "arrival: {{poisson: {{rate: {:.1f}}}}}   # {} arrivals in {}", static_cast<double>(l.arrivals.size()) * 1e9 / static_cast<double>(span.count()),
              l.arrivals.size(), yaml_duration(span));
    }
    iw.line(4, "handler: {}   # irq_handler_entry -> exit: {}", yaml_histogram(l.handler), summary(l.handler));
    if (!l.softirqs.empty()) {
      iw.line(4, "softirqs:   # raised inside its handler; softirq_entry -> exit of those runs");
      for (const auto& [vec, d] : l.softirqs)
        if (vec >= 0 && vec < NR_SOFTIRQS) iw.line(6, "{}: {}   # {}", softirq_name(static_cast<SoftirqVec>(vec)), yaml_histogram(d), summary(d));
    }
    lines.push_back(iw.out);
  }
  for (std::size_t c = 0; c < p.cpus.size(); ++c) {
    const CpuProfile& cp = p.cpus[c];
    if (cp.tick_softirqs.empty()) continue;
    std::size_t n = 0;
    for (const auto& [vec, d] : cp.tick_softirqs) n = std::max(n, d.size());
    Writer iw;
    iw.line(2, "timer-softirqs-{}:   # the softirqs the local timer interrupt raised on CPU {} (the simulated tick raises none)", c, c);
    iw.line(4, "cpu: {}", c);
    iw.line(4, "percpu: true");
    iw.line(4, "arrival: {{periodic: {{period: {}}}}}   # {} timer interrupts raised one in {}", yaml_duration(span / static_cast<std::int64_t>(n)),
            n, yaml_duration(span));
    iw.line(4, "handler: 0ns   # the interrupt itself is the simulated tick's");
    iw.line(4, "softirqs:");
    for (const auto& [vec, d] : cp.tick_softirqs) {
      std::vector<Time> padded = d;
      padded.resize(n, Time());  // runs of this vector were fewer than arrivals: the rest raise nothing
      if (vec >= 0 && vec < NR_SOFTIRQS) iw.line(6, "{}: {}   # {}", softirq_name(static_cast<SoftirqVec>(vec)), yaml_histogram(padded), summary(d));
    }
    lines.push_back(iw.out);
  }
  if (!lines.empty()) {
    w.line(0, "irqs:");
    for (const std::string& l : lines) w.out += l;
  }
  ew.yaml = std::move(w.out);
  return ew;
}

}  // namespace preemptsim
