// Wait queues and completions (kernel/sched/wait.c, kernel/sched/completion.c)
// and the device paths that end a wait: a hard handler, irq/N-NAME or a
// softirq calling wake_up()/complete(); plus the jobs they release.
#include <fmt/format.h>

#include <algorithm>

#include "kernel/kernel.h"

namespace preemptsim {

// Each irq that wakes something gets its object's index (the parser checked the name and kind).
void Kernel::init_waitqueues() {
  for (IrqSource& src : irqs_) {
    if (src.spec->wakes.empty()) continue;
    auto it = std::find_if(syncs_.begin(), syncs_.end(), [&](const KSync& s) { return s.spec->name == src.spec->wakes; });
    if (it == syncs_.end()) invariant_failed("irq wakes an object the parser did not record: " + src.spec->wakes);
    src.wake_sync = static_cast<int>(it - syncs_.begin());
  }
}

// The interrupt a device frame handles, as far as its hard handler goes.
IrqWake Kernel::device_event(const IrqFrame& f) const {
  IrqWake ev;
  ev.irq = f.irq;
  ev.arrival = f.arrival;
  ev.entry = f.entry;
  ev.handler_end = now_;
  return ev;
}

// The job a task was running ends where it waits for the next release.
// A deadline task's jobs are its CBS activations (deadline.cpp: dl_job_release()).
void Kernel::job_end(Task& p) {
  if (!p.job_open || p.policy == Policy::Deadline) return;
  p.job_open = false;
  for (Observer* o : observers_) o->on_job_end(now_, p);
}

void Kernel::job_release(Task& p, Time release, Time deadline) {
  if (p.policy == Policy::Deadline) return;
  p.job_open = true;
  for (Observer* o : observers_) o->on_job_release(now_, p, release, deadline);
}

// The waker's side, for either object: the woken task carries the event
// (the interrupt's times, for the latency at its switch-in, and the release).
namespace {
void mark_woken(Task& w, const IrqWake* ev, Time now) {
  w.job_release = ev ? ev->arrival : now;
  if (!ev) return;
  w.irq_wake = *ev;
  w.irq_wake.wake = now;
  w.latency_pending = true;  // reported at the switch-in like a timer wakeup: from the arrival
  w.latency_expiry = ev->arrival;
  w.latency_irq = ev->entry;
}
}  // namespace

// __wake_up(): a new event on the queue (the condition the waiters test), then
// every waiter woken (autoremove_wake_function(): each leaves the queue).
void Kernel::__wake_up(KSync& q, const IrqWake* ev) {
  ++q.count;
  q.last_event = ev ? ev->arrival : now_;
  q.last_irq = ev ? *ev : IrqWake{};
  std::vector<Task*> waiters;
  waiters.swap(q.waiters);
  for (Task* w : waiters) {
    mark_woken(*w, ev, now_);
    try_to_wake_up(*w, TASK_INTERRUPTIBLE);
  }
}

// complete(): done++, then swake_up_locked(): the first waiter (exclusive).
void Kernel::complete(KSync& c, const IrqWake* ev) {
  ++c.count;
  c.last_event = ev ? ev->arrival : now_;
  c.last_irq = ev ? *ev : IrqWake{};
  if (c.waiters.empty()) return;
  Task* w = c.waiters.front();
  c.waiters.erase(c.waiters.begin());
  mark_woken(*w, ev, now_);
  try_to_wake_up(*w, TASK_UNINTERRUPTIBLE);
}

// The handler's (thread's, softirq's) wake_up()/complete() of its object.
void Kernel::device_wake(IrqSource& src, IrqWake ev) {
  if (src.wake_sync < 0) return;
  ev.wake = now_;
  KSync& s = syncs_[static_cast<std::size_t>(src.wake_sync)];
  trace(cpu_rq(this_cpu_), src.spec->wakes_completion ? "complete" : "wake_up", nullptr, src.wake_sync);
  if (src.spec->wakes_completion)
    complete(s, &ev);
  else
    __wake_up(s, &ev);
}

// wait_event_interruptible(wq, condition): the condition is "an event came
// since this wait last returned" (a UIO read(): event_count != the
// listener's count). Already true: return at once (a late job: the latency
// from the event's arrival is reported now, as for a timer already expired).
// Otherwise prepare_to_wait(), schedule(), and test again when woken.
bool Kernel::wait_event_step(Rq& rq, Task& p, const Op& op) {
  KSync& q = syncs_[static_cast<std::size_t>(op.sync)];
  std::int64_t& seen = p.slots[static_cast<std::size_t>(op.slot)];
  if (seen < 0) seen = 0;  // the events before the task's first wait count (a fresh UIO listener sees 0)
  if (p.stage == 0) {
    job_end(p);
    if (q.count != seen) {  // condition already true
      seen = q.count;
      ++p.pc;
      if (q.last_irq.irq >= 0)
        for (Observer* o : observers_) o->on_wakeup_latency(now_, p, q.last_irq.arrival, q.last_irq.entry);
      job_release(p, q.last_event, Time::ns(-1));
      return false;
    }
    p.stage = 1;
  } else if (q.count != seen) {  // woken with the condition true
    seen = q.count;
    p.stage = 0;
    ++p.pc;
    job_release(p, p.job_release, Time::ns(-1));
    return false;
  }
  q.waiters.push_back(&p);  // prepare_to_wait(): the tail (not exclusive)
  p.state = TASK_INTERRUPTIBLE;
  trace(rq, "wait_event", &p, op.sync);
  schedule(rq);
  return false;
}

// A timeout cancelled by del_timer() before it expired does not fire.
bool Kernel::timeout_cancelled(Task& p, Time expires) {
  auto it = std::find(p.cancelled_timeouts.begin(), p.cancelled_timeouts.end(), expires);
  if (it == p.cancelled_timeouts.end()) return false;
  p.cancelled_timeouts.erase(it);
  return true;
}

// wait_for_completion(_timeout)() -> do_wait_for_common(): done > 0 -> done--
// and return; else queue at the tail (exclusive), TASK_UNINTERRUPTIBLE,
// schedule_timeout() (a timer-wheel timer when there is a timeout), and test
// again when woken: done, or the timeout ran out (returns 0: timed out).
bool Kernel::completion_step(Rq& rq, Task& p, const Op& op) {
  KSync& c = syncs_[static_cast<std::size_t>(op.sync)];
  auto finish = [&](bool timed_out, Time release) {
    if (p.timeout_expires >= Time()) {  // schedule_timeout()'s del_timer_sync() on the way out
      if (p.timeout_expires > now_) p.cancelled_timeouts.push_back(p.timeout_expires);
      p.timeout_expires = Time::ns(-1);
    }
    p.stage = 0;
    ++p.pc;
    if (!timed_out) job_release(p, release, Time::ns(-1));
  };
  if (p.stage == 0) {
    job_end(p);
    if (c.count > 0) {
      --c.count;
      if (c.last_irq.irq >= 0)
        for (Observer* o : observers_) o->on_wakeup_latency(now_, p, c.last_irq.arrival, c.last_irq.entry);
      finish(false, c.last_event);
      return false;
    }
    p.stage = 1;
    if (op.a > Time()) {  // schedule_timeout(msecs_to_jiffies(timeout)): a wheel timer, rounded up
      p.timeout_expires = msleep_expiry(Time::ns((op.a.count() + 999'999) / 1'000'000 * 1'000'000));
      hrtimer_start(rq, p.timeout_expires, HrTimerKind::WheelTimeout, &p);
    }
  } else if (c.count > 0) {
    --c.count;
    finish(false, p.job_release);
    return false;
  } else if (p.timeout_expires >= Time() && now_ >= p.timeout_expires) {
    std::erase(c.waiters, &p);
    p.timeout_expires = Time::ns(-1);
    trace(rq, "wait_for_completion timeout", &p, op.sync);
    finish(true, Time());
    return false;
  }
  if (std::find(c.waiters.begin(), c.waiters.end(), &p) == c.waiters.end()) c.waiters.push_back(&p);
  p.state = TASK_UNINTERRUPTIBLE;
  trace(rq, "wait_for_completion", &p, op.sync);
  schedule(rq);
  return false;
}

// The task side of wake_up: Q / complete: C (a driver's write(), a producer
// kthread): the wake, then preempt_enable()'s check as the wait queue's
// spin_unlock_irqrestore() leaves.
bool Kernel::waker_step(Rq& rq, Task& p, const Op& op) {
  ++p.pc;
  KSync& s = syncs_[static_cast<std::size_t>(op.sync)];
  // A work function queued by a device path carries its event (workqueue.cpp).
  IrqWake ev = p.work_ev;
  ev.wake = now_;
  const IrqWake* e = p.kthread_kind == Task::Kthread::Kworker && ev.irq >= 0 ? &ev : nullptr;
  if (op.code == OpCode::Complete)
    complete(s, e);
  else
    __wake_up(s, e);
  if (model_.preempt_schedule == Call::Real && should_resched(rq)) preempt_schedule(rq);
  return false;
}

}  // namespace preemptsim
