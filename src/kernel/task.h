// task_struct: scheduling state, TIF flags and the program a simulated task runs.
#pragma once

#include <bitset>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/time.h"
#include "kernel/program.h"
#include "workload/scenario.h"

namespace preemptsim {

class SchedClass;
class Task;

// A device interrupt on its way to the task it wakes (waitqueue.cpp): when
// it arrived, when its hard handler ran, and the path of the wakeup.
struct IrqWake {
  enum class Via : std::uint8_t { Handler, Thread, Softirq, Tasklet, Workqueue, IrqWork };
  int irq = -1;               // index into Kernel::irqs() (-1: none)
  Time arrival;               // the line was raised
  Time entry;                 // its hard handler began
  Time handler_end;           // its hard handler (the primary one when threaded) ended
  Time wake;                  // wake_up()/complete() ran (in the handler, irq/N-NAME or the softirq)
  Via via = Via::Handler;
  SoftirqVec vec = NR_SOFTIRQS; // Via::Softirq, Via::Tasklet (TASKLET or HI)
  // Deferred work on the way (tasklet, workqueue, irq_work): the object, the
  // thread that ran it (kworker/N:M, irq_work/N; null in interrupt context)
  // and when the deferred stage began running (-1: not split).
  int obj = -1;               // Tasklet: Scenario::tasklets; Workqueue: works; IrqWork: irq_works
  int wq = -1;                // Workqueue: Scenario::workqueues
  const class Task* by = nullptr;
  Time stage_start = Time::ns(-1);
};

// One unit of softirq work: a raise's duration, and the task a timer-wheel
// expiry wakes when the work is done (TIMER_SOFTIRQ), or the wait queue /
// completion a device's softirq work ends with (NET_RX delivering to a socket).
struct SoftirqWork {
  SoftirqVec vec;
  Time duration;
  Task* wake = nullptr;
  int irq = -1;  // the device line whose interrupt raised it (work accounting), else -1
  int wake_sync = -1;         // index into the kernel's sync objects (-1: none)
  IrqWake ev{};               // wake_sync: the interrupt this work came from
  int tasklet = -1;           // TASKLET/HI: tasklet_action_common() runs this tasklet (Scenario::tasklets)
  int delayed_work = -1;      // TIMER: delayed_work_timer_fn() queues this work (Scenario::works)
};


inline constexpr int MAX_CPUS = 256;
inline constexpr int MAX_RT_PRIO = 100;
inline constexpr int DEFAULT_PRIO = 120;  // MAX_RT_PRIO + NICE_WIDTH / 2
inline constexpr int MAX_PRIO = 140;
inline constexpr std::uint32_t NICE_0_LOAD = 1024;
inline constexpr std::uint32_t WEIGHT_IDLEPRIO = 3;

// task_struct::__state (include/linux/sched.h)
enum TaskState : std::uint32_t {
  TASK_RUNNING = 0x0000,
  TASK_INTERRUPTIBLE = 0x0001,
  TASK_UNINTERRUPTIBLE = 0x0002,
  TASK_DEAD = 0x0080,
  TASK_RTLOCK_WAIT = 0x1000,  // PREEMPT_RT: blocked on a sleeping spinlock, __state saved in saved_state
};

struct KLock;

// One lock a task holds (lockdep's held_locks[]): where it was taken and
// what spin_lock_irqsave() saved.
struct HeldLock {
  KLock* lock = nullptr;
  const Step* site = nullptr;
  bool irqs_were_off = false;  // _irqsave: the flags to restore
  Time since;
};

// struct sched_entity (fair class, EEVDF)
struct SchedEntity {
  std::uint32_t weight = NICE_0_LOAD;
  std::int64_t vruntime = 0;
  std::int64_t deadline = 0;
  std::int64_t vlag = 0;
  std::int64_t slice = 0;         // ns of real time
  bool protect = false;           // RUN_TO_PARITY: no wakeup preemption until the first deadline
  Time exec_start;                // last update_curr()
  bool in_tree = false;           // queued in the timeline (not while it is curr)
};

// struct sched_rt_entity
struct SchedRtEntity {
  int time_slice = 0;             // SCHED_RR: ticks left
  class Task* prev = nullptr;     // run_list: the neighbours in its priority's FIFO
  class Task* next = nullptr;
  bool on_list = false;
};

// struct sched_dl_entity (SCHED_DEADLINE, deadline.cpp): the reservation
// (dl_runtime every dl_period, due dl_deadline after its release), the
// current instance (runtime left, absolute deadline) and the CBS flags.
struct SchedDlEntity {
  Time dl_runtime, dl_deadline, dl_period;
  std::uint64_t dl_bw = 0;        // to_ratio(dl_period, dl_runtime)
  std::uint64_t dl_density = 0;   // to_ratio(dl_deadline, dl_runtime)
  std::int64_t runtime = 0;       // ns left in this instance (negative after an overrun)
  Time deadline;                  // absolute deadline of this instance
  bool dl_new = true;             // never activated (setup_new_dl_entity() pending)
  bool dl_throttled = false;      // runtime exhausted (or yielded): waits for the replenishment timer
  bool dl_yielded = false;        // sched_yield(): the instance ended early
  bool dl_non_contending = false; // blocked before its 0-lag time (the inactive timer would be armed)
  Time inactive_at;               // dl_non_contending: the 0-lag time (the inactive timer's expiry)
  bool on_dl_rq = false;          // in the dl_rq's tree (curr included, as the kernel keeps it)
  Time dl_timer_expires = Time::ns(-1);  // the armed replenishment timer (dl_task_timer), -1: none
  // reported: replenishment timers waited for, runtime overruns (SCHED_FLAG_DL_OVERRUN's SIGXCPU)
  std::uint64_t nr_throttled = 0;
  std::uint64_t nr_overruns = 0;
  Time job_release = Time::ns(-1); // the open CBS job (response time), -1: none
};

class Task {
 public:
  // identity
  int pid = 0;
  std::string comm;
  const TaskSpec* spec = nullptr;  // null for the idle task
  Policy policy = Policy::Other;
  int rt_priority = 0;
  int nice = 0;
  int prio = DEFAULT_PRIO;         // effective kernel priority (lower = more important)
  const SchedClass* sched_class = nullptr;
  std::bitset<MAX_CPUS> cpus_allowed;

