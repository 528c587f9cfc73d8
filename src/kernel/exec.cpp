// What a CPU does from one instant to the next: take pending interrupts when
// IRQs are on, run interrupt phases, complete context switches, and interpret
// the current task's program (user steps, syscalls, kernel steps) or idle.
#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/preempt.h"
#include "kernel/sched_class.h"

namespace preemptsim {

// The CPU's state since the last event on it goes to one bucket.
void Kernel::account(Rq& rq) {
  const Time dt = now_ - rq.last_account;
  if (dt <= Time()) return;
  rq.last_account = now_;
  CpuTime kind;
  const Task& curr = *rq.curr;
  if (!rq.irq_stack.empty()) kind = rq.irq_stack.back().kind == FrameKind::Softirq ? CpuTime::Softirq : CpuTime::HardIrq;
  else if (rq.switching) kind = CpuTime::Sched;
  else if (curr.is_idle()) kind = CpuTime::Idle;
  else if (curr.in_softirq_work) kind = CpuTime::Softirq;
  else if (curr.kthread_kind == Task::Kthread::IrqThread) kind = CpuTime::IrqThread;
  else kind = curr.user_mode ? CpuTime::User : CpuTime::Kernel;
  rq.time[static_cast<std::size_t>(kind)] += dt;
  if (rq.irq_stack.empty() && !rq.switching && !curr.is_idle()) rq.curr->sum_exec_runtime += dt;
}

void Kernel::start_segment(Rq& rq, Time* remaining) {
  if (machine_) start_work_segment(rq, nullptr);  // not run/busy work: clears the work mark
  rq.seg_active = true;
  rq.seg_start = now_;
  rq.seg_remaining = remaining;
  events_.arm(seg_slot(rq.cpu), now_ + *remaining, Band::Completion, EV_SEGMENT_END, rq.cpu, ++rq.seg_token);
  rq.activity_idle = false;
  if (signals_ & SIG_ACTIVITY) emit_activity(rq);
}

void Kernel::segment_end(Rq& rq, std::uint64_t token) {
  if (!rq.seg_active || token != rq.seg_token) return;  // superseded by an interrupt
  *rq.seg_remaining = Time();
  rq.seg_active = false;
  cpu_run(rq);
}

// An interrupt splits the running segment: keep what is left of it.
void Kernel::segment_interrupt(Rq& rq) {
  if (machine_ && work_segment_interrupt(rq)) return;  // slowed work (memory interference)
  *rq.seg_remaining -= now_ - rq.seg_start;
  rq.seg_active = false;
  ++rq.seg_token;
  events_.cancel(seg_slot(rq.cpu));
}

void Kernel::cpu_run(Rq& rq) {
  this_cpu_ = rq.cpu;
  for (;;) {
    if (machine_) {
      if (smi_stalled(rq)) return;                 // in SMM: nothing runs until the SMI ends
      if (cpuidle_wake_step(rq)) return;           // leaving an idle state: its exit latency
    }
    if (rq.pending && !rq.hard_irqs_disabled()) {
      if (rq.seg_active) segment_interrupt(rq);
      irq_deliver(rq);
      continue;
    }
    if (rq.seg_active) return;
    if (!rq.irq_stack.empty()) {
      if (irq_step(rq)) return;
    } else if (rq.switching) {
      if (rq.switch_remaining > Time()) {
        start_segment(rq, &rq.switch_remaining);
        return;
      }
      finish_task_switch(rq);
      // schedule()'s loop: while (need_resched()) __schedule() again; a task
      // returning to user goes through exit_to_user_mode_loop(), which also
      // honours the lazy bit.
      if (!rq.curr->is_idle() && (need_resched(rq) || (rq.curr->user_mode && rq.curr->tif_need_resched_lazy)))
        __schedule(rq, SchedMode::SM_PREEMPT);
    } else if (rq.curr->is_idle()) {
      if (idle_step(rq)) return;
    } else {
      if (task_step(rq, *rq.curr)) return;
    }
  }
}

// do_idle(): while !need_resched() wait for an interrupt (with the tick
// stopped: NOHZ idle); then schedule_idle().
bool Kernel::idle_step(Rq& rq) {
  if (need_resched(rq)) {
    __schedule(rq, SchedMode::SM_IDLE);
    if (rq.switching) return false;
  }
  if (rq.next_tick != Time::max()) {  // tick_nohz_idle_stop_tick()
    rq.next_tick = Time::max();
    clockevent_reprogram(rq);
  }
  if (machine_) cpuidle_idle_call(rq);
  if (!rq.activity_idle) {
    rq.activity_idle = true;
    if (signals_ & SIG_ACTIVITY) emit_activity(rq);
  }
  return true;
}

// A program that loops at one instant without ever using time would hang the
// simulation: stop it as a workload error at the step where it spins.
void Kernel::check_progress(Rq& rq, const Task& p) {
  if (rq.progress_time != now_) {
    rq.progress_time = now_;
    rq.progress_ops = 0;
  }
  if (++rq.progress_ops > 1'000'000) {
    const Op& op = p.op();
    SourceLoc loc = op.step ? op.step->loc : (p.spec ? p.spec->loc : SourceLoc{});
    throw_workload_error(loc, fmt::format("task '{}' makes no progress: its program runs a million steps at {} without using any time", p.comm, format_time(now_)));
  }
}

// Arm the sleep timer and block (do_nanosleep()). Returns false when the
// expiry has already passed: the call returns at once, late by now - expiry.
bool Kernel::timed_sleep(Rq& rq, Task& p, Time expiry) {
  if (expiry <= now_) {
    for (Observer* o : observers_) o->on_wakeup_latency(now_, p, expiry, now_);
    return false;
  }
  p.latency_pending = true;
  p.latency_expiry = expiry;
  hrtimer_start(rq, expiry, HrTimerKind::SleepWakeup, &p);
  p.state = TASK_INTERRUPTIBLE;
  schedule(rq);
  return true;
}

// Interprets the current op of the running task. Returns true when a segment
// of work was started; false after any state change (the loop goes on).
bool Kernel::task_step(Rq& rq, Task& p) {
  check_progress(rq, p);
  // PREEMPT_RT: softirq work this task took over runs first, preemptibly.
  if (p.softirq_next < p.softirq_work.size()) {
    p.in_softirq_work = true;
    const SoftirqWork w = p.softirq_work[p.softirq_next];
    return softirq_run_item(rq, w, p.softirq_remaining, p.softirq_next);
  }
  if (p.in_softirq_work) {
    p.in_softirq_work = false;
    p.softirq_work.clear();
    p.softirq_next = 0;
    if (rq.softirq_pending && p.kthread_kind != Task::Kthread::Ksoftirqd) wakeup_softirqd(rq);
    if (p.bh_unlock_after_softirqs) {  // the section's softirqs ran: local_unlock()
      p.bh_unlock_after_softirqs = false;
      local_bh_unlock(rq, p);
      return false;
    }
  }
  const Op& op = p.op();
  rq.site_loc = op.step ? &op.step->loc : nullptr;  // the site of any section edge this op makes
  rq.site_op = &op;  // emit_sections() names the site by it
  switch (op.code) {
    case OpCode::Run:
    case OpCode::Busy:
      if (p.remaining < Time()) {
        p.remaining = op.work_rng < 0 ? op.a : op.step->work->sample(p.work_rngs[static_cast<std::size_t>(op.work_rng)]);
        p.work_step = p.remaining;
      }
      if (p.remaining > Time()) {
        if (machine_) start_work_segment(rq, &p.remaining);  // memory interference may slow it
        else start_segment(rq, &p.remaining);
        return true;
      }
      p.remaining = Time::ns(-1);
      p.work_done += p.work_step;
      ++p.pc;
      return false;

    case OpCode::Sleep:
    case OpCode::SleepUntil:
    case OpCode::Periodic: {
      // Periodic keeps its next grid point in a slot of the task.
      std::int64_t* next = op.code == OpCode::Periodic ? &p.slots[static_cast<std::size_t>(op.slot)] : nullptr;
      if (p.stage == 0 && op.from_user) {  // clock_nanosleep()'s entry: costs.syscall_entry
        if (p.remaining < Time()) p.remaining = cost(CostId::SyscallEntry);
        if (p.remaining > Time()) {
          p.user_mode = false;
          start_segment(rq, &p.remaining);
          return true;
        }
        p.remaining = Time::ns(-1);
      }
      if (p.stage == 0) {
        if (op.code == OpCode::Periodic) {  // the open job (if any) ends here: late?
          job_end(p);
          if (p.job_deadline >= Time() && now_ > p.job_deadline)
            for (Observer* o : observers_) o->on_deadline_miss(now_, p, p.job_deadline);
          p.job_deadline = Time::ns(-1);
        }
        Time expiry;
        if (op.code == OpCode::Sleep) {
          expiry = now_ + op.a;
        } else if (op.code == OpCode::SleepUntil) {
          expiry = op.a;
        } else {
          if (*next < 0) {  // first use: the grid point phase + k*period after now
            const Time phase = op.b, period = op.a;
            *next = now_ < phase ? phase.count() : (phase + period * ((now_ - phase) / period + 1)).count();
          }
          expiry = Time::ns(*next);
        }
        p.user_mode = false;  // clock_nanosleep() (or the kernel's own hrtimer sleep)
        p.stage = 1;
        if (timed_sleep(rq, p, expiry)) return false;
        p.latency_expiry = expiry;
      }
      // woken: cyclictest's next period, skipping the ones already missed
      if (next) {
        if (op.c > Time()) p.job_deadline = p.latency_expiry + op.c;  // a new job
        job_release(p, p.latency_expiry, p.latency_expiry + (op.c > Time() ? op.c : op.a));
        *next = (p.latency_expiry + op.a).count();
        while (Time::ns(*next) <= now_) *next += op.a.count();
      }
      p.stage = 0;
      ++p.pc;
      if (op.from_user) syscall_exit_to_user_mode(rq, p);
      return false;
    }

    case OpCode::LoopBegin: {
      std::int64_t& left = p.slots[static_cast<std::size_t>(op.slot)];
      const bool enter = op.count >= 0 ? (left = op.count) > 0 : now_ < op.a;
      p.pc = enter ? p.pc + 1 : op.jump;
      return false;
    }
    case OpCode::LoopEnd: {
      std::int64_t& left = p.slots[static_cast<std::size_t>(op.slot)];
      const Op& begin = p.prog.ops[static_cast<std::size_t>(op.jump)];
      const bool again = begin.count >= 0 ? --left > 0 : now_ < begin.a;
      if (op.outer) ++p.loops_done;
      p.pc = again ? op.jump + 1 : p.pc + 1;
      return false;
    }

    case OpCode::SyscallEnter:  // entry_SYSCALL_64 .. the body: costs.syscall_entry
    case OpCode::SyscallExit:   // syscall_exit_to_user_mode(): costs.syscall_exit
      p.user_mode = false;
      if (p.remaining < Time()) p.remaining = cost(op.code == OpCode::SyscallEnter ? CostId::SyscallEntry : CostId::SyscallExit);
      if (p.remaining > Time()) {
        start_segment(rq, &p.remaining);
        return true;
      }
      p.remaining = Time::ns(-1);
      ++p.pc;
      if (op.code == OpCode::SyscallExit) syscall_exit_to_user_mode(rq, p);
      return false;

    case OpCode::Yield:
      ++p.pc;
      yield_task(rq);
      return false;
    case OpCode::Mark:
      ++p.pc;
      for (Observer* o : observers_) o->on_mark(now_, p, op.step->name);
      return false;

    case OpCode::CondResched:  // cond_resched(): a static call per model
      ++p.pc;
      if (model_.cond_resched == Call::Real) __cond_resched(rq);
      return false;
    case OpCode::MightSleep:  // might_sleep(): __might_sleep() + might_resched()
      ++p.pc;
      __might_resched(rq, op);
      if (model_.might_resched == Call::Real) __cond_resched(rq);
      return false;
    case OpCode::MightResched:
      ++p.pc;
      if (model_.might_resched == Call::Real) __cond_resched(rq);
      return false;

    case OpCode::PreemptDisable:
      ++p.pc;
      preempt_count_add(rq, PREEMPT_OFFSET);
      return false;
    case OpCode::PreemptEnable:  // preempt_enable(): count 0 with resched folded -> preempt_schedule()
      ++p.pc;
      if ((rq.preempt_count & PREEMPT_MASK) == 0) {
        // Only after a "scheduling while atomic" fixup: DEBUG_PREEMPT refuses the underflow.
        report_bug(fmt::format("WARNING: preempt_count underflow in {} at {}\n(after a BUG: scheduling while atomic fixup; the decrement is ignored)", p.comm, op.step->loc.str()));
        return false;
      }
      preempt_count_sub(rq, PREEMPT_OFFSET);
      if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
      return false;

    case OpCode::LocalIrqDisable:
      ++p.pc;
      rq.irqs_off = true;
      sections_changed(rq);
      return false;
    case OpCode::LocalIrqEnable:  // pending interrupts are taken at once (cpu_run)
      ++p.pc;
      rq.irqs_off = false;
      sections_changed(rq);
      return false;

    case OpCode::LocalBhDisable:
      if (rt_softirqs()) {  // PREEMPT_RT: the outermost one takes softirq_ctrl.lock (may block)
        if (p.softirq_disable_cnt == 0 && !local_bh_lock(rq, p)) return false;
        ++p.softirq_disable_cnt;
        ++p.pc;
        return false;
      }
      ++p.pc;
      preempt_count_add(rq, SOFTIRQ_DISABLE_OFFSET);
      return false;
    case OpCode::LocalBhEnable:
      ++p.pc;
      local_bh_enable(rq, p);
      return false;
    case OpCode::RaiseSoftirq: {  // raise_softirq(): outside BH-disabled/IRQ context ksoftirqd runs it
      ++p.pc;
      const auto vec = static_cast<SoftirqVec>(op.count);
      raise_softirq(rq, SoftirqWork{vec, op.slot ? op.a : scenario_.system.softirq_costs[vec], nullptr, -1});
      const bool bh_off = rt_softirqs() ? p.softirq_disable_cnt > 0 : in_interrupt(rq.preempt_count);
      if (!bh_off) wakeup_softirqd(rq);
      return false;
    }
    case OpCode::KsoftirqdMain:
      return ksoftirqd_step(rq, p);
    case OpCode::IrqThreadMain:
      return irq_thread_step(rq, p);
    case OpCode::KtimersMain:
      return ktimers_step(rq, p);
    case OpCode::Defer:
      defer_step(rq, p, op);
      return false;
    case OpCode::WorkerThread:
      return worker_thread_step(rq, p);
    case OpCode::WorkDone:
      work_done(rq, p);
      return false;
    case OpCode::IrqWorkdMain:
      return irq_workd_step(rq, p);
    case OpCode::HousekeepingMain:
      return housekeeping_thread_step(rq, p);

    case OpCode::Msleep:
      if (p.stage == 0) {
        p.stage = 1;
        hrtimer_start(rq, msleep_expiry(op.a), HrTimerKind::WheelTimeout, &p);
        p.state = TASK_UNINTERRUPTIBLE;
        schedule(rq);
        return false;
      }
      p.stage = 0;
      ++p.pc;
      return false;

    case OpCode::Schedule:
      ++p.pc;
      schedule(rq);
      return false;

    case OpCode::KLock:
      return lock_step(rq, p, op);
    case OpCode::KUnlock:
      return unlock_step(rq, p, op);
    case OpCode::UserLock:
      return user_lock_step(rq, p, op);
    case OpCode::UserUnlock:
      return user_unlock_step(rq, p, op);
    case OpCode::CondWait:
    case OpCode::CondSignal:
    case OpCode::CondBroadcast:
    case OpCode::SemWait:
    case OpCode::SemPost:
    case OpCode::BarrierWait:
    case OpCode::Suspend:
    case OpCode::Resume:
      return sync_step(rq, p, op);
    case OpCode::WaitEvent:
      return wait_event_step(rq, p, op);
    case OpCode::WaitForCompletion:
      return completion_step(rq, p, op);
    case OpCode::WakeUp:
    case OpCode::Complete:
      return waker_step(rq, p, op);
    case OpCode::MigrateDisable:
      ++p.pc;
      migrate_disable(p);
      return false;
    case OpCode::MigrateEnable:
      ++p.pc;
      migrate_enable(p, op);
      return false;

    case OpCode::Exit:
      do_task_exit(rq, p);
      return false;
  }
  invariant_failed("task_step: unknown op");
}

// do_exit() -> do_task_dead(): TASK_DEAD, one last __schedule().
void Kernel::do_task_exit(Rq& rq, Task& p) {
  check_locks_at_exit(p);
  if (p.job_deadline >= Time() && now_ > p.job_deadline)  // exiting ends the open periodic job
    for (Observer* o : observers_) o->on_deadline_miss(now_, p, p.job_deadline);
  p.job_deadline = Time::ns(-1);
  job_end(p);
  p.state = TASK_DEAD;
  trace(rq, "exit", &p);
  for (Observer* o : observers_) o->on_exit(now_, p);
  __schedule(rq, SchedMode::SM_NONE);
}

}  // namespace preemptsim
