// Signals the simulated kernel emits; statistics, traces and analyses
// subscribe to them (the kernel itself never computes a figure or writes a file).
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/time.h"
#include "kernel/rq.h"

namespace preemptsim {

class Task;
struct Op;
struct IrqWake;

// Signal families an observer subscribes to (Observer::signal_families()).
// The kernel emits a family only when some observer asked for it, so an
// unused family costs one test of a bit.
enum SignalFamily : std::uint32_t {
  SIG_SCHED = 1u << 0,     // on_sched_waking, on_sched_wakeup, on_sched_switch
  SIG_IRQ = 1u << 1,       // hard IRQ handlers, vectors, NMIs, softirqs, hrtimer expiries
  SIG_ACTIVITY = 1u << 2,  // on_cpu_activity
  SIG_SECTIONS = 1u << 3,  // on_section: preemption / IRQs disabled on and off
  // No call: the kernel keeps Rq::preempt_off_at / irqs_off_at (when and where
  // the open sections began) for observers that read them only now and then.
  SIG_SECTION_STATE = 1u << 4,
};

// Where a preempt/IRQ section starts or ends: a workload step (its location
// and op name) or one of the kernel's own functions (loc == nullptr).
struct Site {
  const SourceLoc* loc = nullptr;
  const char* fn = "?";
  std::string str() const { return loc ? std::string(fn) + " (" + loc->str() + ")" : std::string(fn); }
};

// What a CPU starts doing (on_cpu_activity).
enum class Activity : std::uint8_t { TaskStep, IrqEntry, IrqHandler, IrqExit, Nmi, Softirq, IrqThread, Switch, Idle,
                                     IdleExit,  // a CPU waking from an idle state: its exit latency
                                     Smi };     // an SMI: the CPU is in SMM (invisible to the kernel)
struct CpuActivity {  // 40 bytes: the pointers first, the small fields packed after them
  const Task* task = nullptr;   // the CPU's current task (the switch's next for Switch)
  const Task* prev = nullptr;   // Switch: the task switched out
  const Op* op = nullptr;       // TaskStep: the op (op_name(op->code), op->step->loc)
  int irq = -1;                 // Irq* on DEVICE_VECTOR, Nmi, IrqThread: index into Kernel::irqs()
  std::uint32_t preempt_count = 0;
  Activity what = Activity::Idle;
  Vector vec = NR_VECTORS;      // Irq*: the vector
  SoftirqVec softirq = NR_SOFTIRQS;  // Softirq (also in task context on PREEMPT_RT)
  bool irqs_disabled = false;
};

// What the CPU bandwidth controls did on a run queue (on_bandwidth): the
// 6.12+ fair server (dl_server) began or ended serving fair tasks ahead of
// RT, or classic RT throttling (sched_rt_runtime_us) began or ended.
enum class BandwidthEvent : std::uint8_t { FairServerStart, FairServerStop, RtThrottle, RtUnthrottle };

// The kind of a disabled section (the latency tracers' view).
enum class Section : std::uint8_t { PreemptOff, IrqsOff };

class Observer {
 public:
  virtual ~Observer() = default;
  // The families of the signals below the line this observer wants (SignalFamily bits).
  virtual std::uint32_t signal_families() const { return 0; }

