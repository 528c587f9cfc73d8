// Measures this machine from user space, as cyclictest and the classic
// lmbench-style ping-pongs do, and turns the figures into a profile.
#include "calibrate/calibrate.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace preemptsim {
namespace {

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool pin_self(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Pipe ping-pong between this thread on cpu_a and a helper on cpu_b: the
// half round trip is write() + the sleeper's wakeup + a switch + read()'s return.
bool ping_pong(int cpu_a, int cpu_b, int batches, int rounds, std::vector<double>& out, std::string& why) {
  int ab[2], ba[2];
  if (pipe(ab) != 0 || pipe(ba) != 0) {
    why = "pipe() failed";
    return false;
  }
  bool pinned_b = true;
  const long total = static_cast<long>(batches) * rounds;
  std::thread helper([&] {
    pinned_b = pin_self(cpu_b);
    char c;
    for (long i = 0; i < total; ++i) {
      if (read(ab[0], &c, 1) != 1) break;
      if (write(ba[1], &c, 1) != 1) break;
    }
  });
  const bool pinned_a = pin_self(cpu_a);
  char c = 'x';
  bool ok = true;
  for (int b = 0; b < batches && ok; ++b) {
    const std::int64_t t0 = now_ns();
    for (int i = 0; i < rounds; ++i)
      if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
        ok = false;
        break;
      }
    out.push_back(static_cast<double>(now_ns() - t0) / rounds / 2.0);
  }
  helper.join();
  for (int fd : {ab[0], ab[1], ba[0], ba[1]}) close(fd);
  if (!pinned_a || !pinned_b) {
    why = fmt::format("could not pin to CPU {} and {}", cpu_a, cpu_b);
    return false;
  }
  if (!ok) why = "a pipe read or write failed";
  return ok;
}

std::string read_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

// Samples as an empirical histogram: 100 ns buckets below 10 us, 1 us above.
std::string histogram_yaml(const std::vector<double>& samples, double shift, double floor_ns) {
  std::map<std::int64_t, int> buckets;
  for (double v : samples) {
    const double x = std::max(floor_ns, v - shift);
    const std::int64_t w = x < 10'000 ? 100 : 1000;
    buckets[static_cast<std::int64_t>(std::llround(x / static_cast<double>(w))) * w]++;
  }
  std::string s = "{histogram: [";
  bool first = true;
  for (const auto& [ns, n] : buckets) {
    s += fmt::format("{}[{}ns, {}]", first ? "" : ", ", ns, n);
    first = false;
  }
  return s + "]}";
}

std::string spread(const Figure& f) {
  if (!f.measured) return fmt::format("{:<28} not measured: {}", f.what, f.how);
  return fmt::format("{:<28} n={:<6} min {:>9.0f}  p50 {:>9.0f}  p90 {:>9.0f}  p99 {:>9.0f}  max {:>9.0f} ns   ({})", f.what,
                     f.samples.size(), f.p(0), f.p(0.5), f.p(0.9), f.p(0.99), f.p(1.0), f.how);
}

}  // namespace

