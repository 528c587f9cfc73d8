// Real-Time Scheduling Class (SCHED_FIFO and SCHED_RR), after kernel/sched/rt.c:
// one FIFO list per priority, the running task stays at the head of its list.
#include "kernel/kernel.h"
#include "kernel/sched_class.h"

namespace preemptsim {
namespace {

// RR_TIMESLICE (include/linux/sched/rt.h): 100 ms in jiffies.
int rr_timeslice_ticks(const Kernel& k) { return static_cast<int>(Time::ns(100'000'000) / k.tick_nsec()); }

class RtSchedClass final : public SchedClass {
 public:
  const char* name() const override { return "rt"; }
  int rank() const override { return 3; }

  void enqueue_task(Kernel& k, Rq& rq, Task& p, int) const override {
    auto& list = rq.rt.queue[static_cast<std::size_t>(p.prio)];
    list.push_back(&p);
    p.rt.on_list = true;
    rq.rt.bitmap.set(static_cast<std::size_t>(p.prio));
    ++rq.rt.rt_nr_running;
    k.cpupri_set(rq);  // inc_rt_prio()
  }

  void dequeue_task(Kernel& k, Rq& rq, Task& p, int) const override {
    if (!p.rt.on_list) k.invariant_failed("dequeue_task_rt: task not queued");
    auto& list = rq.rt.queue[static_cast<std::size_t>(p.prio)];
    list.erase(&p);
    p.rt.on_list = false;
    if (list.empty()) rq.rt.bitmap.reset(static_cast<std::size_t>(p.prio));
    --rq.rt.rt_nr_running;
    k.cpupri_set(rq);  // dec_rt_prio()
  }

  // requeue_task_rt(): to the tail of its priority.
  static void requeue_task_rt(Rq& rq, Task& p) {
    auto& list = rq.rt.queue[static_cast<std::size_t>(p.prio)];
    list.erase(&p);
    list.push_back(&p);
  }

  void yield_task(Kernel&, Rq& rq) const override { requeue_task_rt(rq, *rq.curr); }

  // wakeup_preempt_rt(): strictly higher priority preempts, at once.
  void wakeup_preempt(Kernel& k, Rq& rq, Task& p) const override {
    if (p.prio < rq.curr->prio) k.resched_curr(rq);
  }

  // A throttled rt_rq offers nothing until the period timer replenishes it.
  Task* pick_task(Kernel&, Rq& rq) const override {
    if (!rq.rt.rt_nr_running || rq.rt_throttled) return nullptr;
    return rq.rt.queue[rq.rt.bitmap._Find_first()].front();
  }

  void put_prev_task(Kernel& k, Rq& rq, Task&) const override { k.update_curr_rt(rq); }
  void set_next_task(Kernel& k, Rq&, Task& p) const override { p.se.exec_start = k.now(); }

  // task_tick_rt(): SCHED_RR spends a tick of its slice; at 0 it refills and,
  // if another task shares its priority, goes to the tail and resched_curr().
  void task_tick(Kernel& k, Rq& rq, Task& p) const override {
    k.update_curr_rt(rq);
    if (p.policy != Policy::Rr) return;
    if (--p.rt.time_slice > 0) return;
    p.rt.time_slice = rr_timeslice_ticks(k);
    if (rq.rt.queue[static_cast<std::size_t>(p.prio)].size() > 1) {
      requeue_task_rt(rq, p);
      k.resched_curr(rq);
    }
  }

  void update_curr(Kernel& k, Rq& rq) const override { k.update_curr_rt(rq); }
};

const RtSchedClass rt_class_instance;
}  // namespace

const SchedClass& rt_sched_class = rt_class_instance;  // DEFINE_SCHED_CLASS(rt)

int sched_rr_timeslice_ticks(const Kernel& k) { return rr_timeslice_ticks(k); }

}  // namespace preemptsim
