// Per-CPU hrtimers and the clock event device (kernel/time/hrtimer.c,
// tick-sched.c), the periodic tick with NOHZ idle, jiffy-based sleeps
// (kernel/time/timer.c) and sched_tick() (kernel/sched/core.c).
#include "kernel/kernel.h"
#include "kernel/sched_class.h"

namespace preemptsim {

// hrtimer_start(): queue on this CPU; reprogram the clock event if it is now the earliest.
void Kernel::hrtimer_start(Rq& rq, Time expires, HrTimerKind kind, Task* task) {
  rq.hrtimers.push(HrTimer{expires, rq.timer_seq++, kind, task});
  clockevent_reprogram(rq);
}

// The clock event fires at the earliest of the tick and the queued hrtimers.
void Kernel::clockevent_reprogram(Rq& rq) {
  Time next = rq.next_tick;
  if (!rq.hrtimers.empty() && rq.hrtimers.top().expires < next) next = rq.hrtimers.top().expires;
  if (next == rq.clockevent_next) return;
  ++rq.clockevent_token;
  rq.clockevent_next = next;
  if (next != Time::max()) events_.arm(clockevent_slot(rq.cpu), next, Band::Hardware, EV_CLOCKEVENT, rq.cpu, rq.clockevent_token);
  else events_.cancel(clockevent_slot(rq.cpu));
}

// tick_nohz_idle_exit(): a CPU leaving idle restarts its tick on the next jiffy.
void Kernel::tick_restart(Rq& rq) {
  if (rq.next_tick != Time::max()) return;
  if (machine_ && can_stop_full_tick(rq)) return;  // nohz_full: one task, no tick
  rq.next_tick = tick_nsec_ * (now_ / tick_nsec_ + 1);
  clockevent_reprogram(rq);
}

// msleep() (kernel/time/sleep_timeout.c, 6.13+): schedule_timeout of
// msecs_to_jiffies(ms) (rounded up). The timer wheel (kernel/time/timer.c)
// files it by calc_wheel_index(): level n for deltas below LVL_START(n+1),
// and calc_index() rounds the expiry up to the next multiple of the level's
// granularity (8^n jiffies), so it never fires early and at most 12.5 % late.
// (Before 6.13 msleep() added one jiffy itself.)
Time Kernel::msleep_expiry(Time d) const {
  constexpr int LVL_CLK_SHIFT = 3, LVL_BITS = 6, LVL_DEPTH = 9;
  auto lvl_start = [](int n) { return static_cast<std::int64_t>((1 << LVL_BITS) - 1) << ((n - 1) * LVL_CLK_SHIFT); };
  if (d > Time::max_run()) return Time::max();  // beyond any run: "never" (the Time rule)
  const std::int64_t hz = scenario_.system.hz;
  const std::int64_t msecs = (d.count() + 999'999) / 1'000'000;
  const std::int64_t timeout = (msecs * hz + 999) / 1000;
  const std::int64_t clk = now_ / tick_nsec_;
  const std::int64_t expires = clk + timeout;
  int lvl = 0;
  while (lvl + 1 < LVL_DEPTH && timeout >= lvl_start(lvl + 1)) ++lvl;
  const int shift = lvl * LVL_CLK_SHIFT;
  const std::int64_t bucket_expiry = ((expires >> shift) + 1) << shift;
  return tick_nsec_ * bucket_expiry;
}

// sched_tick(): lazy promotion first (only with lazy preemption), then the
// class's task_tick().
void Kernel::sched_tick(Rq& rq) {
  Task& curr = *rq.curr;
  if (model_.lazy && curr.tif_need_resched_lazy) resched_curr(rq);
  curr.sched_class->task_tick(*this, rq, curr);
}

}  // namespace preemptsim
