// Deadline Scheduling Class (SCHED_DEADLINE), after kernel/sched/deadline.c: EDF + the Constant Bandwidth Server, global EDF on SMP by push/pull.
//
// Simplified (docs/kernel-map.md says how): no GRUB reclaiming, no HRTICK
// (runtime is checked where update_curr() runs, the tick among them, as the
// kernel does with HRTICK_DL off), the inactive timer is not queued (the
// 0-lag time is kept and compared when needed: nothing here reads running_bw
// but the tests), cpudl is its free mask and, when no allowed CPU is free, a
// scan of the allowed CPUs' earliest deadlines (not the kernel's max-heap),
// no deadline inheritance (a deadline waiter boosts a lock owner to RT
// priority 0).
#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/sched_class.h"
#include "workload/sched_dl_params.h"

namespace preemptsim {

bool DlRq::ByDeadline::operator()(const Task* a, const Task* b) const {
  if (a->dl.deadline != b->dl.deadline) return a->dl.deadline < b->dl.deadline;
  return a->pid < b->pid;
}

namespace {

bool dl_time_before(Time a, Time b) { return a < b; }

// dl_entity_preempt(): a's deadline is strictly earlier.
bool dl_entity_preempt(const Task& a, const Task& b) { return dl_time_before(a.dl.deadline, b.dl.deadline); }

bool dl_task(const Task& p) { return p.sched_class == &dl_sched_class; }

// dl_entity_overflow(): would the entity's remaining runtime, used by its
// current deadline, exceed its reserved density dl_runtime/dl_deadline?
//   runtime / (deadline - t) > dl_runtime / dl_deadline, computed as the
// kernel does, with DL_SCALE bits dropped from each factor.
bool dl_entity_overflow(const SchedDlEntity& dl, Time t) {
  const auto left = static_cast<std::uint64_t>(dl.dl_deadline.count() >> DL_SCALE) *
                    static_cast<std::uint64_t>(std::max<std::int64_t>(dl.runtime, 0) >> DL_SCALE);
  const auto right = static_cast<std::uint64_t>((dl.deadline - t).count() >> DL_SCALE) *
                     static_cast<std::uint64_t>(dl.dl_runtime.count() >> DL_SCALE);
  return right < left;
}

}  // namespace

// setup_new_dl_entity() / replenish_dl_new_period(): a new instance from now.
void Kernel::replenish_dl_new_period(Task& p) {
  p.dl.deadline = now_ + p.dl.dl_deadline;
  p.dl.runtime = p.dl.dl_runtime.count();
  p.dl.dl_new = false;
}

// replenish_dl_entity(): after a throttle, move the deadline a period on and
// add a period's runtime until runtime is positive (a large overrun costs
// several periods); a deadline still in the past means the replenishment
// lagged: start afresh from now. A yield gives up the runtime left.
void Kernel::replenish_dl_entity(Task& p) {
  SchedDlEntity& dl = p.dl;
  if (dl.dl_new) replenish_dl_new_period(p);
  if (dl.dl_yielded && dl.runtime > 0) dl.runtime = 0;
  while (dl.runtime <= 0) {
    dl.deadline = dl.deadline + dl.dl_period;
    dl.runtime += dl.dl_runtime.count();
  }
  if (dl_time_before(dl.deadline, now_)) replenish_dl_new_period(p);  // "DL replenish lagged too much"
  dl.dl_yielded = false;
  dl.dl_throttled = false;
}

// update_dl_entity(): the CBS wakeup rule. If the deadline has passed, or
// the runtime left cannot be used by the deadline without exceeding the
// reserved bandwidth (dl_entity_overflow()), a new instance starts now;
// otherwise the entity keeps its deadline and runtime. A constrained
// entity (deadline < period) whose deadline is still ahead instead gets
// runtime = dl_density x laxity (update_dl_revised_wakeup()).
void Kernel::update_dl_entity(Task& p) {
  SchedDlEntity& dl = p.dl;
  if (dl.dl_new) {
    replenish_dl_new_period(p);
    return;
  }
  if (dl_time_before(dl.deadline, now_) || dl_entity_overflow(dl, now_)) {
    if (dl.dl_deadline != dl.dl_period && !dl_time_before(dl.deadline, now_)) {
      const auto laxity = static_cast<std::uint64_t>((dl.deadline - now_).count());
      dl.runtime = static_cast<std::int64_t>((dl.dl_density * laxity) >> BW_SHIFT);
      trace(cpu_rq(p.cpu), "dl: revised wakeup", &p, dl.runtime);
      return;
    }
    replenish_dl_new_period(p);
    trace(cpu_rq(p.cpu), "dl: new period at wakeup", &p, (dl.deadline - now_).count());
  }
}

// task_non_contending(): a task that blocks stays "active non contending"
// until its 0-lag time, deadline - runtime x dl_period / dl_runtime (the
// kernel arms the inactive timer there; here the time is kept).
void Kernel::task_non_contending(Task& p) {
  SchedDlEntity& dl = p.dl;
  const std::int64_t lag = static_cast<std::int64_t>(static_cast<__int128>(dl.runtime) * dl.dl_period.count() / dl.dl_runtime.count());
  dl.inactive_at = dl.deadline - Time::ns(lag);
  dl.dl_non_contending = dl.inactive_at > now_;
}

// task_contending(): a wakeup before the 0-lag time cancels the inactive
// timer (the bandwidth never left running_bw); after it, it is added back.
void Kernel::task_contending(Task& p) {
  if (p.dl.dl_non_contending && p.dl.inactive_at > now_) trace(cpu_rq(p.cpu), "dl: inactive timer cancelled", &p);
  p.dl.dl_non_contending = false;
}

// running_bw: the bandwidth of the CPU's active entities (contending, or
// blocked before their 0-lag time).
std::uint64_t Kernel::dl_running_bw(const Rq& rq) const {
  std::uint64_t bw = 0;
  for (const auto& t : tasks_) {
    if (t->policy != Policy::Deadline || t->cpu != rq.cpu || t->state == TASK_DEAD) continue;
    if (t->on_rq || (t->dl.dl_non_contending && t->dl.inactive_at > now_)) bw += t->dl.dl_bw;
  }
  return bw;
}

// A job of a deadline task is one activation: from the wakeup (or the
// replenishment after a yield) that puts it in the dl_rq to the block or
// yield that ends it; its deadline is the entity's absolute deadline then.
void Kernel::dl_job_release(Task& p) {
  if (p.job_open) return;
  p.job_open = true;
  for (Observer* o : observers_) o->on_job_release(now_, p, now_, p.dl.deadline);
}

void Kernel::dl_job_end(Task& p) {
  if (!p.job_open) return;
  p.job_open = false;
  for (Observer* o : observers_) o->on_job_end(now_, p);
}

void Kernel::enqueue_dl_entity(Rq& rq, Task& p, int flags) {
  if (flags & ENQUEUE_WAKEUP) {
    task_contending(p);
    update_dl_entity(p);
  } else if (flags & ENQUEUE_REPLENISH) {
    replenish_dl_entity(p);
  } else if (p.dl.dl_new) {
    replenish_dl_new_period(p);
  }
  if (p.dl.on_dl_rq) invariant_failed("enqueue_dl_entity: already queued");
  rq.dl.root.insert(&p);
  p.dl.on_dl_rq = true;
  ++rq.dl.dl_nr_running;
  cpupri_set(rq);
  cpudl_update(rq);
  dl_job_release(p);
}

void Kernel::dequeue_dl_entity(Rq& rq, Task& p) {
  if (!p.dl.on_dl_rq) return;
  rq.dl.root.erase(&p);
  p.dl.on_dl_rq = false;
  --rq.dl.dl_nr_running;
  cpupri_set(rq);
  cpudl_update(rq);
}

// enqueue_task_dl(): a throttled task waits for its replenishment timer
// outside the dl_rq (a wakeup does not enqueue it early).
void Kernel::enqueue_task_dl(Rq& rq, Task& p, int flags) {
  if (p.dl.dl_throttled && !(flags & ENQUEUE_REPLENISH)) {
    if (flags & ENQUEUE_WAKEUP) task_contending(p);
    return;
  }
  enqueue_dl_entity(rq, p, flags);
}

void Kernel::dequeue_task_dl(Rq& rq, Task& p, int flags) {
  if (rq.curr == &p) update_curr_dl(rq);
  dequeue_dl_entity(rq, p);
  if (flags & DEQUEUE_SLEEP) {
    task_non_contending(p);
    dl_job_end(p);
  }
}

// start_dl_timer(): the replenishment timer at the next period's start
// (deadline - dl_deadline + dl_period); none when that is already past.
bool Kernel::start_dl_timer(Rq& rq, Task& p) {
  const Time act = p.dl.deadline - p.dl.dl_deadline + p.dl.dl_period;
  if (act < now_) return false;
  p.dl.dl_timer_expires = act;
  hrtimer_start(rq, act, HrTimerKind::DlTimer, &p);
  return true;
}

// update_curr_dl(): charge the running entity; at runtime exhaustion (or a
// yield) it is throttled: out of the dl_rq until dl_task_timer() at the
// next period replenishes it (at once when that time is past), and
// resched_curr() unless it is still the earliest.
void Kernel::update_curr_dl(Rq& rq) {
  Task& curr = *rq.curr;
  if (!dl_task(curr) || !curr.dl.on_dl_rq) return;
  SchedDlEntity& dl = curr.dl;
  const Time delta = now_ - curr.se.exec_start;
  if (delta <= Time() && !dl.dl_yielded) return;
  if (delta > Time()) {
    curr.se.exec_start = now_;
    dl.runtime -= delta.count();
    account_dl_rt_time(rq, delta);
  }
  if (dl.runtime > 0 && !dl.dl_yielded) return;
  dl.dl_throttled = true;
  const bool overrun = dl.runtime <= 0;
  if (overrun) {  // SCHED_FLAG_DL_OVERRUN: SIGXCPU to the task (counted here)
    ++dl.nr_overruns;
    trace(rq, "dl: runtime overrun", &curr, dl.runtime);
  }
  dequeue_dl_entity(rq, curr);
  if (start_dl_timer(rq, curr)) {
    if (overrun) ++dl.nr_throttled;
    trace(rq, dl.dl_yielded ? "dl: yielded, throttled" : "dl: throttled", &curr, dl.dl_timer_expires.count());
  } else {
    enqueue_dl_entity(rq, curr, ENQUEUE_REPLENISH);
  }
  if (!curr.dl.on_dl_rq || *rq.dl.root.begin() != &curr) resched_curr(rq);
}

// dl_task_timer(): the replenishment. A task that is not runnable only gets
// its runtime back (it is enqueued at its wakeup); otherwise it returns to
// the dl_rq, preempts if it is now the earliest, and the CPU pushes what it
// cannot run.
void Kernel::dl_task_timer(const HrTimer& t) {
  Task& p = *t.task;
  if (!p.dl.dl_throttled || p.dl.dl_timer_expires != t.expires || p.state == TASK_DEAD) return;
  p.dl.dl_timer_expires = Time::ns(-1);
  Rq& rq = cpu_rq(p.cpu);
  trace(rq, "dl_task_timer: replenish", &p);
  if (!p.on_rq) {
    replenish_dl_entity(p);
    return;
  }
  enqueue_dl_entity(rq, p, ENQUEUE_REPLENISH);
  if (dl_task(*rq.curr))
    wakeup_preempt_dl(rq, p);
  else
    wakeup_preempt(rq, p);
  push_dl_tasks(rq);
}

// yield_task_dl(): sched_yield() ends the instance: throttled until the next period.
void Kernel::yield_task_dl(Rq& rq) {
  Task& curr = *rq.curr;
  curr.dl.dl_yielded = true;
  dl_job_end(curr);
  update_curr_dl(rq);
}

// wakeup_preempt_dl(): an earlier deadline preempts.
void Kernel::wakeup_preempt_dl(Rq& rq, Task& p) {
  if (dl_entity_preempt(p, *rq.curr)) resched_curr(rq);
}

// The fair server (bandwidth.cpp) is a deadline entity too: while it serves,
// its deadline is the end of its period, and it runs before every deadline
// task due later (pick_next_task(), wakeup_preempt()).
bool Kernel::dl_server_first(const Rq& rq) const {
  if (!rq.fs_active || !rq.cfs.nr_queued) return false;
  return rq.dl.root.empty() || dl_time_before(rq.fs_window_end, (*rq.dl.root.begin())->dl.deadline);
}

// --- SMP: global EDF by push and pull (cpudl, find_later_rq()) ---

// The earliest deadline queued on a CPU (earliest_dl.curr), or none.
namespace {
const Task* earliest_dl(const Rq& rq) { return rq.dl.root.empty() ? nullptr : *rq.dl.root.begin(); }
bool dl_movable(const Rq& rq, const Task& t, int to) {
  return rq.curr != &t && !t.migration_disabled && t.cpus_allowed.test(static_cast<std::size_t>(to));
}
}  // namespace

// find_later_rq() over cpudl: a CPU with no deadline task (the task's own
// first, then the lowest number; from cpupri's masks), else the CPU whose
// earliest deadline is the latest, if p's deadline is earlier; -1 when none
// (or only `exclude`).
int Kernel::find_later_rq(const Task& p, int exclude) const {
  if (p.migration_disabled) return -1;
  std::bitset<MAX_CPUS> allowed = p.cpus_allowed;
  if (exclude >= 0) allowed.reset(static_cast<std::size_t>(exclude));
  // cpudl's free_cpus: those outside cpupri's deadline rank (cpu_prio() -1)
  const std::bitset<MAX_CPUS> free = allowed & ~cpupri_.mask[cpupri_rank(-1)];
  if (free.test(static_cast<std::size_t>(p.cpu))) return p.cpu;
  if (const std::size_t c = free._Find_first(); c < rqs_.size()) return static_cast<int>(c);
  // Every allowed CPU has a deadline task: the latest earliest deadline
  // among them (cpudl_maximum() over the allowed CPUs; ties to the lowest number).
  int best = -1;
  Time latest;
  for (std::size_t c = allowed._Find_first(); c < rqs_.size(); c = allowed._Find_next(c)) {
    const Task* e = earliest_dl(rqs_[c]);
    if (e && (best < 0 || e->dl.deadline > latest)) {
      best = static_cast<int>(c);
      latest = e->dl.deadline;
    }
  }
  if (best >= 0 && dl_time_before(p.dl.deadline, latest)) return best;
  return -1;
}

// select_task_rq_dl(): stay on the previous CPU unless a deadline task runs
// there that the wakee cannot preempt; then find_later_rq(), taken when it
// is free or the wakee beats its earliest deadline.
int Kernel::select_task_rq_dl(const Task& p) const {
  const int cpu = p.cpu;
  const Task& curr = *rqs_[static_cast<std::size_t>(cpu)].curr;
  if (p.migration_disabled || !dl_task(curr) || dl_entity_preempt(p, curr)) return cpu;
  const int target = find_later_rq(p, -1);
  if (target < 0) return cpu;
  const Task* e = earliest_dl(rqs_[static_cast<std::size_t>(target)]);
  return !e || dl_time_before(p.dl.deadline, e->dl.deadline) ? target : cpu;
}

// task_woken_dl(): a wakee that does not preempt the deadline task running
// here is pushed at once.
void Kernel::task_woken_dl(Rq& rq, Task& p) {
  if (rq.curr == &p || rq.curr->tif_need_resched || !dl_task(*rq.curr) || dl_entity_preempt(p, *rq.curr)) return;
  push_dl_tasks(rq);
}

// push_dl_task(): on an overloaded CPU (two or more deadline tasks) the
// earliest one not running goes to find_later_rq()'s CPU; if it beats the
// running one, reschedule here instead.
bool Kernel::push_dl_task(Rq& rq) {
  if (rq.dl.dl_nr_running < 2 || rqs_.size() == 1) return false;
  Task* next = nullptr;
  for (Task* t : rq.dl.root)
    if (t != rq.curr && !t->migration_disabled) {
      next = t;
      break;
    }
  if (!next) return false;
  if (dl_task(*rq.curr) && rq.curr->dl.on_dl_rq && dl_entity_preempt(*next, *rq.curr)) {
    resched_curr(rq);
    return false;
  }
  const int cpu = find_later_rq(*next, rq.cpu);
  if (cpu < 0) return false;
  trace(rq, "push_dl_task", next, cpu);
  move_queued_task(rq, *next, cpu);
  return true;
}

void Kernel::push_dl_tasks(Rq& rq) {
  while (push_dl_task(rq)) {
  }
}

// pull_dl_task(): when this CPU's earliest deadline got later (a deadline
// task blocked, yielded or was throttled here), take from an overloaded CPU
// the earliest queued task that beats what is left here, unless it beats
// that CPU's running task too (it will preempt there).
void Kernel::pull_dl_task(Rq& this_rq) {
  if (rqs_.size() == 1) return;
  const Task* mine = earliest_dl(this_rq);
  Task* best = nullptr;
  for (std::size_t c = dlo_mask_._Find_first(); c < rqs_.size(); c = dlo_mask_._Find_next(c)) {  // for_each_cpu(cpu, this_rq->rd->dlo_mask)
    Rq& src = rqs_[c];
    if (&src == &this_rq) continue;
    Task* p = nullptr;
    for (Task* t : src.dl.root)
      if (dl_movable(src, *t, this_rq.cpu)) {
        p = t;
        break;
      }
    if (!p || (mine && !dl_entity_preempt(*p, *mine)) || (best && !dl_entity_preempt(*p, *best))) continue;
    if (dl_task(*src.curr) && src.curr->dl.on_dl_rq && dl_entity_preempt(*p, *src.curr)) continue;
    best = p;
  }
  if (!best) return;
  trace(this_rq, "pull_dl_task", best, best->cpu);
  move_queued_task(cpu_rq(best->cpu), *best, this_rq.cpu);
}

namespace {

class DlSchedClass final : public SchedClass {
 public:
  const char* name() const override { return "dl"; }
  int rank() const override { return 4; }
  void enqueue_task(Kernel& k, Rq& rq, Task& p, int flags) const override { k.enqueue_task_dl(rq, p, flags); }
  void dequeue_task(Kernel& k, Rq& rq, Task& p, int flags) const override { k.dequeue_task_dl(rq, p, flags); }
  void yield_task(Kernel& k, Rq& rq) const override { k.yield_task_dl(rq); }
  void wakeup_preempt(Kernel& k, Rq& rq, Task& p) const override { k.wakeup_preempt_dl(rq, p); }
  // pick_task_dl(): the leftmost entity (throttled ones are not in the tree).
  Task* pick_task(Kernel&, Rq& rq) const override { return rq.dl.root.empty() ? nullptr : *rq.dl.root.begin(); }
  void put_prev_task(Kernel& k, Rq& rq, Task&) const override { k.update_curr_dl(rq); }
  void set_next_task(Kernel& k, Rq&, Task& p) const override { p.se.exec_start = k.now(); }
  // task_tick_dl(): runtime accounting at the tick (no HRTICK).
  void task_tick(Kernel& k, Rq& rq, Task&) const override { k.update_curr_dl(rq); }
  void update_curr(Kernel& k, Rq& rq) const override { k.update_curr_dl(rq); }
};

const DlSchedClass dl_class_instance;
}  // namespace

const SchedClass& dl_sched_class = dl_class_instance;  // DEFINE_SCHED_CLASS(dl)

}  // namespace preemptsim
