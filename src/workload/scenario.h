// A parsed, validated workload: the system, its costs and its tasks' programs.
#pragma once

#include <array>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace preemptsim {

// One step of a task's program. User-space steps run in user mode; kernel
// steps run inside a `syscall` (or anywhere in a kthread's program).
enum class StepKind : std::uint8_t {
  // user-space steps
  Run,         // run: D            user-mode compute
  Sleep,       // sleep: D          clock_nanosleep, relative
  SleepUntil,  // sleep_until: T    clock_nanosleep(TIMER_ABSTIME), T from time 0
  Periodic,    // periodic: {period, phase}  absolute periodic wakeup (cyclictest)
  Syscall,     // syscall: NAME, kernel: [...]
  Yield,       // yield             sched_yield()
  Mark,        // mark: NAME        record the time
  Loop,        // loop: {count: N | until: T, steps: [...]}  (also allowed among kernel steps)
  // kernel steps
  Busy,           // busy: D
  CondResched,    // cond_resched
  MightSleep,     // might_sleep
  MightResched,   // might_resched
  PreemptDisable, // preempt_disable
  PreemptEnable,  // preempt_enable
  LocalIrqDisable,// local_irq_disable
  LocalIrqEnable, // local_irq_enable
  LocalBhDisable, // local_bh_disable
  LocalBhEnable,  // local_bh_enable
  Msleep,         // msleep: D
  Schedule,       // schedule
  RaiseSoftirq,   // raise_softirq: VEC  or {raise_softirq: {vector: VEC, duration: D}}
  KLock,          // spin_lock: L, raw_spin_lock_irqsave: L, read_lock: L, mutex_lock: M, ... (lock_kind, lock_flavor)
  KUnlock,        // the matching unlock (spin_unlock_irqrestore: L, mutex_unlock: M, ...)
  MigrateDisable, // migrate_disable
  MigrateEnable,  // migrate_enable
  // user-space synchronisation (pthread mutexes on futexes)
  Lock,           // lock: M           pthread_mutex_lock (mutexes: {M: {protocol: ...}})
  Unlock,         // unlock: M         pthread_mutex_unlock
  CondWait,       // wait: E           pthread_cond_wait on E (conds: {E: {mutex: M}}), M held
  CondSignal,     // signal: E         pthread_cond_signal
  CondBroadcast,  // broadcast: E      pthread_cond_broadcast
  SemWait,        // sem_wait: S       (semaphores: {S: {initial: N}})
  SemPost,        // sem_post: S
  Barrier,        // barrier: B        pthread_barrier_wait (barriers: {B: {count: N}})
  Suspend,        // suspend: X        wait for a resume of X (rt-app); a resume before it is kept
  Resume,         // resume: X
  // device waits and their wakers (kernel steps; `read:`/`poll:`/`recv:` wrap WaitEvent in a syscall)
  WaitEvent,         // wait_event: Q      wait_event_interruptible() on wait queue Q (returns at Q's next event)
  WakeUp,            // wake_up: Q         a new event on Q, every waiter woken
  WaitForCompletion, // wait_for_completion: C  or {wait_for_completion: {completion: C, timeout: D}}
  Complete,          // complete: C        done++ and the first waiter woken
  // deferred work (softirq.cpp tasklets, workqueue.cpp, irq_work.cpp): the call is in Step::defer
  Defer,             // tasklet_schedule: T, queue_work: {workqueue: WQ, work: W}, schedule_work: W, irq_work_queue: X, ...
};

// A user-space synchronisation object named by the programs (all futex based).
enum class SyncKind : std::uint8_t { Cond, Semaphore, Barrier, Event, WaitQueue, Completion };
// "cond", "semaphore", "barrier", "event", "wait queue", "completion" (the last two are kernel objects)
const char* sync_kind_name(SyncKind k);
struct SyncSpec {
  std::string name;
  SyncKind kind = SyncKind::Event;
  std::string mutex;     // Cond: the mutex a waiter holds
  std::int64_t value = 0;// Semaphore: initial count; Barrier: tasks to wait for
  SourceLoc loc;         // the declaration, or the first use
};

