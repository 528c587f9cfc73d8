// Keeping RT tasks from starving the rest (kernel/sched/rt.c, deadline.c):
// classic RT throttling (sched_rt_runtime_us per sched_rt_period_us, kept by
// CONFIG_RT_GROUP_SCHED and kernels up to 6.11) and the fair deadline
// server that replaced it by default in 6.12 (runtime 50 ms per 1 s per CPU,
// deferred: it only serves what fair tasks did not get by themselves).
#include "kernel/kernel.h"
#include "kernel/sched_class.h"

namespace preemptsim {

namespace {
// sched_rt_runtime_exceeded(): no throttling at RUNTIME_INF (-1), when the
// runtime covers the period, or at runtime 0 (the kernel then resets rt_time
// instead: "replenishment is a joke").
bool throttling(const SystemSpec& s) {
  return s.rt_bandwidth == SystemSpec::RtBandwidth::Throttle && s.rt_runtime > Time() && s.rt_runtime < s.rt_period;
}
bool fair_server(const SystemSpec& s) {
  return s.rt_bandwidth == SystemSpec::RtBandwidth::FairServer && s.fair_server_runtime > Time();
}
}  // namespace

// On enqueue: start_rt_bandwidth() for the first RT task (throttling), or
// dl_server_start() for the first fair task (fair server). Periods are
// aligned to multiples of the period from boot.
void Kernel::bandwidth_enqueue(Rq& rq, const Task& p) {
  const SystemSpec& s = scenario_.system;
  if (throttling(s) && p.sched_class == &rt_sched_class && !rq.rt_period_active) {
    rq.rt_period_active = true;
    hrtimer_start(rq, s.rt_period * (now_ / s.rt_period + 1), HrTimerKind::RtPeriod, nullptr);
  }
  if (fair_server(s) && p.sched_class == &fair_sched_class && !rq.fs_period_active) {
    rq.fs_period_active = true;
    rq.fs_window_end = s.fair_server_period * (now_ / s.fair_server_period + 1);
    rq.fs_fair_time = Time();
    hrtimer_start(rq, rq.fs_window_end, HrTimerKind::FairServerPeriod, nullptr);
    hrtimer_start(rq, rq.fs_window_end - s.fair_server_runtime, HrTimerKind::FairServerDefer, nullptr);
  }
}

// update_curr_rt() + sched_rt_runtime_exceeded(): RT time on this CPU beyond
// sched_rt_runtime_us in the period throttles the rt_rq until the period
// timer (do_sched_rt_period_timer()) gives the runtime back.
void Kernel::update_curr_rt(Rq& rq) {
  Task& curr = *rq.curr;
  if (curr.sched_class != &rt_sched_class) return;
  const Time delta = now_ - curr.se.exec_start;
  if (delta <= Time()) return;
  curr.se.exec_start = now_;
  if (!throttling(scenario_.system)) return;
  rq.rt_time += delta;
  if (!rq.rt_throttled && rq.rt_time > scenario_.system.rt_runtime) {
    rq.rt_throttled = true;
    trace(rq, "sched: RT throttling activated", &curr);
    emit(SIG_SCHED, [&](Observer& o) { o.on_bandwidth(now_, rq, BandwidthEvent::RtThrottle); });
    resched_curr(rq);
  }
}

// dl_server_update(): fair execution consumes the server's runtime, served
// or not; a served period ends when the runtime is used up (checked where
// update_curr() runs, the tick among them, as the kernel does without HRTICK).
void Kernel::fair_server_update(Rq& rq, Time delta) {
  if (!rq.fs_period_active) return;
  rq.fs_fair_time += delta;
  if (rq.fs_active && rq.fs_fair_time >= scenario_.system.fair_server_runtime) {
    rq.fs_active = false;
    trace(rq, "fair_server: runtime used up", rq.curr);
    emit(SIG_SCHED, [&](Observer& o) { o.on_bandwidth(now_, rq, BandwidthEvent::FairServerStop); });
    if (rq.rt.rt_nr_running) resched_curr(rq);
  }
}

// dl_server_stop(): no fair task left, nothing to serve.
void Kernel::fair_server_stop(Rq& rq) {
  if (!rq.fs_active) return;
  rq.fs_active = false;
  trace(rq, "fair_server: stopped", rq.curr);
  emit(SIG_SCHED, [&](Observer& o) { o.on_bandwidth(now_, rq, BandwidthEvent::FairServerStop); });
}

void Kernel::bandwidth_timer(Rq& rq, const HrTimer& t) {
  const SystemSpec& s = scenario_.system;
  switch (t.kind) {
    case HrTimerKind::RtPeriod: {  // sched_rt_period_timer() -> do_sched_rt_period_timer()
      const Time runtime = s.rt_runtime;
      rq.rt_time = rq.rt_time > runtime ? rq.rt_time - runtime : Time();
      if (rq.rt_throttled && rq.rt_time < runtime) {
        rq.rt_throttled = false;
        trace(rq, "rt_unthrottle", rq.curr);
        emit(SIG_SCHED, [&](Observer& o) { o.on_bandwidth(now_, rq, BandwidthEvent::RtUnthrottle); });
        if (rq.rt.rt_nr_running) resched_curr(rq);
      }
      // the timer goes idle once there is nothing left to account
      if (rq.rt.rt_nr_running || rq.rt_time > Time())
        hrtimer_start(rq, t.expires + s.rt_period, HrTimerKind::RtPeriod, nullptr);
      else
        rq.rt_period_active = false;
      break;
    }
    case HrTimerKind::FairServerPeriod:  // replenishment: a new period, a new deferral point
      rq.fs_fair_time = Time();
      if (rq.fs_active) {
        rq.fs_active = false;
        emit(SIG_SCHED, [&](Observer& o) { o.on_bandwidth(now_, rq, BandwidthEvent::FairServerStop); });
        if (rq.rt.rt_nr_running) resched_curr(rq);
      }
      if (rq.cfs.nr_queued) {
        rq.fs_window_end = t.expires + s.fair_server_period;
        hrtimer_start(rq, rq.fs_window_end, HrTimerKind::FairServerPeriod, nullptr);
        hrtimer_start(rq, rq.fs_window_end - s.fair_server_runtime, HrTimerKind::FairServerDefer, nullptr);
      } else {
        rq.fs_period_active = false;
      }
      break;
    case HrTimerKind::FairServerDefer: {  // the zero-laxity point of what is left
      if (!rq.fs_period_active || t.expires >= rq.fs_window_end) break;
      const Time left = s.fair_server_runtime - rq.fs_fair_time;
      if (left <= Time()) break;
      if (rq.fs_window_end - left > now_) {  // fair tasks ran meanwhile: later
        hrtimer_start(rq, rq.fs_window_end - left, HrTimerKind::FairServerDefer, nullptr);
        break;
      }
      // dl_server_timer(): with fair tasks queued the server runs the rest of
      // its runtime as a deadline entity, ahead of RT (pick_next_task() and
      // wakeup_preempt() give an active server's fair tasks precedence).
      if (rq.cfs.nr_queued) {
        rq.fs_active = true;
        trace(rq, "fair_server: serving", rq.curr);
        emit(SIG_SCHED, [&](Observer& o) { o.on_bandwidth(now_, rq, BandwidthEvent::FairServerStart); });
        resched_curr(rq);
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace preemptsim
