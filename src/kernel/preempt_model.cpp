// The model table (kernel/sched/core.c: sched_dynamic_update() and the
// comment above enum preempt_dynamic_mode; kernel-semantics §4).
#include "kernel/preempt_model.h"

#include <array>

namespace preemptsim {
namespace {
using enum Call;
// name       kconfig                      cond_resched might_resched preempt_schedule irqentry_exit lazy   rt_locks irqthreads rt_softirq
constexpr std::array kModels{
    PreemptModel{"none", "PREEMPT_NONE", Real, Nop, Nop, Nop, false, false, false, false},
    PreemptModel{"voluntary", "PREEMPT_VOLUNTARY", Real, Real, Nop, Nop, false, false, false, false},
    PreemptModel{"full", "PREEMPT", Nop, Nop, Real, Real, false, false, false, false},
    PreemptModel{"lazy", "PREEMPT_LAZY", Nop, Nop, Real, Real, true, false, false, false},
    PreemptModel{"rt", "PREEMPT_RT (+PREEMPT)", Nop, Nop, Real, Real, false, true, true, true},
    // Seed 003's "Preemptible Kernel (Basic RT)": full plus forced IRQ threads.
    PreemptModel{"basic_rt", "PREEMPT + threadirqs", Nop, Nop, Real, Real, false, false, true, false},
    // PREEMPT_RT with PREEMPT_LAZY (mainline 6.13+; Debian's 6.12 rt kernel as preempt=lazy):
    // RT's locks, threads and softirqs, with lazy rescheduling of fair tasks.
    PreemptModel{"rt_lazy", "PREEMPT_RT + PREEMPT_LAZY", Nop, Nop, Real, Real, true, true, true, true},
};
}  // namespace

std::span<const PreemptModel> preempt_models() { return kModels; }

const PreemptModel* find_preempt_model(std::string_view name) {
  for (const auto& m : kModels)
    if (m.name == name) return &m;
  return nullptr;
}

std::string preempt_model_names() {
  std::string s;
  for (const auto& m : kModels) {
    if (!s.empty()) s += ", ";
    s += m.name;
  }
  return s;
}

}  // namespace preemptsim
