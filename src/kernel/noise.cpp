// The kernel side of the machine's noise (src/machine/): SMIs stalling CPUs,
// housekeeping work (RCU callbacks in RCU_SOFTIRQ or rcuc/rcuop threads,
// vmstat_update in kworker/N:1, timer-wheel expiries), nohz_full's tick
// dependency, isolcpus' default affinity, and memory interference.
#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/noise.h"
#include "kernel/sched_class.h"

namespace preemptsim {

void Kernel::machine_init() {
  const auto& spec = scenario_.system.machine;
  if (!spec || !spec->any()) return;
  const int ncpus = static_cast<int>(rqs_.size());
  machine_ = std::make_unique<MachineState>(*spec, ncpus, scenario_.system.seed, tick_nsec_);
  Housekeeping& hk = machine_->hk;
  // isolcpus=: sched_init_smp() gives init (so every task that does not set
  // its own affinity) housekeeping_cpumask(HK_TYPE_DOMAIN).
  if (!spec->isolcpus.empty())
    for (auto& t : tasks_) {
      if (t->is_idle() || !t->spec || !t->spec->cpus.empty() || t->kthread_kind != Task::Kthread::None) continue;
      auto allowed = t->cpus_allowed;
      for (int c = 0; c < ncpus; ++c)
        if (hk.isolated(c)) allowed.reset(static_cast<std::size_t>(c));
      if (allowed.none()) continue;  // every CPU isolated: the kernel keeps them all
      t->cpus_allowed = allowed;
      t->cpu = static_cast<int>(allowed._Find_first());
    }
  auto add_thread = [&](const std::string& comm, Policy policy, int prio, int cpu, Housekeeping::Source s, int for_cpu) {
    Task& k = create_kthread(comm, policy, prio, cpu);
    k.kthread_kind = Task::Kthread::Housekeeping;
    k.prog.ops.push_back(op_of(OpCode::HousekeepingMain));
    k.hk = static_cast<int>(machine_->threads.size());
    machine_->threads.push_back(MachineState::Thread{&k, s, for_cpu, Time(), Time(), false, 0});
    return k.hk;
  };
  auto resize_events = [&] { events_.resize(housekeeping_slot(machine_->threads.size())); };
  for (int c = 0; c < ncpus; ++c) {
    MachineState::PerCpu& pc = machine_->cpus[static_cast<std::size_t>(c)];
    if (hk.enabled(Housekeeping::RCU)) {
      if (hk.nocb(c))  // rcu_nocbs: rcuop/N (SCHED_OTHER) runs the callbacks on a housekeeping CPU
        pc.rcuop = add_thread(fmt::format("rcuop/{}", c), Policy::Other, 0, hk.housekeeping_cpu(), Housekeeping::RCU, c);
      else if (rt_softirqs())  // PREEMPT_RT: use_softirq=0, rcuc/N at kthread_prio (SCHED_FIFO 1 with RCU_BOOST)
        pc.rcuc = add_thread(fmt::format("rcuc/{}", c), Policy::Fifo, 1, c, Housekeeping::RCU, c);
    }
    // vmstat_shepherd() skips cpu_is_isolated() CPUs (nohz_full or isolcpus).
    if (hk.enabled(Housekeeping::VMSTAT) && !hk.cpu_is_isolated(c))
      pc.kworker = add_thread(fmt::format("kworker/{}:1", c), Policy::Other, 0, c, Housekeeping::VMSTAT, c);
  }
  resize_events();  // the machine's slots after the kernel's own (nothing is queued before run())
}

// The first SMI and the timer-driven housekeeping work.
void Kernel::machine_start() {
  Smi& smi = machine_->smi;
  if (smi.enabled()) {
    const Time t = smi.next_arrival();
    if (t < scenario_.system.duration) events_.arm(smi_slot(), t, Band::Hardware, EV_SMI, 0, 0);
  }
  for (std::size_t i = 0; i < machine_->threads.size(); ++i) {
    const MachineState::Thread& th = machine_->threads[i];
    if (th.task->comm.starts_with("rcuc/")) continue;  // rcuc/N is woken from the tick
    const Time t = machine_->hk.next_due(th.source, th.for_cpu);
    if (t < scenario_.system.duration) events_.arm(housekeeping_slot(i), t, Band::Hardware, EV_HOUSEKEEPING, static_cast<std::int32_t>(i), 0);
  }
}

bool Kernel::smi_stalled(const Rq& rq) const { return machine_->smi.enabled() && machine_->smi.stalled(rq.cpu, now_); }

void Kernel::machine_event(const Event& e, Rq& target) {
  switch (e.kind) {
    case EV_POLL_WAKE: {  // the polling idle task sees TIF_NEED_RESCHED
      this_cpu_ = target.cpu;
      account(target);
      cpu_run(target);
      break;
    }
    case EV_SMI: {  // every CPU the SMI hits enters SMM now, for the drawn duration
      Smi& smi = machine_->smi;
      const Time d = smi.draw_duration();
      for (Rq& rq : rqs_) {
        if (!smi.hits(rq.cpu)) continue;
        account(rq);
        const bool was = smi.stalled(rq.cpu, now_);
        smi.stall(rq.cpu, now_, d);
        if (!was && rq.seg_active) segment_interrupt(rq);
        trace(rq, "smi (invisible to the kernel)", rq.curr, d.count());
        if (signals_ & SIG_ACTIVITY) emit_activity(rq);
        rq.activity_idle = false;
        events_.arm(smi_end_slot(rq.cpu), smi.stalled_until(rq.cpu), Band::Hardware, EV_SMI_END, rq.cpu, 0);
      }
      const Time t = smi.next_arrival();
      if (t < scenario_.system.duration) events_.arm(smi_slot(), t, Band::Hardware, EV_SMI, 0, 0);
      break;
    }
    case EV_SMI_END:  // RSM: the CPU resumes where it was; what arrived meanwhile is pending
      if (machine_->smi.stalled(target.cpu, now_)) break;  // a later SMI extended the stall
      this_cpu_ = target.cpu;
      account(target);
      cpu_run(target);
      if (!target.seg_active && signals_ & SIG_ACTIVITY) emit_activity(target);
      break;
    case EV_HOUSEKEEPING: {  // a timer-driven batch (vmstat_update, an offloaded RCU batch) is due
      MachineState::Thread& th = machine_->threads[static_cast<std::size_t>(e.target)];
      th.pending += machine_->hk.take_next(th.source, th.for_cpu);
      Rq& rq = cpu_rq(th.task->cpu);
      this_cpu_ = rq.cpu;
      account(rq);
      try_to_wake_up(*th.task, TASK_INTERRUPTIBLE);
      cpu_run(rq);
      const Time t = machine_->hk.next_due(th.source, th.for_cpu);
      if (t < scenario_.system.duration) events_.arm(housekeeping_slot(static_cast<std::size_t>(e.target)), t, Band::Hardware, EV_HOUSEKEEPING, e.target, 0);
      break;
    }
    case EV_RETIME:  // memory interference changed: re-time the run/busy work in progress
      if (e.token != machine_->cpus[static_cast<std::size_t>(target.cpu)].retime_token) break;
      this_cpu_ = target.cpu;
      account(target);
      if (target.seg_active && machine_->cpus[static_cast<std::size_t>(target.cpu)].work_seg) {
        segment_interrupt(target);
        cpu_run(target);
      }
      break;
    default:
      invariant_failed("unknown machine event");
  }
}

// At the tick (update_process_times()): rcu_sched_clock_irq() finds callbacks
// ready and invokes RCU core processing: RCU_SOFTIRQ, or rcuc/N under
// PREEMPT_RT; run_local_timers() raises TIMER_SOFTIRQ for expired wheel timers.
// CPUs without a tick (idle, nohz_full) queue no callbacks here.
void Kernel::housekeeping_tick(Rq& rq) {
  Housekeeping& hk = machine_->hk;
  if (hk.enabled(Housekeeping::RCU) && !hk.nocb(rq.cpu)) {
    const Time w = hk.take_due(Housekeeping::RCU, rq.cpu, now_);
    const int rcuc = machine_->cpus[static_cast<std::size_t>(rq.cpu)].rcuc;
    if (w >= Time() && rcuc >= 0) {
      MachineState::Thread& th = machine_->threads[static_cast<std::size_t>(rcuc)];
      th.pending += w;
      try_to_wake_up(*th.task, TASK_INTERRUPTIBLE);
    } else if (w >= Time()) {
      raise_softirq(rq, SoftirqWork{RCU_SOFTIRQ, w, nullptr, -1});
    }
  }
  if (hk.enabled(Housekeeping::TIMER_WHEEL)) {
    const Time w = hk.take_due(Housekeeping::TIMER_WHEEL, rq.cpu, now_);
    if (w >= Time()) raise_timer_softirq(rq, SoftirqWork{TIMER_SOFTIRQ, w, nullptr, -1});
  }
}

// The loop of rcuc/N (rcu_cpu_kthread()), rcuop/N (nocb_cb_wait()) and a
// kworker running vmstat_update: take the work handed over, run it, sleep.
bool Kernel::housekeeping_thread_step(Rq& rq, Task& p) {
  MachineState::Thread& th = machine_->threads[static_cast<std::size_t>(p.hk)];
  if (th.remaining > Time()) {
    start_segment(rq, &th.remaining);
    return true;
  }
  if (th.running) {
    th.running = false;
    ++th.batches;
  }
  if (th.pending > Time()) {
    th.remaining = th.pending;
    th.pending = Time();
    th.running = true;
    return false;
  }
  p.state = TASK_INTERRUPTIBLE;
  schedule(rq);
  return false;
}

// sched_can_stop_tick() on a nohz_full CPU: FIFO tasks need no tick, nor a
// single RR task; otherwise only one runnable task can do without it.
bool Kernel::can_stop_full_tick(const Rq& rq) const {
  if (!machine_->hk.nohz_full(rq.cpu)) return false;
  if (rq.rt.rt_nr_running) return !(rq.curr->policy == Policy::Rr && rq.rt.rt_nr_running > 1);
  return rq.nr_running <= 1;
}

// sched_update_tick_dependency() (add_nr_running()): a second task on a
// nohz_full CPU restarts its tick (tick_nohz_dep_set_cpu(); the kick's IPI
// is not modelled: the tick restarts at once).
void Kernel::sched_update_tick_dependency(Rq& rq) {
  if (!machine_->hk.nohz_full(rq.cpu) || rq.curr->is_idle() || rq.next_tick != Time::max()) return;
  if (!can_stop_full_tick(rq)) tick_restart(rq);
}

// Run/busy work: under memory interference, while another CPU runs a
// memory-heavy task, it takes factor times as long. `remaining` null: a
// segment that is not such work starts (only clears the mark).
void Kernel::start_work_segment(Rq& rq, Time* remaining) {
  MachineState::PerCpu& pc = machine_->cpus[static_cast<std::size_t>(rq.cpu)];
  pc.work_seg = false;
  if (!remaining) return;
  const MemoryInterference& mem = machine_->mem;
  if (!mem.enabled()) {
    start_segment(rq, remaining);
    return;
  }
  start_segment(rq, remaining);
  pc.work_seg = true;
  pc.work_slowed = mem.slowed(rq.cpu);
  if (pc.work_slowed) {  // the same segment, ending later: re-push its end
    events_.arm(seg_slot(rq.cpu), now_ + mem.wall_for(*remaining), Band::Completion, EV_SEGMENT_END, rq.cpu, ++rq.seg_token);
  }
}

// An interrupted slowed segment did work_in(elapsed) of its work.
bool Kernel::work_segment_interrupt(Rq& rq) {
  MachineState::PerCpu& pc = machine_->cpus[static_cast<std::size_t>(rq.cpu)];
  if (!pc.work_seg || !pc.work_slowed) return false;
  pc.work_seg = false;
  *rq.seg_remaining -= machine_->mem.work_in(now_ - rq.seg_start);
  if (*rq.seg_remaining < Time()) *rq.seg_remaining = Time();
  rq.seg_active = false;
  ++rq.seg_token;
  events_.cancel(seg_slot(rq.cpu));
  return true;
}

// A switch completed: does this CPU now run a memory-heavy task? When the set
// of such CPUs changes, other CPUs' work in progress is re-timed.
void Kernel::memory_heavy_switch(Rq& rq) {
  MemoryInterference& mem = machine_->mem;
  if (!mem.enabled()) return;
  const Task& curr = *rq.curr;
  const bool heavy = !curr.is_idle() && curr.spec && curr.spec->memory_heavy;
  if (!mem.set_heavy(rq.cpu, heavy)) return;
  for (Rq& other : rqs_) {
    if (&other == &rq) continue;
    MachineState::PerCpu& pc = machine_->cpus[static_cast<std::size_t>(other.cpu)];
    if (other.seg_active && pc.work_seg && pc.work_slowed != mem.slowed(other.cpu))
      events_.arm(retime_slot(other.cpu), now_, Band::Hardware, EV_RETIME, other.cpu, ++pc.retime_token);
  }
}

}  // namespace preemptsim
