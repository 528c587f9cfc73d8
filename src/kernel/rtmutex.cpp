// rt_mutex priority inheritance (kernel/locking/rtmutex.c): waiter ordering, taking and stealing, the PI chain walk, rt_mutex_setprio().
#include <fmt/format.h>

#include <algorithm>

#include "kernel/kernel.h"
#include "kernel/sched_class.h"

namespace preemptsim {
namespace {

constexpr int max_lock_depth = 1024;

// __waiter_prio(): RT tasks queue by prio, every other task as DEFAULT_PRIO (FIFO among them).
// A deadline task (prio -1) waits as RT prio 0: deadline inheritance
// (pi_se, dl_boosted) is not modelled, the owner is boosted to the top RT prio.
int waiter_prio_of(const Task& p) { return p.prio < 0 ? 0 : p.prio < MAX_RT_PRIO ? p.prio : DEFAULT_PRIO; }

bool rt_waiter_less(const Task* a, const Task* b) {
  if (a->waiter_prio != b->waiter_prio) return a->waiter_prio < b->waiter_prio;
  return a->waiter_seq < b->waiter_seq;
}

}  // namespace

// rt_mutex_enqueue(): into the lock's waiter tree by (prio, arrival). A
// plain mutex (no PI) queues everyone in arrival order.
void Kernel::rt_mutex_enqueue(KLock& l, Task& w) {
  w.waiter_prio = l.impl == LockImpl::Mutex ? DEFAULT_PRIO : waiter_prio_of(w);
  l.waiters.insert(std::upper_bound(l.waiters.begin(), l.waiters.end(), &w, rt_waiter_less), &w);
  w.blocked_on = &l;
}

void Kernel::rt_mutex_dequeue(KLock& l, Task& w) {
  auto it = std::find(l.waiters.begin(), l.waiters.end(), &w);
  if (it == l.waiters.end()) invariant_failed("rt_mutex_dequeue: " + w.comm + " is not a waiter of " + l.name);
  l.waiters.erase(it);
  w.blocked_on = nullptr;
}

// try_to_take_rt_mutex(): only a free lock can be taken, and only by its top
// waiter, or by a task that may steal it (rt_mutex_steal()): strictly higher
// prio than the top waiter, or, on an rtlock, a non-RT task of equal prio
// (lateral steal; never for RT tasks). A plain mutex is free for anyone.
bool Kernel::try_to_take_rt_mutex(Task& p, KLock& l) {
  if (l.owner) return false;
  if (l.rwlock()) {  // rwbase_rt: in queue order; a writer needs the readers gone
    if (!l.waiters.empty() && l.waiters.front() != &p) return false;
    if (p.lock_want_write && l.readers > 0) return false;
    if (p.blocked_on == &l) rt_mutex_dequeue(l, p);
    if (p.lock_want_write)
      l.owner = &p;
    else
      ++l.readers;
    return true;
  }
  if (!l.waiters.empty() && l.waiters.front() != &p && l.impl != LockImpl::Mutex) {
    const Task& top = *l.waiters.front();
    const int wp = waiter_prio_of(p);
    const bool steal = wp < top.waiter_prio || (l.impl == LockImpl::RtLock && wp == top.waiter_prio && wp >= MAX_RT_PRIO);
    if (!steal) return false;
    trace(cpu_rq(p.cpu), "rt_mutex_steal", &p, top.pid);
  }
  if (p.blocked_on == &l) rt_mutex_dequeue(l, p);
  l.owner = &p;
  return true;
}

// task_blocks_on_rt_mutex(): enqueue the waiter; when it is the lock's new
// top waiter the owner inherits its prio, and the boost propagates along the chain.
void Kernel::task_blocks_on_rt_mutex(Task& p, KLock& l) {
  p.waiter_seq = l.next_seq++;
  rt_mutex_enqueue(l, p);
  if (l.pi() && l.owner) rt_mutex_adjust_prio_chain(*l.owner, p);
}

// mark_wakeup_next_waiter(): the lock is free; its top waiter, still
// queued, is the one to wake, and takes the lock itself when it runs.
Task* Kernel::mark_wakeup_next_waiter(KLock& l) {
  l.owner = nullptr;
  if (l.waiters.empty()) return nullptr;
  Task* next = l.waiters.front();
  trace(cpu_rq(next->cpu), "mark_wakeup_next_waiter", next, l.id);
  return next;
}

// rt_mutex_adjust_prio(): p's effective prio is its normal prio, or better:
// the top waiter of each PI lock it holds, and the ceiling of each
// PTHREAD_PRIO_PROTECT mutex it holds.
void Kernel::rt_mutex_adjust_prio(Task& p) {
  int prio = p.normal_prio;
  for (const HeldLock& h : p.held_locks) {
    const KLock& l = *h.lock;
    // PI goes to the owner only (an rwlock's readers are not tracked as owners).
    if (l.pi() && l.owner == &p && !l.waiters.empty()) prio = std::min(prio, l.waiters.front()->waiter_prio);
    if (l.ceiling_prio >= 0) prio = std::min(prio, l.ceiling_prio);
  }
  rt_mutex_setprio(p, prio);
}

// rt_mutex_adjust_prio_chain(): after `orig` blocked, walk task -> the lock
// it is blocked on -> that lock's owner, iteratively. The steps, as the
// trace labels them:
//  [1] more than max_lock_depth (1024) links: warn and stop
//  [2] the task's effective prio from its top PI waiters (rt_mutex_adjust_prio)
//  [3] the prio did not change: nothing further to propagate, stop
//  [4] the task is not blocked on a lock: end of the chain
//  [5] requeue the task's waiter in that lock by its new prio
//  [6] the lock has no PI: the boost stops there (a plain futex/mutex)
//  [7] the lock has no owner (its top waiter is being woken): stop
//  [8] the owner is the task that started the walk: -EDEADLK (stop; the
//      deadlock itself is reported before blocking, check_deadlock())
//  [9] continue with the owner
void Kernel::rt_mutex_adjust_prio_chain(Task& owner, const Task& orig) {
  Task* task = &owner;
  for (int depth = 1;; ++depth) {
    Rq& rq = cpu_rq(task->cpu);
    if (depth > max_lock_depth) {  // [1]
      trace(rq, "pi chain [1] max_lock_depth", task, depth);
      report_bug(fmt::format("WARNING: Maximum lock depth {} reached task: {} ({})", max_lock_depth, task->comm, task->pid));
      return;
    }
    const int old = task->prio;
    rt_mutex_adjust_prio(*task);  // [2]
    trace(rq, "pi chain [2] adjust prio", task, task->prio);
    if (task->prio == old) {  // [3]
      trace(rq, "pi chain [3] prio unchanged: stop", task, task->prio);
      return;
    }
    KLock* lock = task->blocked_on;
    if (!lock) {  // [4]
      trace(rq, "pi chain [4] not blocked: end", task, depth);
      return;
    }
    if (std::find(lock->waiters.begin(), lock->waiters.end(), task) != lock->waiters.end()) {  // [5] (spinners have no waiter)
      rt_mutex_dequeue(*lock, *task);
      rt_mutex_enqueue(*lock, *task);
      trace(rq, "pi chain [5] requeue waiter", task, lock->id);
    }
    if (!lock->pi()) {  // [6]
      trace(rq, "pi chain [6] no PI on the lock: stop", task, lock->id);
      return;
    }
    Task* next = lock->owner;
    if (!next) {  // [7]
      trace(rq, "pi chain [7] no owner: stop", task, lock->id);
      return;
    }
    if (next == &orig) {  // [8]
      trace(rq, "pi chain [8] -EDEADLK", task, orig.pid);
      return;
    }
    trace(rq, "pi chain [9] next owner", next, lock->id);
    task = next;  // [9]
  }
}

// rt_mutex_setprio(): change p->prio; a queued task is dequeued and
// enqueued again at its new prio, a running one put and set again, so the
// class's own bookkeeping (the rt prio lists, the fair class's sums and
// timeline) stays right. A prio below MAX_RT_PRIO runs p in the rt class
// (a boosted SCHED_OTHER task is an RT task while boosted); back at its
// normal prio it returns to its own class.
void Kernel::rt_mutex_setprio(Task& p, int prio) {
  if (prio == p.prio) return;
  const int old = p.prio;
  Rq& rq = cpu_rq(p.cpu);
  const bool queued = p.on_rq;
  const bool running = rq.curr == &p;
  const SchedClass* prev_class = p.sched_class;
  if (queued) prev_class->dequeue_task(*this, rq, p, 0);
  if (running) prev_class->put_prev_task(*this, rq, p);
  p.prio = prio;
  p.sched_class = prio < MAX_RT_PRIO ? &rt_sched_class : &fair_sched_class;
  if (queued) p.sched_class->enqueue_task(*this, rq, p, 0);
  if (running) p.sched_class->set_next_task(*this, rq, p);
  trace(rq, "rt_mutex_setprio", &p, prio);
  for (Observer* o : observers_) o->on_prio_change(now_, p, old, prio);
  // check_class_changed(): a running task that got worse lets the others be
  // picked; a queued one that got better may preempt the CPU's current task.
  if (running) {
    if (prio > old && rq.nr_running > 1) resched_curr(rq);
  } else if (queued) {
    wakeup_preempt(rq, p);
  }
}

}  // namespace preemptsim
