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
void Kernel::emit_sections(Rq& rq) {
  const bool preempt_off = (rq.preempt_count & (PREEMPT_MASK | SOFTIRQ_MASK)) != 0;
  const bool irqs_off = rq.hard_irqs_disabled();
  const char* fn = rq.site_op ? op_name(rq.site_op->code) : rq.site_fn;
  // A section that opens reports IRQs first when both change, one that closes
  // reports preemption first, so nested edges stay properly nested.
  auto report = [&](Section kind, bool& state, bool now_off) {
    if (state == now_off) return;
    state = now_off;
    if (now_off) {  // where it began, and the task's op then (when a task, not an interrupt, runs)
      const Op* op = rq.irq_stack.empty() && !rq.curr->is_idle() ? &rq.curr->op() : nullptr;
      (kind == Section::PreemptOff ? rq.preempt_off_at : rq.irqs_off_at) = Rq::SectionStart{now_, rq.site_loc, fn, op};
    }
    emit(SIG_SECTIONS, [&](Observer& o) { o.on_section(now_, rq, kind, now_off, Site{rq.site_loc, fn}); });
  };
  if (irqs_off) {
    report(Section::IrqsOff, rq.trace_irqs_off, irqs_off);
    report(Section::PreemptOff, rq.trace_preempt_off, preempt_off);
  } else {
    report(Section::PreemptOff, rq.trace_preempt_off, preempt_off);
    report(Section::IrqsOff, rq.trace_irqs_off, irqs_off);
  }
}

void Kernel::emit_activity(Rq& rq) {
  CpuActivity a;
  const Task& curr = *rq.curr;
  a.task = &curr;
  a.preempt_count = rq.preempt_count;
  a.irqs_disabled = rq.hard_irqs_disabled();
  if (machine_ && smi_stalled(rq)) {
    a.what = Activity::Smi;
  } else if (machine_ && rq.seg_active && machine_->idle.exiting(rq.cpu)) {
    a.what = Activity::IdleExit;
  } else if (!rq.seg_active) {
    a.what = Activity::Idle;
  } else if (!rq.irq_stack.empty()) {
    const IrqFrame& f = rq.irq_stack.back();
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
  if (activity_log_ && activity_log_->record(rq.cpu, now_, a, curr.softirq_disable_cnt)) activity_log_->watcher->on_cpu_activity(now_, rq, a);
  emit(SIG_ACTIVITY, [&](Observer& o) { o.on_cpu_activity(now_, rq, a); });  // its subscribers only
}

}  // namespace preemptsim