  // scheduler state
  std::uint32_t state = TASK_RUNNING;  // __state
  bool on_rq = false;
  int cpu = 0;                         // task_cpu()
  bool tif_need_resched = false;       // TIF_NEED_RESCHED
  bool tif_need_resched_lazy = false;  // TIF_NEED_RESCHED_LAZY
  SchedEntity se;
  SchedRtEntity rt;
  SchedDlEntity dl;

  // the program
  Program prog;
  int pc = 0;
  int stage = 0;                 // sub-step of a multi-stage op (block, then resume)
  Time remaining = Time::ns(-1); // busy/run time left in the current op; -1 = not started
  bool user_mode = true;         // executing user space (false inside a syscall, always false for kthreads)
  std::vector<std::int64_t> slots;
  std::vector<Rng> work_rngs;    // run/busy distributions: stream "task/NAME/op/OP" per op (Op::work_rng)
  bool latency_pending = false;  // a timed sleep's expiry awaits the switch-in
  Time latency_expiry;
  Time job_deadline = Time::ns(-1); // the open periodic job's absolute deadline (-1: none)

  // kernel threads the kernel itself creates
  enum class Kthread : std::uint8_t { None, Ksoftirqd, Ktimers, IrqThread, Kworker, IrqWorkd, Housekeeping } kthread_kind = Kthread::None;
  int irq = -1;                  // IrqThread: the scenario irq it serves
  int hk = -1;                   // Housekeeping: index of its thread in the machine state (kernel/noise.h)
  int irq_thread_pending = 0;    // IrqThread: IRQTF_RUNTHREAD (0 or 1)
  std::vector<SoftirqWork> softirq_work;  // PREEMPT_RT: softirqs run in this task's context
  std::size_t softirq_next = 0;
  bool in_softirq_work = false;
  Time softirq_remaining = Time::ns(-1);
  int softirq_disable_cnt = 0;   // PREEMPT_RT: local_bh_disable() depth (current->softirq_disable_cnt)
  bool bh_lock_pending = false;  // PREEMPT_RT: migrate-disabled, waiting for softirq_ctrl.lock
  bool bh_unlock_after_softirqs = false;  // PREEMPT_RT: release softirq_ctrl.lock once the taken softirqs ran
  Time latency_irq;              // when the sleep's hrtimer callback ran (timerlat IRQ latency)

