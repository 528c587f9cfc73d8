// struct rq: one CPU's run queues (rt_rq, cfs_rq) and the CPU's execution
// state (preempt_count, IRQ flag, pending vectors, interrupt frames, timers).
#pragma once

#include <array>
#include <bitset>
#include <deque>
#include <memory>
#include <cstdint>
#include <queue>
#include <set>
#include <vector>

#include "core/time.h"
#include "kernel/task.h"

namespace preemptsim {

struct SourceLoc;
struct Op;

// One priority's FIFO of an rt_prio_array: an intrusive list through
// Task::rt (as struct sched_rt_entity's run_list), so queueing allocates nothing.
class RtList {
 public:
  class iterator {
   public:
    explicit iterator(Task* t) : t_(t) {}
    Task* operator*() const { return t_; }
    iterator& operator++() {
      t_ = t_->rt.next;
      return *this;
    }
    bool operator!=(const iterator& o) const { return t_ != o.t_; }

   private:
    Task* t_;
  };
  iterator begin() const { return iterator(head_); }
  iterator end() const { return iterator(nullptr); }
  bool empty() const { return head_ == nullptr; }
  std::size_t size() const { return n_; }
  Task* front() const { return head_; }
  void push_back(Task* p) {
    p->rt.prev = tail_;
    p->rt.next = nullptr;
    (tail_ ? tail_->rt.next : head_) = p;
    tail_ = p;
    ++n_;
  }
  void erase(Task* p) {
    (p->rt.prev ? p->rt.prev->rt.next : head_) = p->rt.next;
    (p->rt.next ? p->rt.next->rt.prev : tail_) = p->rt.prev;
    p->rt.prev = p->rt.next = nullptr;
    --n_;
  }

