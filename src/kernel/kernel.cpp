// Building the simulated machine from a scenario (tasks, idle tasks, run
// queues) and the event loop that drives it for the run's duration.
#include "kernel/kernel.h"

#include "kernel/sched_class.h"

namespace preemptsim {

int sched_rr_timeslice_ticks(const Kernel& k);

namespace {
// sysctl_sched_base_slice scaled by update_sysctl(): 0.70 ms x (1 + ilog2(min(ncpus, 8))).
std::int64_t base_slice_for(int ncpus) {
  int n = std::min(ncpus, 8), log2 = 0;
  while (n > 1) {
    n >>= 1;
    ++log2;
  }
  return 700'000LL * (1 + log2);
}
}  // namespace

Kernel::Kernel(const Scenario& scenario, const PreemptModel& model)
    : scenario_(scenario), model_(model), tick_nsec_(Time::ns((1'000'000'000LL + scenario.system.hz / 2) / scenario.system.hz)) {
  const int ncpus = scenario.system.cpus;
  base_slice_ = base_slice_for(ncpus);
  rqs_.resize(static_cast<std::size_t>(ncpus));
  int pid = 1000;
  for (const TaskSpec& spec : scenario.tasks) {
    auto t = std::make_unique<Task>();
    t->pid = pid++;
    t->comm = spec.name;
    t->spec = &spec;
    t->policy = spec.policy;
    if (spec.cpus.empty())
      for (int c = 0; c < ncpus; ++c) t->cpus_allowed.set(static_cast<std::size_t>(c));
    for (int c : spec.cpus) t->cpus_allowed.set(static_cast<std::size_t>(c));
    if (spec.policy == Policy::Fifo || spec.policy == Policy::Rr) {
      t->rt_priority = spec.priority;
      t->prio = MAX_RT_PRIO - 1 - spec.priority;
      t->sched_class = &rt_sched_class;
    } else {
      t->nice = spec.nice;
      t->prio = DEFAULT_PRIO + spec.nice;
      t->sched_class = &fair_sched_class;
      t->se.weight = spec.policy == Policy::Idle ? WEIGHT_IDLEPRIO : nice_to_weight(spec.nice);
    }
    t->prog = compile_program(spec);
    t->slots.assign(static_cast<std::size_t>(t->prog.slots), -1);
    t->user_mode = !spec.kthread;
    t->cpu = static_cast<int>(t->cpus_allowed._Find_first());
    tasks_.push_back(std::move(t));
  }
  for (int c = 0; c < ncpus; ++c) {
    auto idle = std::make_unique<Task>();
    idle->pid = 0;
    idle->comm = "swapper/" + std::to_string(c);
    idle->prio = MAX_PRIO;
    idle->sched_class = &idle_sched_class;
    idle->user_mode = false;
    idle->cpu = c;
    Rq& rq = rqs_[static_cast<std::size_t>(c)];
    rq.cpu = c;
    rq.idle = idle.get();
    rq.curr = idle.get();
    tasks_.push_back(std::move(idle));
  }
  for (auto& t : tasks_)
    if (t->policy == Policy::Rr) t->rt.time_slice = sched_rr_timeslice_ticks(*this);
}

void Kernel::dispatch(const Event& e) {
  now_ = e.time;
  ++events_processed_;
  Rq& rq = cpu_rq(e.target);
  this_cpu_ = rq.cpu;
  account(rq);
  switch (e.kind) {
    case EV_SEGMENT_END:
      segment_end(rq, e.token);
      break;
    case EV_CLOCKEVENT:
      if (e.token != rq.clockevent_token) return;
      rq.clockevent_next = Time::max();
      raise_vector(rq, LOCAL_TIMER_VECTOR);
      cpu_run(rq);
      break;
    case EV_IPI:
      rq.ipi_in_flight = false;
      raise_vector(rq, RESCHEDULE_VECTOR);
      cpu_run(rq);
      break;
    default:
      invariant_failed("unknown event kind");
  }
}

void Kernel::run() {
  const Time end = scenario_.system.duration;
  now_ = Time();
  this_cpu_ = 0;
  for (auto& t : tasks_)
    if (!t->is_idle()) wake_up_new_task(*t);
  events_.push(end, Band::Control, EV_END, 0, 0);
  for (Rq& rq : rqs_) cpu_run(rq);
  while (!events_.empty()) {
    const Event e = events_.pop();
    if (e.kind == EV_END) break;
    dispatch(e);
  }
  now_ = end;
  for (Rq& rq : rqs_) account(rq);
}

}  // namespace preemptsim
