// Per-job response times and device-wakeup paths (see response_time.h).
// Each workload task is followed through five states; while a job is open
// the time in each state (and under interrupts on its CPU while it runs)
// adds up to the job's response time.
#include "stats/response_time.h"

#include <fmt/format.h>

#include <iterator>

#include "kernel/kernel.h"

namespace preemptsim {

ResponseTimeObserver::ResponseTimeObserver(const Kernel& kernel, std::size_t ntasks, int first_pid)
    : kernel_(kernel), tasks_(ntasks), curr_(kernel.rqs().size(), nullptr), irq_depth_(kernel.rqs().size(), 0), first_pid_(first_pid) {}

ResponseTimeObserver::PerTask* ResponseTimeObserver::slot(const Task& p) {
  const int i = p.pid - first_pid_;
  if (p.is_idle() || i < 0 || static_cast<std::size_t>(i) >= tasks_.size()) return nullptr;
  return &tasks_[static_cast<std::size_t>(i)];
}

// The share each state's time goes to (in State order), read by index.
constexpr Time ResponseShares::*kShareOf[] = {&ResponseShares::running, &ResponseShares::runnable, &ResponseShares::preempted,
                                               &ResponseShares::lock_blocked, &ResponseShares::blocked};

void ResponseTimeObserver::charge(PerTask& s, Time t) {
  const Time dt = t - s.since;
  s.since = t;
  if (!s.job_open || dt <= Time()) return;
  static_assert(std::size(kShareOf) == static_cast<std::size_t>(State::Blocked) + 1);
  Time ResponseShares::*share = kShareOf[static_cast<std::size_t>(s.state)];
  if (s.state == State::Running && s.cpu >= 0 && irq_depth_[static_cast<std::size_t>(s.cpu)] > 0) share = &ResponseShares::interrupts;
  s.job.*share += dt;
}

void ResponseTimeObserver::set_state(PerTask& s, Time t, State st) {
  charge(s, t);
  s.state = st;
}

void ResponseTimeObserver::irq_edge(int cpu, Time t, int delta) {
  int& depth = irq_depth_[static_cast<std::size_t>(cpu)];
  if (const Task* c = curr_[static_cast<std::size_t>(cpu)])
    if (PerTask* s = slot(*c)) charge(*s, t);
  depth += delta;
  if (depth < 0) depth = 0;
}

void ResponseTimeObserver::on_irq_entry(Time t, int cpu, Vector) { irq_edge(cpu, t, +1); }
void ResponseTimeObserver::on_irq_exit(Time t, int cpu, Vector) { irq_edge(cpu, t, -1); }
// Softirqs in a softirq frame interrupt the current task; on PREEMPT_RT they
// run in a task's own context (no frame) and count as that task's running.
void ResponseTimeObserver::on_softirq_entry(Time t, const Rq& rq, SoftirqVec) {
  if (!rq.irq_stack.empty()) irq_edge(rq.cpu, t, +1);
}
void ResponseTimeObserver::on_softirq_exit(Time t, const Rq& rq, SoftirqVec) {
  if (!rq.irq_stack.empty()) irq_edge(rq.cpu, t, -1);
}

void ResponseTimeObserver::on_sched_wakeup(Time t, const Rq&, const Task& p, int) {
  PerTask* s = slot(p);
  if (!s) return;
  set_state(*s, t, State::Runnable);
  s->woken_at = t;
}

// The decision in __schedule(): prev leaves the CPU (preempted, or asleep on
// a lock or otherwise); the CPU has no current task until the switch completes.
void ResponseTimeObserver::on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool, const Task&) {
  curr_[static_cast<std::size_t>(rq.cpu)] = nullptr;
  PerTask* s = slot(prev);
  if (!s) return;
  const State st = prev_state == TASK_RUNNING ? State::Preempted : prev.blocked_on ? State::LockBlocked : State::Blocked;
  set_state(*s, t, st);
  s->cpu = -1;
}

void ResponseTimeObserver::on_switch(Time t, int cpu, const Task&, const Task& next, bool) {
  curr_[static_cast<std::size_t>(cpu)] = &next;
  PerTask* s = slot(next);
  if (!s) return;
  set_state(*s, t, State::Running);
  s->cpu = cpu;
}

