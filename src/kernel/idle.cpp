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
