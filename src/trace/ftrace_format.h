// The kernel's ftrace text formats (kernel/trace/trace_output.c and the
// TP_printk strings of include/trace/events/*.h) for the simulated kernel's
// tracepoints, and the observer that turns kernel signals into trace entries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"
#include "kernel/observer.h"

namespace preemptsim {

class Kernel;

// One trace entry as the ring buffer would hold it: context columns and the
// event's name and printed fields.
struct FtraceEntry {
  Time t;
  int cpu = 0;
  int pid = 0;
  std::string comm;   // "<idle>" for pid 0, as trace_find_cmdline() prints it
  std::string flags;  // the five latency-format columns, e.g. "d.h1."
  std::string event;  // "sched_switch"
  std::string fields; // "prev_comm=lo prev_pid=1001 ..."
};

// The task column's name: the comm, "<idle>" for pid 0 (trace_find_cmdline()).
std::string ftrace_comm(const Task& p);
// The latency-format flag columns of trace_print_lat_fmt(): irqs-off/BH-off,
// need-resched, hardirq/softirq, preempt depth (hex, '.' for 0), migrate-disable.
std::string ftrace_flags(const Rq& rq);
// sched_switch's prev_state: R, R+ (preempted), S, D, X.
std::string sched_switch_state(std::uint32_t state, bool preempt);
// "     3.000006": seconds with microseconds, " %5lu.%06lu".
std::string ftrace_timestamp(Time t);
// One line of the trace file: "<comm>-<pid> [cpu] flags timestamp: event: fields".
std::string ftrace_line(const FtraceEntry& e);
// The header of the trace file for the nop tracer.
std::string ftrace_file_header(std::size_t entries, int ncpus);
// The column legend of the latency format (after a latency tracer's header).
std::string ftrace_lat_legend();
// One line of the latency format, the time relative to `start` and the delay
// mark from the gap to the next line.
std::string ftrace_lat_line(const FtraceEntry& e, Time start, Time next);

// Formats the kernel's scheduler and interrupt signals as trace entries and
// hands each to on_entry(), in emission order.
class FtraceEventSource : public Observer {
 public:
  explicit FtraceEventSource(const Kernel& k) : kernel_(k) {}
  std::uint32_t signal_families() const override { return SIG_SCHED | SIG_IRQ; }

  void on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;
  void on_irq_handler_entry(Time t, const Rq& rq, Vector vec, int irq) override;
  void on_irq_handler_exit(Time t, const Rq& rq, Vector vec, int irq) override;
  void on_nmi_entry(Time t, const Rq& rq, int irq) override;
  void on_nmi_exit(Time t, const Rq& rq, int irq) override;
  void on_softirq_raise(Time t, const Rq& rq, SoftirqVec v) override;
  void on_softirq_entry(Time t, const Rq& rq, SoftirqVec v) override;
  void on_softirq_exit(Time t, const Rq& rq, SoftirqVec v) override;
  void on_hrtimer_expire_entry(Time t, const Rq& rq, const HrTimer& timer) override;
  void on_hrtimer_expire_exit(Time t, const Rq& rq, const HrTimer& timer) override;

 protected:
  virtual void on_entry(FtraceEntry&& e) = 0;
  const Kernel& kernel_;

 private:
  void add(Time t, const Rq& rq, const Task& current, const char* event, std::string fields);
  std::vector<Time> nmi_start_;  // per CPU
};

// --trace: every entry of one model's run (optionally only inside a window),
// printed as the kernel's trace file.
class FtraceWriter : public FtraceEventSource {
 public:
  FtraceWriter(const Kernel& k, Time window_start = Time(), Time window_end = Time::max());
  // The whole file: header, legend, entries merged across CPUs by timestamp.
  std::string text() const;

 protected:
  void on_entry(FtraceEntry&& e) override;

 private:
  Time from_, to_;
  int ncpus_;
  std::vector<FtraceEntry> entries_;
};

}  // namespace preemptsim
