// The simulated SMP kernel for one preemption model: run queues, the
// scheduler core, interrupt entry/exit, timers and the task interpreter.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_queue.h"
#include "core/rng.h"
#include "core/time.h"
#include "kernel/activity_log.h"
#include "kernel/observer.h"
#include "kernel/locking.h"
#include "kernel/preempt.h"
#include "kernel/preempt_model.h"
#include "kernel/rq.h"
#include "kernel/task.h"
#include "workload/scenario.h"

namespace preemptsim {

// Kinds of events the kernel puts on the queue.
enum EventKind : std::uint32_t { EV_SEGMENT_END, EV_CLOCKEVENT, EV_IPI, EV_DEVICE_IRQ, EV_END,
                                 EV_POLL_WAKE, EV_SMI, EV_SMI_END, EV_HOUSEKEEPING, EV_RETIME };  // kernel/noise.cpp

// A device line's work over the run: drawn at arrival, done as handlers and
// softirqs complete (what arrived and is not done is still in flight).
struct DeviceWork {
  std::uint64_t arrivals = 0;
  Time handler_arrived, softirq_arrived;
  Time handler_done, softirq_done;
};

// A device interrupt line at run time: its arrival process and random streams.
struct IrqSource {
  IrqSource(const IrqSpec* s, int n, Rng a, Rng d) : spec(s), number(n), arrivals(a), durations(d) {}
  const IrqSpec* spec = nullptr;
  int number = 0;            // the Linux IRQ number shown in irq/N-NAME
  Rng arrivals;              // stream "irq/NAME/arrival"
  Rng durations;             // stream "irq/NAME/duration"
  std::int64_t k = 0;        // arrivals generated so far
  Time last;                 // previous arrival (Poisson, Sporadic)
  Task* thread = nullptr;    // irq/N-NAME when forced threading applies
  std::uint64_t count = 0;   // interrupts taken (arrivals while the line was already pending coalesce)
  Time pending_since;        // arrival of the interrupt now pending on the line
  IrqWake thread_ev;         // threaded: the oldest interrupt irq/N-NAME has yet to handle
  int wake_sync = -1;        // the wait queue / completion its path wakes (index into the sync objects)
  // The device's work (its ring): each arrival adds a handler duration and one
  // duration per raised softirq, drawn at arrival; a handler run (hard or
  // threaded) processes every arrival pending when it starts, so coalesced
  // interrupts and merged IRQTF_RUNTHREAD runs lose no work.
  std::vector<Time> backlog;  // per pending arrival: handler, then spec->softirqs' durations
  std::size_t backlog_n = 0;  // arrivals in backlog
  std::size_t taken_n = 0;    // arrivals the running handler took
  Time taken_handler;         // their handler work
  DeviceWork work;            // totals for the results
};

struct MachineState;  // kernel/noise.h

// Deferred work at run time (softirq.cpp, workqueue.cpp, irq_work.cpp). Each
// object keeps the work its calls brought (drawn per call) and what ran.
struct DeferStats {
  std::uint64_t calls = 0;      // tasklet_schedule()/queue_work()/irq_work_queue() calls
  std::uint64_t coalesced = 0;  // calls on an object already pending (TASKLET_STATE_SCHED, WORK_STRUCT_PENDING, IRQ_WORK_PENDING)
  std::uint64_t runs = 0;       // callbacks run
  Time arrived, done;           // tasklet, irq_work: the run time the calls brought and the run time done
};
// A callback that coalesces while pending: struct tasklet_struct (pending =
// TASKLET_STATE_SCHED) and struct irq_work (pending = IRQ_WORK_PENDING).
template <class Spec>
struct KDeferredCallback {
  const Spec* spec = nullptr;
  Rng rng{0, "deferred"};       // stream "tasklet/NAME" or "irq_work/NAME" (set at boot)
  bool pending = false;
  Time backlog;                 // run time of the calls since the last run began
  IrqWake ev, running_ev;       // the oldest device event behind the pending / the running callback
  int wake_sync = -1;
  DeferStats stats;

