// The locks a workload names (spinlock_t, raw_spinlock_t, mutex, rt_mutex,
// pthread mutexes): owner, spinners in ticket order, and sleeping waiters.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/time.h"
#include "workload/scenario.h"

namespace preemptsim {

class Task;

// How a lock behaves on the model being run (decided once at boot).
enum class LockImpl : std::uint8_t {
  Spin,        // busy-waits with preemption disabled (raw_spinlock_t; spinlock_t without PREEMPT_RT)
  Mutex,       // sleeping, FIFO, no PI; a woken waiter retries (kernel/locking/mutex.c)
  RtMutex,     // sleeping, prio-ordered, priority inheritance (kernel/locking/rtmutex.c)
  RtLock,      // PREEMPT_RT spinlock_t: an rt_mutex taken in TASK_RTLOCK_WAIT (spinlock_rt.c)
  Futex,       // a PTHREAD_PRIO_NONE/PROTECT user mutex: futex wait queue, handoff at unlock
  PiFutex,     // a PTHREAD_PRIO_INHERIT user mutex: rt_mutex with PI (FUTEX_LOCK_PI)
  RwSpin,      // rwlock_t without PREEMPT_RT: qrwlock, readers share, spinning in arrival order
  RtRwLock,    // PREEMPT_RT rwlock_t (rwbase_rt): sleeping; readers waiting for a writer boost it
};

struct KLock {
  int id = 0;  // index in Kernel::locks() (name order)
  std::string name;
  LockKind kind = LockKind::Spin;
  LockImpl impl = LockImpl::Spin;
  const MutexSpec* user = nullptr;  // User locks: the declared protocol (null = PTHREAD_PRIO_NONE)
  int ceiling_prio = -1;            // PTHREAD_PRIO_PROTECT: kernel prio of the ceiling, else -1
  Task* owner = nullptr;            // the holder (a writer, for rwlock_t)
  int readers = 0;                  // rwlock_t: readers holding it
  int percpu_first = -1;            // local_lock_t: its per-CPU instances in Kernel::percpu_locks_
  std::deque<Task*> spinners;       // busy-waiting CPUs, first come first served (ticket order)
  std::vector<Task*> waiters;       // sleeping waiters, ordered by (waiter_prio, waiter_seq)
  std::uint64_t next_seq = 0;

  bool pi() const {
    return impl == LockImpl::RtMutex || impl == LockImpl::RtLock || impl == LockImpl::PiFutex || impl == LockImpl::RtRwLock;
  }
  bool spins() const { return impl == LockImpl::Spin || impl == LockImpl::RwSpin; }
  bool rwlock() const { return kind == LockKind::RwLock; }
  // Handed over at unlock (the new holder is chosen by the unlocker) rather
  // than taken by the woken waiter itself.
  bool handoff() const { return impl == LockImpl::Futex || impl == LockImpl::PiFutex || impl == LockImpl::RtRwLock; }
  bool user_space() const { return kind == LockKind::User; }
};

// A user-space cond, semaphore, barrier or suspend/resume event: a futex
// word and its wait queue (RT waiters by prio, the others in arrival order).
struct KSync {
  const SyncSpec* spec = nullptr;
  std::int64_t count = 0;       // semaphore count; barrier arrivals; event pending (0/1)
  std::vector<Task*> waiters;
  std::uint64_t next_seq = 0;
  int mutex = -1;               // Cond: its mutex in Kernel::locks()
  Time last_event = Time::ns(-1); // WaitQueue/Completion: the latest wake_up()/complete() (or its interrupt's arrival)
  IrqWake last_irq;             // WaitQueue/Completion: the interrupt behind last_event (irq -1: a task woke it)
};

}  // namespace preemptsim