  // sched_switch: the switch into `next` has completed on `cpu` at t.
  virtual void on_switch(Time, int /*cpu*/, const Task& /*prev*/, const Task& /*next*/, bool /*preempt*/) {}
  // sched_waking/sched_wakeup: `p` queued on `cpu`.
  virtual void on_wakeup(Time, const Task& /*p*/, int /*cpu*/) {}
  // A timed sleep that should have ended at `expiry` ended (switch-in, or the
  // call itself when already past); its hrtimer callback ran at `irq_at`.
  virtual void on_wakeup_latency(Time, const Task& /*p*/, Time /*expiry*/, Time /*irq_at*/) {}
  // A task woken by a device interrupt's path (wait_event/wait_for_completion)
  // switched in at t; ev says when the interrupt arrived, its handler ran and
  // the wake happened (also reported as on_wakeup_latency(t, p, ev.arrival, ev.entry)).
  virtual void on_irq_wakeup(Time, const Task& /*p*/, const IrqWake& /*ev*/) {}
  // A job of p (a periodic wakeup, or the event a wait consumed) released at
  // `release`, with an absolute `deadline` (-1: none), starts running at t;
  // it ends (on_job_end) when p starts its next wait for a release, or exits.
  virtual void on_job_release(Time, const Task& /*p*/, Time /*release*/, Time /*deadline*/) {}
  virtual void on_job_end(Time, const Task& /*p*/) {}
  virtual void on_mark(Time, const Task& /*p*/, const std::string& /*name*/) {}
  virtual void on_exit(Time, const Task& /*p*/) {}
  virtual void on_irq_entry(Time, int /*cpu*/, Vector) {}
  virtual void on_irq_exit(Time, int /*cpu*/, Vector) {}
  // A lock was taken after `waited` (0 when uncontended); released after `held`.
  virtual void on_lock_acquired(Time, const Task& /*p*/, const std::string& /*lock*/, bool /*contended*/, Time /*waited*/) {}
  virtual void on_lock_released(Time, const Task& /*p*/, const std::string& /*lock*/, Time /*held*/) {}
  // rt_mutex_setprio(): p's effective prio changed (boosted while prio < its normal_prio).
  virtual void on_prio_change(Time, const Task& /*p*/, int /*old_prio*/, int /*new_prio*/) {}
  // A periodic job of p that had to end by `deadline` did not (seen at t).
  virtual void on_deadline_miss(Time, const Task& /*p*/, Time /*deadline*/) {}
  // A kernel BUG:/WARNING: report (several lines, the kernel's wording).
  virtual void on_bug(Time, const std::string& /*text*/) {}
  // The run ended at t (always emitted).
  virtual void on_run_end(Time) {}

  // ---- subscribed signals; `rq` is the CPU the event happens on, in the
  // state it has at that moment (curr, preempt_count, IRQ flag, resched bits).

  // SIG_SCHED. sched_waking: try_to_wake_up() of p begins (target CPU chosen);
  // sched_wakeup: p is queued on target_cpu. Both on the waker's CPU.
  virtual void on_sched_waking(Time, const Rq& /*rq*/, const Task& /*p*/, int /*target_cpu*/) {}
  virtual void on_sched_wakeup(Time, const Rq& /*rq*/, const Task& /*p*/, int /*target_cpu*/) {}
  // SIG_SCHED: the fair server or RT throttling changed what this run queue may pick.
  virtual void on_bandwidth(Time, const Rq& /*rq*/, BandwidthEvent) {}
  // sched_switch at the decision in __schedule() (before the switch's cost);
  // prev_state is prev's __state then, preempt says the switch is a preemption.
  virtual void on_sched_switch(Time, const Rq& /*rq*/, const Task& /*prev*/, std::uint32_t /*prev_state*/, bool /*preempt*/,
                               const Task& /*next*/) {}

  // SIG_IRQ. Hard IRQ handlers: a device line (irq_handler_entry/exit, `irq`
  // indexes Kernel::irqs()) or a system vector (local_timer / reschedule).
  virtual void on_irq_handler_entry(Time, const Rq& /*rq*/, Vector /*vec*/, int /*irq*/) {}
  virtual void on_irq_handler_exit(Time, const Rq& /*rq*/, Vector /*vec*/, int /*irq*/) {}
  virtual void on_nmi_entry(Time, const Rq& /*rq*/, int /*irq*/) {}
  virtual void on_nmi_exit(Time, const Rq& /*rq*/, int /*irq*/) {}
  virtual void on_softirq_raise(Time, const Rq& /*rq*/, SoftirqVec) {}
  virtual void on_softirq_entry(Time, const Rq& /*rq*/, SoftirqVec) {}
  virtual void on_softirq_exit(Time, const Rq& /*rq*/, SoftirqVec) {}
  // An hrtimer's callback runs (hrtimer_wakeup, the tick, the RT period timer).
  virtual void on_hrtimer_expire_entry(Time, const Rq& /*rq*/, const HrTimer& /*timer*/) {}
  virtual void on_hrtimer_expire_exit(Time, const Rq& /*rq*/, const HrTimer& /*timer*/) {}

  // SIG_ACTIVITY: the CPU starts (or resumes) a timed piece of work, or goes idle.
  virtual void on_cpu_activity(Time, const Rq& /*rq*/, const CpuActivity& /*a*/) {}

  // SIG_SECTIONS: the CPU's "preemption disabled" (preempt or BH count
  // non-zero) or "hard IRQs disabled" state changed; `off` is the new state.
  virtual void on_section(Time, const Rq& /*rq*/, Section /*kind*/, bool /*off*/, const Site& /*site*/) {}
};

}  // namespace preemptsim