  // A call (test_and_set_bit() of the pending bit): its run time, drawn now,
  // joins the backlog; false when already pending (this call coalesced).
  bool call(const IrqWake* from) {
    const Time d = spec->run.sample(rng);
    backlog += d;
    stats.arrived += d;
    ++stats.calls;
    if (pending) {
      ++stats.coalesced;
      return false;
    }
    pending = true;
    ev = from ? *from : IrqWake{};
    return true;
  }
  // The callback starts: the pending bit is cleared before it (so a call
  // during it queues it again) and it does the whole backlog; the device
  // event it serves records the stage (via, object, thread, start).
  Time start(IrqWake::Via via, int obj, const Task* by, Time now) {
    pending = false;
    running_ev = ev;
    ev = IrqWake{};
    if (running_ev.irq >= 0) {
      running_ev.via = via;
      running_ev.obj = obj;
      running_ev.by = by;
      running_ev.stage_start = now;
    }
    const Time run = backlog;
    backlog = Time();
    stats.done += run;
    ++stats.runs;
    return run;
  }
};
using KTasklet = KDeferredCallback<TaskletSpec>;
using KIrqWork = KDeferredCallback<IrqWorkSpec>;
// struct work_struct / delayed_work: WORK_STRUCT_PENDING, where it is queued or running.
struct KWork {
  const WorkSpec* spec = nullptr;
  bool pending = false;         // WORK_STRUCT_PENDING (queued, or its delayed_work timer armed)
  int wq = -1;                  // the workqueue it was last queued on
  int pool = -1;                // the pool of the worker running it (-1: not running)
  const Task* current = nullptr;// the worker running it (find_worker_executing_work())
  int pc = -1;                  // where its function starts in every kworker's program
  bool timer_armed = false;     // delayed_work: its timer is queued (on timer_cpu, expiring at timer_expires)
  int timer_cpu = 0;
  Time timer_expires;
  IrqWake ev;                   // the oldest device event behind the pending work
  DeferStats stats;
};
// struct worker_pool: per CPU (normal and WQ_HIGHPRI) or unbound.
struct WorkerPool {
  int id = 0;                   // the pool id (kworker/uID:N for unbound pools)
  int cpu = -1;                 // -1: unbound
  bool highpri = false;
  std::vector<Task*> workers;
  std::deque<Task*> idle_list;  // most recently idle first (worker_enter_idle() adds at the head)
  std::deque<int> worklist;     // queued work items (Scenario::works), in order
  std::vector<int> active;      // per workqueue: its work items in flight here (max_active)
  int nr_running = 0;           // per-CPU pools: busy workers not asleep (concurrency management)
};
// Per CPU: irq_work's raised_list and lazy_list, what the running handler took, irq_work/N.
struct IrqWorkCpu {
  std::vector<int> raised, lazy, running;
  Task* irq_workd = nullptr;    // PREEMPT_RT: irq_work/N (SCHED_FIFO 1)
};

// __schedule() modes (kernel/sched/core.c)
enum class SchedMode : std::uint8_t { SM_IDLE, SM_NONE, SM_PREEMPT };

class Kernel {
 public:
  Kernel(const Scenario& scenario, const PreemptModel& model);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  void add_observer(Observer* o) {
    observers_.push_back(o);
    signals_ |= o->signal_families();
    for (std::size_t b = 0; b < family_observers_.size(); ++b)
      if (o->signal_families() & (1u << b)) family_observers_[b].push_back(o);
  }
  // Called now and then during run() with (now, end) (a front end's progress line).
  void set_progress(std::function<void(Time, Time)> f) { progress_ = std::move(f); }
  // Boots (wakes every task at t=0) and runs until system.duration.
  void run();

