// Interrupt entry and exit (kernel/entry/common.c, kernel/softirq.c,
// arch/x86 IDT entry): pending vectors, irq_enter/irq_exit, the preemption
// check on return to kernel, exit_to_user_mode() and reschedule IPIs.
#include "kernel/kernel.h"
#include "kernel/preempt.h"

namespace preemptsim {

const char* vector_name(Vector v) {
  switch (v) {
    case RESCHEDULE_VECTOR: return "RESCHEDULE";
    case LOCAL_TIMER_VECTOR: return "LOCAL_TIMER";
    case NR_VECTORS: break;
  }
  return "?";
}

// A vector raised while one of its kind is pending coalesces (the APIC's IRR bit).
void Kernel::raise_vector(Rq& rq, Vector v) { rq.pending |= 1u << v; }

// smp_send_reschedule(): one IPI in flight per CPU is enough, it folds
// whatever TIF_NEED_RESCHED says when it lands.
void Kernel::send_reschedule(int cpu) {
  Rq& rq = cpu_rq(cpu);
  if (rq.ipi_in_flight) return;
  rq.ipi_in_flight = true;
  events_.push(now_ + costs().ipi_latency, Band::Hardware, EV_IPI, cpu, 0);
}

// Take the highest pending vector: push its frame over the interrupted context.
void Kernel::irq_deliver(Rq& rq) {
  Vector v = NR_VECTORS;
  for (int i = 0; i < NR_VECTORS; ++i)
    if (rq.pending & (1u << i)) {
      v = static_cast<Vector>(i);
      break;
    }
  rq.pending &= ~(1u << v);
  IrqFrame f;
  f.vec = v;
  f.from_user = rq.irq_stack.empty() && !rq.curr->is_idle() && rq.curr->user_mode;
  rq.irq_stack.push_back(std::move(f));
  ++rq.nr_irqs;
  trace(rq, "irq_entry", rq.curr, v);
  for (Observer* o : observers_) o->on_irq_entry(now_, rq.cpu, v);
}

void Kernel::irq_handler_begin(Rq& rq, IrqFrame& f) {
  if (f.vec == LOCAL_TIMER_VECTOR) {
    // hrtimer_interrupt(): run every timer expired by now, in expiry order.
    f.remaining = Time();
    while (true) {
      const bool tick_due = rq.next_tick <= now_;
      const bool timer_due = !rq.hrtimers.empty() && rq.hrtimers.top().expires <= now_;
      if (!tick_due && !timer_due) break;
      if (tick_due && (!timer_due || rq.next_tick <= rq.hrtimers.top().expires)) {
        f.expired.push_back(HrTimer{rq.next_tick, 0, HrTimerKind::Tick, nullptr});
        rq.next_tick = Time::max();
        f.remaining += costs().tick;
      } else {
        f.expired.push_back(rq.hrtimers.top());
        rq.hrtimers.pop();
        f.remaining += costs().hrtimer_wakeup;
      }
    }
  } else {
    f.remaining = costs().ipi_handler;
  }
}

void Kernel::irq_handler_end(Rq& rq, IrqFrame& f) {
  if (f.vec == LOCAL_TIMER_VECTOR) {
    for (const HrTimer& t : f.expired) {
      if (t.kind == HrTimerKind::Tick) {
        // tick_sched_timer(): sched_tick(), then hrtimer_forward() to the next jiffy.
        sched_tick(rq);
        if (!rq.curr->is_idle()) rq.next_tick = tick_nsec_ * (now_ / tick_nsec_ + 1);
      } else {
        // hrtimer_wakeup() / process_timeout(): wake the sleeper.
        try_to_wake_up(*t.task, t.kind == HrTimerKind::SleepWakeup ? TASK_INTERRUPTIBLE : TASK_UNINTERRUPTIBLE);
      }
    }
    f.expired.clear();
    clockevent_reprogram(rq);
  } else {
    // scheduler_ipi() -> preempt_fold_need_resched()
    if (need_resched(rq)) rq.preempt_need_resched = true;
  }
}

// One phase of the top interrupt frame: entry cost, handler, exit cost.
// Returns true when a segment of work was started.
bool Kernel::irq_step(Rq& rq) {
  IrqFrame& f = rq.irq_stack.back();
  if (f.remaining < Time()) {
    switch (f.phase) {
      case IrqPhase::Entry: f.remaining = costs().irq_entry; break;
      case IrqPhase::Handler: irq_handler_begin(rq, f); break;
      case IrqPhase::Exit: f.remaining = costs().irq_exit; break;
    }
  }
  if (f.remaining > Time()) {
    start_segment(rq, &f.remaining);
    return true;
  }
  switch (f.phase) {
    case IrqPhase::Entry:  // irq_enter()
      preempt_count_add(rq, HARDIRQ_OFFSET);
      f.phase = IrqPhase::Handler;
      break;
    case IrqPhase::Handler:  // handler, then irq_exit(): -HARDIRQ_OFFSET (softirqs would run here)
      irq_handler_end(rq, f);
      preempt_count_sub(rq, HARDIRQ_OFFSET);
      f.phase = IrqPhase::Exit;
      break;
    case IrqPhase::Exit: {
      const bool from_user = f.from_user;
      const Vector v = f.vec;
      rq.irq_stack.pop_back();
      trace(rq, "irq_exit", rq.curr, v);
      for (Observer* o : observers_) o->on_irq_exit(now_, rq.cpu, v);
      irqentry_exit(rq, from_user);
      return false;
    }
  }
  f.remaining = Time::ns(-1);
  return false;
}

// irqentry_exit(): to user -> exit_to_user_mode(); to kernel with IRQs on
// (always, here: an IRQ is only taken with IRQs on) -> under the models that
// enable it, irqentry_exit_cond_resched(): count 0 and need_resched() ->
// preempt_schedule_irq(). Not for the idle task: its loop checks need_resched().
void Kernel::irqentry_exit(Rq& rq, bool from_user) {
  if (!rq.irq_stack.empty()) return;  // back into an interrupted interrupt
  if (from_user) {
    exit_to_user_mode(rq);
    return;
  }
  if (rq.curr->is_idle()) return;
  if (model_.irqentry_exit_cond_resched == Call::Real && rq.preempt_count == 0 && need_resched(rq))
    preempt_schedule_irq(rq);
}

// exit_to_user_mode_prepare(): NEED_RESCHED or NEED_RESCHED_LAZY -> schedule().
void Kernel::exit_to_user_mode(Rq& rq) {
  Task& curr = *rq.curr;
  if (curr.tif_need_resched || curr.tif_need_resched_lazy) schedule(rq);
}

}  // namespace preemptsim
