// Lock primitives as a task meets them (kernel/locking/spinlock.c, mutex.c, spinlock_rt.c, kernel/futex/pi.c), migrate_disable() and a lockdep-like lock-order check.
#include <fmt/format.h>

#include <algorithm>

#include "kernel/kernel.h"
#include "kernel/preempt.h"
#include "kernel/sched_class.h"

namespace preemptsim {

// How each named lock behaves on this model: PREEMPT_RT turns spinlock_t
// into an rtlock and mutex into an rt_mutex; raw_spinlock_t always spins.
void Kernel::init_locks() {
  for (const auto& [name, kind] : scenario_.locks) {
    KLock l;
    l.id = static_cast<int>(locks_.size());
    l.name = name;
    l.kind = kind;
    switch (kind) {
      case LockKind::RawSpin: l.impl = LockImpl::Spin; break;
      case LockKind::Spin: l.impl = model_.rt_locks ? LockImpl::RtLock : LockImpl::Spin; break;
      case LockKind::Mutex: l.impl = model_.rt_locks ? LockImpl::RtMutex : LockImpl::Mutex; break;
      case LockKind::RtMutex: l.impl = LockImpl::RtMutex; break;
      case LockKind::RwLock: l.impl = model_.rt_locks ? LockImpl::RtRwLock : LockImpl::RwSpin; break;
      case LockKind::Local: l.impl = model_.rt_locks ? LockImpl::RtLock : LockImpl::Spin; break;
      case LockKind::User:
        l.impl = LockImpl::Futex;
        for (const MutexSpec& m : scenario_.mutexes)
          if (m.name == name) l.user = &m;
        if (l.user && l.user->protocol == MutexProtocol::Inherit) l.impl = LockImpl::PiFutex;
        if (l.user && l.user->protocol == MutexProtocol::Protect) l.ceiling_prio = MAX_RT_PRIO - 1 - l.user->ceiling;
        break;
    }
    if (kind == LockKind::Local) {  // DEFINE_PER_CPU(local_lock_t): one instance per CPU, one lockdep class
      l.percpu_first = static_cast<int>(percpu_locks_.size());
      for (std::size_t c = 0; c < rqs_.size(); ++c) percpu_locks_.push_back(l);
    }
    locks_.push_back(std::move(l));
  }
  for (auto& t : tasks_)
    for (Op& op : t->prog.ops) {
      if (op.code != OpCode::KLock && op.code != OpCode::KUnlock && op.code != OpCode::UserLock && op.code != OpCode::UserUnlock)
        continue;
      auto it = std::find_if(locks_.begin(), locks_.end(), [&](const KLock& l) { return l.name == op.step->lock; });
      if (it == locks_.end()) invariant_failed("lock step names a lock the parser did not record: " + op.step->lock);
      op.lock = static_cast<int>(it - locks_.begin());
    }
}

// The lock an op works on: the named lock, or for a local_lock_t this CPU's
// instance (at unlock: the instance the task holds).
KLock& Kernel::lock_of(const Op& op, const Task& p, bool unlock) {
  KLock& base = locks_[static_cast<std::size_t>(op.lock)];
  if (base.percpu_first < 0) return base;
  if (unlock) {
    for (const HeldLock& h : p.held_locks)
      if (h.lock->id == base.id) return *h.lock;
    return base;  // not held: reported as a bad unlock
  }
  return percpu_locks_[static_cast<std::size_t>(base.percpu_first + p.cpu)];
}

// --- acquisition bookkeeping -------------------------------------------------

// The lock is p's now: held_locks[], the RT pinning, the wait statistics and,
// for PI and ceiling locks, p's effective priority.
void Kernel::lock_acquired(Task& p, KLock& l, const Op& op, bool irqs_were_off) {
  p.blocked_on = nullptr;
  const bool known = std::any_of(p.held_locks.begin(), p.held_locks.end(), [&](const HeldLock& h) { return h.lock == &l; });
  if (!known) p.held_locks.push_back(HeldLock{&l, op.step, irqs_were_off, now_});
  if (l.impl == LockImpl::RtLock || l.impl == LockImpl::RtRwLock) {  // rt_spin_lock(): rcu_read_lock(); migrate_disable()
    ++p.rcu_read_lock_nesting;
    migrate_disable(p);
    // current_restore_rtlock_saved_state(): a lock op starts TASK_RUNNING,
    // so the saved state is TASK_RUNNING (or a wakeup made it so).
    p.state = p.saved_state;
    p.saved_state = TASK_RUNNING;
  }
  const Time waited = p.lock_contended ? now_ - p.lock_wait_start : Time();
  trace(cpu_rq(p.cpu), p.lock_contended ? "lock acquired (contended)" : "lock acquired", &p, l.id);
  for (Observer* o : observers_) o->on_lock_acquired(now_, p, l.name, p.lock_contended, waited);
  p.lock_contended = false;
  if (l.pi() || l.ceiling_prio >= 0) rt_mutex_adjust_prio(p);
}

HeldLock Kernel::lock_released(Task& p, KLock& l, const Op&) {
  auto it = std::find_if(p.held_locks.begin(), p.held_locks.end(), [&](const HeldLock& h) { return h.lock == &l; });
  if (it == p.held_locks.end()) invariant_failed("lock_released: owner without a held_locks entry for " + l.name);
  const HeldLock h = *it;
  p.held_locks.erase(it);
  if (l.impl == LockImpl::RtLock || l.impl == LockImpl::RtRwLock) {  // rt_spin_unlock(): migrate_enable(); rcu_read_unlock()
    --p.rcu_read_lock_nesting;
    if (p.migration_disabled > 0) --p.migration_disabled;
  }
  trace(cpu_rq(p.cpu), "lock released", &p, l.id);
  for (Observer* o : observers_) o->on_lock_released(now_, p, l.name, now_ - h.since);
  return h;
}

// lockdep (kernel/locking/lockdep.c), reduced to its best-known report: p
// takes `l` while holding H after some task took H while holding `l`.
// Recorded at the attempt, so the warning comes even when this run does not
// deadlock; reported once per pair of locks.
void Kernel::lockdep_acquire(const Task& p, const KLock& l, const Op& op) {
  if (l.user_space()) return;  // lockdep does not see user-space locks
  const int li = l.id;
  for (const HeldLock& h : p.held_locks) {
    if (h.lock->user_space()) continue;
    const int hi = h.lock->id;
    auto rev = lock_order_.find({li, hi});
    const std::pair<int, int> key{std::min(li, hi), std::max(li, hi)};
    if (rev != lock_order_.end() && !lock_order_reported_[key]) {
      lock_order_reported_[key] = true;
      const LockOrder& o = rev->second;
      report_bug(fmt::format(
          "WARNING: possible circular locking dependency detected\n"
          "{}/{} is trying to acquire lock {} at {}\n"
          "but task is already holding lock {}, taken at {}\n"
          "which lock already depends on the new lock: {}/{} took {} at {} while holding {} (taken at {})\n"
          "Possible unsafe locking scenario: CPU0 lock({}); CPU1 lock({}); CPU0 lock({}); CPU1 lock({}); *** DEADLOCK ***",
          p.comm, p.pid, l.name, op.step->loc.str(), h.lock->name, h.site->loc.str(), o.task->comm, o.task->pid, h.lock->name,
          o.taken_site->loc.str(), l.name, o.held_site->loc.str(), l.name, h.lock->name, h.lock->name, l.name));
    }
    lock_order_.try_emplace({hi, li}, LockOrder{&p, h.site, op.step});
  }
}

// A real deadlock: following owner -> the lock it waits for -> its owner
// from `l` leads back to p. Reported with the cycle; this model's run stops.
bool Kernel::check_deadlock(Task& p, KLock& l) {
  std::string cycle;
  const KLock* lk = &l;
  const Task* waiter = &p;
  for (int depth = 0; depth < 1024 && lk; ++depth) {
    const Task* o = lk->owner;
    if (!o) return false;
    std::string since = "?";
    for (const HeldLock& h : o->held_locks)
      if (h.lock == lk) since = h.site->loc.str();
    cycle += fmt::format("\n  {}/{} waits for {} held by {}/{} (taken at {})", waiter->comm, waiter->pid, lk->name, o->comm, o->pid, since);
    if (o == &p) {
      report_bug(fmt::format("BUG: deadlock: a cycle of tasks waiting for locks at {}{}\n(this model's run stops here)", format_time(now_), cycle));
      stopped_ = true;
      stopped_at_ = now_;
      return true;
    }
    waiter = o;
    lk = o->blocked_on;
  }
  return false;
}

void Kernel::migrate_enable(Task& p, const Op& op) {
  if (p.migration_disabled == 0) {
    report_bug(fmt::format("WARNING: migrate_enable() without migrate_disable() in {} at {}", p.comm, op.step ? op.step->loc.str() : "?"));
    return;
  }
  --p.migration_disabled;
}

// do_exit() with locks held: lockdep's "lock held at task exit" report.
void Kernel::check_locks_at_exit(Task& p) {
  for (const HeldLock& h : p.held_locks)
    report_bug(fmt::format("BUG: lock held at task exit: {}/{} still holds {} taken at {}", p.comm, p.pid, h.lock->name, h.site->loc.str()));
}

// --- spinning: raw_spinlock_t, spinlock_t and rwlock_t without PREEMPT_RT ---

// May p take the spinning lock now? Not past anyone already spinning (a
// ticket/queued lock, and qrwlock's readers queue behind a waiting writer);
// a writer needs it free, a reader only needs no writer.
bool Kernel::spin_can_take(const KLock& l, bool write) const {
  if (!l.spinners.empty() || l.owner) return false;
  return !write || l.readers == 0;
}

void Kernel::spin_take(KLock& l, Task& p, bool write) {
  if (l.rwlock() && !write)
    ++l.readers;
  else
    l.owner = &p;
  p.lock_granted = true;
}

// queued_spin_lock_slowpath() / queued_read_lock_slowpath(): the CPU
// busy-waits in kernel mode (preemption off, IRQs as the flavour left them)
// until an unlock grants the lock and ends the wait segment.
bool Kernel::spin_lock_slowpath(Rq& rq, Task& p, KLock&) {
  if (p.lock_granted) {  // the caller completes the acquisition
    p.lock_granted = false;
    return false;
  }
  p.remaining = scenario_.system.duration + Time::ns(1'000'000'000);  // "forever": ended by the grant
  start_segment(rq, &p.remaining);
  return true;
}

// The unlock side: grant the lock to the spinners at the head of the queue
// (one writer, or every reader up to the next writer); their CPUs stop
// spinning now.
void Kernel::spin_unlock_handoff(KLock& l) {
  while (!l.spinners.empty()) {
    Task* next = l.spinners.front();
    const bool write = !l.rwlock() || next->lock_want_write;
    if (l.owner || (write && l.readers > 0)) break;
    l.spinners.pop_front();
    spin_take(l, *next, write);
    trace(cpu_rq(next->cpu), "spin lock handover", next, l.id);
    end_spin_segment(*next);
    if (write) break;
  }
}

// --- sleeping locks ----------------------------------------------------------

// rt_mutex_slowlock() / __mutex_lock() / futex_lock_pi() after the fast path:
// true once p owns l; false after blocking (schedule() was called once).
bool Kernel::sleeping_lock_slowpath(Rq& rq, Task& p, KLock& l, const Op&) {
  if (p.lock_granted) {  // handed over by the unlock (futex, RT rwlock)
    p.lock_granted = false;
    return true;
  }
  if (try_to_take_rt_mutex(p, l)) return true;
  if (p.blocked_on != &l) {
    if (check_deadlock(p, l)) {
      p.state = TASK_UNINTERRUPTIBLE;
      schedule(rq);
      return false;
    }
    if (!p.lock_contended) {  // (after an optimistic spin the wait began with the spin)
      p.lock_wait_start = now_;
      p.lock_contended = true;
    }
    task_blocks_on_rt_mutex(p, l);
  }
  if (l.impl == LockImpl::RtLock || l.impl == LockImpl::RtRwLock) {  // rtlock_slowlock_locked(): the regular state is kept aside
    p.saved_state = p.state;
    p.state = TASK_RTLOCK_WAIT;
  } else {
    p.state = l.user_space() ? TASK_INTERRUPTIBLE : TASK_UNINTERRUPTIBLE;
  }
  trace(rq, "lock: block", &p, l.id);
  schedule(rq);
  return false;
}

// The unlock of a sleeping lock: a futex hands the lock to its top waiter
// (the futex word names the new owner), an RT rwlock to its head waiters
// (one writer, or the readers up to the next writer); a mutex/rt_mutex is
// released and its top waiter woken to take it itself
// (mark_wakeup_next_waiter()). Then the unlocking task loses what it
// inherited (deboost).
void Kernel::sleeping_unlock(Task& p, KLock& l) {
  if (l.rwlock() && l.owner != &p) {
    --l.readers;
  } else {
    l.owner = nullptr;
  }
  std::vector<Task*> woken;
  if (l.handoff()) {
    while (!l.waiters.empty()) {
      Task* next = l.waiters.front();
      const bool write = !l.rwlock() || next->lock_want_write;
      if (l.owner || (write && l.readers > 0)) break;
      rt_mutex_dequeue(l, *next);
      if (write) l.owner = next;
      else ++l.readers;
      next->lock_granted = true;
      next->held_locks.push_back(HeldLock{&l, next->op().step, false, now_});
      trace(cpu_rq(next->cpu), "lock handoff", next, l.id);
      woken.push_back(next);
      if (write) break;
    }
    if (l.owner && (l.pi() || l.ceiling_prio >= 0)) rt_mutex_adjust_prio(*l.owner);
  } else if (l.impl == LockImpl::Mutex && !l.spinners.empty()) {
    // An optimistic spinner takes the released mutex first (its cmpxchg
    // wins; the sleeping waiters are woken at a later unlock).
    Task* next = l.spinners.front();
    l.spinners.pop_front();
    l.owner = next;
    next->lock_granted = true;
    end_spin_segment(*next);
  } else if (Task* next = mark_wakeup_next_waiter(l)) {
    woken.push_back(next);
  }
  if (l.pi() || l.ceiling_prio >= 0) rt_mutex_adjust_prio(p);
  for (Task* t : woken) try_to_wake_up(*t, TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE | TASK_RTLOCK_WAIT);
}

// mutex_spin_on_owner()'s condition: the owner is on a CPU and this CPU
// has no reschedule pending.
bool Kernel::mutex_can_spin_on_owner(const Rq& rq, const Task& p, const KLock& l) const {
  const Task* o = l.owner;
  if (!o || o == &p || need_resched(rq)) return false;
  const Rq& orq = rqs_[static_cast<std::size_t>(o->cpu)];
  return orq.curr == o && !orq.switching;
}

void Kernel::mutex_spin_stop(Rq& rq, Task& p, KLock& l) {
  auto it = std::find(l.spinners.begin(), l.spinners.end(), &p);
  if (it != l.spinners.end()) l.spinners.erase(it);
  p.blocked_on = nullptr;
  p.remaining = Time::ns(-1);
  preempt_count_sub(rq, PREEMPT_OFFSET);
}

// A spinning task's busy segment ends now, so its interpreter re-checks.
void Kernel::end_spin_segment(Task& t) {
  Rq& trq = cpu_rq(t.cpu);
  if (trq.curr == &t && trq.seg_active && trq.seg_remaining == &t.remaining)
    events_.arm(seg_slot(trq.cpu), now_, Band::Completion, EV_SEGMENT_END, trq.cpu, trq.seg_token);
}

// A mutex owner leaves its CPU: its optimistic spinners stop spinning.
void Kernel::mutex_owner_descheduled(const Task& prev) {
  for (const HeldLock& h : prev.held_locks)
    if (h.lock->impl == LockImpl::Mutex && h.lock->owner == &prev)
      for (Task* s : h.lock->spinners) end_spin_segment(*s);
}

bool Kernel::holds(const Task& p, const KLock& l) const {
  return std::any_of(p.held_locks.begin(), p.held_locks.end(), [&](const HeldLock& h) { return h.lock == &l; });
}

// --- the interpreter's lock ops ------------------------------------------------

namespace {
bool masks_irqs(LockFlavor f) { return f == LockFlavor::Irq || f == LockFlavor::IrqSave; }
}  // namespace

// The _bh flavours' local_bh_disable(): SOFTIRQ_DISABLE_OFFSET, or on
// PREEMPT_RT the task's softirq_disable_cnt (local_bh_enable() undoes either).
void Kernel::lock_bh_disable(Rq& rq, Task& p) {
  if (rt_softirqs())
    ++p.softirq_disable_cnt;
  else
    preempt_count_add(rq, SOFTIRQ_DISABLE_OFFSET);
}

// spin_lock*(), raw_spin_lock*(), mutex_lock(), rt_mutex_lock().
bool Kernel::lock_step(Rq& rq, Task& p, const Op& op) {
  // PREEMPT_RT spin_lock_bh() & co: local_bh_disable() first, whose outermost
  // call takes softirq_ctrl.lock (and may block on it).
  if (p.stage == 0 && op.step->lock_flavor == LockFlavor::Bh && rt_softirqs() && p.softirq_disable_cnt == 0 &&
      !local_bh_lock(rq, p))
    return false;
  // PREEMPT_RT local_lock(): migrate_disable() first, so the CPU (and the
  // instance) stays the same while it waits.
  if (p.stage == 0 && op.step->lock_kind == LockKind::Local && model_.rt_locks) migrate_disable(p);
  KLock& l = lock_of(op, p, false);
  const LockFlavor flavor = op.step->lock_flavor;
  if (l.spins()) {
    if (p.stage == 0) {
      // _irq/_irqsave: local_irq_save(); _bh: local_bh_disable(); then preempt_disable()
      p.lock_irqs_were_off = rq.irqs_off;
      if (masks_irqs(flavor)) rq.irqs_off = true;
      if (flavor == LockFlavor::Bh) lock_bh_disable(rq, p);
      // local_lock_irq*() on !RT: IRQs off is enough, no preempt_disable()
      if (!(l.kind == LockKind::Local && masks_irqs(flavor))) preempt_count_add(rq, PREEMPT_OFFSET);
      lockdep_acquire(p, l, op);
      p.stage = 1;
      p.lock_want_write = op.step->lock_write;
      if (!spin_can_take(l, p.lock_want_write)) {
        if (check_deadlock(p, l)) return false;  // the run stops; p spins no more
        l.spinners.push_back(&p);
        p.blocked_on = &l;
        p.lock_wait_start = now_;
        p.lock_contended = true;
        trace(rq, "spin: contended", &p, l.id);
      } else {
        spin_take(l, p, p.lock_want_write);
      }
    }
    if (spin_lock_slowpath(rq, p, l)) return true;
    p.remaining = Time::ns(-1);
    lock_acquired(p, l, op, p.lock_irqs_were_off);
    p.stage = 0;
    ++p.pc;
    return false;
  }
  // Sleeping locks: mutex_lock() and rt_mutex_lock() start with might_sleep();
  // a PREEMPT_RT spinlock_t keeps the flavor's BH part only (no IRQ masking).
  if (p.stage == 0) {
    if (l.kind == LockKind::Mutex || l.kind == LockKind::RtMutex) __might_resched(rq, op);
    if (flavor == LockFlavor::Bh) lock_bh_disable(rq, p);
    lockdep_acquire(p, l, op);
    p.lock_want_write = op.step->lock_write;
    p.stage = 1;
  }
  if (p.stage == 2) {  // mutex_optimistic_spin() in progress
    if (p.lock_granted) {
      p.lock_granted = false;
      mutex_spin_stop(rq, p, l);
      lock_acquired(p, l, op, false);
      p.stage = 0;
      ++p.pc;
      return false;
    }
    if (mutex_can_spin_on_owner(rq, p, l)) {
      p.remaining = scenario_.system.duration + Time::ns(1'000'000'000);
      start_segment(rq, &p.remaining);
      return true;
    }
    mutex_spin_stop(rq, p, l);  // the owner went off CPU, or we must reschedule: sleep
    p.stage = 1;
  } else if (l.impl == LockImpl::Mutex && p.blocked_on != &l && !try_to_take_rt_mutex(p, l) && mutex_can_spin_on_owner(rq, p, l)) {
    // __mutex_lock_common(): preempt_disable(), then spin while the owner runs.
    // Two owners spinning on each other's mutex would spin for ever: that is
    // the deadlock, reported as such (blocked_on marks the spinner for the walk).
    if (check_deadlock(p, l)) {
      p.state = TASK_UNINTERRUPTIBLE;
      schedule(rq);
      return false;
    }
    preempt_count_add(rq, PREEMPT_OFFSET);
    p.blocked_on = &l;
    l.spinners.push_back(&p);
    p.lock_wait_start = now_;
    p.lock_contended = true;
    p.stage = 2;
    trace(rq, "mutex_optimistic_spin", &p, l.id);
    p.remaining = scenario_.system.duration + Time::ns(1'000'000'000);
    start_segment(rq, &p.remaining);
    return true;
  } else if (l.impl == LockImpl::Mutex && l.owner == &p) {  // the fast path above took it
    lock_acquired(p, l, op, false);
    p.stage = 0;
    ++p.pc;
    return false;
  }
  if (!sleeping_lock_slowpath(rq, p, l, op)) return false;
  lock_acquired(p, l, op, false);
  p.stage = 0;
  ++p.pc;
  return false;
}

// spin_unlock*(), raw_spin_unlock*(), mutex_unlock(), rt_mutex_unlock().
bool Kernel::unlock_step(Rq& rq, Task& p, const Op& op) {
  KLock& l = lock_of(op, p, true);
  const LockFlavor flavor = op.step->lock_flavor;
  ++p.pc;
  if (!holds(p, l)) {
    report_bug(fmt::format("WARNING: bad unlock balance detected!\n{}/{} is trying to release lock ({}) at {}\nbut there are no more locks to release!",
                           p.comm, p.pid, l.name, op.step->loc.str()));
    return false;
  }
  const HeldLock h = lock_released(p, l, op);
  if (l.spins()) {
    if (l.rwlock() && !op.step->lock_write)
      --l.readers;
    else
      l.owner = nullptr;
    spin_unlock_handoff(l);
    if (flavor == LockFlavor::Irq) rq.irqs_off = false;
    if (flavor == LockFlavor::IrqSave) rq.irqs_off = h.irqs_were_off;  // local_irq_restore()
    if (l.kind == LockKind::Local && masks_irqs(flavor)) return false;  // local_unlock_irq*(): IRQs only
    if ((rq.preempt_count & PREEMPT_MASK) == 0) {  // only after a "scheduling while atomic" fixup
      report_bug(fmt::format("WARNING: preempt_count underflow in {} at {}\n(after a BUG: scheduling while atomic fixup; the decrement is ignored)", p.comm, op.step->loc.str()));
      return false;
    }
    preempt_count_sub(rq, PREEMPT_OFFSET);
    if (flavor == LockFlavor::Bh) {
      local_bh_enable(rq, p);  // runs pending softirqs, then the preemption check
      return false;
    }
    // preempt_enable(): the preemption point of a spinlock section
    if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
    return false;
  }
  sleeping_unlock(p, l);
  if (l.kind == LockKind::Local) migrate_enable(p, op);  // PREEMPT_RT local_unlock()
  if (flavor == LockFlavor::Bh) {
    local_bh_enable(rq, p);
    return false;
  }
  // rt_mutex_postunlock() / wake_up_q(): the wakeups happen with preemption
  // off; the preempt_enable() after them is a preemption point.
  if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
  return false;
}

// pthread_mutex_lock(): a cmpxchg in user space when free; contended, the
// futex syscall (FUTEX_WAIT, or FUTEX_LOCK_PI for PTHREAD_PRIO_INHERIT).
bool Kernel::user_lock_step(Rq& rq, Task& p, const Op& op) {
  KLock& l = locks_[static_cast<std::size_t>(op.lock)];
  if (p.stage == 0) {
    if (!l.owner && l.waiters.empty()) {
      l.owner = &p;
      lock_acquired(p, l, op, false);  // PTHREAD_PRIO_PROTECT raises p to the ceiling here
      ++p.pc;
      return false;
    }
    p.user_mode = false;
    p.in_futex = true;
    p.stage = 1;
  }
  if (!sleeping_lock_slowpath(rq, p, l, op)) return false;
  lock_acquired(p, l, op, false);
  p.stage = 0;
  ++p.pc;
  if (p.in_futex) {
    p.in_futex = false;
    syscall_exit_to_user_mode(rq, p);
  }
  return false;
}

// pthread_mutex_unlock(): user space when nobody waits and no priority is
// to be restored; otherwise FUTEX_WAKE / FUTEX_UNLOCK_PI (or the ceiling's
// sched_setparam()), whose return to user is a preemption point.
bool Kernel::user_unlock_step(Rq& rq, Task& p, const Op& op) {
  KLock& l = locks_[static_cast<std::size_t>(op.lock)];
  ++p.pc;
  if (!holds(p, l)) {
    report_bug(fmt::format("WARNING: pthread_mutex_unlock of {} by {}/{} at {}, which does not own it (EPERM)", l.name, p.comm, p.pid,
                           op.step->loc.str()));
    return false;
  }
  const int prio_before = p.prio;
  const bool waiters = !l.waiters.empty();
  lock_released(p, l, op);
  sleeping_unlock(p, l);
  if (waiters || p.prio != prio_before) exit_to_user_mode(rq);
  return false;
}

}  // namespace preemptsim