  Time now() const { return now_; }
  const PreemptModel& model() const { return model_; }
  const Costs& costs() const { return scenario_.system.costs; }
  const SystemSpec& system() const { return scenario_.system; }
  // One occurrence of a cost: the constant, or a draw from its stream "cost/NAME".
  Time cost(CostId c) {
    const auto i = static_cast<std::size_t>(c);
    return cost_drawn_[i] ? cost_drawn_[i]->sample(cost_rngs_[i]) : cost_fixed_[i];
  }
  Time tick_nsec() const { return tick_nsec_; }
  std::int64_t sysctl_sched_base_slice() const { return base_slice_; }
  const std::vector<std::unique_ptr<Task>>& tasks() const { return tasks_; }
  const std::vector<Rq>& rqs() const { return rqs_; }
  const std::vector<IrqSource>& irqs() const { return irqs_; }
  const std::vector<KLock>& bh_locks() const { return bh_locks_; }
  const std::vector<KTasklet>& tasklets() const { return tasklets_; }
  const std::vector<KIrqWork>& irq_works() const { return irq_works_; }
  const std::vector<KWork>& works() const { return works_; }
  const std::vector<WorkerPool>& worker_pools() const { return pools_; }
  const Scenario& scenario() const { return scenario_; }
  // Forced IRQ threading: the model forces it (rt, basic_rt) or `threadirqs`.
  bool force_irqthreads() const { return model_.force_irqthreads || scenario_.system.threadirqs; }
  // PREEMPT_RT's softirq rules: BH-disable is a local lock, softirqs run in task context.
  bool rt_softirqs() const { return model_.rt_softirqs; }
  // bandwidth.cpp: RT throttling (update_curr_rt(), sched_rt_runtime_exceeded())
  // and the fair deadline server (dl_server_update(), the deferred start).
  void update_curr_rt(Rq& rq);
  void fair_server_update(Rq& rq, Time delta);
  void fair_server_stop(Rq& rq);
  void cpupri_set(Rq& rq);  // cpupri.cpp: after any change of what is queued on rq (the classes call it)
  void cpudl_update(Rq& rq);  // cpupri.cpp: after a change of rq's dl_nr_running (the deadline overload mask)
  // A per-CPU log of every activity, written here (activity_log.h); its
  // watcher gets on_cpu_activity() at the next task-context activity of a
  // CPU it watches. The log must outlive the run.
  void set_activity_log(ActivityLog* log) {
    activity_log_ = log;
    if (log) signals_ |= SIG_ACTIVITY;  // the activity is worked out, even with no subscriber
  }
  std::string cpupri_check() const;  // the masks against a scan of every CPU: empty when they agree
  void account_dl_rt_time(Rq& rq, Time delta);
  // deadline.cpp: the SCHED_DEADLINE class's operations (its class table forwards here)
  void enqueue_task_dl(Rq& rq, Task& p, int flags);
  void dequeue_task_dl(Rq& rq, Task& p, int flags);
  void yield_task_dl(Rq& rq);
  void wakeup_preempt_dl(Rq& rq, Task& p);
  void update_curr_dl(Rq& rq);
  std::uint64_t dl_running_bw(const Rq& rq) const;  // active utilization (BW_SHIFT fixed point)
  std::uint64_t events_processed() const { return events_processed_; }
  // Of those, the events that were due (not re-armed or cancelled before).
  std::uint64_t live_events_processed() const { return live_events_processed_; }
  std::size_t peak_queued_events() const { return events_.peak_size(); }
  const std::vector<KLock>& locks() const { return locks_; }
  // A deadlock stopped this model's run at stopped_at() (reported as a bug).
  bool stopped() const { return stopped_; }
  // An observer has all it needs: run() returns after the current event
  // (not a deadlock: stopped() stays false).
  void request_stop() { stop_requested_ = true; }
  Time stopped_at() const { return stopped_at_; }
  int smp_processor_id() const { return this_cpu_; }
  Rq& cpu_rq(int cpu) { return rqs_[static_cast<std::size_t>(cpu)]; }
  // The machine's noise sources and their figures (null: none configured).
  const MachineState* machine() const { return machine_.get(); }

