// Why the worst wakeup of each task took what it took: what the task's CPU
// did between the timer's expiry and the switch-in, and the rule that held
// preemption back at the wakeup, recorded compactly during the run itself
// (or, for given windows, during a second identical run).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "kernel/activity_log.h"
#include "kernel/observer.h"
#include "kernel/preempt_model.h"
#include "kernel/task.h"
#include "stats/results.h"

namespace preemptsim {

class Kernel;
struct Step;

// One sample to explain: found by the first run (TaskResult::worst_*).
struct WorstWindow {
  int pid = 0;
  std::string task;
  Time expiry, at;
  int cpu = 0;
};

// Two ways to run it. Given windows (the constructor with windows): it
// records only those, e.g. in a second run of the same scenario. Live (the
// constructor without): the kernel writes every activity into a per-CPU
// ring of compact records (its ActivityLog, owned here), and this keeps, per
// task, what its pending wakeup met; when a wakeup is
// the task's worst so far (the rule TaskStatsObserver uses), its window is
// rebuilt from the ring. A window older than its CPU's ring is listed by
// needs_replay() for a second run limited to it.
class RootCauseObserver final : public Observer {
 public:
  RootCauseObserver(const Kernel& k, const PreemptModel& model, std::vector<WorstWindow> windows);
  // Live: every workload task (pids first_pid .. first_pid + tasks - 1).
  // ring: activity records kept per CPU (0: a default scaled to the CPUs).
  // It gives the kernel its activity log (Kernel::set_activity_log()).
  RootCauseObserver(Kernel& k, const PreemptModel& model, int first_pid, std::size_t tasks, std::size_t ring = 0);
  // Live, the open sections are read from the run queue when a wakeup is judged (no call per edge).
  // The tick's hrtimer signals matter only for PREEMPT_LAZY's bits.
  std::uint32_t signal_families() const override {
    return SIG_SCHED | (model_.lazy ? SIG_IRQ : 0u) | (live_mode_ ? SIG_SECTION_STATE : SIG_SECTIONS | SIG_ACTIVITY);
  }
  void on_cpu_activity(Time t, const Rq& rq, const CpuActivity& a) override;
  void on_section(Time t, const Rq& rq, Section kind, bool off, const Site& site) override;
  void on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) override;
  void on_bandwidth(Time t, const Rq& rq, BandwidthEvent ev) override;
  void on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) override;
  void on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) override;
  // A device wakeup: the window it closed gets the interrupt's path.
  void on_irq_wakeup(Time t, const Task& p, const IrqWake& ev) override;
  // The tick (PREEMPT_LAZY): which tick set TIF_NEED_RESCHED_LAZY and which promoted it.
  void on_hrtimer_expire_entry(Time t, const Rq& rq, const HrTimer& timer) override;
  void on_hrtimer_expire_exit(Time t, const Rq& rq, const HrTimer& timer) override;
  // Called once when every window has closed (the rest of the run cannot change them).
  void set_on_all_closed(std::function<void()> f) { on_all_closed_ = std::move(f); }
  // The explanations, in the order the windows were given (those that closed);
  // live: in task order, for the tasks with a window (those needing a replay left out).
  std::vector<WorstCaseExplanation> explanations() const;
  // Live: the worst windows the ring could not cover, to explain by a second run.
  std::vector<WorstWindow> needs_replay() const;
  // The explanations with the pid of their task.
  std::vector<std::pair<int, WorstCaseExplanation>> explained() const;

 private:
  // What a CPU is doing, as compact as the signal that said it: formatted
  // into words only for the windows reported (explanations()), never on the
  // hot path. The three phases of a hard IRQ are one label.
  struct Label {  // 32 bytes
    const Task* task = nullptr;
    const Task* prev = nullptr;
    const Op* op = nullptr;
    int irq = -1;
    Activity what = Activity::Idle;
    Vector vec = NR_VECTORS;
    SoftirqVec softirq = NR_SOFTIRQS;
    bool operator==(const Label&) const = default;
    static Label of(const CpuActivity& a);  // the three phases of a hard IRQ are one label
  };
  struct OpenSection {
    bool on = false;
    Time since;
    Site site;
    const Step* lock = nullptr;  // the lock step that opened it, if one did
  };
  struct CpuState {
    Label label;  // what the CPU is doing since the last activity signal
    const Task* curr = nullptr;
    const Op* op = nullptr;
    std::uint32_t preempt_count = 0;  // of the task context, at its last step
    bool irqs_disabled = false;
    std::uint32_t now_count = 0;      // the CPU's real state at its last activity, any context
    bool now_irqs_off = false;
    int now_bh = 0;                   // PREEMPT_RT: the task's softirq_disable_cnt then
    bool fs_serving = false;          // the fair server runs fair tasks ahead of RT
    Time fs_since, fs_used, fs_end;   // since when, its runtime used by then, its period's end
    bool rt_throttled = false;        // classic RT throttling holds the rt_rq back
    Time throttled_since;
    OpenSection preempt_off, irqs_off;
    bool tick_lazy = false, tick_resched = false;  // curr's bits when the running tick began
    Time lazy_set_by_tick = Time::ns(-1);          // the last tick that set curr's TIF_NEED_RESCHED_LAZY
  };
  // A task's scheduling class and priority when it was judged (a PI boost
  // may end before the words are made).
  struct SchedSnap {
    const Task* task = nullptr;
    int prio = 0, normal_prio = 0, rt_priority = 0, nice = 0;
    Policy policy = Policy::Other;
    Time dl_deadline;
  };
  // Why the wakeup did not preempt at once: the case and what it needs, kept
  // compact and put in words only for the windows reported.
  enum class Why : std::uint8_t { None, FirstChance, FairServer, Throttled, Idle, StillOn, Outranked, SameRtPrio, IrqsOff, PreemptOff,
                                  OnlyExplicitPoints, Lazy, Eevdf, FirstPoint };
  struct Judgment {
    Why why = Why::None;
    int cpu = 0;
    SchedSnap p, curr;
    CpuState cs;  // the CPU's state then (sections, fair server, throttling)
  };
  // The switch that put the task on its CPU, and the point where prev left it.
  struct Decision {
    bool set = false;
    Time t;
    int cpu = 0;
    const Task* prev = nullptr;
    bool prev_idle = false;
    std::uint32_t prev_state = 0;
    const Op* at = nullptr;         // the op that called into the scheduler (or was interrupted)
    bool interrupted = false;       // prev had work left in that op: preempted at the interrupt return
    SoftirqVec softirq = NR_SOFTIRQS;  // prev was running this softirq's work in task context
    Task::Kthread kthread = Task::Kthread::None;
    const KLock* blocked_on = nullptr;
  };
  // What a wakeup met, from the waking to the switch-in (trivially
  // copyable: live, one per pending wakeup).
  struct Wake {
    int pid = 0;
    const Task* task = nullptr;
    bool done = false, woken = false, judged = false;
    Time woken_at;
    Judgment judgment;                          // compact: formatted in explanations()
    bool lazy = false;                          // judged: held back by TIF_NEED_RESCHED_LAZY alone
    bool resched_at_wakeup = false;             // the wakeup set TIF_NEED_RESCHED on the target's task
    bool fair_server = false;                   // judged: the fair server was serving
    bool throttled = false;                     // judged: RT throttling held the task back
    Time bandwidth_end = Time::ns(-1);          // when that ended (server stopped, unthrottled)
    const Task* lazy_curr = nullptr;            // the task that had the lazy bit
    bool lazy_preset = false;                   // the bit was set before the wakeup
    bool lazy_by_wakeup = false;                // the wakeup set it
    Time lazy_set_at = Time::ns(-1);            // else: the tick after the wakeup that set it
    Time lazy_tick = Time::ns(-1);              // the tick that set it, if one did
    Time promoted_at = Time::ns(-1);            // the tick that promoted it to TIF_NEED_RESCHED
  };
  static_assert(std::is_trivially_copyable_v<Wake>);
  struct Window : Wake {
    WorstWindow w;
    bool open = false;
    bool replay = false;  // live: the ring did not reach back to the expiry
    Time cursor;
    Label label;
    std::vector<std::pair<Label, Time>> parts;  // compact: formatted in explanations()
    Decision decision;
    bool overrun = false;                       // the task was not asleep at its expiry
    bool expiry_seen = false;                   // what the CPU did when the timer fired:
    Label at_expiry;
    std::uint32_t at_expiry_count = 0;
    bool at_expiry_irqs_off = false;
    int at_expiry_bh = 0;
    std::optional<IrqWake> device;              // a device interrupt's path woke it (not a timer)
  };

  // Live: per task, its last block and wakeup (asleep at an expiry?) and the switch that put it on a CPU.
  struct Tracked {
    Time blocked_at = Time::ns(-1), woken_at = Time::ns(-1);
    Decision decision;
    int pending = 0;       // its entries in pending_
    int pending_cpu = -1;  // the CPU of those entries (-1: several)
  };
  static constexpr int kMaxPending = 8;
  static constexpr std::size_t kRingRecords = 1024;  // per CPU: 64 KiB, within the L2 cache
  // The windows of CPU c that signals update: given (replay) or pending (live).
  template <class F>
  void each_window(std::size_t c, F&& f) {
    if (live_mode_)
      for (Wake& w : pending_[c]) f(w);
    else
      for (Window* w : by_cpu_[c]) f(static_cast<Wake&>(*w));
  }
  void advance(int cpu, Time now);
  void judge(Wake& w, const Rq& rq, CpuState& cs, const CpuActivity& a);
  std::string why_text(const Window& w) const;
  std::string decision_text(const Decision& d) const;
  static SchedSnap snap(const Task& t);
  static std::string sched_desc(const SchedSnap& s);
  Tracked* tracked(const Task& p);
  static bool overrun(const Tracked& tr, Time t, Time expiry, Time irq_at);
  void drop_pending(const Task& p, Tracked& tr);
  void live_latency(Time t, const Task& p, Time expiry, Time irq_at);
  bool replay_ring(Window& w) const;
  static void add(Window& w, const Label& label, Time d);
  std::string describe(const Label& a) const;
  static std::string section_site(const OpenSection& s);
  // resched_at_wakeup: the wakeup set TIF_NEED_RESCHED on the CPU's task.
  Why why_at_wakeup(const CpuState& cs, const Task& p, bool resched_at_wakeup) const;
  std::string cpu_state(const Label& l, std::uint32_t count, bool irqs_off, int bh) const;
  std::string device_path(const IrqWake& ev, const std::string& task) const;

  const Kernel& k_;
  const PreemptModel& model_;
  std::vector<CpuState> cpus_;
  std::vector<Window> windows_;
  std::vector<std::vector<Window*>> by_cpu_;  // the windows of each CPU (activity signals touch only those)
  std::vector<int> live_;                      // per CPU: its windows not yet closed (0: nothing to record)
  std::size_t open_windows_ = 0;               // windows not yet closed, all CPUs
  std::function<void()> on_all_closed_;
  // live
  bool live_mode_ = false;
  int first_pid_ = 0;
  std::unique_ptr<ActivityLog> log_;           // per CPU: every activity, written by the kernel
  std::vector<std::vector<Wake>> pending_;     // per CPU: the wakeups waiting to be switched in
  std::vector<Tracked> tracked_;               // per workload task
  std::vector<Window> worst_;                  // the worst window so far of each task that has one
  std::vector<std::int32_t> worst_of_;         // per workload task: its index in worst_, or -1
};

// Runs the scenario's model a second time to explain each task's worst
// wakeup found in `first` (the results of the first run).
std::vector<WorstCaseExplanation> explain_worst_cases(const Scenario& sc, const PreemptModel& model, const ModelResult& first);

// A live observer's explanations after its run, in task order; the windows
// its rings could not reach back to are explained by a second run limited
// to them (it stops once they have closed).
std::vector<WorstCaseExplanation> live_explanations(const Scenario& sc, const PreemptModel& model, const RootCauseObserver& live);

}  // namespace preemptsim
