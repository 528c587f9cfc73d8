// The kernel's latency tracers (kernel/trace/trace_irqsoff.c,
// trace_sched_wakeup.c) as observers: irqsoff, preemptoff, preemptirqsoff,
// wakeup and wakeup_rt, with their max (or every trace over tracing_thresh)
// and reports in the spirit of the kernel's latency trace output.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "trace/ftrace_format.h"

namespace preemptsim {

enum class TracerKind : std::uint8_t { Irqsoff, Preemptoff, Preemptirqsoff, Wakeup, WakeupRt };
const char* tracer_name(TracerKind k);
std::optional<TracerKind> find_tracer(const std::string& name);
std::string tracer_names();  // "irqsoff, preemptoff, ..."

// One recorded latency: a disabled section, or a wakeup to its switch-in.
struct LatencyTrace {
  Time latency;
  Time start, end;
  int cpu = 0;
  std::string task;        // "comm-pid (uid:0 nice:N policy:P rt_prio:R)"
  std::string started_at;  // section tracers: the sites
  std::string ended_at;
  std::vector<FtraceEntry> entries;  // the trace lines inside it
  std::size_t entries_dropped = 0;
};

class LatencyTracer : public FtraceEventSource {
 public:
  // thresh: Time() = keep only the max; otherwise every latency above it.
  LatencyTracer(const Kernel& k, TracerKind kind, std::string model, Time thresh = Time());
  std::uint32_t signal_families() const override { return SIG_SCHED | SIG_IRQ | SIG_SECTIONS; }

  void on_section(Time t, const Rq& rq, Section kind, bool off, const Site& site) override;
  void on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;

  // The max (thresh 0) or every trace over the threshold, in order.
  const std::vector<LatencyTrace>& traces() const { return traces_; }
  // The report: one block per trace (or a header saying nothing was traced).
  std::string report() const;

  static constexpr std::size_t MAX_ENTRIES = 10000;  // lines kept per trace

 protected:
  void on_entry(FtraceEntry&& e) override;

 private:
  struct CpuState {
    bool preempt_off = false, irqs_off = false;
    bool open = false;
    Time start;
    std::string started_at;
    std::vector<FtraceEntry> entries;
    std::size_t dropped = 0;
  };
  bool traced(const CpuState& s) const;
  void record(LatencyTrace&& tr);
  static std::string task_line(const Task& p);

  TracerKind kind_;
  std::string model_;
  Time thresh_;
  int ncpus_;
  std::vector<CpuState> cpus_;
  std::vector<LatencyTrace> traces_;
  // wakeup tracers: the one task being followed
  const Task* wakeup_task_ = nullptr;
  Time wakeup_start_;
  int wakeup_cpu_ = 0;
  std::vector<FtraceEntry> wakeup_entries_;
  std::size_t wakeup_dropped_ = 0;
};

}  // namespace preemptsim
