// A simulated cyclictest (rt-tests): its options turned into measurement
// threads on top of an optional background workload, and its output formats
// (summary lines, -h/-H histogram, --json) produced from the simulation.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "kernel/observer.h"
#include "workload/scenario.h"

namespace preemptsim {

struct CyclictestOptions {
  int priority = 0;              // -p: 0 means SCHED_OTHER unless --policy says otherwise
  std::string policy;            // --policy: other, normal, batch, idle, fifo, rr ("" = from -p)
  std::int64_t interval_us = 1000;   // -i
  std::int64_t distance_us = 500;    // -d
  int threads = 1;               // -t NUM
  bool threads_per_cpu = false;  // -t without NUM: one per CPU
  bool affinity = false;         // -a given
  std::vector<int> affinity_set; // -a CPUSET (empty with -a alone: thread N on CPU N)
  std::uint64_t loops = 0;       // -l (0 = until the duration)
  Time duration;                 // -D (0 = not given)
  int histogram_us = 0;          // -h / -H
  bool histofall = false;        // -H: an extra summary column
  std::string histfile;          // --histfile
  bool quiet = false;            // -q
  bool nsecs = false;            // -N
  std::string json;              // --json
  bool smp = false;              // -S: -a -t and the same priority
  std::string cmdline;           // as typed, for --json
  int cpus = 0;                  // simulated CPUs (0: the load's, else enough for -a / -t)
  bool verbose = false;          // -v: every sample as "n:c:v" instead of the summary lines
  std::int64_t breaktrace_us = 0;  // -b: stop at the first sample above this (0 = off)
  bool priospread = false;       // --priospread: thread N at priority -p minus N
  bool relative = false;         // -r: relative sleeps (the period drifts by each latency)
  std::int64_t aligned_us = -1;  // -A [USEC]: thread N's first wakeup N x USEC after the common start (-1 = off)
};

// cyclictest's own adjustments of the options (messages on stderr in the
// real tool, returned here in its words): -S overrides -t and -a, -p with a
// non-real-time policy becomes SCHED_FIFO, a real-time policy or
// --priospread without -p gets threads + 1.
std::vector<std::string> cyclictest_adjust(CyclictestOptions& o, int cpus);

// "3-5,0" -> {3, 4, 5, 0}; throws WorkloadError at `where` on a bad set.
std::vector<int> parse_cpuset(const std::string& text, const SourceLoc& where);
// cyclictest's -D: a number with an optional s/m/h/d suffix (seconds by default).
Time parse_cyclictest_duration(const std::string& text, const SourceLoc& where);

// The measurement threads, named cyclictest-N, added to `load` (or to an empty
// system). The run's duration covers the loops or -D.
Scenario make_cyclictest_scenario(const CyclictestOptions& o, std::optional<Scenario> load);

// Per measurement thread, what cyclictest keeps: cycles, min/act/avg/max (in
// its unit, us or ns, truncated as cyclictest's calcdiff does), the -h
// histogram and the cycle numbers of overflows.
class CyclictestObserver final : public Observer {
 public:
  struct Thread {
    int pid = 0;
    std::string name;             // the task's name (cyclictest-N)
    int priority = 0;
    std::int64_t interval_us = 0;
    int cpu = -1;                 // pinned CPU, -1 when not pinned
    std::uint64_t cycles = 0;
    std::int64_t min = 0, max = 0, act = 0;
    double sum = 0;
    std::vector<std::uint64_t> hist;
    std::uint64_t overflows = 0;
    std::vector<std::uint64_t> overflow_cycles;  // the first histogram_us of them
    std::vector<std::int64_t> values;  // -v: every sample, in order
  };
  // -b: the first sample above the limit. Samples after it are not counted
  // (cyclictest's threads stop at once), as in a run that ended there.
  struct Break {
    bool hit = false;
    std::size_t thread = 0;
    std::int64_t value = 0;  // in the run's unit
    Time expiry, at;
    int cpu = 0;             // the CPU it was switched in on
  };
  CyclictestObserver(const Scenario& sc, const CyclictestOptions& o);
  void on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) override;
  const std::vector<Thread>& threads() const { return threads_; }
  const Break& break_hit() const { return break_; }

 private:
  Break break_;
  const CyclictestOptions& o_;
  std::vector<Thread> threads_;
  int first_pid_ = 0;
  std::size_t first_index_ = 0;
};

// The summary lines ("T: 0 ( 1000) P:80 I:1000 C:   1000 Min: ..."), or with
// -h/-H the histogram block, exactly in cyclictest's formats.
void write_cyclictest_text(std::ostream& out, const CyclictestObserver& obs, const CyclictestOptions& o);
void write_cyclictest_histogram(std::ostream& out, const CyclictestObserver& obs, const CyclictestOptions& o);
// -v, before the first output line: "Max CPUs = N", "Online CPUs = N" and
// with -a CPUSET "Using N cpus." (N the simulated CPUs and the set's CPUs).
void write_cyclictest_verbose_start(std::ostream& out, int cpus, const CyclictestOptions& o);
// -v: "Thread N Interval: I" per thread as cyclictest prints them at start-up
// (with -a CPUSET also "Thread N using cpu C.").
void write_cyclictest_verbose_header(std::ostream& out, const CyclictestObserver& obs, const CyclictestOptions& o);
// -v: every sample, "%8d:%8lu:%8ld" (thread, cycle, value), thread by thread.
void write_cyclictest_values(std::ostream& out, const CyclictestObserver& obs);
// -b: "# Thread Ids:", and when the limit was hit "# Break thread:" and "# Break value:".
void write_cyclictest_break(std::ostream& out, const CyclictestObserver& obs);
// cyclictest's --json document (file_version 1), with `model` in sysinfo.
std::string cyclictest_json(const CyclictestObserver& obs, const CyclictestOptions& o, const std::string& model);

}  // namespace preemptsim