double Figure::p(double q) const {
  if (samples.empty()) return 0;
  std::vector<double> v = samples;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::llround(q * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

Calibration calibrate(const CalibrateOptions& o) {
  Calibration c;
  utsname u{};
  if (uname(&u) == 0) c.host = fmt::format("{} {} {}", u.nodename, u.release, u.machine);
  const int ncpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));

  // 1. Syscall round trip: getppid() has no work to speak of.
  c.syscall.what = "syscall round trip";
  c.syscall.how = fmt::format("getppid() in 30 batches of {}", o.syscall_batch);
  for (int b = 0; b < 30; ++b) {
    const std::int64_t t0 = now_ns();
    for (int i = 0; i < o.syscall_batch; ++i) (void)syscall(SYS_getppid);
    c.syscall.samples.push_back(static_cast<double>(now_ns() - t0) / o.syscall_batch);
  }
  c.syscall.measured = true;

  // 2. Switch + wakeup on one CPU.
  c.local_switch.what = "same-CPU wakeup+switch";
  std::string why;
  c.local_switch.measured = ping_pong(o.cpu, o.cpu, 20, o.rounds, c.local_switch.samples, why);
  c.local_switch.how = c.local_switch.measured ? fmt::format("pipe ping-pong pinned to CPU {}, half round trip, 20 batches of {}", o.cpu, o.rounds) : why;

  // 3. Cross-CPU wakeup (the reschedule IPI path).
  c.cross_wakeup.what = "cross-CPU wakeup+switch";
  if (o.other_cpu >= 0 && o.other_cpu < ncpus && o.other_cpu != o.cpu) {
    c.cross_wakeup.measured = ping_pong(o.cpu, o.other_cpu, 20, o.rounds, c.cross_wakeup.samples, why);
    c.cross_wakeup.how = c.cross_wakeup.measured ? fmt::format("pipe ping-pong CPU {} <-> CPU {}, half round trip", o.cpu, o.other_cpu) : why;
  } else {
    c.cross_wakeup.how = fmt::format("needs a second online CPU (this machine has {})", ncpus);
  }

  // 4. Timer wakeup latency, as cyclictest measures it.
  c.timer_latency.what = "timer wakeup latency";
  std::thread timer([&] {
    pin_self(o.cpu);
    sched_param sp{};
    sp.sched_priority = 80;
    c.root = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
    const std::int64_t interval = static_cast<std::int64_t>(o.interval_us) * 1000;
    const std::int64_t end = now_ns() + static_cast<std::int64_t>(o.seconds * 1e9);
    timespec next{};
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
      next.tv_nsec += interval;
      while (next.tv_nsec >= 1'000'000'000) {
        next.tv_nsec -= 1'000'000'000;
        ++next.tv_sec;
      }
      if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) != 0) continue;
      const std::int64_t target = static_cast<std::int64_t>(next.tv_sec) * 1'000'000'000 + next.tv_nsec;
      const std::int64_t t = now_ns();
      c.timer_latency.samples.push_back(static_cast<double>(t - target));
      if (t >= end) break;
    }
  });
  timer.join();
  c.timer_latency.measured = !c.timer_latency.samples.empty();
  c.timer_latency.how = fmt::format("clock_nanosleep(TIMER_ABSTIME) every {} us on CPU {} for {:.1f} s, {}", o.interval_us, o.cpu,
                                    o.seconds, c.root ? "SCHED_FIFO 80" : "SCHED_OTHER (no permission for SCHED_FIFO)");
  if (!c.root)
    c.notes.push_back(
        "SCHED_FIFO 80 was refused: it needs CAP_SYS_NICE (root) or an RLIMIT_RTPRIO of at least 80. The timer latency was "
        "measured as SCHED_OTHER instead, so it includes fair-class wakeup delays (expect a longer tail than cyclictest -p80 "
        "shows); the syscall, switch and cross-CPU wakeup figures and the cpuidle states need no privilege and were measured as usual");

  // 5. cpuidle states from sysfs.
  const std::filesystem::path dir = fmt::format("/sys/devices/system/cpu/cpu{}/cpuidle", o.cpu);
  std::error_code ec;
  std::vector<std::filesystem::path> states;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename().string().starts_with("state")) states.push_back(e.path());
  std::sort(states.begin(), states.end());
  for (const auto& s : states)
    c.cpuidle.push_back(CpuidleState{read_line(s / "name"), std::atoll(read_line(s / "latency").c_str()),
                                     std::atoll(read_line(s / "residency").c_str()), read_line(s / "disable") == "1"});
  if (c.cpuidle.empty()) c.notes.push_back(fmt::format("no cpuidle states under {} (a VM without a cpuidle driver, or idle=poll)", dir.string()));

  c.notes.push_back("irq_entry, irq_exit, tick, ipi_handler, irq_thread_wake and nmi_entry cannot be measured from user space: they keep the ideal profile's values");
  return c;
}

