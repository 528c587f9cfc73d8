// Why the worst wakeup of each task took what it took: a second,
// identical run records what the task's CPU did between the timer's expiry
// and the switch-in, and the rule that held preemption back at the wakeup.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

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

class RootCauseObserver final : public Observer {
 public:
  RootCauseObserver(const Kernel& k, const PreemptModel& model, std::vector<WorstWindow> windows);
  std::uint32_t signal_families() const override { return SIG_SCHED | SIG_ACTIVITY | SIG_SECTIONS | SIG_IRQ; }
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
  // The explanations, in the order the windows were given (those that closed).
  std::vector<WorstCaseExplanation> explanations() const;

 private:
  // What a CPU is doing, as compact as the signal that said it: formatted
  // into words only for the windows reported (explanations()), never on the
  // hot path. The three phases of a hard IRQ are one label.
  struct Label {
    Activity what = Activity::Idle;
    const Task* task = nullptr;
    const Task* prev = nullptr;
    const Op* op = nullptr;
    Vector vec = NR_VECTORS;
    int irq = -1;
    SoftirqVec softirq = NR_SOFTIRQS;
    bool operator==(const Label&) const = default;
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
  struct Window {
    WorstWindow w;
    bool open = false, done = false, woken = false, judged = false;
    Time woken_at;
    const Task* task = nullptr;
    Time cursor;
    Label label;
    std::vector<std::pair<Label, Time>> parts;  // compact: formatted in explanations()
    std::string why, decision;                  // formatted once per window, when decided
    bool overrun = false;                       // the task was not asleep at its expiry
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
    bool expiry_seen = false;                   // what the CPU did when the timer fired:
    Label at_expiry;
    std::uint32_t at_expiry_count = 0;
    bool at_expiry_irqs_off = false;
    int at_expiry_bh = 0;
    std::optional<IrqWake> device;              // a device interrupt's path woke it (not a timer)
  };
  void advance(int cpu, Time now);
  static void add(Window& w, const Label& label, Time d);
  std::string describe(const Label& a) const;
  static std::string section_site(const OpenSection& s);
  // resched_at_wakeup: the wakeup set TIF_NEED_RESCHED on the CPU's task.
  std::string why_at_wakeup(const CpuState& cs, const Task& p, Time t, bool resched_at_wakeup) const;
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
};

// Runs the scenario's model a second time to explain each task's worst
// wakeup found in `first` (the results of the first run).
std::vector<WorstCaseExplanation> explain_worst_cases(const Scenario& sc, const PreemptModel& model, const ModelResult& first);

}  // namespace preemptsim
