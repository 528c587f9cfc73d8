// A task's program compiled to a flat list of operations with jumps, so the
// interpreter is a program counter plus a per-op stage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "workload/scenario.h"

namespace preemptsim {

enum class OpCode : std::uint8_t {
  Run, Busy, Sleep, SleepUntil, Periodic, LoopBegin, LoopEnd, SyscallEnter, SyscallExit, Yield, Mark,
  CondResched, MightSleep, MightResched, PreemptDisable, PreemptEnable, LocalIrqDisable, LocalIrqEnable,
  LocalBhDisable, LocalBhEnable, Msleep, Schedule, RaiseSoftirq, Exit,
  KLock, KUnlock, MigrateDisable, MigrateEnable, UserLock, UserUnlock,
  CondWait, CondSignal, CondBroadcast, SemWait, SemPost, BarrierWait, Suspend, Resume,
  WaitEvent, WakeUp, WaitForCompletion, Complete,  // waitqueue.cpp
  KsoftirqdMain,  // run_ksoftirqd() loop of ksoftirqd/N
  IrqThreadMain,  // irq_thread() loop of irq/N-NAME
  KtimersMain,    // run_ktimerd() loop of ktimers/N
  Defer,          // tasklet_schedule()/queue_work()/irq_work_queue() (Op::step->defer)
  WorkerThread,   // worker_thread() loop of kworker/N:M
  WorkDone,       // process_one_work(): the work function returned
  IrqWorkdMain,   // run_irq_workd() loop of irq_work/N (PREEMPT_RT)
  HousekeepingMain,  // rcuc/N, rcuop/N, kworker/N:1 (kernel/noise.cpp)
};

struct Op {
  OpCode code = OpCode::Exit;
  Time a;                   // duration / absolute time / period / loop until
  Time b;                   // periodic phase
  Time c;                   // periodic deadline (0 = none)
  std::int64_t count = 0;   // loop count (-1: until)
  int slot = -1;            // loop counter or periodic state slot
  int jump = -1;            // LoopBegin: index after the matching LoopEnd; LoopEnd: its LoopBegin
  bool from_user = false;   // Sleep/SleepUntil/Periodic/Yield issued from user mode (a syscall)
  bool outer = false;       // LoopEnd of a loop at the top of the program (its iterations are "work done")
  int lock = -1;            // KLock/KUnlock/UserLock/UserUnlock/CondWait: index into the kernel's locks (set at boot)
  int sync = -1;            // the sync ops: index into the kernel's sync objects (set at boot)
  const Step* step = nullptr;  // where it came from (name, location); null for Exit/SyscallExit
  int work_rng = -1;        // Run/Busy with a distribution: index into the task's work streams (set at boot)
};

// An op with its code and origin, every other field at its default.
inline Op op_of(OpCode code, const Step* step = nullptr) {
  Op op;
  op.code = code;
  op.step = step;
  return op;
}

struct Program {
  std::vector<Op> ops;
  int slots = 0;  // loop counters and periodic states the task needs
};

// Flattens a task's steps. kthread programs start in kernel mode.
Program compile_program(const TaskSpec& task);
// Appends kernel steps (a work function) to a kthread's program.
void compile_kernel_steps(Program& prog, const std::vector<Step>& steps);

const char* op_name(OpCode c);
// A section site's function: the op's name when a task op made the edge, else the kernel function named.
inline const char* site_function(const Op* site_op, const char* fn) { return site_op ? op_name(site_op->code) : fn; }

}  // namespace preemptsim