  // deferred work (workqueue.cpp, irq_work.cpp)
  int pool = -1;                 // Kworker: its worker_pool
  int work = -1;                 // Kworker: the work item it runs (Scenario::works), -1: none
  bool worker_busy = false;      // Kworker: left the idle list (counted in nr_running on a per-CPU pool)
  bool worker_sleeping = false;  // Kworker: blocked inside a work (wq_worker_sleeping())
  IrqWake work_ev;               // Kworker: the device event behind the running work (irq -1: none)
  std::vector<int> irq_work_items;  // IrqWorkd: the lazy list taken by run_irq_workd()
  std::size_t irq_work_next = 0;

  // device waits (waitqueue.cpp)
  IrqWake irq_wake;              // the device event that woke it, reported at its switch-in
  IrqWake irq_thread_ev;         // IrqThread: the interrupt the running handler serves
  Time timeout_expires = Time::ns(-1);  // wait_for_completion_timeout(): the armed schedule_timeout() timer
  std::vector<Time> cancelled_timeouts; // del_timer()ed timeouts still queued (skipped at expiry)
  Time job_release = Time::ns(-1);      // the event a wakeup consumed (response time: the job's release)
  bool job_open = false;         // a job (periodic or event-driven) runs until its next wait

  // locking (locking.cpp, rtmutex.cpp)
  int normal_prio = DEFAULT_PRIO;    // the prio without boosting (PI, PTHREAD_PRIO_PROTECT)
  std::vector<HeldLock> held_locks;
  KLock* blocked_on = nullptr;       // pi_blocked_on: the lock it waits (or spins) for
  int waiter_prio = DEFAULT_PRIO;    // rt_mutex_waiter::prio (non-RT tasks count as DEFAULT_PRIO)
  std::uint64_t waiter_seq = 0;      // FIFO order among equal waiter prios
  std::uint32_t saved_state = TASK_RUNNING;  // TASK_RTLOCK_WAIT: the state to restore
  int migration_disabled = 0;        // migrate_disable() depth: pinned to its CPU
  int rcu_read_lock_nesting = 0;     // PREEMPT_RT spinlocks hold rcu_read_lock()
  Time lock_wait_start;              // when the current lock wait (spin or sleep) began
  bool lock_contended = false;       // the current acquisition had to wait
  bool lock_irqs_were_off = false;   // spin_lock_irqsave(): the flags saved before the spin
  bool lock_want_write = false;      // rwlock_t: the current attempt is a write_lock
  bool lock_granted = false;         // the unlocker handed the lock over (spinners, handoff locks)
  bool sync_granted = false;         // a futex wake for a sync object (sem_post, barrier, resume, ...)
  bool in_futex = false;             // a contended user lock op entered the kernel

  // accounting
  Time sum_exec_runtime;
  std::uint64_t nvcsw = 0;
  std::uint64_t nivcsw = 0;
  std::uint64_t nr_migrations = 0;   // se.nr_migrations
  std::uint64_t loops_done = 0;      // iterations of its top-level loops
  Time work_done;                    // run/busy steps completed: their durations
  Time work_step;                    // the duration drawn for the current run/busy step
  bool is_idle() const { return spec == nullptr; }
  const Op& op() const { return prog.ops[static_cast<std::size_t>(pc)]; }
};

// sched_prio_to_weight[] (kernel/sched/core.c), nice -20..19.
std::uint32_t nice_to_weight(int nice);

}  // namespace preemptsim