  // --- scheduler core (core.cpp) ---
  void resched_curr(Rq& rq);
  void resched_curr_lazy(Rq& rq);
  bool need_resched(const Rq& rq) const { return rq.curr->tif_need_resched; }
  bool should_resched(const Rq& rq) const { return rq.preempt_count == 0 && rq.preempt_need_resched; }
  bool preemptible(const Rq& rq) const { return rq.preempt_count == 0 && !rq.irqs_off; }
  void activate_task(Rq& rq, Task& p, int flags);
  void deactivate_task(Rq& rq, Task& p, int flags);
  bool try_to_wake_up(Task& p, std::uint32_t state_mask);

  // --- preempt_count (debug.cpp) ---
  void preempt_count_add(Rq& rq, std::uint32_t val);
  void preempt_count_sub(Rq& rq, std::uint32_t val);
  // An internal invariant failed: stop with the last trace lines.
  [[noreturn]] void invariant_failed(const std::string& what) const;
  // Records a compact entry in the ring (inline: it runs several times per event).
  void trace(const Rq& rq, const char* what, const Task* p = nullptr, std::int64_t arg = 0) {
    trace_ring_[trace_next_++ % trace_ring_.size()] = TraceRecord{now_, rq.cpu, what, p ? p->pid : -1, rq.preempt_count, arg};
  }

 private:
  friend class KernelTestAccess;
  // core.cpp
  void __resched_curr(Rq& rq, bool lazy);
  void __schedule(Rq& rq, SchedMode mode);
  void schedule(Rq& rq) { __schedule(rq, SchedMode::SM_NONE); }
  void preempt_schedule(Rq& rq);
  void preempt_schedule_irq(Rq& rq);
  void __cond_resched(Rq& rq);
  void finish_task_switch(Rq& rq);
  Task* pick_next_task(Rq& rq, Task& prev);
  void wakeup_preempt(Rq& rq, Task& p);
  int select_task_rq(const Task& p) const;
  int cpu_prio(const Rq& rq) const;  // cpupri: best prio running or queued (MAX_PRIO when idle)
  // cpupri.c: the CPUs by cpu_prio(), as ranks (0: idle, MAX_PRIO: the best
  // RT prio, MAX_PRIO + 1: deadline), so the first set rank is the lowest prio.
  static constexpr std::size_t cpupri_rank(int prio) { return static_cast<std::size_t>(MAX_PRIO - prio); }
  void update_overload(Rq& rq);  // after a change of nr_running or curr
  void cpupri_init();
  bool task_would_run_on(const Task& p, const Rq& rq) const;
  void push_task(Rq& rq, Task& p);
  void move_queued_task(Rq& src, Task& p, int dest_cpu);
  void wake_up_new_task(Task& p);
  void yield_task(Rq& rq);

  // deadline.cpp: the CBS, the replenishment timer, push/pull
  void replenish_dl_new_period(Task& p);
  void replenish_dl_entity(Task& p);
  void update_dl_entity(Task& p);
  void task_non_contending(Task& p);
  void task_contending(Task& p);
  void dl_job_release(Task& p);
  void dl_job_end(Task& p);
  void enqueue_dl_entity(Rq& rq, Task& p, int flags);
  void dequeue_dl_entity(Rq& rq, Task& p);
  bool start_dl_timer(Rq& rq, Task& p);
  void dl_task_timer(const HrTimer& t);
  bool dl_server_first(const Rq& rq) const;
  int find_later_rq(const Task& p, int exclude) const;
  int select_task_rq_dl(const Task& p) const;
  void task_woken_dl(Rq& rq, Task& p);
  bool push_dl_task(Rq& rq);
  void push_dl_tasks(Rq& rq);
  void pull_dl_task(Rq& rq);

  // entry.cpp: interrupts, IPIs, return to user
  void raise_vector(Rq& rq, Vector v);
  void send_reschedule(int cpu);
  void irq_deliver(Rq& rq);
  bool irq_step(Rq& rq);
  void irq_handler_begin(Rq& rq, IrqFrame& f);
  void irq_handler_end(Rq& rq, IrqFrame& f);
  void irqentry_exit(Rq& rq, bool from_user);
  void exit_to_user_mode(Rq& rq);
  void syscall_exit_to_user_mode(Rq& rq, Task& p);
  void nmi_deliver(Rq& rq, int irq);
  void arm_next_arrival(IrqSource& src);
  // The device's work: an arrival adds to the backlog; a handler run takes
  // every pending arrival (returns their handler work) and, when done,
  // raises their softirqs.
  void device_work_arrive(IrqSource& src);
  Time device_work_take(IrqSource& src);
  void device_work_finish(Rq& rq, IrqSource& src, const IrqWake& ev);
  Time next_arrival(IrqSource& src);

