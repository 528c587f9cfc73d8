// Formatting of the simulated kernel's tracepoints in the kernel's own text
// formats: the trace file, its flag columns and the latency format.
#include "trace/ftrace_format.h"

#include <fmt/format.h>

#include <algorithm>

#include "kernel/kernel.h"
#include "kernel/preempt.h"

namespace preemptsim {

namespace {
// x86 system vectors (arch/x86/include/asm/irq_vectors.h)
constexpr int X86_LOCAL_TIMER_VECTOR = 0xec;
constexpr int X86_RESCHEDULE_VECTOR = 0xfd;
constexpr int X86_IRQ_WORK_VECTOR = 0xf6;

// The %p of an hrtimer: a stable made-up address per timer (hashed like the
// kernel's %p, but deterministic): the CPU's tick_sched, a sleeper's
// hrtimer_sleeper, the rt_bandwidth's period timer.
std::string hrtimer_ptr(const Rq& rq, const HrTimer& t) {
  std::uint64_t x = (static_cast<std::uint64_t>(t.kind) + 1) * 0x9e3779b97f4a7c15ULL;
  x ^= static_cast<std::uint64_t>(t.task ? t.task->pid : rq.cpu + 1) * 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 31;
  return fmt::format("{:016x}", x & 0xffffffffULL);
}

const char* hrtimer_function(HrTimerKind k) {
  switch (k) {
    case HrTimerKind::Tick: return "tick_nohz_handler";
    case HrTimerKind::SleepWakeup: return "hrtimer_wakeup";
    case HrTimerKind::RtPeriod: return "sched_rt_period_timer";
    case HrTimerKind::WheelTimeout:
    case HrTimerKind::DelayedWork: return "run_local_timers";  // a wheel timer: its callback runs in TIMER_SOFTIRQ
    // The fair server is a sched_dl_entity: both its replenishment and its
    // deferred (zero-laxity) start are its dl_timer, whose callback is
    // dl_task_timer() (kernel/sched/deadline.c, init_dl_task_timer()); for a
    // server it hands over to dl_server_timer().
    case HrTimerKind::FairServerPeriod:
    case HrTimerKind::FairServerDefer:
    case HrTimerKind::DlTimer: return "dl_task_timer";
  }
  return "?";
}

char hex_digit(unsigned v) { return v == 0 ? '.' : "0123456789abcdef"[v & 0xf]; }

// trace_find_mark(): the delay column from the gap to the next entry.
char delay_mark(Time gap) {
  const std::int64_t d = gap.count();
  if (d > 1'000'000'000) return '$';
  if (d > 100'000'000) return '@';
  if (d > 10'000'000) return '*';
  if (d > 1'000'000) return '#';
  if (d > 100'000) return '!';
  if (d > 10'000) return '+';
  return ' ';
}
}  // namespace

std::string ftrace_comm(const Task& p) { return p.pid == 0 ? "<idle>" : p.comm; }

std::string ftrace_flags(const Rq& rq) {
  const std::uint32_t pc = rq.preempt_count;
  const bool bh_off = ((pc & SOFTIRQ_MASK) >> (SOFTIRQ_SHIFT + 1)) != 0;
  const bool irqs_off = rq.hard_irqs_disabled();
  std::string f(5, '.');
  f[0] = irqs_off && bh_off ? 'D' : irqs_off ? 'd' : bh_off ? 'b' : '.';
  const bool nr = rq.curr->tif_need_resched, lazy = rq.curr->tif_need_resched_lazy, pr = rq.preempt_need_resched;
  f[1] = nr && lazy && pr ? 'B' : nr && pr ? 'N' : lazy && pr ? 'L' : nr && lazy ? 'b' : nr ? 'n' : pr ? 'p' : lazy ? 'l' : '.';
  const bool nmi = in_nmi(pc), hard = in_hardirq(pc), soft = in_serving_softirq(pc);
  f[2] = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
  f[3] = hex_digit(std::min(pc & PREEMPT_MASK, 0xfu));
  f[4] = '.';  // migrate-disable: not modelled
  return f;
}

std::string sched_switch_state(std::uint32_t state, bool preempt) {
  if (preempt) return "R+";  // __trace_sched_switch_state(): TASK_REPORT_MAX
  if (state & TASK_DEAD) return "X";
  if (state & TASK_UNINTERRUPTIBLE) return "D";
  if (state & TASK_INTERRUPTIBLE) return "S";
  return "R";
}

// ns2usecs() rounds to the nearest microsecond.
std::string ftrace_timestamp(Time t) {
  const std::int64_t us = (t.count() + 500) / 1000;
  return fmt::format(" {:5}.{:06}", us / 1'000'000, us % 1'000'000);
}

std::string ftrace_line(const FtraceEntry& e) {
  return fmt::format("{:>16}-{:<7} [{:03}] {}{}: {}: {}\n", e.comm, e.pid, e.cpu, e.flags, ftrace_timestamp(e.t), e.event, e.fields);
}

std::string ftrace_file_header(std::size_t entries, int ncpus) {
  return fmt::format(
      "# tracer: nop\n"
      "#\n"
      "# entries-in-buffer/entries-written: {0}/{0}   #P:{1}\n"
      "#\n"
      "#                                _-----=> irqs-off/BH-disabled\n"
      "#                               / _----=> need-resched\n"
      "#                              | / _---=> hardirq/softirq\n"
      "#                              || / _--=> preempt-depth\n"
      "#                              ||| / _-=> migrate-disable\n"
      "#                              |||| /     delay\n"
      "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
      "#              | |         |   |||||     |         |\n",
      entries, ncpus);
}

std::string ftrace_lat_legend() {
  return "#\n"
         "#                    _------=> CPU#\n"
         "#                   / _-----=> irqs-off/BH-disabled\n"
         "#                  | / _----=> need-resched\n"
         "#                  || / _---=> hardirq/softirq\n"
         "#                  ||| / _--=> preempt-depth\n"
         "#                  |||| / _-=> migrate-disable\n"
         "#                  ||||| /     delay\n"
         "#  cmd     pid     |||||| time  |   caller\n"
         "#     \\   /        ||||||  \\    |    /\n";
}

std::string ftrace_lat_line(const FtraceEntry& e, Time start, Time next) {
  const std::string comm = e.comm.substr(0, 8);
  const std::string text = e.fields.empty() ? e.event : e.event + ": " + e.fields;
  return fmt::format("{:>8}-{:<7} {:3}{} {:4}us{}: {}\n", comm, e.pid, e.cpu, e.flags, (e.t - start).count() / 1000,
                     delay_mark(next - e.t), text);
}

// ---- FtraceEventSource

void FtraceEventSource::add(Time t, const Rq& rq, const Task& current, const char* event, std::string fields) {
  FtraceEntry e;
  e.t = t;
  e.cpu = rq.cpu;
  e.pid = current.pid;
  e.comm = ftrace_comm(current);
  e.flags = ftrace_flags(rq);
  e.event = event;
  e.fields = std::move(fields);
  on_entry(std::move(e));
}

// include/trace/events/sched.h: sched_wakeup_template
void FtraceEventSource::on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) {
  add(t, rq, *rq.curr, "sched_waking", fmt::format("comm={} pid={} prio={} target_cpu={:03}", p.comm, p.pid, p.prio, target_cpu));
}
void FtraceEventSource::on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) {
  add(t, rq, *rq.curr, "sched_wakeup", fmt::format("comm={} pid={} prio={} target_cpu={:03}", p.comm, p.pid, p.prio, target_cpu));
}
// sched_switch is recorded by prev: current has not changed yet.
void FtraceEventSource::on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) {
  add(t, rq, prev, "sched_switch",
      fmt::format("prev_comm={} prev_pid={} prev_prio={} prev_state={} ==> next_comm={} next_pid={} next_prio={}", prev.comm, prev.pid,
                  prev.prio, sched_switch_state(prev_state, preempt), next.comm, next.pid, next.prio));
}

// include/trace/events/irq.h for device lines; arch/x86/include/asm/trace/irq_vectors.h
// for the local timer and the reschedule IPI.
void FtraceEventSource::on_irq_handler_entry(Time t, const Rq& rq, Vector vec, int irq) {
  if (vec == LOCAL_TIMER_VECTOR) return add(t, rq, *rq.curr, "local_timer_entry", fmt::format("vector={}", X86_LOCAL_TIMER_VECTOR));
  if (vec == RESCHEDULE_VECTOR) return add(t, rq, *rq.curr, "reschedule_entry", fmt::format("vector={}", X86_RESCHEDULE_VECTOR));
  if (vec == IRQ_WORK_VECTOR) return add(t, rq, *rq.curr, "irq_work_entry", fmt::format("vector={}", X86_IRQ_WORK_VECTOR));
  const IrqSource& src = kernel_.irqs()[static_cast<std::size_t>(irq)];
  add(t, rq, *rq.curr, "irq_handler_entry", fmt::format("irq={} name={}", src.number, src.spec->name));
}
void FtraceEventSource::on_irq_handler_exit(Time t, const Rq& rq, Vector vec, int irq) {
  if (vec == LOCAL_TIMER_VECTOR) return add(t, rq, *rq.curr, "local_timer_exit", fmt::format("vector={}", X86_LOCAL_TIMER_VECTOR));
  if (vec == RESCHEDULE_VECTOR) return add(t, rq, *rq.curr, "reschedule_exit", fmt::format("vector={}", X86_RESCHEDULE_VECTOR));
  if (vec == IRQ_WORK_VECTOR) return add(t, rq, *rq.curr, "irq_work_exit", fmt::format("vector={}", X86_IRQ_WORK_VECTOR));
  const IrqSource& src = kernel_.irqs()[static_cast<std::size_t>(irq)];
  add(t, rq, *rq.curr, "irq_handler_exit", fmt::format("irq={} ret=handled", src.number));
}

// include/trace/events/nmi.h has one event, nmi_handler, after the handler
// ("%ps() delta_ns: %lld handled: %d"); the line's name stands for the handler.
void FtraceEventSource::on_nmi_entry(Time t, const Rq& rq, int /*irq*/) {
  if (nmi_start_.size() <= static_cast<std::size_t>(rq.cpu)) nmi_start_.resize(static_cast<std::size_t>(rq.cpu) + 1);
  nmi_start_[static_cast<std::size_t>(rq.cpu)] = t;
}
void FtraceEventSource::on_nmi_exit(Time t, const Rq& rq, int irq) {
  const IrqSource& src = kernel_.irqs()[static_cast<std::size_t>(irq)];
  const Time start = static_cast<std::size_t>(rq.cpu) < nmi_start_.size() ? nmi_start_[static_cast<std::size_t>(rq.cpu)] : t;
  add(t, rq, *rq.curr, "nmi_handler", fmt::format("{}() delta_ns: {} handled: 1", src.spec->name, (t - start).count()));
}

// include/trace/events/irq.h: softirq class, "vec=%u [action=%s]"
void FtraceEventSource::on_softirq_raise(Time t, const Rq& rq, SoftirqVec v) {
  add(t, rq, *rq.curr, "softirq_raise", fmt::format("vec={} [action={}]", static_cast<unsigned>(v), softirq_name(v)));
}
void FtraceEventSource::on_softirq_entry(Time t, const Rq& rq, SoftirqVec v) {
  add(t, rq, *rq.curr, "softirq_entry", fmt::format("vec={} [action={}]", static_cast<unsigned>(v), softirq_name(v)));
}
void FtraceEventSource::on_softirq_exit(Time t, const Rq& rq, SoftirqVec v) {
  add(t, rq, *rq.curr, "softirq_exit", fmt::format("vec={} [action={}]", static_cast<unsigned>(v), softirq_name(v)));
}

// include/trace/events/timer.h. A timer-wheel timeout is not an hrtimer in
// the kernel (the tick raises TIMER_SOFTIRQ): no events for it.
void FtraceEventSource::on_hrtimer_expire_entry(Time t, const Rq& rq, const HrTimer& timer) {
  if (timer.kind == HrTimerKind::WheelTimeout) return;
  add(t, rq, *rq.curr, "hrtimer_expire_entry",
      fmt::format("hrtimer={} function={} now={}", hrtimer_ptr(rq, timer), hrtimer_function(timer.kind), t.count()));
}
void FtraceEventSource::on_hrtimer_expire_exit(Time t, const Rq& rq, const HrTimer& timer) {
  if (timer.kind == HrTimerKind::WheelTimeout) return;
  add(t, rq, *rq.curr, "hrtimer_expire_exit", fmt::format("hrtimer={}", hrtimer_ptr(rq, timer)));
}

// ---- FtraceWriter

FtraceWriter::FtraceWriter(const Kernel& k, Time window_start, Time window_end)
    : FtraceEventSource(k), from_(window_start), to_(window_end), ncpus_(static_cast<int>(k.rqs().size())) {}

void FtraceWriter::on_entry(FtraceEntry&& e) {
  if (e.t < from_ || e.t > to_) return;
  entries_.push_back(std::move(e));
}

// The kernel's iterator merges the per-CPU buffers by timestamp, the lowest
// CPU first on a tie; within a CPU the buffer order stands.
std::string FtraceWriter::text() const {
  std::vector<const FtraceEntry*> order;
  order.reserve(entries_.size());
  for (const FtraceEntry& e : entries_) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const FtraceEntry* a, const FtraceEntry* b) {
    return a->t != b->t ? a->t < b->t : a->cpu < b->cpu;
  });
  std::string out = ftrace_file_header(entries_.size(), ncpus_);
  for (const FtraceEntry* e : order) out += ftrace_line(*e);
  return out;
}

}  // namespace preemptsim
