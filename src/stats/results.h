// What one run produces: per model, per task and per CPU figures.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "stats/latency_histogram.h"

namespace preemptsim {

// A device wakeup (irq -> wait_event/wait_for_completion -> switch-in) split
// along its path; the parts sum to the latency.
struct IrqWakeParts {
  std::string irq;                   // the line
  std::string via;                   // "hard handler", "irq thread", "NET_RX softirq"
  Time arrival;                      // when the interrupt arrived
  Time irq_latency;                  // arrival -> its handler begins (IRQs off, other handlers)
  Time handler;                      // its hard handler (the primary one when threaded)
  Time deferred;                     // handler end -> wake_up(): the IRQ thread, softirq, tasklet, kworker or irq_work on its way
  std::string stage;                 // who ran the deferred stage: "irq/16-uio0", "kworker/0:0", "irq_work/0" ("" in interrupt context)
  Time deferred_wait;                // handler end -> that stage began running (its wakeup, switch-in or softirq start; 0: not split)
  Time task_wakeup;                  // wake_up() -> the waiter's switch-in
  Time total() const { return irq_latency + handler + deferred + task_wakeup; }
};

// Where a job's response time went (the parts sum to the response time).
struct ResponseShares {
  Time running;                      // on the CPU (its own work, spinning on locks included)
  Time runnable;                     // woken (or released), waiting for a CPU
  Time preempted;                    // runnable after a preemption
  Time lock_blocked;                 // asleep waiting for a lock (mutex, rtlock, rt_mutex, futex PI)
  Time blocked;                      // asleep otherwise inside the job (msleep, a futex, a wait)
  Time interrupts;                   // hard IRQs and softirqs on its CPU while it was current, and the
                                     // release's own delivery (a timer or device event before the wakeup)
  Time total() const { return running + runnable + preempted + lock_blocked + blocked + interrupts; }
  void add(const ResponseShares& o) {
    running += o.running, runnable += o.runnable, preempted += o.preempted;
    lock_blocked += o.lock_blocked, blocked += o.blocked, interrupts += o.interrupts;
  }
};

// One mark name of one task, in bounded memory whatever the run's length:
// how many times it was reached, the first and last times, the first
// kKeptMarkTimes times themselves, and the gaps between consecutive marks as
// a histogram (every timestamp, when wanted, is streamed to a file by an
// observer instead: MarkStream, `--marks`).
inline constexpr std::size_t kKeptMarkTimes = 32;

struct MarkStats {
  std::uint64_t count = 0;
  Time first, last;
  std::vector<Time> times;    // the first kKeptMarkTimes, in the order reached
  LatencyHistogram interval;  // time from each mark to the next of the same name
  void record(Time t) {
    if (count++ == 0)
      first = t;
    else
      interval.record(t - last);
    last = t;
    if (times.size() < kKeptMarkTimes) times.push_back(t);
  }
  bool operator==(const MarkStats&) const = default;
};

struct TaskResult {
  std::string name;
  std::string sched;                 // "SCHED_FIFO 50", "SCHED_OTHER nice 0"
  LatencyHistogram wakeup_latency;   // timed sleep expiry -> switch-in (timerlat's "thread latency")
  LatencyHistogram irq_latency;      // timed sleep expiry -> its hrtimer callback (timerlat's "IRQ latency")
  std::map<std::string, MarkStats> marks;
  // The worst wakeup (first of equals): its expiry, the switch-in, the CPU.
  Time worst_expiry, worst_at;
  int worst_cpu = -1;
  std::optional<Time> exit;          // when the program ended; none if still running at the end
  Time cpu_time;                     // on-CPU time (user + kernel, excluding IRQs it suffered)
  std::uint64_t nvcsw = 0;           // voluntary switches (blocked)
  std::uint64_t nivcsw = 0;          // involuntary switches (preempted)
  std::uint64_t migrations = 0;      // moves to another CPU (wakeup placement, push/pull)
  std::uint64_t loops = 0;           // iterations of its top-level loops completed
  Time work;                         // the durations of its run/busy steps completed (work done, not time spent)
  bool throughput = false;           // a throughput task: `throughput: true`, or (unset) SCHED_BATCH or never blocked
  Time lock_wait;                    // time spent waiting for locks (spinning or blocked)
  std::uint64_t pi_boosts = 0;       // times its prio was raised above its normal prio (PI or a ceiling)
  Time boosted;                      // time spent boosted
  std::uint64_t deadline_misses = 0; // periodic jobs not finished by their deadline
  // Device wakeups (response_time.cpp): how many, and the worst one's path.
  std::uint64_t irq_wakeups = 0;
  std::optional<IrqWakeParts> irq_wake_worst;
  // Per-job response time (release -> the task's next wait for a release):
  // distribution, misses of the job's deadline (periodic: `deadline`, else
  // the period), where the time went (summed over jobs, and the worst job's).
  LatencyHistogram response;
  std::uint64_t response_misses = 0;
  ResponseShares response_shares;
  ResponseShares response_worst;
  Time response_worst_release;
  // Wakeup latency over time: the largest sample in each interval of
  // `timeline_width` from 0 (0 ns: no sample). At most kTimelineBins
  // intervals: the width doubles (neighbours merged) when the run outgrows them.
  Time timeline_width = Time::ns(1'000'000);
  std::vector<Time> latency_timeline;
  static constexpr std::size_t kTimelineBins = 512;
  void record_timeline(Time t, Time latency) {
    auto bin_of = [&] { return static_cast<std::size_t>(t.count() / timeline_width.count()); };
    std::size_t bin = bin_of();  // one division per sample (one more per halving)
    while (bin >= kTimelineBins) {
      for (std::size_t i = 0; i < latency_timeline.size(); ++i)
        latency_timeline[i / 2] = i % 2 ? std::max(latency_timeline[i / 2], latency_timeline[i]) : latency_timeline[i];
      latency_timeline.resize((latency_timeline.size() + 1) / 2);
      timeline_width = timeline_width * 2;
      bin = bin_of();
    }
    if (bin >= latency_timeline.size()) latency_timeline.resize(bin + 1);
    latency_timeline[bin] = std::max(latency_timeline[bin], latency);
  }
  std::uint64_t overruns = 0;        // timed sleeps reached after their expiry (no timer fired: the period was missed)
  // SCHED_DEADLINE: replenishment timers waited for after runtime exhaustion,
  // and runtime overruns (what SCHED_FLAG_DL_OVERRUN signals with SIGXCPU).
  std::uint64_t dl_throttled = 0;
  std::uint64_t dl_overruns = 0;
};

// Per lock, over the run (kernel locks and user-space mutexes alike).
struct LockResult {
  std::string name;
  std::string kind;                  // "spinlock_t", "mutex", "pthread mutex (inherit)", ...
  std::uint64_t acquisitions = 0;
  std::uint64_t contended = 0;       // acquisitions that had to wait
  Time total_wait, max_wait;         // over the contended acquisitions
  Time max_hold;                     // longest time from acquisition to release
};

struct CpuResult {
  int cpu = 0;
  Time user, kernel, hardirq, softirq, irqthread, sched, idle;  // sums to the simulated duration
  std::uint64_t irqs = 0;                   // hard interrupts taken (tick, timers, IPIs, devices, NMIs)
  std::uint64_t softirqs = 0;               // softirq work items run (in any context)
  std::uint64_t ipis = 0;                   // reschedule IPIs received
  std::uint64_t switches = 0;               // context switches performed
  // cpuidle (only with idle states): per state, cpuN/cpuidle/stateK/{name,latency,usage,time}
  struct IdleState {
    std::string name;
    Time exit_latency;
    std::uint64_t usage = 0;
    Time time;
  };
  std::vector<IdleState> idle_states;
  std::uint64_t smis = 0;                   // SMIs that stopped this CPU (no IRQ counted)
  Time smi_stolen;                          // time lost to them, invisible to the kernel
};

// Why a task's worst wakeup took what it took: the time from the timer's
// expiry to the switch-in, split by what its CPU did (the parts sum to the
// total), and the rule that held preemption back.
struct WorstCaseExplanation {
  std::string task;
  Time latency, expiry;
  int cpu = 0;
  std::vector<std::pair<std::string, Time>> parts;  // what, how long (in time order of first appearance)
  std::string why;                                   // one or two sentences
};

// A kernel debug report (BUG:/WARNING:) the simulated kernel printed.
struct BugReport {
  Time time;
  std::string text;  // the kernel's wording, several lines
};

// Reports kept per model (the kernel rate-limits them to one a second, which
// still grows with the simulated time); the rest are counted.
inline constexpr std::size_t kMaxBugReports = 100;

struct ModelResult {
  std::string model;
  std::vector<TaskResult> tasks;  // in workload order
  std::vector<CpuResult> cpus;
  std::vector<BugReport> bugs;    // the first kMaxBugReports reports
  std::uint64_t bugs_total = 0;   // every report, kept or not
  std::vector<LockResult> locks;  // in name order
  std::optional<Time> stopped_at; // a deadlock stopped the run here
  std::map<std::string, std::uint64_t> irq_counts;  // device interrupts delivered, per line
  // Per device line: the work its arrivals brought (handler and softirq
  // durations, drawn at arrival) and the work done by the end.
  struct DeviceWork {
    std::uint64_t arrivals = 0;
    Time handler_arrived, softirq_arrived, handler_done, softirq_done;
  };
  std::map<std::string, DeviceWork> device_work;
  std::vector<WorstCaseExplanation> explanations;   // per task with wakeups, workload order
  std::uint64_t events = 0;       // discrete events processed
};

struct RunResult {
  std::string workload;  // file as given
  std::uint64_t seed = 0;
  Time duration;
  int cpus = 1;
  int hz = 250;
  std::vector<ModelResult> results;  // in the order the models were asked for
};

}  // namespace preemptsim
