// Softirqs (kernel/softirq.c): raising, handle_softirqs() with its 2 ms /
// 10-pass / need_resched limits, ksoftirqd/N, local_bh_enable(), tasklets on
// TASKLET_SOFTIRQ / HI_SOFTIRQ; forced IRQ threads (kernel/irq/manage.c
// irq_thread()); PREEMPT_RT's softirqs in task context.
#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/preempt.h"
#include "kernel/sched_class.h"

namespace preemptsim {

namespace {
constexpr int MAX_SOFTIRQ_RESTART = 10;
// MAX_SOFTIRQ_TIME = msecs_to_jiffies(2): rounded up to whole jiffies.
std::int64_t max_softirq_jiffies(int hz) { return (2LL * hz + 999) / 1000; }
}  // namespace

// raise_softirq_irqoff(): mark the vector pending and queue its work.
void Kernel::raise_softirq(Rq& rq, SoftirqWork w) {
  rq.softirq_pending |= 1u << w.vec;
  rq.softirq_work[w.vec].push_back(w);
  trace(rq, "softirq_raise", rq.curr, w.vec);
  emit(SIG_IRQ, [&](Observer& o) { o.on_softirq_raise(now_, rq, w.vec); });
}

// raise_timer_softirq(): with forced IRQ threading the timer softirq goes to
// ktimers/N (raise_ktimers_thread() + wake_timersd()), not to ksoftirqd.
void Kernel::raise_timer_softirq(Rq& rq, SoftirqWork w) {
  if (!rq.ktimers) {
    raise_softirq(rq, w);
    return;
  }
  rq.pending_timer_softirq.push_back(w);
  trace(rq, "softirq_raise (ktimers)", rq.curr, w.vec);
  emit(SIG_IRQ, [&](Observer& o) { o.on_softirq_raise(now_, rq, w.vec); });
  try_to_wake_up(*rq.ktimers, TASK_INTERRUPTIBLE);
}

// run_ktimerd(): fold the timer work into the pending softirqs, then
// __do_softirq() like ksoftirqd (which runs everything pending).
bool Kernel::ktimers_step(Rq& rq, Task& p) {
  if (p.stage == 3) {  // PREEMPT_RT: ksoftirqd_run_begin()'s BH lock first
    if (!local_bh_lock(rq, p)) return false;
    p.stage = 0;
    run_softirqs_locked(rq, p);
    return false;
  }
  if (!rq.pending_timer_softirq.empty()) {
    for (const SoftirqWork& w : rq.pending_timer_softirq) {
      rq.softirq_pending |= 1u << w.vec;
      rq.softirq_work[w.vec].push_back(w);
    }
    rq.pending_timer_softirq.clear();
    if (rt_softirqs())
      p.stage = 3;
    else
      push_softirq_frame(rq, true);
    return false;
  }
  p.state = TASK_INTERRUPTIBLE;
  schedule(rq);
  return false;
}

void Kernel::wakeup_softirqd(Rq& rq) {
  if (rq.ksoftirqd) try_to_wake_up(*rq.ksoftirqd, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE);
}

// invoke_softirq() at irq_exit(): inline unless IRQs are force-threaded
// (then, and always on PREEMPT_RT, ksoftirqd is woken instead).
void Kernel::invoke_softirq(Rq& rq) {
  if (force_irqthreads() || rt_softirqs()) {
    wakeup_softirqd(rq);
    return;
  }
  push_softirq_frame(rq, false);
}

// handle_softirqs() begins: +SOFTIRQ_OFFSET, IRQs on, the pending set taken.
void Kernel::push_softirq_frame(Rq& rq, bool in_task) {
  IrqFrame f;
  f.kind = FrameKind::Softirq;
  f.in_task = in_task;
  f.end_jiffy = now_ / tick_nsec_ + max_softirq_jiffies(scenario_.system.hz);
  f.max_restart = MAX_SOFTIRQ_RESTART;
  rq.irq_stack.push_back(std::move(f));
  IrqFrame& top = rq.irq_stack.back();  // a reused frame: its work vector keeps its capacity
  for (int v = 0; v < NR_SOFTIRQS; ++v) {
    auto& q = rq.softirq_work[static_cast<std::size_t>(v)];
    top.work.insert(top.work.end(), q.begin(), q.end());
    q.clear();
  }
  rq.softirq_pending = 0;
  kernel_site(rq, "handle_softirqs");
  preempt_count_add(rq, SOFTIRQ_OFFSET);
  trace(rq, "softirq_entry", rq.curr);
}

// tasklet_schedule() / tasklet_hi_schedule(): the call brings its run time
// (drawn now); test_and_set_bit(TASKLET_STATE_SCHED): if it was already set
// the tasklet is pending and will do this work too; else
// __tasklet_schedule_common() queues it on this CPU and raises the vector.
void Kernel::tasklet_schedule(Rq& rq, int t, bool hi, const IrqWake* ev) {
  if (!tasklets_[static_cast<std::size_t>(t)].call(ev)) {
    trace(rq, "tasklet_schedule (TASKLET_STATE_SCHED already set)", nullptr, t);
    return;
  }
  SoftirqWork w{hi ? HI_SOFTIRQ : TASKLET_SOFTIRQ, Time(), nullptr, -1};
  w.tasklet = t;
  raise_softirq(rq, w);
}

// tasklet_action_common(): tasklet_trylock() and tasklet_clear_sched() before
// the callback, so a schedule during the callback queues it again; the
// callback does the work of every schedule so far.
Time Kernel::tasklet_run_begin(int t, SoftirqVec vec) {
  KTasklet& k = tasklets_[static_cast<std::size_t>(t)];
  const Time run = k.start(IrqWake::Via::Tasklet, t, nullptr, now_);
  if (k.running_ev.irq >= 0) k.running_ev.vec = vec;
  return run;
}

void Kernel::tasklet_run_end(Rq& rq, int t) { deferred_callback_done(rq, tasklets_[static_cast<std::size_t>(t)]); }

template <class Spec>
void Kernel::deferred_callback_done(Rq& rq, KDeferredCallback<Spec>& k) {
  const IrqWake ev = k.running_ev;
  k.running_ev = IrqWake{};
  defer_wake(k.wake_sync, k.spec->wakes_completion, ev);
  for (const DeferCall& d : k.spec->defer) defer_call(rq, d, ev.irq >= 0 ? &ev : nullptr);
}
template void Kernel::deferred_callback_done(Rq&, KDeferredCallback<TaskletSpec>&);
template void Kernel::deferred_callback_done(Rq&, KDeferredCallback<IrqWorkSpec>&);

void Kernel::softirq_work_done(Rq& rq, const SoftirqWork& w) {
  ++rq.nr_softirq_runs;
  if (w.tasklet >= 0) tasklet_run_end(rq, w.tasklet);
  if (w.delayed_work >= 0) delayed_work_timer_fn(rq, w.delayed_work);
  if (w.irq >= 0) irqs_[static_cast<std::size_t>(w.irq)].work.softirq_done += w.duration;
  if (w.wake) try_to_wake_up(*w.wake, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE);  // process_timeout()
  if (w.wake_sync >= 0) {  // the device's softirq work ends with its wake_up() (sk_data_ready() for a socket)
    IrqWake ev = w.ev;
    ev.via = IrqWake::Via::Softirq;
    ev.vec = w.vec;
    device_wake(irqs_[static_cast<std::size_t>(ev.irq)], ev);
  }
}

// The body of handle_softirqs()'s vector loop for one piece of work, in a
// softirq frame or (PREEMPT_RT) in a task: softirq_entry, its duration as a
// segment, softirq_exit and its effect. True while its segment runs.
bool Kernel::softirq_run_item(Rq& rq, const SoftirqWork& w, Time& remaining, std::size_t& next) {
  if (remaining < Time()) {
    remaining = w.tasklet >= 0 ? tasklet_run_begin(w.tasklet, w.vec) : w.duration;
    emit(SIG_IRQ, [&](Observer& o) { o.on_softirq_entry(now_, rq, w.vec); });
  }
  if (remaining > Time()) {
    start_segment(rq, &remaining);
    return true;
  }
  remaining = Time::ns(-1);
  ++next;
  emit(SIG_IRQ, [&](Observer& o) { o.on_softirq_exit(now_, rq, w.vec); });
  softirq_work_done(rq, w);
  return false;
}

// One step of handle_softirqs(): run the snapshot in vector order; then
// restart while work is pending, before the jiffy deadline, without
// need_resched() and fewer than 10 passes; what is left wakes ksoftirqd.
bool Kernel::softirq_step(Rq& rq) {
  IrqFrame& f = rq.irq_stack.back();
  if (f.next < f.work.size()) {
    const SoftirqWork w = f.work[f.next];  // a copy: the work's effect may raise more work
    return softirq_run_item(rq, w, f.remaining, f.next);
  }
  if (rq.softirq_pending) {
    if (now_ / tick_nsec_ < f.end_jiffy && !need_resched(rq) && --f.max_restart > 0) {
      f.work.clear();
      f.next = 0;
      for (int v = 0; v < NR_SOFTIRQS; ++v) {
        auto& q = rq.softirq_work[static_cast<std::size_t>(v)];
        f.work.insert(f.work.end(), q.begin(), q.end());
        q.clear();
      }
      rq.softirq_pending = 0;
      return false;
    }
    wakeup_softirqd(rq);
  }
  const bool in_task = f.in_task;
  rq.irq_stack.pop_back();
  kernel_site(rq, "__local_bh_enable");
  preempt_count_sub(rq, SOFTIRQ_OFFSET);
  trace(rq, "softirq_exit", rq.curr);
  // do_softirq() from local_bh_enable()/ksoftirqd returns into the task:
  // preempt_check_resched() (CONFIG_PREEMPTION).
  if (in_task && rq.irq_stack.empty() && model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
  return false;
}

// PREEMPT_RT __local_bh_disable_ip(), outermost: local_lock(&softirq_ctrl.lock):
// migrate_disable(), then this CPU's rtlock (sleeping, with priority
// inheritance, in TASK_RTLOCK_WAIT; rcu_read_lock() comes with it). True once
// held; false after blocking (call again when woken).
bool Kernel::local_bh_lock(Rq& rq, Task& p) {
  if (holds_bh_lock(p)) return true;
  if (!p.bh_lock_pending) {
    migrate_disable(p);
    p.bh_lock_pending = true;
  }
  KLock& l = bh_locks_[static_cast<std::size_t>(p.cpu)];
  if (!sleeping_lock_slowpath(rq, p, l, bh_op_)) return false;
  lock_acquired(p, l, bh_op_, false);
  p.bh_lock_pending = false;
  return true;
}

bool Kernel::holds_bh_lock(const Task& p) const {
  for (const HeldLock& h : p.held_locks)
    if (!bh_locks_.empty() && h.lock >= &bh_locks_.front() && h.lock <= &bh_locks_.back()) return true;
  return false;
}

// The outermost __local_bh_enable_ip() on PREEMPT_RT: local_unlock(), which
// wakes the top waiter and drops what the holder inherited; then the
// preemption check.
void Kernel::local_bh_unlock(Rq& rq, Task& p) {
  for (const HeldLock& h : p.held_locks) {
    if (bh_locks_.empty() || h.lock < &bh_locks_.front() || h.lock > &bh_locks_.back()) continue;
    KLock& l = *h.lock;
    lock_released(p, l, bh_op_);
    sleeping_unlock(p, l);
    migrate_enable(p, bh_op_);
    if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
    return;
  }
  invariant_failed(fmt::format("local_bh_unlock: {} does not hold softirq_ctrl.lock", p.comm));
}

// With softirq_ctrl.lock held: take the pending softirqs into p, to run in
// its context; the lock goes when they are done (or now, if none was left).
bool Kernel::run_softirqs_locked(Rq& rq, Task& p) {
  take_softirqs_into_task(rq, p);
  if (p.softirq_work.empty()) {
    local_bh_unlock(rq, p);
    return false;
  }
  p.bh_unlock_after_softirqs = true;
  return true;
}

// PREEMPT_RT: the task leaving the outermost BH section runs the pending
// softirqs itself, preemptibly, at its own priority.
void Kernel::take_softirqs_into_task(Rq& rq, Task& p) {
  for (int v = 0; v < NR_SOFTIRQS; ++v) {
    auto& q = rq.softirq_work[static_cast<std::size_t>(v)];
    p.softirq_work.insert(p.softirq_work.end(), q.begin(), q.end());
    q.clear();
  }
  rq.softirq_pending = 0;
}

// __local_bh_enable_ip(): leaving the outermost section runs pending softirqs
// (not from interrupt context), then preempt_check_resched().
void Kernel::local_bh_enable(Rq& rq, Task& p) {
  if (rt_softirqs()) {  // softirq_disable_cnt lives in the task; preempt_count untouched
    if (p.softirq_disable_cnt == 0) {
      report_bug(fmt::format("WARNING: local_bh_enable underflow in {}", p.comm));
      return;
    }
    if (--p.softirq_disable_cnt == 0) {
      if (rq.softirq_pending) run_softirqs_locked(rq, p);
      else local_bh_unlock(rq, p);
    }
    return;
  }
  if ((rq.preempt_count & SOFTIRQ_MASK) < SOFTIRQ_DISABLE_OFFSET) {
    report_bug(fmt::format("WARNING: local_bh_enable underflow in {}\n(after a BUG: scheduling while atomic fixup; ignored)", p.comm));
    return;
  }
  preempt_count_sub(rq, SOFTIRQ_DISABLE_OFFSET);
  if (!in_interrupt(rq.preempt_count) && rq.softirq_pending) {
    push_softirq_frame(rq, true);
    return;
  }
  if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
}

// run_ksoftirqd(): with softirqs pending run them (in a softirq frame; on RT
// in its own context), then cond_resched(); otherwise sleep.
bool Kernel::ksoftirqd_step(Rq& rq, Task& p) {
  if (p.stage == 3) {  // PREEMPT_RT ksoftirqd_run_begin(): local_bh_disable()
    if (!local_bh_lock(rq, p)) return false;
    p.stage = 1;
    run_softirqs_locked(rq, p);
    return false;
  }
  if (p.stage == 1) {  // after a run: cond_resched()
    p.stage = 0;
    if (model_.cond_resched == Call::Real) __cond_resched(rq);
    return false;
  }
  if (rq.softirq_pending) {
    if (rt_softirqs()) {
      p.stage = 3;
      return false;
    }
    p.stage = 1;
    push_softirq_frame(rq, true);
    return false;
  }
  p.state = TASK_INTERRUPTIBLE;
  schedule(rq);
  return false;
}

// irq_thread(): wait for IRQTF_RUNTHREAD, then irq_forced_thread_fn():
// (the handler takes every arrival pending since the last run: device_work_take())
// local_bh_disable(); on non-RT kernels also local_irq_disable(); the
// handler; then local_bh_enable(), which runs the softirqs the handler
// raised, in this thread.
bool Kernel::irq_thread_step(Rq& rq, Task& p) {
  IrqSource& src = irqs_[static_cast<std::size_t>(p.irq)];
  switch (p.stage) {
    case 0:
      if (p.irq_thread_pending == 0) {
        p.state = TASK_INTERRUPTIBLE;
        schedule(rq);
        return false;
      }
      --p.irq_thread_pending;
      p.irq_thread_ev = src.thread_ev;
      p.irq_thread_ev.via = IrqWake::Via::Thread;
      p.irq_thread_ev.by = &p;
      p.irq_thread_ev.stage_start = now_;
      kernel_site(rq, "irq_forced_thread_fn");
      if (rt_softirqs()) {  // local_bh_disable() takes the BH lock: stage 3
        p.stage = 3;
        return false;
      }
      preempt_count_add(rq, SOFTIRQ_DISABLE_OFFSET);
      rq.irqs_off = true;
      p.remaining = device_work_take(src);
      p.stage = 1;
      return false;
    case 3:  // PREEMPT_RT: softirq_ctrl.lock, possibly after blocking on it
      if (!local_bh_lock(rq, p)) return false;
      ++p.softirq_disable_cnt;
      p.remaining = device_work_take(src);
      p.stage = 1;
      return false;
    case 1:
      if (p.remaining > Time()) {
        start_segment(rq, &p.remaining);
        return true;
      }
      p.remaining = Time::ns(-1);
      device_work_finish(rq, src, p.irq_thread_ev);
      if (src.spec->wake_softirq < 0) device_wake(src, p.irq_thread_ev);  // the threaded handler's wake_up()/complete()
      for (const DeferCall& d : src.spec->defer) defer_call(rq, d, &p.irq_thread_ev);  // its tasklet_schedule()/queue_work()/...
      if (!rt_softirqs()) rq.irqs_off = false;
      p.stage = 0;
      kernel_site(rq, "irq_forced_thread_fn");
      local_bh_enable(rq, p);
      return false;
  }
  invariant_failed("irq_thread_step: bad stage");
}

Task& Kernel::create_kthread(const std::string& comm, Policy policy, int rt_priority, int cpu) {
  auto spec = std::make_unique<TaskSpec>();
  spec->name = comm;
  spec->policy = policy;
  spec->priority = rt_priority;
  spec->kthread = true;
  spec->cpus = {cpu};
  auto t = std::make_unique<Task>();
  t->pid = 2 + static_cast<int>(kthread_specs_.size());  // kernel threads get low pids
  t->comm = comm;
  t->spec = spec.get();
  t->policy = policy;
  t->cpus_allowed.set(static_cast<std::size_t>(cpu));
  t->cpu = cpu;
  t->user_mode = false;
  if (policy == Policy::Fifo || policy == Policy::Rr) {
    t->rt_priority = rt_priority;
    t->prio = MAX_RT_PRIO - 1 - rt_priority;
    t->sched_class = &rt_sched_class;
  } else {
    t->sched_class = &fair_sched_class;
    t->se.weight = nice_to_weight(0);
  }
  t->state = TASK_INTERRUPTIBLE;  // created sleeping, woken when there is work
  kthread_specs_.push_back(std::move(spec));
  tasks_.push_back(std::move(t));
  return *tasks_.back();
}

}  // namespace preemptsim
