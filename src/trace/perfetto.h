// Trace Event Format JSON (chrome://tracing, ui.perfetto.dev) of simulated
// runs: one process per model, one track per CPU with slices for what each
// CPU does, one track per task with its states (running, runnable, sleeping,
// blocked on a lock), instant events for wakeups and flows from each wakeup
// to the switch-in. Written as the run goes (streamed) or kept in memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/time.h"
#include "kernel/observer.h"

namespace preemptsim {

class Kernel;

// The events of every model's run, in one document.
class PerfettoTrace {
 public:
  // Kept in memory; json() returns the document.
  explicit PerfettoTrace(Time window_start = Time(), Time window_end = Time::max()) : from_(window_start), to_(window_end) {}
  // Streamed into the file `path` (a staging file that the caller moves into
  // place, see stage_stream()): memory stays bounded whatever the length of
  // the run. Throws std::runtime_error when the file cannot be opened.
  PerfettoTrace(const std::string& path, Time window_start, Time window_end);
  ~PerfettoTrace();  // an unfinished temporary file is removed
  PerfettoTrace(const PerfettoTrace&) = delete;
  PerfettoTrace& operator=(const PerfettoTrace&) = delete;

  // The whole JSON document (in-memory traces only).
  std::string json() const;
  // Streamed traces: closes the document; throws std::runtime_error when a
  // write failed (an unfinished file is removed by the destructor).
  void finish();
  std::uint64_t bytes() const { return bytes_; }
  // Called once when a streamed trace passes kLargeBytes, with its path.
  std::function<void(const std::string&)> on_large;
  static constexpr std::uint64_t kLargeBytes = 256ull << 20;

 private:
  friend class PerfettoObserver;
  void emit(std::string event);
  Time from_, to_;
  std::vector<std::string> events_;  // in-memory mode
  std::FILE* out_ = nullptr;         // streaming mode
  std::string path_;
  std::uint64_t bytes_ = 0;
  bool warned_ = false;
  std::uint64_t next_flow_ = 1;
};

// Records one model's kernel into a PerfettoTrace (process `pid`).
class PerfettoObserver : public Observer {
 public:
  PerfettoObserver(PerfettoTrace& trace, const Kernel& k, int pid, const std::string& model);
  std::uint32_t signal_families() const override { return SIG_ACTIVITY | SIG_SCHED; }
  void on_cpu_activity(Time t, const Rq& rq, const CpuActivity& a) override;
  void on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;
  void on_run_end(Time t) override;

  // A task's track id: CPU tracks are 0..N-1, task tracks this plus the pid.
  static constexpr int kTaskTrackBase = 1'000'000;

 private:
  struct Open {
    bool active = false;
    Time start;
    std::string name;
    std::string args;  // JSON object text
  };
  void close(int cpu, Time t);
  void slice(int tid, const Open& o, Time end);
  void task_state(Time t, const Task& p, std::string state, std::string args = "{}");
  std::string slice_name(const CpuActivity& a) const;

  PerfettoTrace& trace_;
  const Kernel& kernel_;
  int pid_;
  std::vector<Open> open_;                            // per CPU
  std::map<int, Open> task_open_;                     // pid -> the task's current state
  std::map<int, std::pair<Time, int>> waking_;        // pid -> (time, waker CPU) of the first unmatched sched_waking
};

}  // namespace preemptsim
