// irq_work (kernel/irq_work.c): callbacks queued from any context (NMI
// included) run in hard IRQ from the self-IPI or the tick; on PREEMPT_RT the
// items without IRQ_WORK_HARD_IRQ run in the per-CPU irq_work/N thread.
#include <fmt/format.h>

#include "kernel/kernel.h"

namespace preemptsim {

// irq_work_queue() -> irq_work_claim(): already IRQ_WORK_PENDING -> nothing
// (its callback, not yet run, will do this call's work too); else
// __irq_work_queue_local(): IRQ_WORK_LAZY and, on PREEMPT_RT, items without
// IRQ_WORK_HARD_IRQ go to lazy_list, the rest to raised_list; the first item
// on a list raises the self-IPI (arch_irq_work_raise()) unless the item is
// IRQ_WORK_LAZY and the tick runs (then the next tick handles it).
void Kernel::irq_work_queue(Rq& rq, int w, const IrqWake* ev) {
  KIrqWork& k = irq_works_[static_cast<std::size_t>(w)];
  if (!k.call(ev)) {
    trace(rq, "irq_work_queue (IRQ_WORK_PENDING)", nullptr, w);
    return;
  }
  IrqWorkCpu& c = irq_work_cpu_[static_cast<std::size_t>(rq.cpu)];
  const bool lazy_work = k.spec->lazy;
  const bool rt_lazy_work = !lazy_work && rt_softirqs() && !k.spec->hard;
  std::vector<int>& list = lazy_work || rt_lazy_work ? c.lazy : c.raised;
  list.push_back(w);
  trace(rq, "irq_work_queue", nullptr, w);
  if (list.size() > 1) return;  // llist_add() found the list non-empty: the IPI is on its way
  const bool tick_stopped = rq.next_tick == Time::max();
  if (!lazy_work || tick_stopped) raise_vector(rq, IRQ_WORK_VECTOR);  // the self-IPI (no delivery delay modelled)
}

// irq_work_run() (the IPI) or irq_work_tick() (the tick): take the raised
// list (the tick only on architectures without the IPI, not x86) and, except
// on PREEMPT_RT, the lazy list; their callbacks' time is the handler's.
// irq_work_single() clears IRQ_WORK_PENDING before each callback.
Time Kernel::irq_work_run_begin(Rq& rq, bool tick) {
  IrqWorkCpu& c = irq_work_cpu_[static_cast<std::size_t>(rq.cpu)];
  if (irq_works_.empty()) return Time();
  if (!tick) {
    c.running.insert(c.running.end(), c.raised.begin(), c.raised.end());
    c.raised.clear();
  }
  if (!rt_softirqs()) {
    c.running.insert(c.running.end(), c.lazy.begin(), c.lazy.end());
    c.lazy.clear();
  }
  Time total;
  for (int w : c.running) total += irq_works_[static_cast<std::size_t>(w)].start(IrqWake::Via::IrqWork, w, nullptr, now_);
  return total;
}

// The callbacks return (each one's wakeup and calls, in list order); on
// PREEMPT_RT a lazy list left wakes irq_work/N (wake_irq_workd()).
void Kernel::irq_work_run_end(Rq& rq, bool tick) {
  (void)tick;
  if (irq_works_.empty()) return;
  IrqWorkCpu& c = irq_work_cpu_[static_cast<std::size_t>(rq.cpu)];
  std::vector<int> ran;
  ran.swap(c.running);
  for (int w : ran) irq_work_single(rq, w);
  if (rt_softirqs() && !c.lazy.empty() && c.irq_workd) try_to_wake_up(*c.irq_workd, TASK_INTERRUPTIBLE);
}

// The end of one callback: its wake_up()/complete(), then its calls.
void Kernel::irq_work_single(Rq& rq, int w) { deferred_callback_done(rq, irq_works_[static_cast<std::size_t>(w)]); }

// run_irq_workd() (PREEMPT_RT, irq_work/N at SCHED_FIFO 1): irq_work_run_list()
// of the lazy list, each callback in the thread's context, preemptible.
bool Kernel::irq_workd_step(Rq& rq, Task& p) {
  IrqWorkCpu& c = irq_work_cpu_[static_cast<std::size_t>(rq.cpu)];
  if (p.irq_work_next < p.irq_work_items.size()) {
    const int w = p.irq_work_items[p.irq_work_next];
    KIrqWork& k = irq_works_[static_cast<std::size_t>(w)];
    if (p.remaining < Time()) p.remaining = k.start(IrqWake::Via::IrqWork, w, &p, now_);  // irq_work_single(): clear IRQ_WORK_PENDING, call
    if (p.remaining > Time()) {
      start_segment(rq, &p.remaining);
      return true;
    }
    p.remaining = Time::ns(-1);
    ++p.irq_work_next;
    irq_work_single(rq, w);
    if (rq.softirq_pending) wakeup_softirqd(rq);  // raise_softirq_irqoff() outside interrupt context
    return false;
  }
  p.irq_work_items.clear();
  p.irq_work_next = 0;
  if (!c.lazy.empty()) {
    p.irq_work_items.swap(c.lazy);
    return false;
  }
  p.state = TASK_INTERRUPTIBLE;
  schedule(rq);
  return false;
}

}  // namespace preemptsim
