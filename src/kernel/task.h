// task_struct: scheduling state, TIF flags and the program a simulated task runs.
#pragma once

#include <bitset>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "core/time.h"
#include "kernel/program.h"
#include "workload/scenario.h"

namespace preemptsim {

class SchedClass;
class Task;

// One unit of softirq work: a raise's duration, and the task a timer-wheel
// expiry wakes when the work is done (TIMER_SOFTIRQ).
struct SoftirqWork {
  SoftirqVec vec;
  Time duration;
  Task* wake = nullptr;
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
  std::list<class Task*>::iterator run_list;
  bool on_list = false;
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

  // the program
  Program prog;
  int pc = 0;
  int stage = 0;                 // sub-step of a multi-stage op (block, then resume)
  Time remaining = Time::ns(-1); // busy/run time left in the current op; -1 = not started
  bool user_mode = true;         // executing user space (false inside a syscall, always false for kthreads)
  std::vector<std::int64_t> slots;
  bool latency_pending = false;  // a timed sleep's expiry awaits the switch-in
  Time latency_expiry;

  // kernel threads the kernel itself creates
  enum class Kthread : std::uint8_t { None, Ksoftirqd, Ktimers, IrqThread } kthread_kind = Kthread::None;
  int irq = -1;                  // IrqThread: the scenario irq it serves
  int irq_thread_pending = 0;    // IrqThread: IRQTF_RUNTHREAD (0 or 1)
  std::vector<SoftirqWork> softirq_work;  // PREEMPT_RT: softirqs run in this task's context
  std::size_t softirq_next = 0;
  bool in_softirq_work = false;
  Time softirq_remaining = Time::ns(-1);
  int softirq_disable_cnt = 0;   // PREEMPT_RT: local_bh_disable() depth (current->softirq_disable_cnt)
  Time latency_irq;              // when the sleep's hrtimer callback ran (timerlat IRQ latency)

  // accounting
  Time sum_exec_runtime;
  std::uint64_t nvcsw = 0;
  std::uint64_t nivcsw = 0;
  std::uint64_t nr_migrations = 0;   // se.nr_migrations
  std::uint64_t loops_done = 0;      // iterations of its top-level loops
  bool is_idle() const { return spec == nullptr; }
  const Op& op() const { return prog.ops[static_cast<std::size_t>(pc)]; }
};

// sched_prio_to_weight[] (kernel/sched/core.c), nice -20..19.
std::uint32_t nice_to_weight(int nice);

}  // namespace preemptsim
