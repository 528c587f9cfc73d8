// What a recorded trace shows, per task, per interrupt line and per CPU: the
// figures the importer turns into a workload and the self-check compares.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "import/trace_event.h"

namespace preemptsim {

struct SyscallProfile {
  int nr = -1;
  std::vector<Time> kernel;      // on-CPU kernel time of each call that did not block (IRQs excluded)
  std::vector<Time> preempt_off; // preemptirq: outermost preempt-off sections inside it
  std::vector<Time> irqs_off;    // preemptirq: IRQs-off sections inside it
  std::uint64_t preempted_inside = 0;  // switched out runnable (R+) while inside it
  std::vector<Time> preempt_delays;    // waking of a task that then preempted this one inside the call -> the switch
};

struct TaskProfile {
  int pid = 0;
  std::string comm;
  int prio = 120;           // the kernel's prio (sched_switch): 0..99 RT (99 - rtprio), 100..139 fair (120 + nice)
  bool kthread = false;     // a kernel thread (by its name: kworker/, ksoftirqd/, rcu_, migration/, ...)
  std::set<int> cpus;       // where it ran
  Time cpu_time;            // on-CPU time, IRQs and softirqs it suffered excluded
  Time first, last;         // first and last event naming it
  std::vector<Time> latencies;  // sched_waking -> sched_switch in (tasks that were blocked)
  std::vector<Time> wakeups;    // those sched_waking times
  std::uint64_t timer_wakeups = 0;  // wakeups from an hrtimer_wakeup callback
  std::vector<Time> timer_wakeup_at;  // the hrtimer clock (hrtimer_expire_entry's now=) at each of those
  std::vector<Time> act_user, act_kernel;  // per activation (switch-in after a wakeup -> the next block)
  std::map<int, SyscallProfile> syscalls;  // by syscall number, the calls that did not block
  std::map<int, std::uint64_t> blocked_in; // syscall number it blocked in (-1: outside any recorded syscall)
  std::uint64_t blocks = 0;
  std::uint64_t preempted = 0;
  bool exited = false;
  bool first_act_unwoken = false;  // act_user[0]/act_kernel[0] is the run from its first appearance, before any wakeup
};

struct IrqLineProfile {
  int irq = 0;
  std::string name;
  std::map<int, std::uint64_t> cpus;  // arrivals per CPU
  std::vector<Time> arrivals;
  std::vector<Time> handler;
  std::map<int, std::vector<Time>> softirqs;  // vector -> the work of each softirq run it raised
};

struct CpuProfile {
  Time hardirq, softirq;            // time in hard IRQ handlers (device, timer, IPIs) and in softirqs
  std::uint64_t timer_irqs = 0, ipis = 0, device_irqs = 0;
  std::uint64_t ticks = 0;  // hrtimer expiries of the tick (tick_nohz_handler / tick_sched_timer)
  std::map<int, std::vector<Time>> tick_softirqs;  // vector -> softirq runs raised from the local timer interrupt
  std::map<int, std::vector<Time>> other_softirqs; // raised elsewhere (tasks, ksoftirqd)
};

struct TraceProfile {
  Time start, end;
  int ncpus = 0;
  std::vector<TaskProfile> tasks;       // by pid
  std::vector<IrqLineProfile> irqs;     // by irq number
  std::vector<CpuProfile> cpus;
  std::map<std::string, std::uint64_t> events;  // event name -> count
  std::uint64_t hrtimer_wakeups = 0;
  Time first_tick = Time::max();  // the first tick hrtimer expiry (hrtimer_expire_entry), if any, on the trace clock
  Time first_tick_now;            // ... and its now= (the hrtimer clock, exact to the ns even in a microsecond text trace)
  Time resolution = Time::ns(1);  // 1 us when every timestamp is a whole microsecond (the text trace's default format)
};

// Builds a profile from events fed in time order.
class TraceProfiler {
 public:
  void add(const TraceEvent& e);
  TraceProfile finish(int ncpus);  // ncpus 0: the highest CPU seen + 1

 private:
  struct TaskState;
  struct CpuState;
  TaskState& task(int pid, const std::string& comm, Time t);
  CpuState& cpu(int c);
  Time task_cpu_now(const TaskState& s, Time t) const;
  void end_run(TaskState& s, Time t);
  void intr_enter(CpuState& c, Time t, bool soft);
  void intr_exit(CpuState& c, Time t, bool soft);

  struct TaskState {
    TaskProfile p;
    bool running = false, blocked = false, new_task = false;
    int on_cpu = -1;
    std::map<int, std::uint64_t> prios;  // next_prio at each switch-in: the task's prio is the most frequent
    Time run_start, intr_snap;
    Time pending_waking = Time::max();
    bool act_active = false;
    Time act_cpu_start, act_kernel;
    int sys_nr = -1;               // in this syscall
    bool sys_blocked = false;      // it blocked inside it
    Time sys_cpu_start, sys_act_mark;
  };
  struct CpuState {
    CpuProfile p;
    int curr = 0;
    int hard_depth = 0, soft_depth = 0;
    Time hard_start, soft_start, intr_total, intr_start;
    int line = -1;          // device IRQ line whose handler runs
    Time line_start;
    bool in_timer = false, in_hrtimer_wakeup = false;
    Time hrtimer_entry;
    std::map<int, int> raised_by;  // vector -> line (>= 0), -2 the local timer, -1 elsewhere
    Time softirq_start;
    Time preempt_off_start = Time::max(), irqs_off_start = Time::max();
  };
  std::map<int, TaskState> tasks_;
  std::map<int, IrqLineProfile> irqs_;
  std::vector<CpuState> cpus_;
  std::map<std::string, std::uint64_t> events_;
  std::uint64_t hrtimer_wakeups_ = 0;
  bool sub_us_ = false;
  Time first_tick_ = Time::max(), first_tick_now_;  // some timestamp is not a whole microsecond
  Time start_ = Time::max(), end_;
};

// Kernel threads by name (the importer writes them as kthreads).
bool is_kthread_name(const std::string& comm);

}  // namespace preemptsim