// The kinds of lock a workload names; one name is one lock of one kind.
enum class LockKind : std::uint8_t {
  Spin,     // spinlock_t (an rtlock on PREEMPT_RT)
  RawSpin,  // raw_spinlock_t (spins on every model)
  Mutex,    // struct mutex (rt_mutex based on PREEMPT_RT)
  RtMutex,  // struct rt_mutex (priority inheritance on every model)
  RwLock,   // rwlock_t: read_lock/write_lock (rwbase_rt on PREEMPT_RT)
  Local,    // local_lock_t: one per CPU (preempt_disable; on PREEMPT_RT a per-CPU spinlock_t + migrate_disable)
  User,     // a pthread mutex (futex); its protocol is in `mutexes:`
};
const char* lock_kind_name(LockKind k);  // "spinlock_t", "raw_spinlock_t", "mutex", "rt_mutex", "pthread mutex"

// How a spinlock step treats IRQs and softirqs: spin_lock, spin_lock_irq,
// spin_lock_irqsave (unlock: spin_unlock_irqrestore), spin_lock_bh.
enum class LockFlavor : std::uint8_t { Plain, Irq, IrqSave, Bh };

// pthread_mutexattr_setprotocol(): PTHREAD_PRIO_NONE / INHERIT / PROTECT.
enum class MutexProtocol : std::uint8_t { None, Inherit, Protect };

// mutexes: {NAME: {protocol: none|inherit|protect, ceiling: P}}
struct MutexSpec {
  std::string name;
  MutexProtocol protocol = MutexProtocol::None;
  int ceiling = 0;  // PROTECT: the SCHED_FIFO priority the holder runs at (1..99)
  SourceLoc loc;
};

// The ten softirq vectors in bit order (include/linux/interrupt.h).
enum SoftirqVec : std::uint8_t {
  HI_SOFTIRQ, TIMER_SOFTIRQ, NET_TX_SOFTIRQ, NET_RX_SOFTIRQ, BLOCK_SOFTIRQ, IRQ_POLL_SOFTIRQ,
  TASKLET_SOFTIRQ, SCHED_SOFTIRQ, HRTIMER_SOFTIRQ, RCU_SOFTIRQ, NR_SOFTIRQS
};
const char* softirq_name(SoftirqVec v);  // "NET_RX"

class Rng;
struct MachineSpec;  // machine/machine_spec.h

// A duration drawn per occurrence: fixed, or from a distribution, optionally
// clamped to [min, max] (a sample outside is moved to the bound).
struct Distribution {
  enum class Kind : std::uint8_t { Fixed, Uniform, Normal, Lognormal, Exponential, Histogram };
  Kind kind = Kind::Fixed;
  Time value;              // Fixed
  Time lo, hi;             // Uniform [lo, hi]
  Time mean, stddev;       // Normal (truncated at 0); Exponential uses mean
  Time median;             // Lognormal: median = e^mu
  double sigma = 0;        // Lognormal: sigma of the underlying normal
  std::vector<std::pair<Time, double>> buckets;  // Histogram: (value, weight), weights > 0
  Time min;                      // clamp: no sample below (default 0)
  Time max = Time::max();        // clamp: no sample above
  Time sample(Rng& rng) const;   // always >= 0, inside [min, max]
  Time expected() const;         // the unclamped mean moved inside [min, max], for explanations
  bool is_fixed() const { return kind == Kind::Fixed; }

 private:
  Time sample_shape(Rng& rng) const;
  Time expected_shape() const;
};

// When an interrupt source fires.
struct Arrival {
  enum class Kind : std::uint8_t { Periodic, Poisson, Sporadic, Burst, Timestamps };
  Kind kind = Kind::Periodic;
  Time period, phase, jitter;  // Periodic: phase + k*period, each delayed by uniform [0, jitter]
  double rate = 0;             // Poisson: arrivals per second
  Time min_interarrival, mean; // Sporadic: min_interarrival + exponential(mean - min_interarrival)
  int count = 0;               // Burst: `count` arrivals `gap` apart, starting every `every` (from phase)
  Time gap, every;
  std::vector<Time> timestamps;  // Timestamps: absolute times, ascending
};

