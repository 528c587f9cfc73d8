// Compiles the step tree of a task into flat operations (loops become
// LoopBegin/LoopEnd pairs, a syscall becomes SyscallEnter ... SyscallExit).
#include "kernel/program.h"

namespace preemptsim {
namespace {

OpCode simple_code(StepKind k) {
  switch (k) {
    case StepKind::Run: return OpCode::Run;
    case StepKind::Busy: return OpCode::Busy;
    case StepKind::Sleep: return OpCode::Sleep;
    case StepKind::SleepUntil: return OpCode::SleepUntil;
    case StepKind::Periodic: return OpCode::Periodic;
    case StepKind::Yield: return OpCode::Yield;
    case StepKind::Mark: return OpCode::Mark;
    case StepKind::CondResched: return OpCode::CondResched;
    case StepKind::MightSleep: return OpCode::MightSleep;
    case StepKind::MightResched: return OpCode::MightResched;
    case StepKind::PreemptDisable: return OpCode::PreemptDisable;
    case StepKind::PreemptEnable: return OpCode::PreemptEnable;
    case StepKind::LocalIrqDisable: return OpCode::LocalIrqDisable;
    case StepKind::LocalIrqEnable: return OpCode::LocalIrqEnable;
    case StepKind::LocalBhDisable: return OpCode::LocalBhDisable;
    case StepKind::LocalBhEnable: return OpCode::LocalBhEnable;
    case StepKind::Msleep: return OpCode::Msleep;
    case StepKind::Schedule: return OpCode::Schedule;
    case StepKind::RaiseSoftirq: return OpCode::RaiseSoftirq;
    case StepKind::KLock: return OpCode::KLock;
    case StepKind::KUnlock: return OpCode::KUnlock;
    case StepKind::MigrateDisable: return OpCode::MigrateDisable;
    case StepKind::MigrateEnable: return OpCode::MigrateEnable;
    case StepKind::Lock: return OpCode::UserLock;
    case StepKind::Unlock: return OpCode::UserUnlock;
    case StepKind::CondWait: return OpCode::CondWait;
    case StepKind::CondSignal: return OpCode::CondSignal;
    case StepKind::CondBroadcast: return OpCode::CondBroadcast;
    case StepKind::SemWait: return OpCode::SemWait;
    case StepKind::SemPost: return OpCode::SemPost;
    case StepKind::Barrier: return OpCode::BarrierWait;
    case StepKind::Suspend: return OpCode::Suspend;
    case StepKind::Resume: return OpCode::Resume;
    case StepKind::WaitEvent: return OpCode::WaitEvent;
    case StepKind::WakeUp: return OpCode::WakeUp;
    case StepKind::WaitForCompletion: return OpCode::WaitForCompletion;
    case StepKind::Complete: return OpCode::Complete;
    case StepKind::Defer: return OpCode::Defer;
    case StepKind::Loop:
    case StepKind::Syscall: break;
  }
  return OpCode::Exit;
}

void emit(Program& prog, const std::vector<Step>& steps, bool user, int depth) {
  for (const Step& s : steps) {
    if (s.kind == StepKind::Loop) {
      const int begin = static_cast<int>(prog.ops.size());
      Op b = op_of(OpCode::LoopBegin, &s);
      b.a = s.until;
      b.count = s.count;
      b.slot = prog.slots++;
      prog.ops.push_back(b);
      emit(prog, s.body, user, depth + 1);
      Op e = op_of(OpCode::LoopEnd, &s);
      e.slot = b.slot;
      e.jump = begin;
      e.outer = depth == 0;
      prog.ops.push_back(e);
      prog.ops[begin].jump = static_cast<int>(prog.ops.size());
    } else if (s.kind == StepKind::Syscall) {
      prog.ops.push_back(op_of(OpCode::SyscallEnter, &s));
      emit(prog, s.body, false, depth + 1);
      prog.ops.push_back(op_of(OpCode::SyscallExit, &s));
    } else {
      Op op = op_of(simple_code(s.kind), &s);
      switch (s.kind) {
        case StepKind::Run:
        case StepKind::Busy:
        case StepKind::Sleep:
        case StepKind::Msleep: op.a = s.duration; break;
        case StepKind::SleepUntil: op.a = s.at; break;
        case StepKind::Periodic:
          op.a = s.period;
          op.b = s.phase;
          op.c = s.deadline;
          op.slot = prog.slots++;
          break;
        case StepKind::WaitEvent: op.slot = prog.slots++; break;  // the events this wait has seen
        case StepKind::WaitForCompletion: op.a = s.timeout; break;
        case StepKind::RaiseSoftirq: op.a = s.duration; op.count = s.softirq; op.slot = s.has_duration ? 1 : 0; break;
        default: break;
      }
      op.from_user = user;
      prog.ops.push_back(op);
    }
  }
}

}  // namespace

Program compile_program(const TaskSpec& task) {
  Program prog;
  emit(prog, task.program, !task.kthread, 0);
  Op exit = op_of(OpCode::Exit);
  exit.from_user = !task.kthread;
  prog.ops.push_back(exit);
  return prog;
}

void compile_kernel_steps(Program& prog, const std::vector<Step>& steps) { emit(prog, steps, false, 1); }

const char* op_name(OpCode c) {
  switch (c) {
    case OpCode::Run: return "run";
    case OpCode::Busy: return "busy";
    case OpCode::Sleep: return "sleep";
    case OpCode::SleepUntil: return "sleep_until";
    case OpCode::Periodic: return "periodic";
    case OpCode::LoopBegin: return "loop";
    case OpCode::LoopEnd: return "loop end";
    case OpCode::SyscallEnter: return "syscall";
    case OpCode::SyscallExit: return "syscall return";
    case OpCode::Yield: return "yield";
    case OpCode::Mark: return "mark";
    case OpCode::CondResched: return "cond_resched";
    case OpCode::MightSleep: return "might_sleep";
    case OpCode::MightResched: return "might_resched";
    case OpCode::PreemptDisable: return "preempt_disable";
    case OpCode::PreemptEnable: return "preempt_enable";
    case OpCode::LocalIrqDisable: return "local_irq_disable";
    case OpCode::LocalIrqEnable: return "local_irq_enable";
    case OpCode::LocalBhDisable: return "local_bh_disable";
    case OpCode::LocalBhEnable: return "local_bh_enable";
    case OpCode::Msleep: return "msleep";
    case OpCode::Schedule: return "schedule";
    case OpCode::RaiseSoftirq: return "raise_softirq";
    case OpCode::Exit: return "exit";
    case OpCode::KsoftirqdMain: return "run_ksoftirqd";
    case OpCode::IrqThreadMain: return "irq_thread";
    case OpCode::KtimersMain: return "run_ktimerd";
    case OpCode::HousekeepingMain: return "housekeeping_work";
    case OpCode::KLock: return "lock";
    case OpCode::KUnlock: return "unlock";
    case OpCode::MigrateDisable: return "migrate_disable";
    case OpCode::MigrateEnable: return "migrate_enable";
    case OpCode::UserLock: return "pthread_mutex_lock";
    case OpCode::UserUnlock: return "pthread_mutex_unlock";
    case OpCode::CondWait: return "pthread_cond_wait";
    case OpCode::CondSignal: return "pthread_cond_signal";
    case OpCode::CondBroadcast: return "pthread_cond_broadcast";
    case OpCode::SemWait: return "sem_wait";
    case OpCode::SemPost: return "sem_post";
    case OpCode::BarrierWait: return "pthread_barrier_wait";
    case OpCode::Suspend: return "suspend";
    case OpCode::Resume: return "resume";
    case OpCode::WaitEvent: return "wait_event";
    case OpCode::WakeUp: return "wake_up";
    case OpCode::WaitForCompletion: return "wait_for_completion";
    case OpCode::Complete: return "complete";
    case OpCode::Defer: return "defer";
    case OpCode::WorkerThread: return "worker_thread";
    case OpCode::WorkDone: return "process_one_work";
    case OpCode::IrqWorkdMain: return "run_irq_workd";
  }
  return "?";
}

}  // namespace preemptsim
