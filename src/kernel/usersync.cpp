// User-space synchronisation on futexes (rt-app's wait/signal/broadcast, sem_wait/sem_post, barrier, suspend/resume): user space when nobody has to wait, FUTEX_WAIT/FUTEX_WAKE/FUTEX_CMP_REQUEUE otherwise.
#include <fmt/format.h>

#include <algorithm>

#include "kernel/kernel.h"

namespace preemptsim {

void Kernel::init_syncs() {
  for (const SyncSpec& spec : scenario_.syncs) {
    KSync s;
    s.spec = &spec;
    if (spec.kind == SyncKind::Semaphore) s.count = spec.value;
    if (spec.kind == SyncKind::Cond)
      for (const KLock& l : locks_)
        if (l.name == spec.mutex) s.mutex = l.id;
    syncs_.push_back(s);
  }
  for (auto& t : tasks_)
    for (Op& op : t->prog.ops) {
      switch (op.code) {
        case OpCode::CondWait: case OpCode::CondSignal: case OpCode::CondBroadcast: case OpCode::SemWait:
        case OpCode::SemPost: case OpCode::BarrierWait: case OpCode::Suspend: case OpCode::Resume:
        case OpCode::WaitEvent: case OpCode::WakeUp: case OpCode::WaitForCompletion: case OpCode::Complete: break;
        default: continue;
      }
      auto it = std::find_if(syncs_.begin(), syncs_.end(), [&](const KSync& s) { return s.spec->name == op.step->lock; });
      if (it == syncs_.end()) invariant_failed("sync step names an object the parser did not record: " + op.step->lock);
      op.sync = static_cast<int>(it - syncs_.begin());
      if (op.code == OpCode::CondWait) {
        if (it->mutex < 0) invariant_failed("cond " + op.step->lock + " without its mutex");
        op.lock = it->mutex;
      }
    }
}

// futex_q's plist: RT waiters by prio, everyone else FIFO after them.
void Kernel::futex_queue(KSync& s, Task& p) {
  p.waiter_prio = p.prio < MAX_RT_PRIO ? p.prio : DEFAULT_PRIO;
  p.waiter_seq = s.next_seq++;
  auto pos = std::upper_bound(s.waiters.begin(), s.waiters.end(), &p, [](const Task* a, const Task* b) {
    return a->waiter_prio != b->waiter_prio ? a->waiter_prio < b->waiter_prio : a->waiter_seq < b->waiter_seq;
  });
  s.waiters.insert(pos, &p);
}

// futex_wait(): into the object's queue (RT waiters by prio, the others
// FIFO, as the futex hash bucket's plist), TASK_INTERRUPTIBLE, schedule();
// each resumption checks for the wake meant for it; then back to user.
bool Kernel::futex_wait(Rq& rq, Task& p, KSync& s) {
  if (p.stage == 0) {
    p.user_mode = false;
    futex_queue(s, p);
    p.stage = 1;
  } else if (p.sync_granted) {
    p.sync_granted = false;
    p.stage = 0;
    ++p.pc;
    syscall_exit_to_user_mode(rq, p);
    return false;
  }
  p.state = TASK_INTERRUPTIBLE;
  trace(rq, "futex_wait", &p, p.op().sync);
  schedule(rq);
  return false;
}

// futex_wake() of the first waiter.
Task* Kernel::futex_wake_one(KSync& s) {
  if (s.waiters.empty()) return nullptr;
  Task* w = s.waiters.front();
  s.waiters.erase(s.waiters.begin());
  w->sync_granted = true;
  try_to_wake_up(*w, TASK_INTERRUPTIBLE);
  return w;
}

// FUTEX_CMP_REQUEUE(_PI): a signalled cond waiter moves to the mutex. A
// free mutex is its at once (woken owning it); otherwise it waits there,
// still asleep, and the mutex's unlock hands the mutex to it.
void Kernel::cond_requeue(Task& w, KLock& m) {
  if (!m.owner && m.waiters.empty()) {
    m.owner = &w;
    w.held_locks.push_back(HeldLock{&m, w.op().step, false, now_});
    w.lock_granted = true;
    if (m.ceiling_prio >= 0) rt_mutex_adjust_prio(w);
    try_to_wake_up(w, TASK_INTERRUPTIBLE);
    return;
  }
  w.waiter_seq = m.next_seq++;
  rt_mutex_enqueue(m, w);
  if (m.pi() && m.owner) rt_mutex_adjust_prio_chain(*m.owner, w);
}

bool Kernel::sync_step(Rq& rq, Task& p, const Op& op) {
  KSync& s = syncs_[static_cast<std::size_t>(op.sync)];
  switch (op.code) {
    case OpCode::SemWait:  // sem_wait(): a token in user space, else wait for sem_post's
      if (p.stage == 0 && s.count > 0) {
        --s.count;
        ++p.pc;
        return false;
      }
      return futex_wait(rq, p, s);
    case OpCode::SemPost:  // sem_post(): a waiter gets the token directly
      ++p.pc;
      if (futex_wake_one(s))
        exit_to_user_mode(rq);
      else
        ++s.count;
      return false;
    case OpCode::Suspend:  // a resume that came first is consumed
      if (p.stage == 0 && s.count > 0) {
        s.count = 0;
        ++p.pc;
        return false;
      }
      return futex_wait(rq, p, s);
    case OpCode::Resume:
      ++p.pc;
      if (futex_wake_one(s))
        exit_to_user_mode(rq);
      else
        s.count = 1;
      return false;
    case OpCode::BarrierWait:  // the last of `count` tasks opens it for all (and it rearms)
      if (p.stage == 0 && ++s.count >= s.spec->value) {
        s.count = 0;
        ++p.pc;
        bool woke = false;
        while (futex_wake_one(s)) woke = true;
        if (woke) exit_to_user_mode(rq);
        return false;
      }
      return futex_wait(rq, p, s);
    case OpCode::CondSignal:
    case OpCode::CondBroadcast: {
      ++p.pc;
      KLock& m = locks_[static_cast<std::size_t>(s.mutex)];
      bool woke = false;
      while (!s.waiters.empty()) {
        Task* w = s.waiters.front();
        s.waiters.erase(s.waiters.begin());
        cond_requeue(*w, m);
        woke = true;
        if (op.code == OpCode::CondSignal) break;
      }
      if (woke) exit_to_user_mode(rq);
      return false;
    }
    case OpCode::CondWait: {  // pthread_cond_wait(): unlock M, wait, own M again
      KLock& m = locks_[static_cast<std::size_t>(op.lock)];
      if (p.stage == 0) {
        if (!holds(p, m)) {
          report_bug(fmt::format("WARNING: pthread_cond_wait on {} by {}/{} at {} without holding {} (EPERM)", s.spec->name, p.comm, p.pid,
                                 op.step->loc.str(), m.name));
          ++p.pc;
          return false;
        }
        lock_released(p, m, op);
        sleeping_unlock(p, m);
        p.user_mode = false;
        futex_queue(s, p);
        p.stage = 1;
      } else if (p.lock_granted) {
        p.lock_granted = false;
        lock_acquired(p, m, op, false);
        p.stage = 0;
        ++p.pc;
        syscall_exit_to_user_mode(rq, p);
        return false;
      }
      p.state = TASK_INTERRUPTIBLE;
      trace(rq, "futex_wait (cond)", &p, op.sync);
      schedule(rq);
      return false;
    }
    default: break;
  }
  invariant_failed("sync_step: not a sync op");
}

}  // namespace preemptsim