std::string calibration_report(const Calibration& c) {
  std::string s = fmt::format("preemptsim calibrate on {} ({})\n", c.host, c.root ? "SCHED_FIFO granted" : "no SCHED_FIFO: unprivileged, timer latency measured as SCHED_OTHER");
  for (const Figure* f : {&c.syscall, &c.local_switch, &c.cross_wakeup, &c.timer_latency}) s += spread(*f) + "\n";
  if (!c.cpuidle.empty()) {
    s += "cpuidle states:\n";
    for (const CpuidleState& st : c.cpuidle)
      s += fmt::format("  {:<10} exit latency {:>6} us  target residency {:>6} us{}\n", st.name, st.exit_latency_us, st.residency_us,
                       st.disabled ? "  (disabled)" : "");
  }
  for (const std::string& n : c.notes) s += "note: " + n + "\n";
  return s;
}

std::string calibration_profile(const Calibration& c, const std::string& name) {
  // Defaults for what user space cannot see (the ideal profile's figures).
  const double irq_entry = 500, irq_exit = 500;
  const double sys = c.syscall.measured ? median(c.syscall.samples) : 0;
  std::string s = fmt::format("# Written by `preemptsim calibrate` on {}.\n", c.host);
  s += "# Figures (ns):\n";
  for (const Figure* f : {&c.syscall, &c.local_switch, &c.cross_wakeup, &c.timer_latency}) s += "#   " + spread(*f) + "\n";
  for (const CpuidleState& st : c.cpuidle)
    s += fmt::format("#   cpuidle {}: exit latency {} us, target residency {} us{}\n", st.name, st.exit_latency_us, st.residency_us,
                     st.disabled ? " (disabled)" : "");
  for (const std::string& n : c.notes) s += "# note: " + n + "\n";
  s += "# Derivations: syscall_entry = syscall_exit = half the getppid() round trip;\n"
       "# context_switch = same-CPU half round trip - 2 syscall round trips (write, read);\n"
       "# ipi_latency = cross-CPU half round trip - same-CPU median;\n"
       "# hrtimer_wakeup = timer latency - irq_entry - irq_exit - context_switch median (so an idle\n"
       "# simulated cyclictest reproduces the measured idle distribution by construction).\n";
  s += fmt::format("profile: {}\n", name);
  s += fmt::format("source: \"preemptsim calibrate on {}{}\"\n", c.host, c.root ? ", SCHED_FIFO" : ", without SCHED_FIFO");
  s += "costs:\n";
  if (c.syscall.measured) {
    s += fmt::format("  syscall_entry: {}ns\n", std::llround(sys / 2));
    s += fmt::format("  syscall_exit: {}ns\n", std::llround(sys / 2));
  }
  double cs = 2000;
  if (c.local_switch.measured) {
    s += "  context_switch: " + histogram_yaml(c.local_switch.samples, 2 * sys, 100) + "\n";
    cs = std::max(100.0, median(c.local_switch.samples) - 2 * sys);
  }
  if (c.cross_wakeup.measured && c.local_switch.measured)
    s += "  ipi_latency: " + histogram_yaml(c.cross_wakeup.samples, median(c.local_switch.samples), 0) + "\n";
  if (c.timer_latency.measured)
    s += "  hrtimer_wakeup: " + histogram_yaml(c.timer_latency.samples, irq_entry + irq_exit + cs, 0) + "\n";
  s += fmt::format("  irq_entry: {}ns\n  irq_exit: {}ns\n", irq_entry, irq_exit);
  // The host's idle states, ready to enable: commented out because the timer
  // latency above already contains their exit latencies (enabling both would
  // count them twice); enable them when hrtimer_wakeup is not calibrated.
  bool any = false;
  for (const CpuidleState& st : c.cpuidle) {
    if (st.disabled) continue;
    if (!any) s += "# cpuidle:\n#   states:\n";
    any = true;
    const bool poll = st.name == "POLL";
    s += fmt::format("#     - {{name: \"{}\", exit_latency: {}us, target_residency: {}us{}}}\n", st.name, st.exit_latency_us, st.residency_us,
                     poll ? ", polling: true" : "");
  }
  return s;
}

}  // namespace preemptsim
