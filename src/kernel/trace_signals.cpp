// The kernel's tracing signals that need a look at the whole CPU state:
// section edges for the latency tracers (trace_preempt_on/off,
// trace_hardirqs_on/off) and what a CPU starts doing (for timelines).
#include "kernel/kernel.h"
#include "kernel/noise.h"
#include "kernel/preempt.h"

namespace preemptsim {

// "Preemption disabled" is a non-zero preempt or BH count (the kernel's
// preempt_latency_start() also counts local_bh_disable() and softirq
// serving); hard IRQ nesting alone is not, the IRQ flag covers it.
void Kernel::emit_sections(Rq& rq, bool preempt_off, bool irqs_off) {
  // A section that opens reports IRQs first when both change, one that closes
  // reports preemption first, so nested edges stay properly nested.
  auto report = [&](Section kind, bool& state, bool now_off) {
    if (state == now_off) return;
    state = now_off;
    if (now_off) {  // where it began, and the task's op then (when a task, not an interrupt, runs)
      const Op* op = rq.irq_stack.empty() && !rq.curr->is_idle() ? &rq.curr->op() : nullptr;
      (kind == Section::PreemptOff ? rq.preempt_off_at : rq.irqs_off_at) = Rq::SectionStart{now_, rq.site_loc, rq.site_fn, rq.site_op, op};
    }
    emit(SIG_SECTIONS, [&](Observer& o) {
      o.on_section(now_, rq, kind, now_off, Site{rq.site_loc, site_function(rq.site_op, rq.site_fn)});
    });
  };
  if (irqs_off) {
    report(Section::IrqsOff, rq.trace_irqs_off, irqs_off);
    report(Section::PreemptOff, rq.trace_preempt_off, preempt_off);
  } else {
    report(Section::PreemptOff, rq.trace_preempt_off, preempt_off);
    report(Section::IrqsOff, rq.trace_irqs_off, irqs_off);
  }
}

// Written to call nothing on its common path (no machine model, no watcher
// due, no subscriber), so that it saves few registers: it runs at every
// segment when the explanation keeps its log.
void Kernel::emit_activity(Rq& rq) {
  // Worked out in place in the CPU's log record when a log is kept (the
  // explanation's); every field is written, the slot holds an old record.
  ActivityRecord& r = activity_log_ ? activity_log_->append(rq.cpu) : activity_scratch_;
  const Task& curr = *rq.curr;
  CpuActivity& a = r.a;
  r.t = now_;
  r.bh = curr.softirq_disable_cnt;
  a.task = &curr;
  a.prev = nullptr;
  a.op = nullptr;
  a.irq = -1;
  a.preempt_count = rq.preempt_count;
  a.vec = NR_VECTORS;
  a.softirq = NR_SOFTIRQS;
  bool irqs_off = rq.irqs_off || rq.switching;  // Rq::hard_irqs_disabled(), the frame's part below
  if (machine_ && machine_activity(rq, a)) {
    irqs_off = a.irqs_disabled;  // an SMI or an idle exit: nothing else is read
  } else if (!rq.irq_stack.empty()) {
    const IrqFrame& f = rq.irq_stack.back();
    if (f.kind != FrameKind::Softirq) irqs_off = true;
    if (!rq.seg_active) {
      a.what = Activity::Idle;
    } else {
      a.vec = f.vec;
      a.irq = f.irq;
      if (f.kind == FrameKind::Softirq) {
        a.what = Activity::Softirq;
        if (f.next < f.work.size()) a.softirq = f.work[f.next].vec;
      } else if (f.kind == FrameKind::Nmi) {
        a.what = Activity::Nmi;
      } else {
        a.what = f.phase == IrqPhase::Entry ? Activity::IrqEntry : f.phase == IrqPhase::Handler ? Activity::IrqHandler : Activity::IrqExit;
      }
    }
  } else if (!rq.seg_active) {
    a.what = Activity::Idle;
  } else if (rq.switching) {
    a.what = Activity::Switch;
    a.prev = rq.switch_prev;
  } else if (curr.in_softirq_work && curr.softirq_next < curr.softirq_work.size()) {
    a.what = Activity::Softirq;
    a.softirq = curr.softirq_work[curr.softirq_next].vec;
  } else if (curr.kthread_kind == Task::Kthread::IrqThread) {
    a.what = Activity::IrqThread;
    a.irq = curr.irq;
  } else {
    a.what = Activity::TaskStep;
    a.op = &curr.op();
  }
  a.irqs_disabled = irqs_off;
  const bool fire = activity_log_ && activity_log_->fire(rq.cpu, a);
  if (fire || !family_observers_[SIG_ACTIVITY_BIT].empty()) notify_activity(rq, a, fire);
}

// What the machine model makes of the activity, before anything else is
// read: an SMI stalls the CPU (SMM, invisible to the kernel); a CPU leaving
// an idle state pays its exit latency. True when it is one of these (the
// vector, IRQ and op then stay unset).
bool Kernel::machine_activity(Rq& rq, CpuActivity& a) {
  if (smi_stalled(rq)) a.what = Activity::Smi;
  else if (rq.seg_active && machine_->idle.exiting(rq.cpu)) a.what = Activity::IdleExit;
  else return false;
  a.irqs_disabled = rq.hard_irqs_disabled();
  return true;
}

void Kernel::notify_activity(Rq& rq, const CpuActivity& a, bool fire) {
  if (fire) activity_log_->watcher->on_cpu_activity(now_, rq, a);
  emit(SIG_ACTIVITY, [&](Observer& o) { o.on_cpu_activity(now_, rq, a); });  // its subscribers only
}

}  // namespace preemptsim