struct SoftirqRaise {
  SoftirqVec vec = NET_RX_SOFTIRQ;
  Distribution duration;  // work this raise adds to the vector
};

// A call that defers work, written as a step, in an irq entry, a tasklet or
// an irq_work: tasklet_schedule()/tasklet_hi_schedule(), queue_work()/
// queue_delayed_work() (schedule_work() and schedule_delayed_work() are the
// same on the system workqueue "events"), irq_work_queue().
struct DeferCall {
  enum class Kind : std::uint8_t { Tasklet, TaskletHi, QueueWork, IrqWork };
  Kind kind = Kind::Tasklet;
  std::string call;       // the kernel function as written ("schedule_delayed_work")
  std::string name;       // the tasklet, work item or irq_work
  std::string workqueue;  // QueueWork: the workqueue
  Time delay;             // queue_delayed_work(): jiffies-rounded like msleep (0: queue_work)
  bool delayed = false;
  int index = -1;         // resolved by the parser: into Scenario::tasklets / works / irq_works
  int wq = -1;            // QueueWork: into Scenario::workqueues
  SourceLoc loc;
};
const char* defer_call_name(const DeferCall& d);  // the call as written: "schedule_work"

// A callback that coalesces while pending (tasklets, irq_works): it runs D
// (drawn per call and summed while it is pending: one run does the work of
// every call), then wakes Q / completes C and makes its calls.
struct DeferredCallbackSpec {
  std::string name;
  Distribution run;
  std::string wakes;
  bool wakes_completion = false;
  std::vector<DeferCall> defer;
  SourceLoc loc;
};

// tasklets: {NAME: {run: D, wake_up: Q | complete: C, ...DeferCall keys}}: a tasklet_struct.
struct TaskletSpec : DeferredCallbackSpec {};

// irq_works: {NAME: {run: D, hard: bool, lazy: bool, wake_up/complete, ...}}:
// a struct irq_work (IRQ_WORK_HARD_IRQ, IRQ_WORK_LAZY).
struct IrqWorkSpec : DeferredCallbackSpec {
  bool hard = false;  // IRQ_WORK_HARD_IRQ: hard IRQ context even on PREEMPT_RT
  bool lazy = false;  // IRQ_WORK_LAZY: waits for the next tick
};

// workqueues: {NAME: {unbound: bool, highpri: bool, max_active: N}}.
// "events" (system_wq: per-CPU, normal priority) always exists.
struct WorkqueueSpec {
  std::string name;
  bool unbound = false;   // WQ_UNBOUND: kworker/uX:Y, any allowed CPU
  bool highpri = false;   // WQ_HIGHPRI: the per-CPU pool at nice -20 (kworker/N:MH)
  int max_active = 256;   // WQ_DFL_ACTIVE (work items of this workqueue in flight per pool)
  SourceLoc loc;
};

struct Step;
// work: {NAME: [kernel steps]}: a work_struct whose function is those steps,
// run by a kworker (process context, preemptible, may sleep).
struct WorkSpec {
  std::string name;
  std::vector<Step> steps;
  SourceLoc loc;
};

// irqs: {NAME: {...}}: a device interrupt line (or an NMI source).
struct IrqSpec {
  std::string name;
  int cpu = 0;                  // the CPU its affinity routes it to
  Arrival arrival;
  Distribution handler;         // hard IRQ handler (or the threaded handler's work when threaded)
  std::vector<SoftirqRaise> softirqs;
  bool no_thread = false;       // IRQF_NO_THREAD: stays in hard IRQ context when forced threading is on
  bool percpu = false;          // per-CPU interrupt (never threaded)
  bool nmi = false;             // an NMI source: no masking stops it, no softirqs, no preemption on return
  // What the device path wakes: `wake_up: Q` (a wait queue) or `complete: C`
  // (a completion), from the hard handler (the irq/N-NAME thread when the
  // line is threaded) or, with `wake_from: VEC`, when that softirq's work ends.
  std::string wakes;            // the wait queue or completion ("" = none)
  bool wakes_completion = false;
  int wake_softirq = -1;        // index into softirqs (-1: the handler)
  int thread_priority = 50;     // irq/N-NAME SCHED_FIFO priority (as chrt would set it)
  std::vector<DeferCall> defer; // the handler's tasklet_schedule()/queue_work()/irq_work_queue() calls, in order
  SourceLoc loc;
};