  // softirq.cpp: raising and running softirqs, ksoftirqd, IRQ threads
  void raise_softirq(Rq& rq, SoftirqWork w);
  void invoke_softirq(Rq& rq);
  void wakeup_softirqd(Rq& rq);
  void push_softirq_frame(Rq& rq, bool in_task);
  bool softirq_step(Rq& rq);
  bool softirq_run_item(Rq& rq, const SoftirqWork& w, Time& remaining, std::size_t& next);
  void softirq_work_done(Rq& rq, const SoftirqWork& w);
  void take_softirqs_into_task(Rq& rq, Task& p);
  void local_bh_enable(Rq& rq, Task& p);
  bool ksoftirqd_step(Rq& rq, Task& p);
  // PREEMPT_RT's BH lock (softirq_ctrl.lock, one local_lock_t per CPU).
  bool local_bh_lock(Rq& rq, Task& p);
  void local_bh_unlock(Rq& rq, Task& p);
  bool holds_bh_lock(const Task& p) const;
  bool run_softirqs_locked(Rq& rq, Task& p);
  bool ktimers_step(Rq& rq, Task& p);
  void raise_timer_softirq(Rq& rq, SoftirqWork w);
  bool irq_thread_step(Rq& rq, Task& p);
  Task& create_kthread(const std::string& comm, Policy policy, int rt_priority, int cpu);

  // Deferred work: tasklets (softirq.cpp), workqueues (workqueue.cpp), irq_work (irq_work.cpp).
  // A call carries the device event behind it (null: none) to the wakeup its work ends with.
  void init_deferred();
  void defer_call(Rq& rq, const DeferCall& d, const IrqWake* ev);
  void defer_step(Rq& rq, Task& p, const Op& op);
  void defer_wake(int sync, bool completion, IrqWake ev);
  void tasklet_schedule(Rq& rq, int t, bool hi, const IrqWake* ev);
  Time tasklet_run_begin(int t, SoftirqVec vec);
  void tasklet_run_end(Rq& rq, int t);
  // The end of a tasklet's or irq_work's callback: its wake_up()/complete(), then its calls.
  template <class Spec>
  void deferred_callback_done(Rq& rq, KDeferredCallback<Spec>& k);
  void queue_work(Rq& rq, int w, int wq, Time delay, const IrqWake* ev);
  void __queue_work(Rq& rq, int w, int wq);
  void delayed_work_timer_fn(Rq& rq, int w);
  void delayed_work_timer(Rq& rq, const HrTimer& t);
  void kick_pool(WorkerPool& pool);
  bool need_more_worker(const WorkerPool& pool) const;
  int first_runnable_work(const WorkerPool& pool) const;
  bool worker_thread_step(Rq& rq, Task& p);
  void work_done(Rq& rq, Task& p);
  void wq_worker_sleeping(Task& p);
  void wq_worker_running(Task& p);
  void irq_work_queue(Rq& rq, int w, const IrqWake* ev);
  Time irq_work_run_begin(Rq& rq, bool tick);
  void irq_work_run_end(Rq& rq, bool tick);
  void irq_work_single(Rq& rq, int w);
  bool irq_workd_step(Rq& rq, Task& p);

  // hrtimer.cpp: per-CPU hrtimers, the clock event and the tick
  void hrtimer_start(Rq& rq, Time expires, HrTimerKind kind, Task* task);
  void bandwidth_timer(Rq& rq, const HrTimer& t);
  void bandwidth_enqueue(Rq& rq, const Task& p);
  void clockevent_reprogram(Rq& rq);
  void tick_restart(Rq& rq);
  void sched_tick(Rq& rq);
  Time msleep_expiry(Time d) const;

