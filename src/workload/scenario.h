// A parsed, validated workload: the system, its costs and its tasks' programs.
#pragma once

#include <cstdint>
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
};

struct Step {
  StepKind kind = StepKind::Run;
  Time duration;            // Run, Sleep, Busy, Msleep
  Time at;                  // SleepUntil: absolute time
  Time period;              // Periodic
  Time phase;               // Periodic: grid is phase + k*period
  std::int64_t count = -1;  // Loop: iterations, or -1 when `until` is used
  Time until = Time::max(); // Loop: stop starting iterations at/after this time
  std::string name;         // Syscall name, Mark name
  std::vector<Step> body;   // Loop steps; Syscall kernel steps
  SourceLoc loc;            // where the step is written (for errors and explanations)
};

enum class Policy : std::uint8_t { Fifo, Rr, Other, Batch, Idle };

struct TaskSpec {
  std::string name;
  Policy policy = Policy::Other;
  int priority = 0;       // 1..99 for fifo/rr; 0 otherwise
  int nice = 0;           // -20..19 for other/batch
  std::vector<int> cpus;  // allowed CPUs; empty = all
  bool kthread = false;   // program is kernel steps; never returns to user
  std::vector<Step> program;
  SourceLoc loc;
};

// Costs of the modelled kernel's own work (kernel-semantics §10). Defaults are
// round figures inside the published bare-metal ranges; all configurable
// under system: {costs: {...}}.
struct Costs {
  Time context_switch = Time::ns(2000);   // __schedule pick + switch, IRQs off
  Time irq_entry = Time::ns(500);         // vector entry to handler start
  Time irq_exit = Time::ns(500);          // handler end to return (before softirqs/preemption check)
  Time hrtimer_wakeup = Time::ns(1000);   // per expired sleep timer: hrtimer_wakeup -> try_to_wake_up
  Time tick = Time::ns(1000);             // tick_sched_timer -> sched_tick and friends
  Time ipi_latency = Time::ns(1000);      // send to arrival of a reschedule IPI
  Time ipi_handler = Time::ns(500);       // scheduler_ipi()
};

struct SystemSpec {
  int cpus = 1;
  int hz = 250;
  std::vector<std::string> models;  // validated names from the model table; default all
  Time duration = Time::ns(10'000'000'000);  // simulated time
  std::uint64_t seed = 1;
  Costs costs;
};

struct Scenario {
  std::string file;  // as given by the user (for messages)
  SystemSpec system;
  std::vector<TaskSpec> tasks;  // in file order
};

const char* step_kind_name(StepKind k);   // the workload keyword: "busy", "cond_resched", ...
const char* policy_name(Policy p);         // "fifo", "rr", "other", "batch", "idle"
const char* policy_kernel_name(Policy p);  // "SCHED_FIFO", ...

}  // namespace preemptsim