struct Step {
  StepKind kind = StepKind::Run;
  Time duration;            // Run, Sleep, Busy, Msleep (Run, Busy with `work`: its expected value)
  std::optional<Distribution> work;  // Run, Busy: drawn on every execution (stream "task/NAME/op/OP")
  Time at;                  // SleepUntil: absolute time
  Time period;              // Periodic
  Time phase;               // Periodic: grid is phase + k*period
  Time deadline;            // Periodic: relative deadline of each job (0 = none); a job runs from a
                            // periodic wakeup's expiry to the next periodic step
  std::int64_t count = -1;  // Loop: iterations, or -1 when `until` is used
  Time until = Time::max(); // Loop: stop starting iterations at/after this time
  std::string name;         // Syscall name, Mark name
  SoftirqVec softirq = NET_RX_SOFTIRQ;  // RaiseSoftirq
  bool has_duration = false;            // RaiseSoftirq: duration given (else system.softirq_costs)
  std::string lock;                     // KLock/KUnlock/Lock/Unlock: the lock's name; the sync steps: the object's name
  LockKind lock_kind = LockKind::Spin;  // KLock/KUnlock
  LockFlavor lock_flavor = LockFlavor::Plain;
  bool lock_write = false;              // rwlock_t: write_lock/write_unlock (else read_)
  Time timeout{};                       // WaitForCompletion: wait_for_completion_timeout() (0: none)
  DeferCall defer;                      // Defer: the call
  std::vector<Step> body;   // Loop steps; Syscall kernel steps
  SourceLoc loc;            // where the step is written (for errors and explanations)
};

enum class Policy : std::uint8_t { Fifo, Rr, Other, Batch, Idle, Deadline };

struct TaskSpec {
  std::string name;
  Policy policy = Policy::Other;
  int priority = 0;       // 1..99 for fifo/rr; 0 otherwise
  int nice = 0;           // -20..19 for other/batch
  // deadline: sched_attr's sched_runtime, sched_deadline, sched_period (runtime <= deadline <= period)
  Time dl_runtime, dl_deadline, dl_period;
  std::vector<int> cpus;  // allowed CPUs; empty = all
  bool kthread = false;   // program is kernel steps; never returns to user
  std::optional<bool> throughput;  // report its work rate (unset: batch tasks and tasks that never block)
  bool memory_heavy = false;  // slows other CPUs' work under system.noise.memory_interference
  std::vector<Step> program;
  SourceLoc loc;
};

// The kernel's own costs, each configurable under system: {costs: {NAME: ...}}
// as a constant or a distribution (drawn from stream "cost/NAME").
enum class CostId : std::uint8_t {
  ContextSwitch, IrqEntry, IrqExit, HrtimerWakeup, Tick, IpiLatency, IpiHandler, IrqThreadWake, NmiEntry,
  SyscallEntry, SyscallExit,
};
constexpr int NR_COSTS = static_cast<int>(CostId::SyscallExit) + 1;
const char* cost_name(CostId c);  // the costs: key, "context_switch"

