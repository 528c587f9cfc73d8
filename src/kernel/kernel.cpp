// Building the simulated machine from a scenario (tasks, idle tasks, run
// queues) and the event loop that drives it for the run's duration.
#include "kernel/kernel.h"

#include <fmt/format.h>

#include <cmath>

#include "kernel/noise.h"
#include "kernel/sched_class.h"
#include "workload/sched_dl_params.h"

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
  for (int c = 0; c < NR_COSTS; ++c) {
    const auto id = static_cast<CostId>(c);
    const auto& drawn = scenario.system.costs.drawn[static_cast<std::size_t>(c)];
    cost_fixed_[static_cast<std::size_t>(c)] = scenario.system.costs.fixed(id);
    cost_drawn_[static_cast<std::size_t>(c)] = drawn ? &*drawn : nullptr;
    cost_rngs_.emplace_back(scenario.system.seed, std::string("cost/") + cost_name(id));
  }
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
    if (spec.policy == Policy::Deadline) {  // __setparam_dl(): prio -1 (MAX_DL_PRIO - 1)
      t->prio = -1;
      t->sched_class = &dl_sched_class;
      t->dl.dl_runtime = spec.dl_runtime;
      t->dl.dl_deadline = spec.dl_deadline;
      t->dl.dl_period = spec.dl_period;
      t->dl.dl_bw = to_ratio(spec.dl_period, spec.dl_runtime);
      t->dl.dl_density = to_ratio(spec.dl_deadline, spec.dl_runtime);
    } else if (spec.policy == Policy::Fifo || spec.policy == Policy::Rr) {
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
    for (std::size_t i = 0; i < t->prog.ops.size(); ++i) {
      Op& op = t->prog.ops[i];
      if (op.step == nullptr || !op.step->work || (op.code != OpCode::Run && op.code != OpCode::Busy)) continue;
      op.work_rng = static_cast<int>(t->work_rngs.size());
      t->work_rngs.emplace_back(scenario.system.seed, fmt::format("task/{}/op/{}", spec.name, i));
    }
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
  // ksoftirqd/N: SCHED_OTHER nice 0, one per CPU, asleep until woken.
  for (int c = 0; c < ncpus; ++c) {
    Task& k = create_kthread("ksoftirqd/" + std::to_string(c), Policy::Other, 0, c);
    k.kthread_kind = Task::Kthread::Ksoftirqd;
    k.prog.ops.push_back(op_of(OpCode::KsoftirqdMain));
    rqs_[static_cast<std::size_t>(c)].ksoftirqd = &k;
    // spawn_ksoftirqd(): with forced IRQ threading also ktimers/N, at sched_set_fifo_low() (FIFO 1).
    if (force_irqthreads()) {
      Task& kt = create_kthread("ktimers/" + std::to_string(c), Policy::Fifo, 1, c);
      kt.kthread_kind = Task::Kthread::Ktimers;
      kt.prog.ops.push_back(op_of(OpCode::KtimersMain));
      rqs_[static_cast<std::size_t>(c)].ktimers = &kt;
    }
  }
  // Device lines; with forced threading each threadable one gets irq/N-NAME.
  int number = 16;
  for (const IrqSpec& spec : scenario.irqs) {
    const std::uint64_t seed = scenario.system.seed;
    irqs_.emplace_back(&spec, number++, Rng(seed, "irq/" + spec.name + "/arrival"), Rng(seed, "irq/" + spec.name + "/duration"));
  }
  for (std::size_t i = 0; i < irqs_.size(); ++i) {
    IrqSource& src = irqs_[i];
    if (!force_irqthreads() || src.spec->no_thread || src.spec->percpu || src.spec->nmi) continue;
    Task& t = create_kthread(fmt::format("irq/{}-{}", src.number, src.spec->name), Policy::Fifo, src.spec->thread_priority, src.spec->cpu);
    t.kthread_kind = Task::Kthread::IrqThread;
    t.irq = static_cast<int>(i);
    t.prog.ops.push_back(op_of(OpCode::IrqThreadMain));
    src.thread = &t;
  }
  for (Rq& rq : rqs_) rq.line_pending.assign(irqs_.size(), false);
  // PREEMPT_RT: BH-disable is local_lock(&softirq_ctrl.lock), an rtlock per CPU.
  if (rt_softirqs()) {
    bh_step_.kind = StepKind::LocalBhDisable;
    bh_step_.lock = "softirq_ctrl.lock";
    bh_step_.lock_kind = LockKind::Local;
    bh_step_.loc = SourceLoc{"local_bh_disable()", 0, 0};
    bh_op_.code = OpCode::LocalBhDisable;
    bh_op_.step = &bh_step_;
    for (int c = 0; c < ncpus; ++c) {
      KLock l;
      l.id = 100000 + c;
      l.name = "softirq_ctrl.lock";
      l.kind = LockKind::Local;
      l.impl = LockImpl::RtLock;
      bh_locks_.push_back(std::move(l));
    }
  }
  for (auto& t : tasks_) {
    if (t->policy == Policy::Rr) t->rt.time_slice = sched_rr_timeslice_ticks(*this);
    t->normal_prio = t->prio;
  }
  init_deferred();  // kworkers and irq_work/N: their programs name locks and syncs too
  events_.resize(end_slot() + 1);
  init_locks();
  init_syncs();
  init_waitqueues();
  machine_init();
  cpupri_init();
}