  // exec.cpp: the CPU loop and the task interpreter
  void cpu_run(Rq& rq);
  void start_segment(Rq& rq, Time* remaining);
  void segment_end(Rq& rq, std::uint64_t token);
  void segment_interrupt(Rq& rq);
  void account(Rq& rq);
  bool task_step(Rq& rq, Task& p);
  bool idle_step(Rq& rq);
  bool timed_sleep(Rq& rq, Task& p, Time expiry);
  void after_timed_sleep(Rq& rq, Task& p);
  void do_task_exit(Rq& rq, Task& p);
  void check_progress(Rq& rq, const Task& p);

  // locking.cpp: spinlocks, mutexes, user mutexes, migrate_disable, lockdep
  void init_locks();
  bool lock_step(Rq& rq, Task& p, const Op& op);
  bool unlock_step(Rq& rq, Task& p, const Op& op);
  bool user_lock_step(Rq& rq, Task& p, const Op& op);
  bool user_unlock_step(Rq& rq, Task& p, const Op& op);
  bool spin_lock_slowpath(Rq& rq, Task& p, KLock& l);
  void spin_unlock_handoff(KLock& l);
  bool spin_can_take(const KLock& l, bool write) const;
  void spin_take(KLock& l, Task& p, bool write);
  bool holds(const Task& p, const KLock& l) const;
  bool mutex_can_spin_on_owner(const Rq& rq, const Task& p, const KLock& l) const;
  void mutex_spin_stop(Rq& rq, Task& p, KLock& l);
  void end_spin_segment(Task& t);
  void mutex_owner_descheduled(const Task& prev);
  void lock_bh_disable(Rq& rq, Task& p);
  bool sleeping_lock_slowpath(Rq& rq, Task& p, KLock& l, const Op& op);
  void sleeping_unlock(Task& p, KLock& l);
  void lock_acquired(Task& p, KLock& l, const Op& op, bool irqs_were_off);
  HeldLock lock_released(Task& p, KLock& l, const Op& op);
  void lockdep_acquire(const Task& p, const KLock& l, const Op& op);
  bool check_deadlock(Task& p, KLock& l);
  void migrate_disable(Task& p) { ++p.migration_disabled; }
  void migrate_enable(Task& p, const Op& op);
  void check_locks_at_exit(Task& p);

  // usersync.cpp: conds, semaphores, barriers, suspend/resume on futexes
  void init_syncs();
  bool sync_step(Rq& rq, Task& p, const Op& op);
  void futex_queue(KSync& s, Task& p);
  bool futex_wait(Rq& rq, Task& p, KSync& s);
  Task* futex_wake_one(KSync& s);
  void cond_requeue(Task& w, KLock& m);

  // waitqueue.cpp: wait queues and completions, and the device paths that wake them
  void init_waitqueues();
  bool wait_event_step(Rq& rq, Task& p, const Op& op);
  bool completion_step(Rq& rq, Task& p, const Op& op);
  bool waker_step(Rq& rq, Task& p, const Op& op);
  void __wake_up(KSync& q, const IrqWake* ev);
  void complete(KSync& c, const IrqWake* ev);
  void device_wake(IrqSource& src, IrqWake ev);
  IrqWake device_event(const IrqFrame& f) const;
  bool timeout_cancelled(Task& p, Time expires);
  void job_end(Task& p);
  void job_release(Task& p, Time release, Time deadline);

  // rtmutex.cpp: rt_mutex priority inheritance
  bool try_to_take_rt_mutex(Task& p, KLock& l);
  void task_blocks_on_rt_mutex(Task& p, KLock& l);
  void rt_mutex_adjust_prio_chain(Task& owner, const Task& orig);
  void rt_mutex_adjust_prio(Task& p);
  void rt_mutex_setprio(Task& p, int prio);
  Task* mark_wakeup_next_waiter(KLock& l);
  void rt_mutex_enqueue(KLock& l, Task& waiter);
  void rt_mutex_dequeue(KLock& l, Task& waiter);