 private:
  Task* head_ = nullptr;
  Task* tail_ = nullptr;
  std::size_t n_ = 0;
};

struct RtRq {
  std::array<RtList, MAX_RT_PRIO> queue;  // rt_prio_array: one FIFO per priority
  std::bitset<MAX_RT_PRIO> bitmap;
  unsigned rt_nr_running = 0;
};

struct CfsRq {
  struct ByDeadline {
    bool operator()(const Task* a, const Task* b) const;
  };
  using Timeline = std::set<Task*, ByDeadline>;
  Timeline timeline;  // queued entities, curr excluded (as the rbtree)
  // Tree nodes of entities that left the timeline, reused by the next
  // insertion (the kernel's rb_node lives in the entity: no allocation).
  // (Move-only, so that a run queue is moved, never copied.)
  struct SpareNodes {
    std::vector<Timeline::node_type> v;
    SpareNodes() = default;
    SpareNodes(SpareNodes&&) noexcept = default;
    SpareNodes& operator=(SpareNodes&&) noexcept = default;
    SpareNodes(const SpareNodes&) = delete;
    SpareNodes& operator=(const SpareNodes&) = delete;
  } spare_nodes;
  void timeline_insert(Task* p) {
    if (spare_nodes.v.empty()) {
      timeline.insert(p);
      return;
    }
    Timeline::node_type n = std::move(spare_nodes.v.back());
    spare_nodes.v.pop_back();
    n.value() = p;
    timeline.insert(std::move(n));
  }
  void timeline_erase(Task* p) { spare_nodes.v.push_back(timeline.extract(p)); }
  Task* curr = nullptr;
  unsigned nr_queued = 0;               // including curr
  __int128 sum_w_vruntime = 0;          // Σ w·v over queued + curr (avg_vruntime numerator)
  std::uint64_t sum_weight = 0;         // Σ w (avg_load)
  std::int64_t zero_vruntime = 0;       // avg_vruntime() when nothing is queued
};

// struct dl_rq: deadline entities by absolute deadline (the rbtree, curr
// kept in it), and the active utilization the CBS tracks (running_bw).
struct DlRq {
  struct ByDeadline {
    bool operator()(const Task* a, const Task* b) const;
  };
  std::set<Task*, ByDeadline> root;
  unsigned dl_nr_running = 0;
  std::uint64_t this_bw = 0;     // Σ dl_bw of the tasks on this CPU
};

// Interrupt vectors, delivered highest-first when several are pending
// (x86: RESCHEDULE_VECTOR 0xfd above IRQ_WORK_VECTOR 0xf6 above
// LOCAL_TIMER_VECTOR 0xec). Device lines come after the system vectors,
// lowest line first.
enum Vector : std::uint8_t { RESCHEDULE_VECTOR = 0, IRQ_WORK_VECTOR = 1, LOCAL_TIMER_VECTOR = 2, DEVICE_VECTOR = 3, NR_VECTORS };
const char* vector_name(Vector v);

enum class HrTimerKind : std::uint8_t { Tick, SleepWakeup, WheelTimeout, RtPeriod, FairServerPeriod, FairServerDefer, DelayedWork, DlTimer };
struct HrTimer {
  Time expires;
  std::uint64_t seq = 0;
  HrTimerKind kind = HrTimerKind::Tick;
  Task* task = nullptr;
  bool operator>(const HrTimer& o) const { return expires != o.expires ? expires > o.expires : seq > o.seq; }
};

enum class IrqPhase : std::uint8_t { Entry, Handler, Exit };
enum class FrameKind : std::uint8_t { HardIrq, Softirq, Nmi };

// One interrupt context in progress on a CPU: a hard IRQ (what pt_regs and
// the entry code hold), a softirq run (handle_softirqs()), or an NMI.
struct IrqFrame {
  FrameKind kind = FrameKind::HardIrq;
  Vector vec = RESCHEDULE_VECTOR;
  int irq = -1;                 // DEVICE_VECTOR / Nmi: index into the scenario's irqs
  IrqPhase phase = IrqPhase::Entry;
  Time remaining = Time::ns(-1);
  bool from_user = false;       // interrupted context was user mode
  bool threaded = false;        // DEVICE_VECTOR: primary handler only wakes irq/N-NAME
  Time arrival, entry;          // DEVICE_VECTOR: when the line was raised, when the handler began
  std::vector<HrTimer> expired; // LOCAL_TIMER: timers this interrupt runs
  // Softirq: the snapshot being run, and the limits of handle_softirqs()
  std::vector<SoftirqWork> work;
  std::size_t next = 0;
  std::int64_t end_jiffy = 0;
  int max_restart = 0;
  bool in_task = false;         // run from task context (local_bh_enable, ksoftirqd)
};

// The CPU's interrupt frames, innermost last. Frames never move (segments
// point into them) and a popped frame's storage is kept for the next one, so
// the vectors in it (expired timers, softirq work) keep their capacity.
class IrqStack {
 public:
  bool empty() const { return n_ == 0; }
  std::size_t size() const { return n_; }
  IrqFrame& back() { return *frames_[n_ - 1]; }
  const IrqFrame& back() const { return *frames_[n_ - 1]; }
  void push_back(IrqFrame&& f) {
    if (n_ == frames_.size()) {
      frames_.push_back(std::make_unique<IrqFrame>(std::move(f)));
      ++n_;
      return;
    }
    IrqFrame& slot = *frames_[n_++];
    std::vector<HrTimer> expired = std::move(slot.expired);
    std::vector<SoftirqWork> work = std::move(slot.work);
    slot = std::move(f);
    expired.clear();
    work.clear();
    if (slot.expired.empty()) slot.expired.swap(expired);
    if (slot.work.empty()) slot.work.swap(work);
  }
  void pop_back() { --n_; }

 private:
  std::vector<std::unique_ptr<IrqFrame>> frames_;  // each frame allocated once: back() is two loads
  std::size_t n_ = 0;
};

// Where the CPU's time goes (summed per CPU; adds up to the run's duration).
enum class CpuTime : std::uint8_t { User, Kernel, HardIrq, Softirq, IrqThread, Sched, Idle, NR };

struct Rq {
  int cpu = 0;
  Task* curr = nullptr;
  Task* idle = nullptr;
  unsigned nr_running = 0;  // queued tasks of all classes but idle, including curr
  RtRq rt;
  CfsRq cfs;
  DlRq dl;

