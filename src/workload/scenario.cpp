// Names of step kinds and policies as the workload format spells them.
#include "workload/scenario.h"

namespace preemptsim {

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::Run: return "run";
    case StepKind::Sleep: return "sleep";
    case StepKind::SleepUntil: return "sleep_until";
    case StepKind::Periodic: return "periodic";
    case StepKind::Syscall: return "syscall";
    case StepKind::Yield: return "yield";
    case StepKind::Mark: return "mark";
    case StepKind::Loop: return "loop";
    case StepKind::Busy: return "busy";
    case StepKind::CondResched: return "cond_resched";
    case StepKind::MightSleep: return "might_sleep";
    case StepKind::MightResched: return "might_resched";
    case StepKind::PreemptDisable: return "preempt_disable";
    case StepKind::PreemptEnable: return "preempt_enable";
    case StepKind::LocalIrqDisable: return "local_irq_disable";
    case StepKind::LocalIrqEnable: return "local_irq_enable";
    case StepKind::LocalBhDisable: return "local_bh_disable";
    case StepKind::LocalBhEnable: return "local_bh_enable";
    case StepKind::Msleep: return "msleep";
    case StepKind::Schedule: return "schedule";
    case StepKind::RaiseSoftirq: return "raise_softirq";
    case StepKind::KLock: return "lock (kernel)";
    case StepKind::KUnlock: return "unlock (kernel)";
    case StepKind::MigrateDisable: return "migrate_disable";
    case StepKind::MigrateEnable: return "migrate_enable";
    case StepKind::Lock: return "lock";
    case StepKind::Unlock: return "unlock";
    case StepKind::CondWait: return "wait";
    case StepKind::CondSignal: return "signal";
    case StepKind::CondBroadcast: return "broadcast";
    case StepKind::SemWait: return "sem_wait";
    case StepKind::SemPost: return "sem_post";
    case StepKind::Barrier: return "barrier";
    case StepKind::Suspend: return "suspend";
    case StepKind::Resume: return "resume";
    case StepKind::WaitEvent: return "wait_event";
    case StepKind::WakeUp: return "wake_up";
    case StepKind::WaitForCompletion: return "wait_for_completion";
    case StepKind::Complete: return "complete";
    case StepKind::Defer: return "a deferred-work call";
  }
  return "?";
}

const char* sync_kind_name(SyncKind k) {
  switch (k) {
    case SyncKind::Cond: return "cond";
    case SyncKind::Semaphore: return "semaphore";
    case SyncKind::Barrier: return "barrier";
    case SyncKind::Event: return "event";
    case SyncKind::WaitQueue: return "wait queue";
    case SyncKind::Completion: return "completion";
  }
  return "?";
}

const char* lock_kind_name(LockKind k) {
  switch (k) {
    case LockKind::Spin: return "spinlock_t";
    case LockKind::RawSpin: return "raw_spinlock_t";
    case LockKind::Mutex: return "mutex";
    case LockKind::RtMutex: return "rt_mutex";
    case LockKind::RwLock: return "rwlock_t";
    case LockKind::Local: return "local_lock_t";
    case LockKind::User: return "pthread mutex";
  }
  return "?";
}

const char* softirq_name(SoftirqVec v) {
  static constexpr const char* kNames[NR_SOFTIRQS] = {"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"};
  return v < NR_SOFTIRQS ? kNames[v] : "?";
}

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::Fifo: return "fifo";
    case Policy::Rr: return "rr";
    case Policy::Other: return "other";
    case Policy::Batch: return "batch";
    case Policy::Idle: return "idle";
    case Policy::Deadline: return "deadline";
  }
  return "?";
}

const char* policy_kernel_name(Policy p) {
  switch (p) {
    case Policy::Fifo: return "SCHED_FIFO";
    case Policy::Rr: return "SCHED_RR";
    case Policy::Other: return "SCHED_OTHER";
    case Policy::Batch: return "SCHED_BATCH";
    case Policy::Idle: return "SCHED_IDLE";
    case Policy::Deadline: return "SCHED_DEADLINE";
  }
  return "?";
}

const char* cost_name(CostId c) {
  switch (c) {
    case CostId::ContextSwitch: return "context_switch";
    case CostId::IrqEntry: return "irq_entry";
    case CostId::IrqExit: return "irq_exit";
    case CostId::HrtimerWakeup: return "hrtimer_wakeup";
    case CostId::Tick: return "tick";
    case CostId::IpiLatency: return "ipi_latency";
    case CostId::IpiHandler: return "ipi_handler";
    case CostId::IrqThreadWake: return "irq_thread_wake";
    case CostId::NmiEntry: return "nmi_entry";
    case CostId::SyscallEntry: return "syscall_entry";
    case CostId::SyscallExit: return "syscall_exit";
  }
  return "?";
}

Time Costs::*Costs::member(CostId c) {
  switch (c) {
    case CostId::ContextSwitch: return &Costs::context_switch;
    case CostId::IrqEntry: return &Costs::irq_entry;
    case CostId::IrqExit: return &Costs::irq_exit;
    case CostId::HrtimerWakeup: return &Costs::hrtimer_wakeup;
    case CostId::Tick: return &Costs::tick;
    case CostId::IpiLatency: return &Costs::ipi_latency;
    case CostId::IpiHandler: return &Costs::ipi_handler;
    case CostId::IrqThreadWake: return &Costs::irq_thread_wake;
    case CostId::NmiEntry: return &Costs::nmi_entry;
    case CostId::SyscallEntry: return &Costs::syscall_entry;
    case CostId::SyscallExit: return &Costs::syscall_exit;
  }
  return &Costs::context_switch;
}

const char* defer_call_name(const DeferCall& d) { return d.call.c_str(); }

}  // namespace preemptsim