  // debug.cpp: the kernel's debug reports
  void __might_resched(Rq& rq, const Op& op);
  void __schedule_bug(Rq& rq, Task& prev);
  void report_bug(const std::string& text);

  void dispatch(const Event& e);

  // idle.cpp: cpuidle_idle_call() and the wakeup of a CPU in an idle state
  void cpuidle_idle_call(Rq& rq);
  bool cpuidle_wake_step(Rq& rq);
  bool set_nr_and_not_polling(Rq& rq);
  // noise.cpp: SMIs, housekeeping, isolation, memory interference
  void machine_init();
  void machine_start();
  void machine_event(const Event& e, Rq& rq);
  bool smi_stalled(const Rq& rq) const;
  void housekeeping_tick(Rq& rq);
  bool housekeeping_thread_step(Rq& rq, Task& p);
  bool can_stop_full_tick(const Rq& rq) const;
  void sched_update_tick_dependency(Rq& rq);
  void start_work_segment(Rq& rq, Time* remaining);
  bool work_segment_interrupt(Rq& rq);
  void memory_heavy_switch(Rq& rq);

  // tracing signals (trace_signals.cpp): each family costs one bit test when unused
  // (family is one SignalFamily bit; only its subscribers are called, in the order they were added)
  template <class F>
  void emit(std::uint32_t family, F&& f) {
    if (signals_ & family)
      for (Observer* o : family_observers_[static_cast<std::size_t>(std::countr_zero(family))]) f(*o);
  }
  // The code running on rq from now on is this kernel function (the site of sections).
  static void kernel_site(Rq& rq, const char* fn) {
    rq.site_loc = nullptr;
    rq.site_fn = fn;
    rq.site_op = nullptr;
  }
  // After any change of preempt_count, the IRQ flag or the frames: report section edges.
  void sections_changed(Rq& rq) {
    if (!(signals_ & (SIG_SECTIONS | SIG_SECTION_STATE))) return;
    const bool preempt_off = (rq.preempt_count & (PREEMPT_MASK | SOFTIRQ_MASK)) != 0;
    const bool irqs_off = rq.hard_irqs_disabled();
    if (preempt_off != rq.trace_preempt_off || irqs_off != rq.trace_irqs_off) emit_sections(rq, preempt_off, irqs_off);  // an edge
  }
  void emit_sections(Rq& rq, bool preempt_off, bool irqs_off);
  void emit_activity(Rq& rq);
  bool machine_activity(Rq& rq, CpuActivity& a);
  void notify_activity(Rq& rq, const CpuActivity& a, bool fire);
  static constexpr std::size_t SIG_ACTIVITY_BIT = std::countr_zero(static_cast<std::uint32_t>(SIG_ACTIVITY));