// The job began at `release`; it runs now. Before now: its release being
// delivered (a timer or device interrupt, up to the wakeup) and waiting for
// the CPU after it (or for its previous job, when the release came first).
void ResponseTimeObserver::on_job_release(Time t, const Task& p, Time release, Time deadline) {
  PerTask* s = slot(p);
  if (!s) return;
  charge(*s, t);
  if (s->state == State::Blocked) s->state = State::Runnable;  // released before any wakeup signal (a task's first activation)
  s->job = ResponseShares{};
  s->job_open = true;
  s->release = release;
  s->deadline = deadline;
  if (release < t) {
    if (s->woken_at >= release) {
      s->job.interrupts = s->woken_at - release;
      s->job.runnable = t - s->woken_at;
    } else {
      s->job.runnable = t - release;
    }
  }
}

void ResponseTimeObserver::on_job_end(Time t, const Task& p) {
  PerTask* s = slot(p);
  if (!s || !s->job_open) return;
  charge(*s, t);
  s->job_open = false;
  const Time r = t - s->release;
  s->response.record(r);
  if (s->deadline >= Time() && t > s->deadline) ++s->misses;
  s->shares.add(s->job);
  if (r > s->worst_response) {
    s->worst_response = r;
    s->worst = s->job;
    s->worst_release = s->release;
  }
}

void ResponseTimeObserver::on_exit(Time t, const Task& p) {
  if (PerTask* s = slot(p)) set_state(*s, t, State::Blocked);
}

void ResponseTimeObserver::on_irq_wakeup(Time t, const Task& p, const IrqWake& ev) {
  PerTask* s = slot(p);
  if (!s || ev.irq < 0) return;
  ++s->irq_wakeups;
  IrqWakeParts w;
  w.irq = kernel_.irqs()[static_cast<std::size_t>(ev.irq)].spec->name;
  const Scenario& sc = kernel_.scenario();
  switch (ev.via) {
    case IrqWake::Via::Handler: w.via = "hard handler"; break;
    case IrqWake::Via::Thread: w.via = fmt::format("irq/{}-{} thread", kernel_.irqs()[static_cast<std::size_t>(ev.irq)].number, w.irq); break;
    case IrqWake::Via::Softirq: w.via = fmt::format("{} softirq", softirq_name(ev.vec)); break;
    case IrqWake::Via::Tasklet:
      w.via = fmt::format("tasklet {} ({} softirq)", sc.tasklets[static_cast<std::size_t>(ev.obj)].name, softirq_name(ev.vec));
      break;
    case IrqWake::Via::Workqueue:
      w.via = fmt::format("{} (workqueue {})", ev.by ? ev.by->comm : std::string("a kworker"), sc.workqueues[static_cast<std::size_t>(ev.wq)].name);
      break;
    case IrqWake::Via::IrqWork:
      w.via = ev.by ? fmt::format("irq_work {} ({} thread)", sc.irq_works[static_cast<std::size_t>(ev.obj)].name, ev.by->comm)
                    : fmt::format("irq_work {} (hard IRQ)", sc.irq_works[static_cast<std::size_t>(ev.obj)].name);
      break;
  }
  w.stage = ev.by ? ev.by->comm : std::string();
  if (ev.stage_start >= Time()) w.deferred_wait = ev.stage_start - ev.handler_end;
  w.arrival = ev.arrival;
  w.irq_latency = ev.entry - ev.arrival;
  w.handler = ev.handler_end - ev.entry;
  w.deferred = ev.wake - ev.handler_end;
  w.task_wakeup = t - ev.wake;
  if (!s->irq_worst || w.total() > s->irq_worst->total()) s->irq_worst = w;
}

void ResponseTimeObserver::fill(std::vector<TaskResult>& tasks) {
  for (std::size_t i = 0; i < tasks.size() && i < tasks_.size(); ++i) {
    PerTask& s = tasks_[i];
    TaskResult& r = tasks[i];
    r.irq_wakeups = s.irq_wakeups;
    r.irq_wake_worst = s.irq_worst;
    r.response = std::move(s.response);
    r.response_misses = s.misses;
    r.response_shares = s.shares;
    r.response_worst = s.worst;
    r.response_worst_release = s.worst_release;
  }
}

}  // namespace preemptsim