Kernel::~Kernel() = default;

// The next arrival of a line after the k-th (k counts from 0).
Time Kernel::next_arrival(IrqSource& src) {
  const Arrival& a = src.spec->arrival;
  const std::int64_t k = src.k++;
  auto exp_ns = [&](double mean_ns) {
    double u = src.arrivals.next_unit();
    while (u <= 0.0) u = src.arrivals.next_unit();
    return Time::saturating_ns(std::trunc(-mean_ns * std::log(u))) + Time::ns(1);  // saturates: never wraps
  };
  switch (a.kind) {
    case Arrival::Kind::Periodic: {
      Time t = a.phase + a.period * k;
      if (a.jitter > Time()) t += Time::ns(src.arrivals.uniform_int(0, a.jitter.count()));
      return t;
    }
    case Arrival::Kind::Poisson:
      src.last = (k == 0 ? a.phase : src.last) + exp_ns(1e9 / a.rate);
      return src.last;
    case Arrival::Kind::Sporadic:
      src.last = (k == 0 ? a.phase : src.last) + a.min_interarrival +
                 (a.mean > a.min_interarrival ? exp_ns(static_cast<double>((a.mean - a.min_interarrival).count())) : Time());
      return src.last;
    case Arrival::Kind::Burst:
      return a.phase + a.every * (k / a.count) + a.gap * (k % a.count);
    case Arrival::Kind::Timestamps:
      return static_cast<std::size_t>(k) < a.timestamps.size() ? a.timestamps[static_cast<std::size_t>(k)] : Time::max();
  }
  return Time::max();
}

void Kernel::arm_next_arrival(IrqSource& src) {
  const Time t = next_arrival(src);
  const auto line = static_cast<std::size_t>(&src - irqs_.data());
  if (t < scenario_.system.duration) events_.arm(irq_slot(line), t, Band::Hardware, EV_DEVICE_IRQ, static_cast<std::int32_t>(line), 0);
}

void Kernel::dispatch(const Event& e) {
  now_ = e.time;
  ++events_processed_;
  if (e.kind > EV_END) {  // the machine's noise sources (noise.cpp)
    machine_event(e, cpu_rq(e.kind == EV_SMI || e.kind == EV_HOUSEKEEPING ? 0 : e.target));
    return;
  }
  // A device event targets a line; the line's affinity names the CPU.
  IrqSource* src = e.kind == EV_DEVICE_IRQ ? &irqs_[static_cast<std::size_t>(e.target)] : nullptr;
  Rq& rq = cpu_rq(src ? src->spec->cpu : e.target);
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
      ++rq.nr_ipis;
      raise_vector(rq, RESCHEDULE_VECTOR);
      cpu_run(rq);
      break;
    case EV_DEVICE_IRQ:
      if (src->spec->nmi) {
        nmi_deliver(rq, e.target);
      } else {
        if (!rq.line_pending[static_cast<std::size_t>(e.target)]) src->pending_since = now_;
        device_work_arrive(*src);
        rq.line_pending[static_cast<std::size_t>(e.target)] = true;
        raise_vector(rq, DEVICE_VECTOR);
      }
      arm_next_arrival(*src);
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
    if (!t->is_idle() && t->kthread_kind == Task::Kthread::None) wake_up_new_task(*t);
  events_.arm(end_slot(), end, Band::Control, EV_END, 0, 0);
  for (Rq& rq : rqs_) cpu_run(rq);
  for (IrqSource& src : irqs_) arm_next_arrival(src);
  if (machine_) machine_start();
  while (!events_.empty() && !stopped_ && !stop_requested_) {  // a deadlock stops the run (check_deadlock())
    const Event e = events_.pop();
    if (e.kind == EV_END) break;
    dispatch(e);
    if (progress_ && (events_processed_ & 0xffff) == 0) progress_(now_, end);
  }
  // Events re-armed or cancelled before they were due were never queued
  // twice; count those the loop has gone past as processed, as when they
  // were popped and skipped.
  live_events_processed_ = events_processed_;
  events_processed_ += events_.dropped_before_last_pop();
  if (!stopped_) now_ = end;
  for (Rq& rq : rqs_) account(rq);
  if (machine_) machine_->idle.finish(now_);
  // Jobs still open at the end whose deadline has passed missed it too.
  for (auto& t : tasks_)
    if (t->job_deadline >= Time() && now_ > t->job_deadline)
      for (Observer* o : observers_) o->on_deadline_miss(now_, *t, t->job_deadline);
  for (Observer* o : observers_) o->on_run_end(now_);
}

}  // namespace preemptsim
