// Completely Fair Scheduling class with EEVDF (kernel/sched/fair.c) for
// SCHED_OTHER, SCHED_BATCH and SCHED_IDLE: virtual runtime weighted by nice,
// lag-preserving placement, earliest eligible virtual deadline first.
#include <algorithm>

#include "kernel/kernel.h"
#include "kernel/sched_class.h"

namespace preemptsim {

bool CfsRq::ByDeadline::operator()(const Task* a, const Task* b) const {
  if (a->se.deadline != b->se.deadline) return a->se.deadline < b->se.deadline;
  return a->pid < b->pid;
}

// sched_prio_to_weight[] (kernel/sched/core.c)
std::uint32_t nice_to_weight(int nice) {
  static constexpr std::uint32_t kWeights[40] = {
      88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
      3906,  3121,  2501,  1991,  1586,  1277,  1024,  820,   655,   526,   423,   335,  272,  215,
      172,   137,   110,   87,    70,    56,    45,    36,    29,    23,    18,    15};
  return kWeights[std::clamp(nice, -20, 19) + 20];
}

namespace {

// calc_delta_fair(): real time to virtual time for this entity's weight.
std::int64_t calc_delta_fair(std::int64_t delta, const SchedEntity& se) {
  if (se.weight == NICE_0_LOAD) return delta;
  return static_cast<std::int64_t>(static_cast<__int128>(delta) * NICE_0_LOAD / se.weight);
}

// avg_vruntime(): the weighted average V over queued entities and curr.
std::int64_t avg_vruntime(const CfsRq& cfs) {
  if (cfs.sum_weight == 0) return cfs.zero_vruntime;
  __int128 q = cfs.sum_w_vruntime / static_cast<__int128>(cfs.sum_weight);
  if (cfs.sum_w_vruntime < 0 && q * static_cast<__int128>(cfs.sum_weight) != cfs.sum_w_vruntime) --q;  // floor
  return static_cast<std::int64_t>(q);
}

// entity_eligible(): vruntime <= V, without the division.
bool entity_eligible(const CfsRq& cfs, const SchedEntity& se) {
  return static_cast<__int128>(se.vruntime) * cfs.sum_weight <= cfs.sum_w_vruntime;
}

void sum_add(CfsRq& cfs, const SchedEntity& se) {
  cfs.sum_w_vruntime += static_cast<__int128>(se.vruntime) * se.weight;
  cfs.sum_weight += se.weight;
}
void sum_sub(CfsRq& cfs, const SchedEntity& se) {
  cfs.sum_w_vruntime -= static_cast<__int128>(se.vruntime) * se.weight;
  cfs.sum_weight -= se.weight;
}

// pick_eevdf(): with RUN_TO_PARITY a curr that still has its first slice
// (protect) keeps the CPU while eligible; otherwise the eligible entity with
// the earliest virtual deadline. The timeline is ordered by deadline, so the
// first eligible one is the answer (O(log n) typical; the kernel's augmented
// rbtree bounds it; a long ineligible prefix costs a linear walk here).
Task* pick_eevdf(const CfsRq& cfs) {
  Task* curr = cfs.curr;
  if (curr && (!curr->on_rq)) curr = nullptr;
  if (curr && !entity_eligible(cfs, curr->se)) curr = nullptr;
  if (curr && curr->se.protect) return curr;
  Task* best = nullptr;
  for (Task* t : cfs.timeline) {
    if (entity_eligible(cfs, t->se)) {
      best = t;
      break;
    }
  }
  if (curr && (!best || curr->se.deadline < best->se.deadline)) best = curr;
  if (!best && !cfs.timeline.empty()) best = *cfs.timeline.begin();
  return best;
}

class FairSchedClass final : public SchedClass {
 public:
  const char* name() const override { return "fair"; }
  int rank() const override { return 2; }

  // update_curr(): advance curr's vruntime; update_deadline(): at the end of
  // a slice set a new deadline and, if others wait, resched_curr_lazy().
  void update_curr(Kernel& k, Rq& rq) const override {
    CfsRq& cfs = rq.cfs;
    Task* curr = cfs.curr;
    if (!curr) return;
    SchedEntity& se = curr->se;
    const std::int64_t delta = (k.now() - se.exec_start).count();
    if (delta <= 0) return;
    se.exec_start = k.now();
    k.fair_server_update(rq, Time::ns(delta));
    const std::int64_t dv = calc_delta_fair(delta, se);
    if (curr->on_rq) cfs.sum_w_vruntime += static_cast<__int128>(dv) * se.weight;
    se.vruntime += dv;
    if (se.vruntime - se.deadline < 0) return;
    se.slice = k.sysctl_sched_base_slice();
    se.deadline = se.vruntime + calc_delta_fair(se.slice, se);
    se.protect = false;
    if (cfs.nr_queued > 1) k.resched_curr_lazy(rq);
  }

