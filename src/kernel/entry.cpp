// Interrupt entry and exit (kernel/entry/common.c, kernel/softirq.c irq_exit(),
// arch/x86 IDT entry): pending vectors and device lines, the hard IRQ phases,
// NMIs, the preemption check on return to kernel, exit_to_user_mode() and
// reschedule IPIs.
#include "kernel/kernel.h"
#include "kernel/preempt.h"

namespace preemptsim {

const char* vector_name(Vector v) {
  switch (v) {
    case RESCHEDULE_VECTOR: return "RESCHEDULE";
    case LOCAL_TIMER_VECTOR: return "LOCAL_TIMER";
    case IRQ_WORK_VECTOR: return "IRQ_WORK";
    case DEVICE_VECTOR: return "DEVICE";
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
  events_.arm(ipi_slot(cpu), now_ + cost(CostId::IpiLatency), Band::Hardware, EV_IPI, cpu, 0);
}


// Take the highest pending vector (system vectors first, then the lowest
// device line): push its frame over the interrupted context.
void Kernel::irq_deliver(Rq& rq) {
  Vector v = NR_VECTORS;
  for (int i = 0; i < NR_VECTORS; ++i)
    if (rq.pending & (1u << i)) {
      v = static_cast<Vector>(i);
      break;
    }
  IrqFrame f;
  f.vec = v;
  if (v == DEVICE_VECTOR) {
    for (std::size_t i = 0; i < rq.line_pending.size(); ++i)
      if (rq.line_pending[i]) {
        f.irq = static_cast<int>(i);
        rq.line_pending[i] = false;
        break;
      }
    bool more = false;
    for (bool b : rq.line_pending) more = more || b;
    if (!more) rq.pending &= ~(1u << v);
    IrqSource& src = irqs_[static_cast<std::size_t>(f.irq)];
    f.threaded = src.thread != nullptr;  // forced threading gave the line irq/N-NAME
    f.arrival = src.pending_since;
    ++src.count;  // kstat_incr_irqs_this_cpu(): counted as the flow handler starts
  } else {
    rq.pending &= ~(1u << v);
  }
  f.from_user = rq.irq_stack.empty() && !rq.curr->is_idle() && rq.curr->user_mode && !rq.curr->in_softirq_work;
  rq.irq_stack.push_back(std::move(f));
  ++rq.nr_irqs;
  // the IDT entry points (arch/x86/include/asm/idtentry.h)
  kernel_site(rq, v == LOCAL_TIMER_VECTOR  ? "asm_sysvec_apic_timer_interrupt"
                  : v == RESCHEDULE_VECTOR ? "asm_sysvec_reschedule_ipi"
                  : v == IRQ_WORK_VECTOR   ? "asm_sysvec_irq_work"
                                           : "asm_common_interrupt");
  sections_changed(rq);
  trace(rq, "irq_handler_entry", rq.curr, v);
  for (Observer* o : observers_) o->on_irq_entry(now_, rq.cpu, v);
}

// An NMI is taken whatever the IRQ state; x86 latches one NMI arriving
// during another and takes it after; further ones are lost.
void Kernel::nmi_deliver(Rq& rq, int irq) {
  if (!rq.irq_stack.empty() && rq.irq_stack.back().kind == FrameKind::Nmi) {
    rq.nmi_pending = 1;
    return;
  }
  if (rq.seg_active) segment_interrupt(rq);
  IrqFrame f;
  f.kind = FrameKind::Nmi;
  f.irq = irq;
  rq.irq_stack.push_back(std::move(f));
  ++rq.nr_irqs;
  kernel_site(rq, "asm_exc_nmi");
  sections_changed(rq);
  trace(rq, "nmi_entry", rq.curr, irq);
}

void Kernel::irq_handler_begin(Rq& rq, IrqFrame& f) {
  f.remaining = Time();
  emit(SIG_IRQ, [&](Observer& o) { o.on_irq_handler_entry(now_, rq, f.vec, f.irq); });
  switch (f.vec) {
    case LOCAL_TIMER_VECTOR:
      // hrtimer_interrupt(): every timer expired by now, in expiry order.
      while (true) {
        const bool tick_due = rq.next_tick <= now_;
        const bool timer_due = !rq.hrtimers.empty() && rq.hrtimers.top().expires <= now_;
        if (!tick_due && !timer_due) break;
        if (tick_due && (!timer_due || rq.next_tick <= rq.hrtimers.top().expires)) {
          f.expired.push_back(HrTimer{rq.next_tick, 0, HrTimerKind::Tick, nullptr});
          rq.next_tick = Time::max();
          f.remaining += cost(CostId::Tick) + irq_work_run_begin(rq, true);  // update_process_times() -> irq_work_tick()
        } else {
          const HrTimer t = rq.hrtimers.top();
          rq.hrtimers.pop();
          if (t.kind == HrTimerKind::SleepWakeup) t.task->latency_irq = now_;
          f.expired.push_back(t);
          // A wheel timeout only raises TIMER_SOFTIRQ here (run_local_timers()).
          if (t.kind != HrTimerKind::WheelTimeout && t.kind != HrTimerKind::DelayedWork) f.remaining += cost(CostId::HrtimerWakeup);
        }
      }
      break;
    case RESCHEDULE_VECTOR:
      f.remaining = cost(CostId::IpiHandler);
      break;
    case IRQ_WORK_VECTOR:  // sysvec_irq_work() -> irq_work_run()
      f.remaining = irq_work_run_begin(rq, false);
      break;
    case DEVICE_VECTOR: {
      IrqSource& src = irqs_[static_cast<std::size_t>(f.irq)];
      f.entry = now_;
      f.remaining = f.threaded ? cost(CostId::IrqThreadWake) : device_work_take(src);
      break;
    }
    case NR_VECTORS:
      break;
  }
}

void Kernel::irq_handler_end(Rq& rq, IrqFrame& f) {
  switch (f.vec) {
    case LOCAL_TIMER_VECTOR:
      for (const HrTimer& t : f.expired) {
        emit(SIG_IRQ, [&](Observer& o) { o.on_hrtimer_expire_entry(now_, rq, t); });
        switch (t.kind) {
          case HrTimerKind::Tick:  // tick_nohz_handler() (tick_sched_timer() before 6.9): sched_tick(), hrtimer_forward() to the next jiffy
            sched_tick(rq);
            irq_work_run_end(rq, true);
            if (machine_) housekeeping_tick(rq);  // RCU callbacks, timer-wheel expiries
            if (!rq.curr->is_idle() && !(machine_ && can_stop_full_tick(rq))) rq.next_tick = tick_nsec_ * (now_ / tick_nsec_ + 1);
            break;
          case HrTimerKind::SleepWakeup:  // hrtimer_wakeup()
            try_to_wake_up(*t.task, TASK_INTERRUPTIBLE);
            break;
          case HrTimerKind::WheelTimeout:  // expired wheel timer: TIMER_SOFTIRQ runs process_timeout()
            if (timeout_cancelled(*t.task, t.expires)) break;  // del_timer() took it off the wheel
            raise_timer_softirq(rq, SoftirqWork{TIMER_SOFTIRQ, cost(CostId::HrtimerWakeup), t.task, -1});
            break;
          case HrTimerKind::DelayedWork:  // a wheel timer: delayed_work_timer_fn() runs in TIMER_SOFTIRQ
            delayed_work_timer(rq, t);
            break;
          case HrTimerKind::RtPeriod:
          case HrTimerKind::FairServerPeriod:
          case HrTimerKind::FairServerDefer:
            bandwidth_timer(rq, t);
            break;
          case HrTimerKind::DlTimer:  // dl_task_timer(): a throttled deadline task's replenishment
            dl_task_timer(t);
            break;
        }
        emit(SIG_IRQ, [&](Observer& o) { o.on_hrtimer_expire_exit(now_, rq, t); });
      }
      f.expired.clear();
      clockevent_reprogram(rq);
      break;
    case RESCHEDULE_VECTOR:  // scheduler_ipi() -> preempt_fold_need_resched()
      if (need_resched(rq)) rq.preempt_need_resched = true;
      break;
    case IRQ_WORK_VECTOR:
      irq_work_run_end(rq, false);
      break;
    case DEVICE_VECTOR: {
      IrqSource& src = irqs_[static_cast<std::size_t>(f.irq)];
      if (f.threaded) {  // irq_default_primary_handler() -> __irq_wake_thread(): IRQTF_RUNTHREAD is a bit,
        if (src.thread->irq_thread_pending == 0) src.thread_ev = device_event(f);  // (the oldest one is the one waited for)
        src.thread->irq_thread_pending = 1;  // so interrupts before the thread runs merge into one run (which takes all their work)
        try_to_wake_up(*src.thread, TASK_INTERRUPTIBLE);
      } else {
        const IrqWake ev = device_event(f);
        device_work_finish(rq, src, ev);
        if (src.spec->wake_softirq < 0) device_wake(src, ev);  // the handler's own wake_up()/complete()
        for (const DeferCall& d : src.spec->defer) defer_call(rq, d, &ev);  // its tasklet_schedule()/queue_work()/irq_work_queue()
      }
      break;
    }
    case NR_VECTORS:
      break;
  }
}

// Each arrival draws its handler and softirq durations (in that order, from
// the line's duration stream), so every model sees the same work whatever
// coalesces: the stream is consumed per arrival, not per handler run.
void Kernel::device_work_arrive(IrqSource& src) {
  const Time h = src.spec->handler.sample(src.durations);
  src.backlog.push_back(h);
  src.work.handler_arrived += h;
  for (const SoftirqRaise& r : src.spec->softirqs) {
    const Time d = r.duration.sample(src.durations);
    src.backlog.push_back(d);
    src.work.softirq_arrived += d;
  }
  ++src.backlog_n;
  ++src.work.arrivals;
}

// The handler starts: it processes every arrival pending now (a driver
// drains its ring; a coalesced line or a merged IRQTF_RUNTHREAD run does
// the work of all the interrupts it stands for).
Time Kernel::device_work_take(IrqSource& src) {
  const std::size_t stride = 1 + src.spec->softirqs.size();
  src.taken_n = src.backlog_n;
  src.taken_handler = Time();
  for (std::size_t i = 0; i < src.taken_n; ++i) src.taken_handler += src.backlog[i * stride];
  return src.taken_handler;
}

// The handler is done: the taken arrivals' softirqs are raised, in arrival
// order (NAPI: napi_schedule() once, the poll processes every packet).
void Kernel::device_work_finish(Rq& rq, IrqSource& src, const IrqWake& ev) {
  const std::size_t stride = 1 + src.spec->softirqs.size();
  const int irq = static_cast<int>(&src - irqs_.data());
  for (std::size_t i = 0; i < src.taken_n; ++i)
    for (std::size_t j = 0; j < src.spec->softirqs.size(); ++j) {
      SoftirqWork w{src.spec->softirqs[j].vec, src.backlog[i * stride + 1 + j], nullptr, irq};
      if (static_cast<int>(j) == src.spec->wake_softirq) {  // e.g. NET_RX delivering to the socket (waitqueue.cpp)
        w.wake_sync = src.wake_sync;
        w.ev = ev;
      }
      raise_softirq(rq, w);
    }
  src.backlog.erase(src.backlog.begin(), src.backlog.begin() + static_cast<std::ptrdiff_t>(src.taken_n * stride));
  src.backlog_n -= src.taken_n;
  src.taken_n = 0;
  src.work.handler_done += src.taken_handler;
  src.taken_handler = Time();
}

// One phase of the top frame. Returns true when a segment of work was started.
bool Kernel::irq_step(Rq& rq) {
  IrqFrame& f = rq.irq_stack.back();
  if (f.kind == FrameKind::Softirq) return softirq_step(rq);
  if (f.kind == FrameKind::Nmi) {
    // nmi_enter(): +NMI_OFFSET+HARDIRQ_OFFSET; the handler; nmi_exit(): no softirqs, no preemption.
    if (f.remaining < Time()) {
      IrqSource& src = irqs_[static_cast<std::size_t>(f.irq)];
      f.remaining = cost(CostId::NmiEntry) + src.spec->handler.sample(src.durations);
      preempt_count_add(rq, NMI_OFFSET + HARDIRQ_OFFSET);
      ++src.count;
      emit(SIG_IRQ, [&](Observer& o) { o.on_nmi_entry(now_, rq, f.irq); });
    }
    if (f.remaining > Time()) {
      start_segment(rq, &f.remaining);
      return true;
    }
    const int irq = f.irq;
    for (const DeferCall& d : irqs_[static_cast<std::size_t>(irq)].spec->defer) defer_call(rq, d, nullptr);  // irq_work_queue(): NMI-safe
    emit(SIG_IRQ, [&](Observer& o) { o.on_nmi_exit(now_, rq, irq); });
    kernel_site(rq, "irqentry_nmi_exit");
    preempt_count_sub(rq, NMI_OFFSET + HARDIRQ_OFFSET);
    rq.irq_stack.pop_back();
    sections_changed(rq);
    trace(rq, "nmi_exit", rq.curr);
    if (rq.nmi_pending > 0) {
      --rq.nmi_pending;
      nmi_deliver(rq, irq);
    }
    return false;
  }
  if (f.remaining < Time()) {
    switch (f.phase) {
      case IrqPhase::Entry: f.remaining = cost(CostId::IrqEntry); break;
      case IrqPhase::Handler: irq_handler_begin(rq, f); break;
      case IrqPhase::Exit: f.remaining = cost(CostId::IrqExit); break;
    }
  }
  if (f.remaining > Time()) {
    start_segment(rq, &f.remaining);
    return true;
  }
  switch (f.phase) {
    case IrqPhase::Entry:  // irq_enter()
      kernel_site(rq, "irq_enter_rcu");
      preempt_count_add(rq, HARDIRQ_OFFSET);
      f.phase = IrqPhase::Handler;
      break;
    case IrqPhase::Handler:  // the handler, then irq_exit(): -HARDIRQ_OFFSET and softirqs
      irq_handler_end(rq, f);
      emit(SIG_IRQ, [&](Observer& o) { o.on_irq_handler_exit(now_, rq, f.vec, f.irq); });
      kernel_site(rq, "irq_exit_rcu");
      preempt_count_sub(rq, HARDIRQ_OFFSET);
      f.phase = IrqPhase::Exit;
      f.remaining = Time::ns(-1);
      trace(rq, "irq_handler_exit", rq.curr, f.vec);
      if (!in_interrupt(rq.preempt_count) && rq.softirq_pending) invoke_softirq(rq);  // may push a frame: f is stale after
      return false;
    case IrqPhase::Exit: {
      const bool from_user = f.from_user;
      const Vector v = f.vec;
      rq.irq_stack.pop_back();
      kernel_site(rq, "irqentry_exit");
      sections_changed(rq);
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
  if (!rq.irq_stack.empty()) return;  // back into an interrupted softirq run
  if (from_user) {
    exit_to_user_mode(rq);
    return;
  }
  if (rq.curr->is_idle()) return;
  if (model_.irqentry_exit_cond_resched == Call::Real && rq.preempt_count == 0 && need_resched(rq))
    preempt_schedule_irq(rq);
}

// syscall_exit_to_user_mode(): the task leaves the kernel (its op is done)
// through the same exit work as an interrupt's return to user.
void Kernel::syscall_exit_to_user_mode(Rq& rq, Task& p) {
  p.user_mode = true;
  exit_to_user_mode(rq);
}

// exit_to_user_mode_prepare(): NEED_RESCHED or NEED_RESCHED_LAZY -> schedule().
void Kernel::exit_to_user_mode(Rq& rq) {
  Task& curr = *rq.curr;
  if (curr.tif_need_resched || curr.tif_need_resched_lazy) schedule(rq);
}

}  // namespace preemptsim
