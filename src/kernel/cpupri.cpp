// cpupri and the root domain's overload masks (kernel/sched/cpupri.c,
// rd->rto_mask in kernel/sched/rt.c, rd->dlo_mask in kernel/sched/deadline.c):
// which CPUs run at which priority (deadline tasks as a rank of their own,
// which also gives cpudl's free CPUs) and which have tasks waiting, kept up to
// date as the queues change, so that placing or pulling a task does not scan
// every CPU.
#include "kernel/kernel.h"

namespace preemptsim {

// cpupri_set(): the CPU moves to the mask of its new priority.
void Kernel::cpupri_set(Rq& rq) {
  const auto c = static_cast<std::size_t>(rq.cpu);
  const std::size_t rank = cpupri_rank(cpu_prio(rq));
  const std::size_t old = cpupri_.rank[c];
  if (rank == old) return;
  cpupri_.mask[old].reset(c);
  if (cpupri_.mask[old].none()) cpupri_.ranks.reset(old);
  cpupri_.mask[rank].set(c);
  cpupri_.ranks.set(rank);
  cpupri_.rank[c] = rank;
}

// rt_set_overload() / rt_clear_overload(), widened to every class: a task is
// queued on the CPU besides the one running there.
void Kernel::update_overload(Rq& rq) {
  const auto c = static_cast<std::size_t>(rq.cpu);
  const bool over = rq.nr_running > (rq.curr->is_idle() ? 0u : 1u);
  if (over == rto_mask_.test(c)) return;
  rto_mask_.set(c, over);
  over ? ++rto_count_ : --rto_count_;  // rd->rto_count
}

// dl_set_overload() / dl_clear_overload(): the CPU has more than one
// deadline task queued. (cpudl's free_cpus, the CPUs with none, need no mask
// of their own: they are those outside cpupri's deadline rank.)
void Kernel::cpudl_update(Rq& rq) { dlo_mask_.set(static_cast<std::size_t>(rq.cpu), rq.dl.dl_nr_running >= 2); }

void Kernel::cpupri_init() {
  cpupri_.rank.assign(rqs_.size(), cpupri_rank(MAX_PRIO));
  for (Rq& rq : rqs_) {
    cpupri_.mask[cpupri_rank(MAX_PRIO)].set(static_cast<std::size_t>(rq.cpu));
    cpupri_set(rq);
  }
  cpupri_.ranks.set(cpupri_rank(MAX_PRIO));
  if (cpupri_.mask[cpupri_rank(MAX_PRIO)].none()) cpupri_.ranks.reset(cpupri_rank(MAX_PRIO));
  for (Rq& rq : rqs_) {
    update_overload(rq);
    cpudl_update(rq);
  }
}

// The masks against a scan of every CPU (for tests): empty when they agree.
std::string Kernel::cpupri_check() const {
  std::string out;
  for (const Rq& rq : rqs_) {
    const auto c = static_cast<std::size_t>(rq.cpu);
    const std::size_t rank = cpupri_rank(cpu_prio(rq));
    for (std::size_t r = 0; r < cpupri_.mask.size(); ++r)
      if (cpupri_.mask[r].test(c) != (r == rank) || (cpupri_.mask[r].any() != cpupri_.ranks.test(r)))
        out += "CPU " + std::to_string(c) + ": cpupri rank " + std::to_string(r) + " disagrees with cpu_prio " + std::to_string(cpu_prio(rq)) + "\n";
    if (rto_mask_.test(c) != (rq.nr_running > (rq.curr->is_idle() ? 0u : 1u)))
      out += "CPU " + std::to_string(c) + ": overload bit " + std::to_string(rto_mask_.test(c)) + ", nr_running " + std::to_string(rq.nr_running) + "\n";
    if (dlo_mask_.test(c) != (rq.dl.dl_nr_running >= 2))
      out += "CPU " + std::to_string(c) + ": dl overload bit " + std::to_string(dlo_mask_.test(c)) + ", dl_nr_running " + std::to_string(rq.dl.dl_nr_running) + "\n";
  }
  if (static_cast<std::size_t>(rto_count_) != rto_mask_.count())
    out += "rto_count " + std::to_string(rto_count_) + ", overload mask has " + std::to_string(rto_mask_.count()) + "\n";
  return out;
}

}  // namespace preemptsim
