// struct sched_class: the per-class operations the scheduler core calls.
#pragma once

namespace preemptsim {

class Kernel;
struct Rq;
class Task;

enum EnqueueFlags : int { ENQUEUE_WAKEUP = 0x01, ENQUEUE_REPLENISH = 0x20, ENQUEUE_INITIAL = 0x80, ENQUEUE_MIGRATED = 0x40 };
enum DequeueFlags : int { DEQUEUE_SLEEP = 0x01, DEQUEUE_MIGRATE = 0x100 };

class SchedClass {
 public:
  virtual ~SchedClass() = default;
  virtual const char* name() const = 0;
  // Higher rank is picked first: dl > rt > fair > idle (sched_class_above()).
  virtual int rank() const = 0;
  virtual void enqueue_task(Kernel& k, Rq& rq, Task& p, int flags) const = 0;
  virtual void dequeue_task(Kernel& k, Rq& rq, Task& p, int flags) const = 0;
  virtual void yield_task(Kernel& k, Rq& rq) const = 0;
  virtual void wakeup_preempt(Kernel& k, Rq& rq, Task& p) const = 0;
  virtual Task* pick_task(Kernel& k, Rq& rq) const = 0;
  virtual void put_prev_task(Kernel& k, Rq& rq, Task& prev) const = 0;
  virtual void set_next_task(Kernel& k, Rq& rq, Task& next) const = 0;
  virtual void task_tick(Kernel& k, Rq& rq, Task& curr) const = 0;
  virtual void update_curr(Kernel& k, Rq& rq) const = 0;
};

extern const SchedClass& dl_sched_class;
extern const SchedClass& rt_sched_class;
extern const SchedClass& fair_sched_class;
extern const SchedClass& idle_sched_class;

inline bool sched_class_above(const SchedClass* a, const SchedClass* b) { return a->rank() > b->rank(); }

}  // namespace preemptsim