  // place_entity(): V minus the entity's lag, inflated for the weight it adds
  // (PLACE_LAG); a new task gets half a slice to its first deadline
  // (PLACE_DEADLINE_INITIAL).
  static void place_entity(Kernel& k, CfsRq& cfs, SchedEntity& se, int flags) {
    const std::int64_t V = avg_vruntime(cfs);
    std::int64_t lag = 0;
    if (cfs.sum_weight > 0) {
      lag = static_cast<std::int64_t>(static_cast<__int128>(se.vlag) * (cfs.sum_weight + se.weight) / cfs.sum_weight);
    }
    se.slice = k.sysctl_sched_base_slice();
    se.vruntime = V - lag;
    std::int64_t vslice = calc_delta_fair(se.slice, se);
    if (flags & ENQUEUE_INITIAL) vslice /= 2;
    se.deadline = se.vruntime + vslice;
  }

  void enqueue_task(Kernel& k, Rq& rq, Task& p, int flags) const override {
    CfsRq& cfs = rq.cfs;
    update_curr(k, rq);
    place_entity(k, cfs, p.se, flags);
    sum_add(cfs, p.se);
    if (cfs.curr != &p) {
      cfs.timeline_insert(&p);
      p.se.in_tree = true;
    }
    ++cfs.nr_queued;
    k.cpupri_set(rq);
  }

  // dequeue_entity(): update_entity_lag() keeps V - v, clamped to
  // calc_delta_fair(max(2*slice, TICK_NSEC)), for the next placement.
  void dequeue_task(Kernel& k, Rq& rq, Task& p, int) const override {
    CfsRq& cfs = rq.cfs;
    update_curr(k, rq);
    SchedEntity& se = p.se;
    const std::int64_t V = avg_vruntime(cfs);
    const std::int64_t limit = calc_delta_fair(std::max<std::int64_t>(2 * se.slice, k.tick_nsec().count()), se);
    se.vlag = std::clamp<std::int64_t>(V - se.vruntime, -limit, limit);
    if (se.in_tree) {
      cfs.timeline_erase(&p);
      se.in_tree = false;
    }
    sum_sub(cfs, se);
    if (cfs.curr == &p) cfs.curr = nullptr;
    --cfs.nr_queued;
    k.cpupri_set(rq);
    if (cfs.sum_weight == 0) cfs.zero_vruntime = V;
    if (cfs.nr_queued == 0) k.fair_server_stop(rq);
  }

  // yield_task_fair(): push the deadline out by one slice.
  void yield_task(Kernel& k, Rq& rq) const override {
    CfsRq& cfs = rq.cfs;
    if (cfs.nr_queued <= 1 || !cfs.curr) return;
    update_curr(k, rq);
    cfs.curr->se.deadline += calc_delta_fair(cfs.curr->se.slice, cfs.curr->se);
    cfs.curr->se.protect = false;
  }

  // check_preempt_wakeup_fair(): SCHED_IDLE curr yields to a non-idle wakee;
  // BATCH and IDLE wakees never preempt; otherwise preempt when the wakee is
  // the EEVDF pick. The action is resched_curr_lazy() (6.13+).
  void wakeup_preempt(Kernel& k, Rq& rq, Task& p) const override {
    Task& curr = *rq.curr;
    if (&curr == &p || curr.tif_need_resched) return;
    const bool cse_is_idle = curr.policy == Policy::Idle;
    const bool pse_is_idle = p.policy == Policy::Idle;
    if (cse_is_idle && !pse_is_idle) {
      k.resched_curr_lazy(rq);
      return;
    }
    if (cse_is_idle != pse_is_idle) return;
    if (p.policy == Policy::Batch || p.policy == Policy::Idle) return;
    update_curr(k, rq);
    if (pick_eevdf(rq.cfs) == &p) k.resched_curr_lazy(rq);
  }

  Task* pick_task(Kernel&, Rq& rq) const override {
    if (rq.cfs.nr_queued == 0) return nullptr;
    return pick_eevdf(rq.cfs);
  }

  // put_prev_entity(): a still-queued prev goes back into the timeline.
  void put_prev_task(Kernel& k, Rq& rq, Task& prev) const override {
    update_curr(k, rq);
    CfsRq& cfs = rq.cfs;
    if (cfs.curr == &prev) {
      if (prev.on_rq && !prev.se.in_tree) {
        cfs.timeline_insert(&prev);
        prev.se.in_tree = true;
      }
      cfs.curr = nullptr;
    }
  }

  // set_next_entity(): out of the timeline, becomes curr; RUN_TO_PARITY
  // protects it until its current deadline.
  void set_next_task(Kernel& k, Rq& rq, Task& p) const override {
    CfsRq& cfs = rq.cfs;
    if (p.se.in_tree) {
      cfs.timeline_erase(&p);
      p.se.in_tree = false;
    }
    cfs.curr = &p;
    p.se.exec_start = k.now();
    p.se.protect = true;
  }

  void task_tick(Kernel& k, Rq& rq, Task&) const override { update_curr(k, rq); }
};

const FairSchedClass fair_class_instance;
}  // namespace

const SchedClass& fair_sched_class = fair_class_instance;  // DEFINE_SCHED_CLASS(fair)

}  // namespace preemptsim
