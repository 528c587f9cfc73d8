// Signals the simulated kernel emits; statistics, traces and analyses
// subscribe to them (the kernel itself never computes a figure or writes a file).
#pragma once

#include <string>

#include "core/time.h"
#include "kernel/rq.h"

namespace preemptsim {

class Task;

class Observer {
 public:
  virtual ~Observer() = default;
  // sched_switch: the switch into `next` has completed on `cpu` at t.
  virtual void on_switch(Time, int /*cpu*/, const Task& /*prev*/, const Task& /*next*/, bool /*preempt*/) {}
  // sched_waking/sched_wakeup: `p` queued on `cpu`.
  virtual void on_wakeup(Time, const Task& /*p*/, int /*cpu*/) {}
  // A timed sleep that should have ended at `expiry` ended (switch-in, or the
  // call itself when already past); its hrtimer callback ran at `irq_at`.
  virtual void on_wakeup_latency(Time, const Task& /*p*/, Time /*expiry*/, Time /*irq_at*/) {}
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
};

}  // namespace preemptsim
