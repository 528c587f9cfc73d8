// The kernel's debug checks and our own invariants: preempt_count arithmetic
// with underflow detection, __might_resched() (CONFIG_DEBUG_ATOMIC_SLEEP),
// __schedule_bug(), and the trace ring that invariant failures print.
#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/preempt.h"

namespace preemptsim {

void Kernel::invariant_failed(const std::string& what) const {
  std::string msg = fmt::format("internal invariant failed at {} (model {}): {}\nlast kernel events:\n", format_time(now_), model_.name, what);
  const std::size_t n = std::min(trace_next_, trace_ring_.size());
  for (std::size_t i = trace_next_ - n; i < trace_next_; ++i) {
    const TraceRecord& r = trace_ring_[i % trace_ring_.size()];
    std::string comm = "-";
    for (const auto& t : tasks_)
      if (t->pid == r.pid) comm = t->comm;
    msg += fmt::format("  {:>16}  cpu{}  preempt_count={:#010x}  {} {}[{}] {}\n", format_time(r.t), r.cpu, r.count, r.what, comm, r.pid, r.arg);
  }
  throw InvariantError(msg);
}

// The lowest bit of each field above PREEMPT, and the bit above NMI: a carry
// (or borrow) reaching one of them left the field below it.
constexpr std::uint32_t kFieldEdges = SOFTIRQ_OFFSET | HARDIRQ_OFFSET | NMI_OFFSET | (NMI_MASK + NMI_OFFSET);
static_assert(kFieldEdges == 0x01110100u);

void Kernel::preempt_count_add(Rq& rq, std::uint32_t val) {
  const std::uint32_t before = rq.preempt_count;
  rq.preempt_count += val;
  // each field must not carry into the next (PREEMPT 255 deep, SOFTIRQ 127 BH-disables, ...);
  // a ^ b ^ (a + b) has the carries into each bit
  if ((before ^ val ^ rq.preempt_count) & kFieldEdges)
    invariant_failed(fmt::format("preempt_count overflow: {:#x} + {:#x}", before, val));
  sections_changed(rq);
}

void Kernel::preempt_count_sub(Rq& rq, std::uint32_t val) {
  // no field may go below zero: a ^ b ^ (a - b) has the borrows from each bit
  const std::uint32_t after = rq.preempt_count - val;
  if ((rq.preempt_count ^ val ^ after) & kFieldEdges)
    invariant_failed(fmt::format("preempt_count underflow: {:#x} - {:#x}", rq.preempt_count, val));
  rq.preempt_count = after;
  sections_changed(rq);
}

void Kernel::report_bug(const std::string& text) {
  trace(cpu_rq(this_cpu_), "BUG/WARNING report", cpu_rq(this_cpu_).curr);
  for (Observer* o : observers_) o->on_bug(now_, text);
}

// __might_resched(): a sleeping call with preempt_count not as expected,
// IRQs disabled, or inside an RCU read-side section (how PREEMPT_RT catches
// sleeping under a spinlock_t, which leaves preempt_count alone);
// rate-limited to one report per second (HZ jiffies).
void Kernel::__might_resched(Rq& rq, const Op& op) {
  const Task& curr = *rq.curr;
  if (rq.preempt_count == 0 && !rq.irqs_off && curr.rcu_read_lock_nesting == 0) return;
  if (now_ - last_bug_report_ < Time::ns(1'000'000'000)) return;
  last_bug_report_ = now_;
  report_bug(fmt::format(
      "BUG: sleeping function called from invalid context at {}\n"
      "in_atomic(): {}, irqs_disabled(): {}, non_block: 0, pid: {}, name: {}\n"
      "preempt_count: {:x}, expected: 0\n"
      "RCU nest depth: {}, expected: 0",
      op.step ? op.step->loc.str() : std::string("?"), in_atomic(rq.preempt_count) ? 1 : 0, rq.irqs_off ? 1 : 0, curr.pid,
      curr.comm, rq.preempt_count, curr.rcu_read_lock_nesting));
}

// __schedule_bug(): scheduling with preempt_count raised. The count printed
// includes schedule()'s own preempt_disable(); then preempt_count_set(PREEMPT_DISABLED)
// restores what __schedule() expects, dropping the caller's disables.
void Kernel::__schedule_bug(Rq& rq, Task& prev) {
  report_bug(fmt::format("BUG: scheduling while atomic: {}/{}/{:#010x}", prev.comm, prev.pid, rq.preempt_count + PREEMPT_DISABLE_OFFSET));
  rq.preempt_count = 0;
  kernel_site(rq, "__schedule_bug");
  sections_changed(rq);
}

}  // namespace preemptsim
