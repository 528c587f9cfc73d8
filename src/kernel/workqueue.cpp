// Workqueues (kernel/workqueue.c): queue_work()/queue_delayed_work() with
// WORK_STRUCT_PENDING, per-CPU worker pools (kworker/N:M, kworker/N:MH at
// nice -20) with concurrency management, unbound pools (kworker/uX:Y), and
// the calls every deferral mechanism shares (tasklets, workqueues, irq_work).
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "kernel/kernel.h"
#include "kernel/preempt.h"
#include "kernel/sched_class.h"

namespace preemptsim {

namespace {
// Every call in the scenario, wherever it is written.
template <class F>
void for_each_call(const std::vector<Step>& steps, F&& f) {
  for (const Step& s : steps) {
    if (s.kind == StepKind::Defer) f(s.defer);
    for_each_call(s.body, f);
  }
}
template <class F>
void for_each_call(const Scenario& sc, F&& f) {
  for (const TaskSpec& t : sc.tasks) for_each_call(t.program, f);
  for (const WorkSpec& w : sc.works) for_each_call(w.steps, f);
  for (const IrqSpec& i : sc.irqs)
    for (const DeferCall& d : i.defer) f(d);
  for (const TaskletSpec& t : sc.tasklets)
    for (const DeferCall& d : t.defer) f(d);
  for (const IrqWorkSpec& w : sc.irq_works)
    for (const DeferCall& d : w.defer) f(d);
}
}  // namespace

// The objects, and the kernel threads deferred work needs: worker pools with
// their kworkers (as many workers as work items may be in flight in the pool:
// the kernel's manage_workers() creates them on demand, here they exist from
// boot, asleep), and on PREEMPT_RT irq_work/N. Before init_locks()/init_syncs(),
// which resolve the names in every program, the kworkers' included.
void Kernel::init_deferred() {
  const Scenario& sc = scenario_;
  const std::uint64_t seed = sc.system.seed;
  const int ncpus = static_cast<int>(rqs_.size());
  auto sync_index = [&](const std::string& name) {
    if (name.empty()) return -1;
    for (std::size_t i = 0; i < sc.syncs.size(); ++i)
      if (sc.syncs[i].name == name) return static_cast<int>(i);  // syncs_ is built from sc.syncs in this order
    invariant_failed("deferred work wakes an object the parser did not record: " + name);
  };
  for (const TaskletSpec& t : sc.tasklets) {
    KTasklet k;
    k.spec = &t;
    k.rng = Rng(seed, "tasklet/" + t.name);
    k.wake_sync = sync_index(t.wakes);
    tasklets_.push_back(std::move(k));
  }
  for (const IrqWorkSpec& w : sc.irq_works) {
    KIrqWork k;
    k.spec = &w;
    k.rng = Rng(seed, "irq_work/" + w.name);
    k.wake_sync = sync_index(w.wakes);
    irq_works_.push_back(std::move(k));
  }
  irq_work_cpu_.resize(static_cast<std::size_t>(ncpus));
  // irq_work_init_threads(): PREEMPT_RT only, sched_set_fifo_low() (FIFO 1).
  if (rt_softirqs() && !irq_works_.empty())
    for (int c = 0; c < ncpus; ++c) {
      Task& t = create_kthread(fmt::format("irq_work/{}", c), Policy::Fifo, 1, c);
      t.kthread_kind = Task::Kthread::IrqWorkd;
      t.prog.ops.push_back(op_of(OpCode::IrqWorkdMain));
      irq_work_cpu_[static_cast<std::size_t>(c)].irq_workd = &t;
    }
  for (const WorkSpec& w : sc.works) {
    KWork k;
    k.spec = &w;
    works_.push_back(k);
  }
  if (works_.empty()) return;
  // Which pool kinds the calls use, and how many work items each may hold.
  std::set<int> kinds[4];  // [unbound * 2 + highpri] -> work items
  for_each_call(sc, [&](const DeferCall& d) {
    if (d.kind != DeferCall::Kind::QueueWork) return;
    const WorkqueueSpec& q = sc.workqueues[static_cast<std::size_t>(d.wq)];
    kinds[(q.unbound ? 2 : 0) + (q.highpri ? 1 : 0)].insert(d.index);
  });
  // The kworker program: worker_thread(), then each work function followed by its return.
  Program prog;
  prog.ops.push_back(op_of(OpCode::WorkerThread));
  for (std::size_t i = 0; i < works_.size(); ++i) {
    works_[i].pc = static_cast<int>(prog.ops.size());
    compile_kernel_steps(prog, works_[i].spec->steps);
    prog.ops.push_back(op_of(OpCode::WorkDone));
  }
  auto add_pool = [&](int cpu, bool highpri, int id, std::size_t nworkers) {
    WorkerPool pool;
    pool.id = id;
    pool.cpu = cpu;
    pool.highpri = highpri;
    pool.active.assign(sc.workqueues.size(), 0);
    const int index = static_cast<int>(pools_.size());
    for (std::size_t n = 0; n < nworkers; ++n) {
      // create_worker(): "kworker/%d:%d%s" (H for the highpri pool), "kworker/u%d:%d" when unbound
      const std::string comm = cpu >= 0 ? fmt::format("kworker/{}:{}{}", cpu, n, highpri ? "H" : "") : fmt::format("kworker/u{}:{}", id, n);
      Task& t = create_kthread(comm, Policy::Other, 0, cpu >= 0 ? cpu : 0);
      t.kthread_kind = Task::Kthread::Kworker;
      t.pool = index;
      if (cpu < 0)  // unbound: any CPU of the pool's cpumask (every CPU here)
        for (int c = 0; c < ncpus; ++c) t.cpus_allowed.set(static_cast<std::size_t>(c));
      if (highpri) {  // WQ_HIGHPRI pools run at HIGHPRI_NICE_LEVEL (MIN_NICE, -20)
        t.nice = -20;
        t.prio = DEFAULT_PRIO - 20;
        t.se.weight = nice_to_weight(-20);
      }
      t.prog = prog;
      t.slots.assign(static_cast<std::size_t>(prog.slots), -1);
      for (std::size_t i = 0; i < t.prog.ops.size(); ++i) {
        Op& op = t.prog.ops[i];
        if (op.step == nullptr || !op.step->work || (op.code != OpCode::Run && op.code != OpCode::Busy)) continue;
        op.work_rng = static_cast<int>(t.work_rngs.size());
        t.work_rngs.emplace_back(seed, fmt::format("task/{}/op/{}", comm, i));
      }
      pool.workers.push_back(&t);
      pool.idle_list.push_back(&t);
    }
    pools_.push_back(std::move(pool));
  };
  // Pool ids as the kernel numbers them: per CPU two BH pools and two normal
  // ones (normal, highpri); unbound pools after all of them.
  for (int c = 0; c < ncpus; ++c)
    for (int hi = 0; hi < 2; ++hi)
      if (!kinds[hi].empty()) add_pool(c, hi == 1, 4 * c + 2 + hi, kinds[hi].size());
  int next_id = 4 * ncpus;
  for (int hi = 0; hi < 2; ++hi)
    if (!kinds[2 + hi].empty()) add_pool(-1, hi == 1, next_id++, kinds[2 + hi].size());
}

// Any call: the kind decides.
void Kernel::defer_call(Rq& rq, const DeferCall& d, const IrqWake* ev) {
  switch (d.kind) {
    case DeferCall::Kind::Tasklet:
    case DeferCall::Kind::TaskletHi:
      tasklet_schedule(rq, d.index, d.kind == DeferCall::Kind::TaskletHi, ev);
      break;
    case DeferCall::Kind::QueueWork:
      queue_work(rq, d.index, d.wq, d.delayed ? d.delay : Time(), ev);
      break;
    case DeferCall::Kind::IrqWork:
      irq_work_queue(rq, d.index, ev);
      break;
  }
}

// A task's call (a kernel step, in a syscall, a kthread or a work function):
// a kworker passes on the device event behind its work. Outside interrupt and
// BH-disabled context a raised softirq wakes ksoftirqd (raise_softirq_irqoff()).
void Kernel::defer_step(Rq& rq, Task& p, const Op& op) {
  ++p.pc;
  const IrqWake* ev = p.kthread_kind == Task::Kthread::Kworker && p.work_ev.irq >= 0 ? &p.work_ev : nullptr;
  const std::uint32_t pending_before = rq.softirq_pending;
  defer_call(rq, op.step->defer, ev);
  const bool bh_off = rt_softirqs() ? p.softirq_disable_cnt > 0 : in_interrupt(rq.preempt_count);
  if (rq.softirq_pending != pending_before && !bh_off) wakeup_softirqd(rq);
  // preempt_enable() / local_irq_restore() at the end of the call: a wakeup it made may preempt
  if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
}

// The wake_up()/complete() a tasklet or irq_work callback ends with.
void Kernel::defer_wake(int sync, bool completion, IrqWake ev) {
  if (sync < 0) return;
  ev.wake = now_;
  KSync& s = syncs_[static_cast<std::size_t>(sync)];
  trace(cpu_rq(this_cpu_), completion ? "complete" : "wake_up", nullptr, sync);
  const IrqWake* e = ev.irq >= 0 ? &ev : nullptr;
  if (completion)
    complete(s, e);
  else
    __wake_up(s, e);
}

// queue_work_on() / queue_delayed_work_on(): test_and_set WORK_STRUCT_PENDING;
// already pending -> nothing (returns false). A delayed work arms its timer
// (__queue_delayed_work(): add_timer() on this CPU, msecs_to_jiffies() and the
// wheel's rounding as msleep()); a delay of 0 queues at once.
void Kernel::queue_work(Rq& rq, int w, int wq, Time delay, const IrqWake* ev) {
  KWork& k = works_[static_cast<std::size_t>(w)];
  ++k.stats.calls;
  if (k.pending) {
    ++k.stats.coalesced;
    trace(rq, "queue_work (already pending)", nullptr, w);
    return;
  }
  k.pending = true;
  k.wq = wq;
  k.ev = ev ? *ev : IrqWake{};
  if (delay > Time()) {
    k.timer_armed = true;
    k.timer_cpu = rq.cpu;
    k.timer_expires = msleep_expiry(delay);
    hrtimer_start(rq, k.timer_expires, HrTimerKind::DelayedWork, nullptr);
    trace(rq, "queue_delayed_work", nullptr, w);
    return;
  }
  __queue_work(rq, w, wq);
}

// The delayed work's timer expired (in hard IRQ): a wheel timer, so its
// callback runs in TIMER_SOFTIRQ (ktimers/N when IRQs are force-threaded).
void Kernel::delayed_work_timer(Rq& rq, const HrTimer& t) {
  for (std::size_t i = 0; i < works_.size(); ++i) {
    KWork& k = works_[i];
    if (!k.timer_armed || k.timer_cpu != rq.cpu || k.timer_expires != t.expires) continue;
    k.timer_armed = false;
    SoftirqWork sw{TIMER_SOFTIRQ, cost(CostId::HrtimerWakeup), nullptr, -1};
    sw.delayed_work = static_cast<int>(i);
    raise_timer_softirq(rq, sw);
    return;
  }
}

// delayed_work_timer_fn(): __queue_work() on the CPU the timer ran on.
void Kernel::delayed_work_timer_fn(Rq& rq, int w) { __queue_work(rq, w, works_[static_cast<std::size_t>(w)].wq); }

// __queue_work(): the pool of this CPU (per-CPU workqueue) or the unbound
// pool; a work still running in another pool goes there (non-reentrancy);
// insert_work() at the tail, then kick_pool().
void Kernel::__queue_work(Rq& rq, int w, int wq) {
  KWork& k = works_[static_cast<std::size_t>(w)];
  const WorkqueueSpec& q = scenario_.workqueues[static_cast<std::size_t>(wq)];
  int pool = k.pool;
  if (pool < 0)
    for (std::size_t i = 0; i < pools_.size(); ++i)
      if (pools_[i].highpri == q.highpri && (q.unbound ? pools_[i].cpu < 0 : pools_[i].cpu == rq.cpu)) pool = static_cast<int>(i);
  if (pool < 0) invariant_failed(fmt::format("__queue_work: no pool for workqueue {} on CPU {}", q.name, rq.cpu));
  WorkerPool& p = pools_[static_cast<std::size_t>(pool)];
  p.worklist.push_back(w);
  trace(rq, "workqueue_queue_work", nullptr, w);
  kick_pool(p);
}

// The first queued work a worker may take: not running elsewhere (it will be
// run again by its current worker) and its workqueue under max_active.
int Kernel::first_runnable_work(const WorkerPool& pool) const {
  for (int w : pool.worklist) {
    const KWork& k = works_[static_cast<std::size_t>(w)];
    if (k.current) continue;
    if (pool.active[static_cast<std::size_t>(k.wq)] >= scenario_.workqueues[static_cast<std::size_t>(k.wq)].max_active) continue;
    return w;
  }
  return -1;
}

// need_more_worker(): work queued and no worker running. A per-CPU pool's
// concurrency management counts running workers; an unbound pool's workers
// are never counted (WORKER_UNBOUND), so every queued item may get one.
bool Kernel::need_more_worker(const WorkerPool& pool) const {
  return first_runnable_work(pool) >= 0 && (pool.cpu < 0 || pool.nr_running == 0);
}

// kick_pool(): wake the first idle worker when more are needed.
void Kernel::kick_pool(WorkerPool& pool) {
  if (!need_more_worker(pool) || pool.idle_list.empty()) return;
  try_to_wake_up(*pool.idle_list.front(), TASK_INTERRUPTIBLE);
}

// worker_thread(): leave idle; if more workers are needed run works, and
// after each one keep going while work is queued and at most this worker
// runs (keep_working()); otherwise go idle (worker_enter_idle(): head of the
// idle list) and sleep. process_one_work() clears WORK_STRUCT_PENDING before
// calling the function, so the work may be queued again while it runs.
bool Kernel::worker_thread_step(Rq& rq, Task& p) {
  WorkerPool& pool = pools_[static_cast<std::size_t>(p.pool)];
  const bool unbound = pool.cpu < 0;
  bool take;
  if (!p.worker_busy) {  // woken from idle (or boot): worker_leave_idle()
    take = need_more_worker(pool);
    if (take) {
      std::erase(pool.idle_list, &p);
      p.worker_busy = true;
      if (!unbound) ++pool.nr_running;
    }
  } else {  // back from a work: keep_working()
    take = first_runnable_work(pool) >= 0 && (unbound || pool.nr_running <= 1);
    if (!take) {
      p.worker_busy = false;
      if (!unbound) --pool.nr_running;
      pool.idle_list.push_front(&p);
    }
  }
  if (!take) {
    p.state = TASK_INTERRUPTIBLE;  // TASK_IDLE
    schedule(rq);
    return false;
  }
  const int w = first_runnable_work(pool);
  KWork& k = works_[static_cast<std::size_t>(w)];
  pool.worklist.erase(std::find(pool.worklist.begin(), pool.worklist.end(), w));
  k.pending = false;  // set_work_pool_and_clear_pending()
  k.current = &p;
  k.pool = p.pool;
  ++pool.active[static_cast<std::size_t>(k.wq)];
  ++k.stats.runs;
  p.work = w;
  p.work_ev = k.ev;
  if (p.work_ev.irq >= 0) {
    p.work_ev.via = IrqWake::Via::Workqueue;
    p.work_ev.obj = w;
    p.work_ev.wq = k.wq;
    p.work_ev.by = &p;
    p.work_ev.stage_start = now_;
  }
  k.ev = IrqWake{};
  trace(rq, "workqueue_execute_start", &p, w);
  p.pc = k.pc;
  return false;
}

// The work function returned: back to worker_thread()'s loop.
void Kernel::work_done(Rq& rq, Task& p) {
  KWork& k = works_[static_cast<std::size_t>(p.work)];
  WorkerPool& pool = pools_[static_cast<std::size_t>(p.pool)];
  --pool.active[static_cast<std::size_t>(k.wq)];
  k.current = nullptr;
  k.pool = -1;
  trace(rq, "workqueue_execute_end", &p, p.work);
  p.work = -1;
  p.work_ev = IrqWake{};
  p.pc = 0;
  // A work queued again while it ran, or one held back by max_active, may now go to another worker.
  kick_pool(pool);
}

// wq_worker_sleeping(): a busy per-CPU worker blocks inside a work: it stops
// counting, and an idle worker is woken if work is waiting.
void Kernel::wq_worker_sleeping(Task& p) {
  WorkerPool& pool = pools_[static_cast<std::size_t>(p.pool)];
  if (pool.cpu < 0 || !p.worker_busy || p.work < 0 || p.worker_sleeping) return;
  p.worker_sleeping = true;
  --pool.nr_running;
  kick_pool(pool);
}

// wq_worker_running(): it runs again (counted at its wakeup here).
void Kernel::wq_worker_running(Task& p) {
  if (!p.worker_sleeping) return;
  p.worker_sleeping = false;
  ++pools_[static_cast<std::size_t>(p.pool)].nr_running;
}

}  // namespace preemptsim