  const Scenario& scenario_;
  std::unique_ptr<MachineState> machine_;  // null: the exact machine (no noise source)
  const PreemptModel& model_;
  std::vector<std::unique_ptr<Task>> tasks_;  // workload tasks, then the idle tasks
  std::vector<Rq> rqs_;
  std::vector<IrqSource> irqs_;
  std::array<Time, NR_COSTS> cost_fixed_{};                  // costs(): the constants
  std::array<const Distribution*, NR_COSTS> cost_drawn_{};   // costs given as distributions
  std::vector<Rng> cost_rngs_;                               // stream "cost/NAME" per CostId
  std::vector<KLock> bh_locks_;  // PREEMPT_RT: softirq_ctrl.lock per CPU (never resized after boot)
  Step bh_step_;                 // where the BH lock is "taken" in reports
  Op bh_op_;
  std::vector<std::unique_ptr<TaskSpec>> kthread_specs_;  // specs of the kernel's own threads
  std::vector<Observer*> observers_;
  struct CpuPri {
    std::array<std::bitset<MAX_CPUS>, MAX_PRIO + 2> mask;  // per rank: its CPUs
    std::bitset<MAX_PRIO + 2> ranks;                       // the ranks with a CPU
    std::vector<std::size_t> rank;                         // per CPU: its rank
  };
  CpuPri cpupri_;
  std::bitset<MAX_CPUS> rto_mask_;  // CPUs with a queued task besides the running one (pull candidates)
  int rto_count_ = 0;               // how many (rt_overloaded(): zero means nothing to pull)
  std::bitset<MAX_CPUS> dlo_mask_;      // rd->dlo_mask: CPUs with two or more (pull candidates)
  ActivityLog* activity_log_ = nullptr;
  ActivityRecord activity_scratch_;  // emit_activity()'s record when no log is kept
  std::uint32_t signals_ = 0;  // SignalFamily bits some observer wants
  std::array<std::vector<Observer*>, 32> family_observers_;  // per SignalFamily bit: its subscribers
  std::function<void(Time, Time)> progress_;
  // One slot per event source, each with at most one event queued: per CPU
  // its segment end, its clock event and its reschedule IPI; per device line
  // its next arrival; the end of the run.
  SlotQueue events_;
  std::size_t seg_slot(int cpu) const { return static_cast<std::size_t>(cpu); }
  std::size_t clockevent_slot(int cpu) const { return rqs_.size() + static_cast<std::size_t>(cpu); }
  std::size_t ipi_slot(int cpu) const { return 2 * rqs_.size() + static_cast<std::size_t>(cpu); }
  std::size_t irq_slot(std::size_t line) const { return 3 * rqs_.size() + line; }
  std::size_t end_slot() const { return 3 * rqs_.size() + irqs_.size(); }
  // The machine's noise (kernel/noise.cpp), after the end: per CPU a polled
  // wakeup, an SMI's end and a re-timing; one SMI source; one per housekeeping thread.
  std::size_t poll_slot(int cpu) const { return end_slot() + 1 + static_cast<std::size_t>(cpu); }
  std::size_t smi_end_slot(int cpu) const { return end_slot() + 1 + rqs_.size() + static_cast<std::size_t>(cpu); }
  std::size_t retime_slot(int cpu) const { return end_slot() + 1 + 2 * rqs_.size() + static_cast<std::size_t>(cpu); }
  std::size_t smi_slot() const { return end_slot() + 1 + 3 * rqs_.size(); }
  std::size_t housekeeping_slot(std::size_t thread) const { return smi_slot() + 1 + thread; }
  Time now_;
  Time tick_nsec_;
  std::int64_t base_slice_ = 0;
  int this_cpu_ = 0;
  std::uint64_t events_processed_ = 0;
  std::uint64_t live_events_processed_ = 0;
  Time last_bug_report_ = Time::ns(-1'000'000'000'000);
  std::vector<KLock> locks_;  // in scenario.locks order (by name)
  std::deque<KLock> percpu_locks_;
  std::vector<KTasklet> tasklets_;    // in scenario.tasklets order
  std::vector<KIrqWork> irq_works_;   // in scenario.irq_works order
  std::vector<KWork> works_;          // in scenario.works order
  std::vector<WorkerPool> pools_;     // per-CPU pools (cpu x {normal, highpri}, those used), then unbound ones
  std::vector<IrqWorkCpu> irq_work_cpu_;
  std::vector<KSync> syncs_;  // in scenario.syncs order (by name)  // local_lock_t: ncpus instances per lock, from KLock::percpu_first
  KLock& lock_of(const Op& op, const Task& p, bool unlock);
  // lockdep's dependency graph: (held, taken) lock indices -> the first time it was seen.
  struct LockOrder {
    const Task* task;
    const Step* held_site;
    const Step* taken_site;
  };
  std::map<std::pair<int, int>, LockOrder> lock_order_;
  std::map<std::pair<int, int>, bool> lock_order_reported_;
  bool stopped_ = false;
  bool stop_requested_ = false;
  Time stopped_at_;

  struct TraceRecord {
    Time t;
    int cpu;
    const char* what;
    int pid;
    std::uint32_t count;
    std::int64_t arg;
  };
  std::array<TraceRecord, 32> trace_ring_{};
  std::size_t trace_next_ = 0;
};

}  // namespace preemptsim
