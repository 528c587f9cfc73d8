// The preemption models as data: PREEMPT_DYNAMIC's static-call table
// (kernel/sched/core.c, comment above enum preempt_dynamic_mode) plus the
// PREEMPT_RT substitutions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace preemptsim {

// What a static call does in a model: the real function, or the stub.
enum class Call : unsigned char {
  Nop,    // static_call_update(..., NULL) / RET0 stub: the call does nothing
  Real,   // the real function (__cond_resched, preempt_schedule, ...)
};

struct PreemptModel {
  std::string_view name;          // as in preempt= / the workload's models:
  std::string_view kconfig;       // the Kconfig symbol(s) it corresponds to
  Call cond_resched;              // cond_resched()  -> __cond_resched()
  Call might_resched;             // might_resched() -> __cond_resched()
  Call preempt_schedule;          // preempt_enable()/preempt_check_resched() -> preempt_schedule()
  Call irqentry_exit_cond_resched;// IRQ return to kernel -> preempt_schedule_irq()
  bool lazy;                      // resched_curr_lazy() sets TIF_NEED_RESCHED_LAZY (6.13+)
  bool rt_locks;                  // spinlock_t/rwlock_t/mutex become rt_mutex based (PREEMPT_RT)
  bool force_irqthreads;          // threadirqs forced on (PREEMPT_RT, Basic RT)
  bool rt_softirqs;               // BH-disable is a local lock; softirqs preemptible (PREEMPT_RT)
};

// All models in display order: none, voluntary, full, lazy, rt, basic_rt, rt_lazy.
std::span<const PreemptModel> preempt_models();
const PreemptModel* find_preempt_model(std::string_view name);
// "none, voluntary, full, lazy, rt" for error messages.
std::string preempt_model_names();

}  // namespace preemptsim