  // CPU execution state
  std::uint32_t preempt_count = 0;  // without PREEMPT_NEED_RESCHED
  bool preempt_need_resched = false;  // folded TIF_NEED_RESCHED (x86 keeps it inverted in bit 31)
  bool irqs_off = false;              // task-context local_irq_disable() state
  std::uint32_t pending = 0;          // pending vectors (bit per Vector; DEVICE_VECTOR = some line)
  std::vector<bool> line_pending;     // device lines pending (the IRR bit per line)
  int nmi_pending = 0;                // NMIs latched while one is being handled
  IrqStack irq_stack;
  std::uint32_t softirq_pending = 0;  // local_softirq_pending()
  std::array<std::vector<SoftirqWork>, NR_SOFTIRQS> softirq_work;
  Task* ksoftirqd = nullptr;
  Task* ktimers = nullptr;            // with forced IRQ threading: ktimers/N (SCHED_FIFO 1)
  std::vector<SoftirqWork> pending_timer_softirq;  // raise_ktimers_thread(): timer work for ktimers/N
  // RT throttling (sched_rt_runtime_exceeded / do_sched_rt_period_timer)
  Time rt_time;
  bool rt_throttled = false;
  bool rt_period_active = false;      // the period timer runs while RT tasks are around
  // the fair deadline server (dl_server), deferred: fair execution in the
  // current period consumes its runtime; what is left is served at the
  // zero-laxity point, ahead of RT tasks
  bool fs_period_active = false;
  bool fs_active = false;
  Time fs_window_end;
  Time fs_fair_time;
  bool switching = false;             // in context_switch(): rq lock held, IRQs off
  Task* switch_prev = nullptr;
  Time switch_remaining;
  bool switch_preempt = false;       // prev was still runnable (nivcsw)
  bool ipi_in_flight = false;        // a reschedule IPI is on its way here

  // the current busy segment (task work, IRQ phase, switch)
  bool seg_active = false;
  Time seg_start;
  Time* seg_remaining = nullptr;
  std::uint64_t seg_token = 0;

  // timers
  std::priority_queue<HrTimer, std::vector<HrTimer>, std::greater<HrTimer>> hrtimers;
  std::uint64_t timer_seq = 0;
  Time clockevent_next = Time::max();
  std::uint64_t clockevent_token = 0;
  Time next_tick = Time::max();      // the tick hrtimer; max = stopped (NOHZ idle)

  // accounting
  Time last_account;
  std::array<Time, static_cast<std::size_t>(CpuTime::NR)> time{};
  std::uint64_t nr_irqs = 0;
  std::uint64_t nr_switches = 0;
  Time progress_time = Time::ns(-1);  // livelock guard: ops run at one instant
  std::uint64_t progress_ops = 0;

  std::uint64_t nr_softirq_runs = 0;  // softirq work items completed
  std::uint64_t nr_ipis = 0;          // reschedule IPIs taken

  // tracing: the section state last reported (on_section), the site of the
  // code running now (a workload step, or a kernel function when loc is null),
  // and whether on_cpu_activity last reported this CPU idle
  bool trace_preempt_off = false;
  bool trace_irqs_off = false;
  const SourceLoc* site_loc = nullptr;
  const char* site_fn = "?";
  const Op* site_op = nullptr;  // the task's op running now (its name is the site's function), or null
  // When and where each open section began (while SIG_SECTIONS or SIG_SECTION_STATE is wanted):
  // the site, and the task op that made the edge (a lock step names its lock).
  struct SectionStart {  // the site as site_loc/site_fn/site_op were then (op_name() when read)
    Time since;
    const SourceLoc* loc = nullptr;
    const char* fn = "?";
    const Op* site_op = nullptr;
    const Op* op = nullptr;
  };
  SectionStart preempt_off_at, irqs_off_at;
  bool activity_idle = false;

  // Hard IRQs are masked in a hard IRQ or NMI, during a switch, and under
  // local_irq_disable(); a softirq run has them enabled.
  bool hard_irqs_disabled() const {
    return irqs_off || switching || (!irq_stack.empty() && irq_stack.back().kind != FrameKind::Softirq);
  }
};

}  // namespace preemptsim