// Costs of the modelled kernel's own work (kernel-semantics §10). Defaults are
// round figures inside the published bare-metal ranges; all configurable
// under system: {costs: {...}}.
struct Costs {
  Time context_switch = Time::ns(2000);   // __schedule pick + switch, IRQs off
  Time irq_entry = Time::ns(500);         // vector entry to handler start
  Time irq_exit = Time::ns(500);          // handler end to return (before softirqs/preemption check)
  Time hrtimer_wakeup = Time::ns(1000);   // per expired sleep timer: hrtimer_wakeup -> try_to_wake_up
  Time tick = Time::ns(1000);             // the tick's handler (tick_nohz_handler) -> sched_tick and friends
  Time ipi_latency = Time::ns(1000);      // send to arrival of a reschedule IPI
  Time ipi_handler = Time::ns(500);       // scheduler_ipi()
  Time irq_thread_wake = Time::ns(500);   // forced-threaded primary handler: irq_default_primary_handler + wake
  Time nmi_entry = Time::ns(300);         // NMI entry + exit, together
  Time syscall_entry = Time();            // entry_SYSCALL_64 -> the syscall's body (0: folded into the steps)
  Time syscall_exit = Time();             // syscall_exit_to_user_mode() -> back in user mode
  // A cost given as a distribution; the Time member above then holds its expected value.
  std::array<std::optional<Distribution>, NR_COSTS> drawn{};
  Time& fixed(CostId c) { return this->*member(c); }
  Time fixed(CostId c) const { return this->*member(c); }
  static Time Costs::*member(CostId c);
};

struct SystemSpec {
  int cpus = 1;
  int hz = 250;
  std::vector<std::string> models;  // validated names from the model table; default all
  Time duration = Time::ns(10'000'000'000);  // simulated time
  std::uint64_t seed = 1;
  Costs costs;
  bool threadirqs = false;                 // the `threadirqs` boot option (forced on by rt and basic_rt)
  std::string profile;                     // system.profile: the machine profile loaded (empty: none)
  std::string kernel;                      // system.kernel: "6.1" (empty: the current rules, 6.13+)
  int kernel_version = 0;                  // major * 100 + minor (0: not given)
  // How RT tasks are kept from starving the rest: the fair deadline server
  // (6.12+, the default without CONFIG_RT_GROUP_SCHED) or classic RT
  // throttling (CONFIG_RT_GROUP_SCHED, or kernels up to 6.11).
  enum class RtBandwidth : std::uint8_t { FairServer, Throttle } rt_bandwidth = RtBandwidth::FairServer;
  Time rt_runtime = Time::ns(950'000'000); // throttle: sched_rt_runtime_us; negative = -1 (off)
  Time rt_period = Time::ns(1'000'000'000);// throttle: sched_rt_period_us
  Time fair_server_runtime = Time::ns(50'000'000);    // fair_server/cpuN/runtime (0 = off)
  Time fair_server_period = Time::ns(1'000'000'000);  // fair_server/cpuN/period
  // Work a `raise_softirq: VEC` step adds when it gives no duration (10 us each by default).
  std::array<Time, NR_SOFTIRQS> softirq_costs = [] {
    std::array<Time, NR_SOFTIRQS> a{};
    a.fill(Time::ns(10'000));
    return a;
  }();
  // The machine below the kernel: cpuidle, SMIs, housekeeping, isolation,
  // memory interference (null: none, the exact machine).
  std::shared_ptr<const MachineSpec> machine;
};

struct Scenario {
  std::string file;  // as given by the user (for messages)
  SystemSpec system;
  std::vector<TaskSpec> tasks;  // in file order
  std::vector<IrqSpec> irqs;    // in file order
  std::vector<MutexSpec> mutexes;  // user-space mutexes, in file order
  // Deferred work (each in file order; workqueues starts with "events").
  std::vector<TaskletSpec> tasklets;
  std::vector<IrqWorkSpec> irq_works;
  std::vector<WorkqueueSpec> workqueues;
  std::vector<WorkSpec> works;
  // Every cond, semaphore, barrier and suspend/resume event, sorted by name (built by the parser).
  std::vector<SyncSpec> syncs;
  // Every lock the programs name, with its kind, sorted by name (built by the parser).
  std::vector<std::pair<std::string, LockKind>> locks;
  // "file:line:col: warning: ..." for what was read but has no effect (rt-app use cases); printed by `run`.
  std::vector<std::string> warnings;
};

const char* step_kind_name(StepKind k);   // the workload keyword: "busy", "cond_resched", ...
const char* policy_name(Policy p);         // "fifo", "rr", "other", "batch", "idle"
const char* policy_kernel_name(Policy p);  // "SCHED_FIFO", ...

}  // namespace preemptsim
