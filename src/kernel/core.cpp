// The scheduler core (kernel/sched/core.c): resched requests, __schedule(),
// the preemption entry points, try_to_wake_up(), CPU selection and the
// simple RT push / idle pull balancing.
#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/preempt.h"
#include "kernel/sched_class.h"

namespace preemptsim {

// __resched_curr(rq, tif): idle upgrades lazy to full; an already-set bit is a
// no-op; local: set the bit, fold only TIF_NEED_RESCHED into preempt_count;
// remote: set the bit, IPI only for TIF_NEED_RESCHED (a lazy request sends none).
void Kernel::__resched_curr(Rq& rq, bool lazy) {
  Task& curr = *rq.curr;
  if (curr.is_idle()) lazy = false;
  if (curr.tif_need_resched || (lazy && curr.tif_need_resched_lazy)) return;
  if (rq.cpu == smp_processor_id()) {
    if (lazy) {
      curr.tif_need_resched_lazy = true;
    } else {
      curr.tif_need_resched = true;
      rq.preempt_need_resched = true;  // set_preempt_need_resched()
    }
    trace(rq, lazy ? "resched_curr_lazy" : "resched_curr", &curr);
    return;
  }
  if (lazy) {
    curr.tif_need_resched_lazy = true;
    trace(rq, "resched_curr_lazy (remote, no IPI)", &curr);
    return;
  }
  curr.tif_need_resched = true;
  trace(rq, "resched_curr (remote)", &curr);
  if (machine_ && !set_nr_and_not_polling(rq)) return;  // a polling idle CPU needs no IPI
  send_reschedule(rq.cpu);  // smp_send_reschedule()
}

void Kernel::resched_curr(Rq& rq) { __resched_curr(rq, false); }

// resched_curr_lazy(): TIF_NEED_RESCHED_LAZY only when the model has lazy
// preemption (get_lazy_tif_bit()); otherwise the same as resched_curr().
void Kernel::resched_curr_lazy(Rq& rq) { __resched_curr(rq, model_.lazy); }

void Kernel::activate_task(Rq& rq, Task& p, int flags) {
  bandwidth_enqueue(rq, p);
  p.sched_class->enqueue_task(*this, rq, p, flags);
  p.on_rq = true;
  ++rq.nr_running;
  update_overload(rq);
  if (machine_) sched_update_tick_dependency(rq);
}

void Kernel::deactivate_task(Rq& rq, Task& p, int flags) {
  p.sched_class->dequeue_task(*this, rq, p, flags);
  p.on_rq = false;
  if (rq.nr_running == 0) invariant_failed("deactivate_task: nr_running underflow");
  --rq.nr_running;
  update_overload(rq);
}

// cpupri: the most important priority running or queued on the CPU; fair
// CPUs all rank as DEFAULT_PRIO here, an idle CPU as MAX_PRIO, a CPU with
// deadline tasks as -1 (CPUPRI_HIGHER: no RT task goes there).
int Kernel::cpu_prio(const Rq& rq) const {
  if (rq.dl.dl_nr_running) return -1;
  if (rq.rt.rt_nr_running) return static_cast<int>(rq.rt.bitmap._Find_first());
  if (rq.cfs.nr_queued) return DEFAULT_PRIO;
  return MAX_PRIO;
}

// Would p run at once on rq: the CPU is idle, or p is RT and beats everything there.
bool Kernel::task_would_run_on(const Task& p, const Rq& rq) const {
  const int cp = cpu_prio(rq);
  if (cp == MAX_PRIO) return true;
  return p.prio < MAX_RT_PRIO && p.prio < cp;
}

// select_task_rq(): the previous CPU if allowed and p would run there; else
// an idle allowed CPU (lowest number); else the allowed CPU whose current
// priority is lowest (the previous CPU on a tie, then the lowest number).
// The candidates come from cpupri's masks, lowest priority first
// (cpupri_find()), not from a scan of every CPU.
int Kernel::select_task_rq(const Task& p) const {
  if (p.migration_disabled) return p.cpu;  // is_migration_disabled(): stays where it is pinned
  if (p.sched_class == &dl_sched_class) return select_task_rq_dl(p);
  if (p.cpus_allowed.test(static_cast<std::size_t>(p.cpu)) && task_would_run_on(p, rqs_[static_cast<std::size_t>(p.cpu)]))
    return p.cpu;
  for (std::size_t r = cpupri_.ranks._Find_first(); r < cpupri_.ranks.size(); r = cpupri_.ranks._Find_next(r)) {
    const std::bitset<MAX_CPUS> m = cpupri_.mask[r] & p.cpus_allowed;
    if (m.none()) continue;
    if (r != cpupri_rank(MAX_PRIO) && m.test(static_cast<std::size_t>(p.cpu))) return p.cpu;
    return static_cast<int>(m._Find_first());
  }
  return -1;
}

// wakeup_preempt(): same class -> the class decides; a higher class -> resched_curr().
void Kernel::wakeup_preempt(Rq& rq, Task& p) {
  Task& curr = *rq.curr;
  // A fair task served by the fair server runs at deadline priority.
  if (rq.fs_active && curr.sched_class == &fair_sched_class && p.sched_class == &rt_sched_class) return;
  // ... and competes with deadline tasks by EDF (its deadline: the period's end).
  if (rq.fs_active && curr.sched_class == &fair_sched_class && p.sched_class == &dl_sched_class) {
    if (p.dl.deadline < rq.fs_window_end) resched_curr(rq);
    return;
  }
  if (p.sched_class == curr.sched_class)
    p.sched_class->wakeup_preempt(*this, rq, p);
  else if (sched_class_above(p.sched_class, curr.sched_class))
    resched_curr(rq);
}

// try_to_wake_up(): state match, select a CPU, ttwu_do_activate() (enqueue,
// wakeup_preempt(), TASK_RUNNING). The waker takes the remote rq lock itself
// (no wake list); a remote resched goes through an IPI.
bool Kernel::try_to_wake_up(Task& p, std::uint32_t state_mask) {
  // ttwu_state_match(): a regular wakeup of a task blocked on a PREEMPT_RT
  // spinlock goes to its saved state, so it is not lost when the lock is taken.
  if (p.state == TASK_RTLOCK_WAIT && !(state_mask & TASK_RTLOCK_WAIT)) {
    if (!(p.saved_state & state_mask)) return false;
    p.saved_state = TASK_RUNNING;
    return true;
  }
  if (!(p.state & state_mask)) return false;
  if (p.worker_sleeping) wq_worker_running(p);  // a kworker blocked in a work counts as running again
  Rq& waker = cpu_rq(this_cpu_);
  if (p.on_rq) {  // ttwu_runnable(): still queued, only the state changes
    emit(SIG_SCHED, [&](Observer& o) { o.on_sched_waking(now_, waker, p, p.cpu); });
    p.state = TASK_RUNNING;
    wakeup_preempt(cpu_rq(p.cpu), p);
    emit(SIG_SCHED, [&](Observer& o) { o.on_sched_wakeup(now_, waker, p, p.cpu); });
    return true;
  }
  const int cpu = select_task_rq(p);
  emit(SIG_SCHED, [&](Observer& o) { o.on_sched_waking(now_, waker, p, cpu); });
  if (cpu != p.cpu) ++p.nr_migrations;
  p.cpu = cpu;  // set_task_cpu()
  Rq& rq = cpu_rq(cpu);
  activate_task(rq, p, ENQUEUE_WAKEUP);
  wakeup_preempt(rq, p);
  if (p.sched_class == &dl_sched_class) task_woken_dl(rq, p);
  p.state = TASK_RUNNING;
  trace(rq, "sched_wakeup", &p);
  emit(SIG_SCHED, [&](Observer& o) { o.on_sched_wakeup(now_, waker, p, cpu); });
  for (Observer* o : observers_) o->on_wakeup(now_, p, cpu);
  return true;
}

// wake_up_new_task(): the first wakeup of a task, from CPU 0 at boot.
void Kernel::wake_up_new_task(Task& p) {
  p.state = TASK_RUNNING;
  const int cpu = select_task_rq(p);
  p.cpu = cpu;
  Rq& rq = cpu_rq(cpu);
  activate_task(rq, p, ENQUEUE_INITIAL);
  wakeup_preempt(rq, p);
}

// Move a queued (not running) task to another CPU and let that CPU decide.
void Kernel::move_queued_task(Rq& src, Task& p, int dest_cpu) {
  deactivate_task(src, p, DEQUEUE_MIGRATE);
  ++p.nr_migrations;
  p.cpu = dest_cpu;
  Rq& dst = cpu_rq(dest_cpu);
  activate_task(dst, p, ENQUEUE_MIGRATED);
  trace(dst, "migrate", &p, src.cpu);
  wakeup_preempt(dst, p);
}

// push_rt_task() / idle balancing, simplified: a runnable task left queued
// behind another goes to an allowed CPU where it would run at once, the one
// running the lowest priority (cpupri_find(), lowest number on a tie).
void Kernel::push_task(Rq& rq, Task& p) {
  if (!p.on_rq || rq.curr == &p || rqs_.size() == 1 || p.migration_disabled) return;
  if (p.sched_class == &dl_sched_class) return push_dl_tasks(rq);  // push_dl_task(): by deadline
  for (std::size_t r = cpupri_.ranks._Find_first(); r < cpupri_.ranks.size(); r = cpupri_.ranks._Find_next(r)) {
    const int cp = MAX_PRIO - static_cast<int>(r);
    if (cp != MAX_PRIO && !(p.prio < MAX_RT_PRIO && p.prio < cp)) return;  // task_would_run_on() fails from here on
    std::bitset<MAX_CPUS> m = cpupri_.mask[r] & p.cpus_allowed;
    m.reset(static_cast<std::size_t>(rq.cpu));
    if (m.any()) return move_queued_task(rq, p, static_cast<int>(m._Find_first()));
  }
}

// pick_next_task(): update prev's runtime, ask the classes in order rt,
// fair, idle (each considers its running task too), and only when the pick
// is another task put_prev_task() + set_next_task() (put_prev_set_next_task()
// returns early for next == prev). Before picking, a CPU with nothing better
// pulls a waiting task from another CPU (pull_rt_task() / newidle balance, simplified).
Task* Kernel::pick_next_task(Rq& rq, Task& prev) {
  if (prev.on_rq) prev.sched_class->update_curr(*this, rq);
  // balance_dl(): prev, a deadline task, left the dl_rq (blocked, yielded, throttled)
  if (prev.sched_class == &dl_sched_class && !prev.dl.on_dl_rq) pull_dl_task(rq);
  // The pull looks only at other CPUs' queues: their RT lists from the top
  // priority down, stopping at the first task that may move here, and, for
  // an idle CPU, their fair timelines (earliest deadline first).
  const int mine = cpu_prio(rq);
  auto movable = [&](const Rq& other, const Task* t) {
    return other.curr != t && !t->migration_disabled && t->cpus_allowed.test(static_cast<std::size_t>(rq.cpu));
  };
  Task* steal = nullptr;
  for (std::size_t c = rto_count_ ? rto_mask_._Find_first() : rto_mask_.size(); c < rto_mask_.size();
       c = rto_mask_._Find_next(c)) {  // the overloaded CPUs (rt_overloaded() first)
    Rq& other = rqs_[c];
    if (&other == &rq) continue;
    for (std::size_t prio = other.rt.bitmap._Find_first(); prio < MAX_RT_PRIO; prio = other.rt.bitmap._Find_next(prio)) {
      const int pr = static_cast<int>(prio);
      if (pr >= mine || (steal && pr >= steal->prio)) break;  // nothing here beats this CPU or the candidate
      for (Task* t : other.rt.queue[prio])
        if (movable(other, t)) {
          steal = t;
          break;
        }
      if (steal && steal->prio == pr) break;
    }
    if (mine == MAX_PRIO && (!steal || steal->prio >= MAX_RT_PRIO))
      for (Task* t : other.cfs.timeline)
        if (movable(other, t) && (!steal || t->prio < steal->prio)) {
          steal = t;
          break;
        }
  }
  if (steal) move_queued_task(cpu_rq(steal->cpu), *steal, rq.cpu);
  // An active fair server is a deadline entity: fair tasks go before RT,
  // and before the deadline tasks due after the server's deadline (EDF).
  static const SchedClass* const kOrder[] = {&dl_sched_class, &rt_sched_class, &fair_sched_class, &idle_sched_class};
  static const SchedClass* const kServed[] = {&dl_sched_class, &fair_sched_class, &rt_sched_class, &idle_sched_class};
  static const SchedClass* const kServerFirst[] = {&fair_sched_class, &dl_sched_class, &rt_sched_class, &idle_sched_class};
  const bool served = rq.fs_active && rq.cfs.nr_queued;
  for (const SchedClass* c : dl_server_first(rq) ? kServerFirst : served ? kServed : kOrder) {
    if (Task* p = c->pick_task(*this, rq)) {
      if (p != &prev) {
        prev.sched_class->put_prev_task(*this, rq, prev);
        c->set_next_task(*this, rq, *p);
      }
      return p;
    }
  }
  invariant_failed("pick_next_task: no task, not even idle");
}

// __schedule(): a task that is not TASK_RUNNING is dequeued unless the mode is
// SM_PREEMPT; voluntary switches count in nvcsw, the rest in nivcsw; the pick
// clears both NEED_RESCHED bits of prev and the folded bit.
void Kernel::__schedule(Rq& rq, SchedMode mode) {
  Task& prev = *rq.curr;
  if (!rq.irq_stack.empty()) invariant_failed("__schedule() called from hard interrupt context");
  if (rq.switching) invariant_failed("__schedule() called during a context switch");
  if (rq.preempt_count != 0) __schedule_bug(rq, prev);  // schedule_debug()
  const bool preempt = mode == SchedMode::SM_PREEMPT;
  std::uint64_t* switch_count = &prev.nivcsw;
  if (!preempt && prev.state != TASK_RUNNING) {
    deactivate_task(rq, prev, DEQUEUE_SLEEP);
    switch_count = &prev.nvcsw;
    if (prev.kthread_kind == Task::Kthread::Kworker) wq_worker_sleeping(prev);  // sched_submit_work()
  }
  // SM_IDLE with nothing queued keeps the idle task without a pick.
  Task* next = (mode == SchedMode::SM_IDLE && rq.nr_running == 0) ? &prev : pick_next_task(rq, prev);
  prev.tif_need_resched = false;  // clear_tsk_need_resched()
  prev.tif_need_resched_lazy = false;
  rq.preempt_need_resched = false;  // clear_preempt_need_resched()
  if (next == &prev) return;
  kernel_site(rq, "__schedule");
  if (!prev.held_locks.empty()) mutex_owner_descheduled(prev);  // optimistic spinners stop
  ++*switch_count;
  ++rq.nr_switches;
  rq.curr = next;
  update_overload(rq);
  rq.switching = true;
  rq.switch_prev = &prev;
  rq.switch_preempt = preempt || prev.state == TASK_RUNNING;
  rq.switch_remaining = cost(CostId::ContextSwitch);
  preempt_count_add(rq, SCHED_SWITCH_COUNT);
  trace(rq, "sched_switch begin", next, prev.pid);
  emit(SIG_SCHED, [&](Observer& o) { o.on_sched_switch(now_, rq, prev, prev.state, preempt, *next); });
  if (!prev.is_idle() && prev.on_rq) push_task(rq, prev);
  if (rq.dl.dl_nr_running > 1) push_dl_tasks(rq);  // deadline_queue_push_tasks()
}

// finish_task_switch(): the switch has completed; the count must be 2 (the
// scheduler's own preempt_disable() and rq lock), IRQs are enabled again.
void Kernel::finish_task_switch(Rq& rq) {
  if (rq.preempt_count != SCHED_SWITCH_COUNT)
    invariant_failed(fmt::format("finish_task_switch: preempt_count {:#x}, expected {:#x}", rq.preempt_count, SCHED_SWITCH_COUNT));
  kernel_site(rq, "finish_task_switch");
  preempt_count_sub(rq, SCHED_SWITCH_COUNT);
  rq.switching = false;
  rq.irqs_off = false;
  sections_changed(rq);
  Task& prev = *rq.switch_prev;
  Task& next = *rq.curr;
  rq.switch_prev = nullptr;
  if (!next.is_idle()) tick_restart(rq);
  if (machine_) memory_heavy_switch(rq);
  trace(rq, "sched_switch done", &next, prev.pid);
  for (Observer* o : observers_) o->on_switch(now_, rq.cpu, prev, next, rq.switch_preempt);
  if (next.latency_pending) {
    next.latency_pending = false;
    for (Observer* o : observers_) o->on_wakeup_latency(now_, next, next.latency_expiry, next.latency_irq);
    if (next.irq_wake.irq >= 0) {  // a device interrupt's path woke it (waitqueue.cpp)
      for (Observer* o : observers_) o->on_irq_wakeup(now_, next, next.irq_wake);
      next.irq_wake.irq = -1;
    }
  }
}

// preempt_schedule(): only when preemptible(); the need_resched() loop is the
// check cpu_run() makes after every completed switch.
void Kernel::preempt_schedule(Rq& rq) {
  if (!preemptible(rq)) return;
  __schedule(rq, SchedMode::SM_PREEMPT);
}

// preempt_schedule_irq(): IRQ return to kernel with count 0.
void Kernel::preempt_schedule_irq(Rq& rq) {
  if (rq.preempt_count != 0) invariant_failed("preempt_schedule_irq with preempt_count != 0");
  __schedule(rq, SchedMode::SM_PREEMPT);
}

// __cond_resched(): should_resched(0) needs the folded bit, so a lazy-only
// request is ignored; never with IRQs disabled.
void Kernel::__cond_resched(Rq& rq) {
  if (should_resched(rq) && !rq.irqs_off) __schedule(rq, SchedMode::SM_PREEMPT);
}

// do_sched_yield(): the class's yield_task(), then schedule().
void Kernel::yield_task(Rq& rq) {
  rq.curr->sched_class->yield_task(*this, rq);
  schedule(rq);
}

}  // namespace preemptsim
