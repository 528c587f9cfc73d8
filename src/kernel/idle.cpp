// The idle scheduling class (kernel/sched/idle.c): the per-CPU idle task,
// picked when nothing else is runnable; any wakeup preempts it.
#include "kernel/kernel.h"
#include "kernel/sched_class.h"

namespace preemptsim {
namespace {

class IdleSchedClass final : public SchedClass {
 public:
  const char* name() const override { return "idle"; }
  int rank() const override { return 0; }
  void enqueue_task(Kernel& k, Rq&, Task&, int) const override { k.invariant_failed("enqueue_task_idle"); }
  void dequeue_task(Kernel& k, Rq&, Task&, int) const override { k.invariant_failed("dequeue_task_idle"); }
  void yield_task(Kernel&, Rq&) const override {}
  // wakeup_preempt_idle(): always resched_curr().
  void wakeup_preempt(Kernel& k, Rq& rq, Task&) const override { k.resched_curr(rq); }
  Task* pick_task(Kernel&, Rq& rq) const override { return rq.idle; }
  void put_prev_task(Kernel&, Rq&, Task&) const override {}
  void set_next_task(Kernel&, Rq&, Task&) const override {}
  void task_tick(Kernel&, Rq&, Task&) const override {}
  void update_curr(Kernel&, Rq&) const override {}
};

const IdleSchedClass idle_class_instance;
}  // namespace

const SchedClass& idle_sched_class = idle_class_instance;  // DEFINE_SCHED_CLASS(idle)

}  // namespace preemptsim

// --- cpuidle: the idle loop's state choice and the wakeup's exit latency ---
#include "kernel/noise.h"

namespace preemptsim {

// cpuidle_idle_call() (kernel/sched/idle.c): with the tick stopped, ask the
// governor for a state (the predicted idle time is the distance to the next
// timer event on this CPU, tick_nohz_get_sleep_length()) and enter it.
void Kernel::cpuidle_idle_call(Rq& rq) {
  if (!machine_ || !machine_->idle.enabled()) return;
  CpuIdle& idle = machine_->idle;
  if (idle.state_of(rq.cpu) >= 0 || idle.exiting(rq.cpu)) return;
  const Time predicted = rq.clockevent_next == Time::max() ? Time::max() : rq.clockevent_next - now_;
  const int s = idle.select(predicted);
  idle.enter(rq.cpu, s, now_);
  trace(rq, "cpu_idle", rq.curr, s);
}

// A CPU in an idle state is woken by an interrupt (or, when it polls
// TIF_NEED_RESCHED, by the flag itself): nothing runs on it until the state's
// exit latency has passed. Returns true while that latency is being paid.
bool Kernel::cpuidle_wake_step(Rq& rq) {
  CpuIdle& idle = machine_->idle;
  if (!idle.exiting(rq.cpu)) {
    if (idle.state_of(rq.cpu) < 0) return false;
    if (!rq.pending && !need_resched(rq) && rq.irq_stack.empty()) return false;
    idle.exit_remaining(rq.cpu) = idle.exit(rq.cpu, now_);
    idle.exiting(rq.cpu) = true;
    trace(rq, "cpu_idle exit", rq.curr, idle.exit_remaining(rq.cpu).count());
  }
  if (rq.seg_active) return true;
  if (idle.exit_remaining(rq.cpu) > Time()) {
    start_segment(rq, &idle.exit_remaining(rq.cpu));
    return true;
  }
  idle.exiting(rq.cpu) = false;
  return false;
}

// set_nr_and_not_polling() (kernel/sched/core.c): a remote resched of an idle
// CPU whose idle task has TIF_POLLING_NRFLAG set (the POLL state, idle=poll,
// or x86 MWAIT monitoring the flags word) needs no IPI: the CPU sees the flag
// (trace_sched_wake_idle_without_ipi()). Returns true when an IPI is needed.
bool Kernel::set_nr_and_not_polling(Rq& rq) {
  if (!machine_ || !rq.curr->is_idle() || !machine_->idle.polling(rq.cpu)) return true;
  trace(rq, "sched_wake_idle_without_ipi", rq.curr);
  events_.arm(poll_slot(rq.cpu), now_, Band::Hardware, EV_POLL_WAKE, rq.cpu, 0);
  return false;
}

}  // namespace preemptsim
