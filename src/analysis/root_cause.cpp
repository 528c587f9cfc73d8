// The worst-case explanation: the parts of one wakeup's latency as its CPU
// spent them (task steps with their workload site, hard IRQs, softirqs, IRQ
// threads, switches, idle), and why preemption did not happen sooner.
#include "analysis/root_cause.h"

#include <algorithm>

#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/locking.h"
#include "kernel/preempt.h"
#include "kernel/program.h"

namespace preemptsim {

namespace {
// "spin_lock_irqsave L": the kernel call a lock step stands for.
std::string lock_call(const Step& s, bool unlock = false) {
  if (unlock) {
    std::string call = lock_call(s);
    const auto at = call.find("lock");
    call.replace(at, 4, "unlock");
    if (s.lock_flavor == LockFlavor::IrqSave) call.replace(call.find("_irqsave"), 8, "_irqrestore");
    return call;
  }
  const char* base = "lock";
  switch (s.lock_kind) {
    case LockKind::Spin: base = "spin_lock"; break;
    case LockKind::RawSpin: base = "raw_spin_lock"; break;
    case LockKind::Mutex: base = "mutex_lock"; break;
    case LockKind::RtMutex: base = "rt_mutex_lock"; break;
    case LockKind::RwLock: base = s.lock_write ? "write_lock" : "read_lock"; break;
    case LockKind::Local: base = "local_lock"; break;
    default: break;
  }
  const char* flavor = s.lock_flavor == LockFlavor::Irq ? "_irq" : s.lock_flavor == LockFlavor::IrqSave ? "_irqsave" : s.lock_flavor == LockFlavor::Bh ? "_bh" : "";
  return fmt::format("{}{} {}", base, flavor, s.lock);
}

}  // namespace

RootCauseObserver::SchedSnap RootCauseObserver::snap(const Task& t) {
  return SchedSnap{&t, t.prio, t.normal_prio, t.rt_priority, t.nice, t.policy, t.dl.dl_deadline};
}

// "SCHED_FIFO 90", "SCHED_OTHER nice 0"; a boosted task says so.
std::string RootCauseObserver::sched_desc(const SchedSnap& t) {
  auto of = [&](int prio) -> std::string {
    if (prio < 0)  // the deadline class, above every RT priority
      return fmt::format("SCHED_DEADLINE, deadline {} after each activation", format_time(t.dl_deadline));
    if (prio < MAX_RT_PRIO) return fmt::format("{} {}", t.policy == Policy::Rr ? "SCHED_RR" : "SCHED_FIFO", MAX_RT_PRIO - 1 - prio);
    const char* pol = t.policy == Policy::Batch ? "SCHED_BATCH" : t.policy == Policy::Idle ? "SCHED_IDLE" : "SCHED_OTHER";
    return fmt::format("{} nice {}", pol, t.nice);
  };
  if (t.prio == t.normal_prio) return of(t.prio);
  const std::string boosted = t.prio < MAX_RT_PRIO ? fmt::format("prio {}", MAX_RT_PRIO - 1 - t.prio) : std::string("a fair prio");
  return fmt::format("{} by priority inheritance, normally {}", boosted, t.policy == Policy::Fifo || t.policy == Policy::Rr
                                                                              ? fmt::format("SCHED_{} {}", t.policy == Policy::Rr ? "RR" : "FIFO", t.rt_priority)
                                                                              : of(t.normal_prio));
}

RootCauseObserver::RootCauseObserver(Kernel& k, const PreemptModel& model, int first_pid, std::size_t tasks, std::size_t ring)
    : k_(k), model_(model), cpus_(k.rqs().size()), live_mode_(true), first_pid_(first_pid) {
  const std::size_t n = cpus_.size();
  live_.assign(n, 1);  // every CPU records
  log_ = std::make_unique<ActivityLog>(n, ring ? ring : kRingRecords);
  log_->watcher = this;
  k.set_activity_log(log_.get());
  pending_.resize(n);
  tracked_.resize(tasks);
  worst_of_.assign(tasks, -1);
}

RootCauseObserver::Tracked* RootCauseObserver::tracked(const Task& p) {
  const auto i = static_cast<std::size_t>(p.pid - first_pid_);
  return p.pid >= first_pid_ && i < tracked_.size() ? &tracked_[i] : nullptr;
}

RootCauseObserver::RootCauseObserver(const Kernel& k, const PreemptModel& model, std::vector<WorstWindow> windows)
    : k_(k), model_(model), cpus_(k.rqs().size()) {
  for (WorstWindow& w : windows) {
    windows_.emplace_back();
    windows_.back().pid = w.pid;
    windows_.back().w = std::move(w);
  }
  by_cpu_.resize(cpus_.size());
  live_.assign(cpus_.size(), 0);
  for (Window& w : windows_) {
    by_cpu_[static_cast<std::size_t>(w.w.cpu)].push_back(&w);
    ++live_[static_cast<std::size_t>(w.w.cpu)];
  }
  open_windows_ = windows_.size();
  // the windows' tasks: when each blocked and was woken (asleep at its expiry?)
  if (!windows_.empty()) {
    int lo = windows_.front().w.pid, hi = lo;
    for (const Window& w : windows_) {
      lo = std::min(lo, w.w.pid);
      hi = std::max(hi, w.w.pid);
    }
    first_pid_ = lo;
    tracked_.resize(static_cast<std::size_t>(hi - lo + 1));
  }
}

// Not asleep at its expiry (no timer fired for it: irq_at == t; or it had
// not blocked by then, or was woken again before it): still running or
// waiting to run its previous job, an overrun.
bool RootCauseObserver::overrun(const Tracked& tr, Time t, Time expiry, Time irq_at) {
  const bool asleep = tr.blocked_at >= Time() && tr.blocked_at <= expiry && !(tr.woken_at >= tr.blocked_at && tr.woken_at < expiry);
  return irq_at == t || !asleep;
}

std::string RootCauseObserver::describe(const Label& a) const {
  auto device = [&](int irq) { return irq >= 0 ? k_.irqs()[static_cast<std::size_t>(irq)].spec->name : std::string("an unknown line"); };
  switch (a.what) {
    case Activity::TaskStep: {
      if (!a.task) return "a task step";
      const Op* op = a.op;
      if (!op) return a.task->comm;
      const char* mode = op->code == OpCode::Run ? " in user space" : " in the kernel";
      return op->step ? fmt::format("{}: {}{} ({})", a.task->comm, op_name(op->code), mode, op->step->loc.str())
                      : fmt::format("{}: {}{}", a.task->comm, op_name(op->code), mode);
    }
    case Activity::IrqEntry:
    case Activity::IrqHandler:
    case Activity::IrqExit:
      return a.vec == DEVICE_VECTOR ? fmt::format("hard IRQ {}", device(a.irq)) : fmt::format("hard IRQ {}", vector_name(a.vec));
    case Activity::Nmi: return fmt::format("NMI {}", device(a.irq));
    case Activity::Softirq: return fmt::format("softirq {}", softirq_name(a.softirq));
    case Activity::IrqThread: return a.task ? a.task->comm : std::string("an IRQ thread");
    case Activity::Switch:
      return fmt::format("context switch {} -> {}", a.prev ? a.prev->comm : "the previous task", a.task ? a.task->comm : "the next task");
    case Activity::Idle: return "idle";
    case Activity::IdleExit: return "idle-state exit latency";
    case Activity::Smi: return "hardware/firmware stall (SMI), invisible to the kernel";
  }
  return "an unknown activity";
}

// "preempt_disable (file:3:5)", or the lock call that opened the section.
std::string RootCauseObserver::section_site(const OpenSection& s) {
  if (s.lock) return fmt::format("{} taken at {}", lock_call(*s.lock), s.lock->loc.str());
  return s.site.str();
}

void RootCauseObserver::add(Window& w, const Label& label, Time d) {
  if (d <= Time()) return;
  if (!w.parts.empty() && w.parts.back().first == label) {
    w.parts.back().second += d;
    return;
  }
  for (auto& [what, t] : w.parts)
    if (what == label) {
      t += d;
      return;
    }
  w.parts.emplace_back(label, d);
}

// Account the time since the last signal on `cpu` to what it was doing,
// opening windows whose expiry has come.
void RootCauseObserver::advance(int cpu, Time now) {
  const CpuState& cs = cpus_[static_cast<std::size_t>(cpu)];
  for (Window* wp : by_cpu_[static_cast<std::size_t>(cpu)]) {
    Window& w = *wp;
    if (w.done) continue;
    if (!w.open) {
      if (now < w.w.expiry) continue;
      w.open = true;
      w.cursor = w.w.expiry;
      w.label = cs.label;
      // what the CPU was doing when the timer fired, as rtla's analysis says it
      w.expiry_seen = true;
      w.at_expiry = cs.label;
      w.at_expiry_count = cs.now_count;
      w.at_expiry_irqs_off = cs.now_irqs_off;
      w.at_expiry_bh = cs.now_bh;
      for (const auto& t : k_.tasks())  // once per window
        if (t->pid == w.w.pid) {
          w.task = t.get();
          break;
        }
    }
    const Time until = now < w.w.at ? now : w.w.at;
    add(w, w.label, until - w.cursor);
    w.cursor = until;
  }
}

// An activity as a label: the three phases of a hard IRQ are one; an op
// only for a task step, prev only for a switch.
RootCauseObserver::Label RootCauseObserver::Label::of(const CpuActivity& a) {
  const Activity what = a.what == Activity::IrqEntry || a.what == Activity::IrqExit ? Activity::IrqHandler : a.what;
  return Label{a.task, a.what == Activity::Switch ? a.prev : nullptr, a.what == Activity::TaskStep ? a.op : nullptr, a.irq, what, a.vec, a.softirq};
}

void RootCauseObserver::on_cpu_activity(Time t, const Rq& rq, const CpuActivity& a) {
  const std::size_t c = static_cast<std::size_t>(rq.cpu);
  if (live_[c] == 0) return;  // no window of this CPU can still be explained
  CpuState& cs = cpus_[c];
  if (live_mode_) {  // the log's trigger: the first task-context activity after a wakeup on this CPU
    cs.curr = log_->task_before(rq.cpu);  // what the CPU ran in task context before this activity
    for (Wake& w : pending_[c])
      if (!w.judged) judge(w, rq, cs, a);
    return;
  }
  // Out of interrupt context after the wakeup: judge with the interrupted
  // context's state (the interrupt's own sections have closed by now).
  const bool task_context = ActivityLog::task_context(a.what);
  const int bh = a.task ? a.task->softirq_disable_cnt : 0;
  const Label l = Label::of(a);
  advance(rq.cpu, t);
  cs.now_count = a.preempt_count;
  cs.now_irqs_off = a.irqs_disabled;
  cs.now_bh = bh;
  if (task_context)
    for (Window* wp : by_cpu_[c])
      if (wp->woken && !wp->judged && !wp->done) judge(*wp, rq, cs, a);
  cs.label = l;
  if (task_context) {
    cs.curr = a.task;
    cs.op = a.op;
    cs.preempt_count = a.preempt_count;
    cs.irqs_disabled = a.irqs_disabled;
  }
  for (Window* w : by_cpu_[c])
    if (w->open && !w->done) w->label = l;
}

// The wakeup's first moment back in task context on its CPU: why it did not
// run at once, kept compact (the words are made in explanations()).
void RootCauseObserver::judge(Wake& w, const Rq& rq, CpuState& cs, const CpuActivity& a) {
  w.judged = true;
  if (live_mode_) {  // the open sections, as the run queue keeps them
    auto read = [](OpenSection& s, bool on, const Rq::SectionStart& at) {
      s.on = on;
      s.since = at.since;
      s.site = Site{at.loc, site_function(at.site_op, at.fn)};
      s.lock = on && at.op && at.op->code == OpCode::KLock ? at.op->step : nullptr;
    };
    read(cs.preempt_off, rq.trace_preempt_off, rq.preempt_off_at);
    read(cs.irqs_off, rq.trace_irqs_off, rq.irqs_off_at);
  }
  Judgment& j = w.judgment;
  j.cpu = rq.cpu;
  j.p = snap(*w.task);
  j.curr = cs.curr ? snap(*cs.curr) : SchedSnap{};
  j.cs = cs;
  const bool rt = w.task->prio < MAX_RT_PRIO;
  if (a.what == Activity::Switch && a.task == w.task) {
    j.why = Why::FirstChance;
  } else if (rt && cs.fs_serving) {
    // 6.12+ dl_server: a deadline entity, above every RT task, runs the fair class
    j.why = Why::FairServer;
    w.fair_server = true;
  } else if (rt && cs.rt_throttled) {
    j.why = Why::Throttled;
    w.throttled = true;
  } else {
    j.why = why_at_wakeup(cs, *w.task, w.resched_at_wakeup);
  }
  if (j.why == Why::Lazy) {
    w.lazy = true;
    w.lazy_curr = cs.curr;
    w.lazy_by_wakeup = !w.lazy_preset && rq.curr == cs.curr && rq.curr->tif_need_resched_lazy;
  }
}

void RootCauseObserver::on_section(Time t, const Rq& rq, Section kind, bool off, const Site& site) {
  if (live_[static_cast<std::size_t>(rq.cpu)] == 0) return;
  CpuState& cs = cpus_[static_cast<std::size_t>(rq.cpu)];
  OpenSection& s = kind == Section::PreemptOff ? cs.preempt_off : cs.irqs_off;
  if (off && !s.on) {
    s.on = true;
    s.since = t;
    s.site = site;
    s.lock = nullptr;
    // a lock step opened it: name the lock call, as a reader would write it
    const Task* curr = rq.curr;
    if (curr && !curr->is_idle() && rq.irq_stack.empty() && curr->op().code == OpCode::KLock && curr->op().step) s.lock = curr->op().step;
  } else if (!off) {
    s.on = false;
  }
}

RootCauseObserver::Why RootCauseObserver::why_at_wakeup(const CpuState& cs, const Task& p, bool resched_at_wakeup) const {
  const Task* curr = cs.curr;
  if (!curr || curr->is_idle()) return Why::Idle;
  if (curr == &p) return Why::StillOn;
  if (curr->prio < p.prio && curr->prio < MAX_RT_PRIO) return Why::Outranked;
  if (curr->prio == p.prio && p.prio < MAX_RT_PRIO) return Why::SameRtPrio;
  if (cs.irqs_off.on) return Why::IrqsOff;
  if (cs.preempt_off.on) return Why::PreemptOff;
  const bool in_kernel = !curr->user_mode || curr->in_softirq_work;
  if (in_kernel && model_.irqentry_exit_cond_resched == Call::Nop) return Why::OnlyExplicitPoints;
  if (model_.lazy && p.prio >= MAX_RT_PRIO && curr->prio >= MAX_RT_PRIO) return Why::Lazy;
  // check_preempt_wakeup_fair(): EEVDF may keep the running fair task (pick_eevdf() did not choose p)
  if (p.prio >= MAX_RT_PRIO && curr->prio >= MAX_RT_PRIO && !resched_at_wakeup) return Why::Eevdf;
  return Why::FirstPoint;
}

// The judgment in words, from what was kept when it was made.
std::string RootCauseObserver::why_text(const Window& w) const {
  const Judgment& j = w.judgment;
  const CpuState& cs = j.cs;
  const std::string& p = j.p.task ? j.p.task->comm : w.w.task;
  const std::string curr = j.curr.task ? j.curr.task->comm : std::string();
  const std::string t = format_time(w.woken_at);
  const SystemSpec& sys = k_.system();
  switch (j.why) {
    case Why::None: return {};
    case Why::FirstChance: return fmt::format("{} was woken at {} and switched in at the first chance", p, t);
    case Why::FairServer:
      return fmt::format(
          "the fair server of CPU {} (dl_server, {} of runtime every {}) was running SCHED_OTHER tasks ahead of every RT task when {} ({}) "
          "was woken at {}: the fair tasks had had {} of CPU in the period that ends at {}, so at {}, the last moment that still "
          "leaves the rest of the runtime before the period's end, the server started running them as a deadline entity",
          j.cpu, format_time(sys.fair_server_runtime), format_time(sys.fair_server_period), p, sched_desc(j.p), t, format_time(cs.fs_used),
          format_time(cs.fs_end), format_time(cs.fs_since));
    case Why::Throttled:
      return fmt::format(
          "RT throttling (sched_rt_runtime_us: {} of every {}): the RT tasks of CPU {} had used their runtime by {}, so {} ({}) was "
          "not picked, whatever its priority, until the period timer gave the runtime back",
          format_time(sys.rt_runtime), format_time(sys.rt_period), j.cpu, format_time(cs.throttled_since), p, sched_desc(j.p));
    case Why::Idle: return fmt::format("CPU was idle when {} was woken at {}: only the wakeup path and the switch", p, t);
    case Why::StillOn: return fmt::format("{} was still on its CPU when woken at {}", p, t);
    case Why::Outranked: return fmt::format("{} ({}) outranks {} ({}) and ran first", curr, sched_desc(j.curr), p, sched_desc(j.p));
    case Why::SameRtPrio:
      return fmt::format("{} has the same RT priority: SCHED_FIFO does not preempt it, {} waits until it blocks or yields", curr, p);
    case Why::IrqsOff: return fmt::format("hard IRQs were disabled since {} at {}", format_time(cs.irqs_off.since), section_site(cs.irqs_off));
    case Why::PreemptOff:
      return fmt::format("preemption was disabled since {} at {}", format_time(cs.preempt_off.since), section_site(cs.preempt_off));
    case Why::OnlyExplicitPoints:
      return fmt::format("{}: {} was in the kernel when {} was woken at {}; this model preempts the kernel only at explicit points", model_.kconfig,
                         curr, p, t);
    case Why::Lazy:
      return fmt::format(
          "PREEMPT_LAZY: the fair wakeup of {} at {} left {} running (it sets at most TIF_NEED_RESCHED_LAZY, which nothing in the kernel honours)",
          p, t, curr);
    case Why::Eevdf:
      return fmt::format(
          "EEVDF kept {} ({}) on the CPU at the wakeup of {} ({}) at {}: check_preempt_wakeup_fair() set no TIF_NEED_RESCHED ({} was "
          "not picked over it: its virtual deadline was not earlier, or RUN_TO_PARITY protected the running slice)",
          curr, sched_desc(j.curr), p, sched_desc(j.p), t, p);
    case Why::FirstPoint: return fmt::format("{} was preempted at the first point after {} was woken at {}", curr, p, t);
  }
  return {};
}

// The CPU's context as preempt_count says it (and, on PREEMPT_RT, the task's
// softirq_disable_cnt, which holds the BH count there): what the trace's
// flags column shows at that instant.
std::string RootCauseObserver::cpu_state(const Label& l, std::uint32_t count, bool irqs_off, int bh) const {
  std::vector<std::string> in;
  if (in_nmi(count)) in.emplace_back("in an NMI");
  if (in_hardirq(count)) in.emplace_back("in a hard IRQ");
  if (in_serving_softirq(count)) in.emplace_back("serving a softirq");
  if ((count & SOFTIRQ_MASK) >> (SOFTIRQ_SHIFT + 1)) in.emplace_back("BH disabled");
  // PREEMPT_RT: a softirq served in task context (an IRQ thread, ksoftirqd,
  // local_bh_enable()) counts in the task's softirq_disable_cnt, not in
  // preempt_count, and stays preemptible.
  if (l.what == Activity::Softirq && !in_serving_softirq(count))
    in.emplace_back("PREEMPT_RT: serving it in task context, preemptible, with BH disabled in the task's softirq_disable_cnt");
  else if (bh > 0)
    in.emplace_back(fmt::format("PREEMPT_RT: BH disabled in the task (softirq_disable_cnt {})", bh));
  std::string out = fmt::format("preempt_count {:#x}", count);
  if (!in.empty()) {
    out += " (";
    for (std::size_t i = 0; i < in.size(); ++i) out += (i ? ", " : "") + in[i];
    out += ")";
  }
  return out + fmt::format(", IRQs {}", irqs_off ? "off" : "on");
}

void RootCauseObserver::on_hrtimer_expire_entry(Time, const Rq& rq, const HrTimer& timer) {
  if (timer.kind != HrTimerKind::Tick || live_[static_cast<std::size_t>(rq.cpu)] == 0) return;
  CpuState& cs = cpus_[static_cast<std::size_t>(rq.cpu)];
  cs.tick_lazy = rq.curr->tif_need_resched_lazy;
  cs.tick_resched = rq.curr->tif_need_resched;
}

// sched_tick(): a fair slice used up sets TIF_NEED_RESCHED_LAZY
// (update_curr() -> resched_curr_lazy()); a lazy bit already set is promoted
// to TIF_NEED_RESCHED (sched_tick()'s "tif_test_bit(TIF_NEED_RESCHED_LAZY)").
void RootCauseObserver::on_hrtimer_expire_exit(Time, const Rq& rq, const HrTimer& timer) {
  const Time t = timer.expires;  // the tick by its own time (jiffy boundary), as a reader counts ticks
  const auto c = static_cast<std::size_t>(rq.cpu);
  if (timer.kind != HrTimerKind::Tick || live_[c] == 0) return;
  CpuState& cs = cpus_[c];
  const Task& curr = *rq.curr;
  if (!cs.tick_lazy && curr.tif_need_resched_lazy) {
    cs.lazy_set_by_tick = t;
    each_window(c, [&](Wake& w) {
      if (w.lazy && !w.done && !w.lazy_preset && !w.lazy_by_wakeup && w.lazy_set_at < Time()) w.lazy_set_at = t;
    });
  }
  if (cs.tick_lazy && !cs.tick_resched && curr.tif_need_resched)
    each_window(c, [&](Wake& w) {
      if (w.lazy && !w.done && w.promoted_at < Time()) w.promoted_at = t;
    });
}

void RootCauseObserver::on_sched_waking(Time t, const Rq&, const Task& p, int target_cpu) {
  const auto c = static_cast<std::size_t>(target_cpu);
  const Task& curr = *k_.rqs()[c].curr;
  auto woken = [&](Wake& w) {
    w.woken = true;
    w.woken_at = t;
    w.task = &p;
    // the lazy bit of the target CPU's task before this wakeup, and who set it
    w.lazy_preset = curr.tif_need_resched_lazy;
    w.lazy_tick = cpus_[c].lazy_set_by_tick;
  };
  Tracked* tr = tracked(p);
  if (tr) tr->woken_at = t;
  if (live_mode_) {
    if (!tr) return;
    // Woken this often without blocking (ttwu_runnable() on a task still queued):
    // the old entries served no window, the new one may.
    if (tr->pending >= kMaxPending) drop_pending(p, *tr);
    if (tr->pending == 0) tr->pending_cpu = target_cpu;
    else if (tr->pending_cpu != target_cpu) tr->pending_cpu = -1;  // on several CPUs
    ++tr->pending;
    pending_[c].emplace_back();
    Wake& w = pending_[c].back();
    w.pid = p.pid;
    woken(w);
    log_->watch(target_cpu);  // judged at the CPU's next task-context activity
    return;
  }
  advance(target_cpu, t);
  for (Window* w : by_cpu_[c])
    if (!w->done && w->open && !w->woken && w->w.pid == p.pid) woken(*w);
}

void RootCauseObserver::on_sched_wakeup(Time, const Rq&, const Task& p, int target_cpu) {
  const auto c = static_cast<std::size_t>(target_cpu);
  if (live_[c] == 0) return;
  const Task* curr = k_.rqs()[c].curr;
  each_window(c, [&](Wake& w) {
    if (!w.done && w.woken && !w.judged && w.pid == p.pid) w.resched_at_wakeup = curr->tif_need_resched;
  });
}

void RootCauseObserver::on_bandwidth(Time t, const Rq& rq, BandwidthEvent ev) {
  const std::size_t c = static_cast<std::size_t>(rq.cpu);
  if (live_[c] == 0) return;
  CpuState& cs = cpus_[c];
  switch (ev) {
    case BandwidthEvent::FairServerStart:
      cs.fs_serving = true;
      cs.fs_since = t;
      cs.fs_used = rq.fs_fair_time;
      cs.fs_end = rq.fs_window_end;
      break;
    case BandwidthEvent::RtThrottle:
      cs.rt_throttled = true;
      cs.throttled_since = t;
      break;
    case BandwidthEvent::FairServerStop:
    case BandwidthEvent::RtUnthrottle: {
      const bool fs = ev == BandwidthEvent::FairServerStop;
      (fs ? cs.fs_serving : cs.rt_throttled) = false;
      each_window(c, [&](Wake& w) {
        if (!w.done && (fs ? w.fair_server : w.throttled) && w.bandwidth_end < Time()) w.bandwidth_end = t;
      });
      break;
    }
  }
}

void RootCauseObserver::on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool, const Task& next) {
  Tracked* const tr_prev = tracked(prev);
  if (tr_prev && prev_state != TASK_RUNNING) tr_prev->blocked_at = t;
  if (live_[static_cast<std::size_t>(rq.cpu)] == 0) return;
  cpus_[static_cast<std::size_t>(rq.cpu)].lazy_set_by_tick = Time::ns(-1);  // the switch clears the bits
  // The step that called into the scheduler: the interrupted work (a
  // preemption at the interrupt return) or the op just executed.
  auto decide = [&](Decision& d) {
    d.set = true;
    d.t = t;
    d.cpu = rq.cpu;
    d.prev = &prev;
    d.prev_idle = prev.is_idle();
    d.prev_state = prev_state;
    d.interrupted = !prev.is_idle() && prev.remaining > Time();
    d.at = nullptr;
    if (d.interrupted) d.at = &prev.op();
    else if (!prev.is_idle() && prev.pc > 0) d.at = &prev.prog.ops[static_cast<std::size_t>(prev.pc - 1)];
    d.softirq = prev.in_softirq_work && prev.softirq_next < prev.softirq_work.size() ? prev.softirq_work[prev.softirq_next].vec : NR_SOFTIRQS;
    d.kthread = prev.kthread_kind;
    d.blocked_on = prev.blocked_on;
  };
  if (live_mode_) {
    if (tr_prev && prev_state != TASK_RUNNING && tr_prev->pending > 0) drop_pending(prev, *tr_prev);
    if (Tracked* tr = tracked(next)) decide(tr->decision);
    return;
  }
  advance(rq.cpu, t);
  for (Window* wp : by_cpu_[static_cast<std::size_t>(rq.cpu)])
    if (!wp->done && wp->open && wp->w.pid == next.pid) decide(wp->decision);
}

// The switch in words: where prev left the CPU.
std::string RootCauseObserver::decision_text(const Decision& d) const {
  const Task& prev = *d.prev;
  if (d.prev_idle) return fmt::format("the idle loop switched to it at {}", format_time(d.t));
  std::string site = "a point the simulator does not name";
  if (d.softirq != NR_SOFTIRQS)
    site = fmt::format("softirq {} work it ran in task context", softirq_name(d.softirq));
  else if (d.kthread == Task::Kthread::IrqThread)
    site = d.prev_state == TASK_RUNNING ? "its threaded handler (irq_thread_fn())" : "irq_thread(), with no interrupt left to handle";
  else if (d.kthread == Task::Kthread::Ksoftirqd)
    site = "run_ksoftirqd()";
  else if (d.kthread == Task::Kthread::Ktimers)
    site = "run_timersd()";
  else if (const Op* at = d.at) {
    if (at->code == OpCode::SyscallExit && at->step) site = fmt::format("the return to user from {}()", at->step->name);
    else if ((at->code == OpCode::KLock || at->code == OpCode::KUnlock) && at->step) site = lock_call(*at->step, at->code == OpCode::KUnlock);
    else site = op_name(at->code);
    if (at->step) site += fmt::format(" ({})", at->step->loc.str());
    if (d.interrupted) site = "the interrupt return, in " + site;
  }
  std::string verb = d.prev_state == TASK_RUNNING ? "was preempted" : (d.prev_state & TASK_DEAD) ? "exited" : "blocked";
  if (d.prev_state & TASK_DEAD) site = "the end of its program, after " + site;
  if (d.prev_state & TASK_RTLOCK_WAIT)
    verb = d.blocked_on ? fmt::format("blocked on the sleeping lock {}", d.blocked_on->name) : "blocked on a sleeping lock";
  return fmt::format("{} {} at {}, at {}", prev.comm, verb, format_time(d.t), site);
}

void RootCauseObserver::on_wakeup_latency(Time t, const Task& p, Time expiry, Time irq_at) {
  if (live_mode_) {
    live_latency(t, p, expiry, irq_at);
    return;
  }
  for (Window& w : windows_) {
    if (w.done || w.w.pid != p.pid || w.w.expiry != expiry || w.w.at != t) continue;
    if (!w.open) {  // the expiry had passed when the task slept: no wait at all
      w.open = true;
      w.cursor = expiry;
    }
    advance(w.w.cpu, t);
    w.done = true;
    if (const Tracked* tr = tracked(p)) w.overrun = overrun(*tr, t, expiry, irq_at);
    --live_[static_cast<std::size_t>(w.w.cpu)];
    if (--open_windows_ == 0 && on_all_closed_) on_all_closed_();
  }
}

// Live: the task is back on a CPU. Its worst wakeup so far (the first of the
// longest, as TaskStatsObserver keeps it) gets a window rebuilt from the ring
// and from what its wakeup met. (One switch-in can end two waits, e.g. a
// device read and a sleep: the pending wakeups stay until the task blocks.)
void RootCauseObserver::live_latency(Time t, const Task& p, Time expiry, Time irq_at) {
  Tracked* tr = tracked(p);
  if (!tr) return;
  const std::size_t i = static_cast<std::size_t>(p.pid - first_pid_);
  const int cpu = p.cpu;
  const auto c = static_cast<std::size_t>(cpu);
  const Window* prior = worst_of_[i] < 0 ? nullptr : &worst_[static_cast<std::size_t>(worst_of_[i])];
  if (!prior || t - expiry > prior->w.at - prior->w.expiry) {
    if (!prior) {
      worst_of_[i] = static_cast<std::int32_t>(worst_.size());
      worst_.emplace_back();
    }
    Window& best = worst_[static_cast<std::size_t>(worst_of_[i])];
    const Wake* woke = nullptr;  // the first wakeup on this CPU after the expiry
    for (const Wake& e : pending_[c])
      if (e.task == &p && e.woken_at >= expiry) {
        woke = &e;
        break;
      }
    best = Window{};
    if (woke) static_cast<Wake&>(best) = *woke;  // copied: a second latency at the same switch-in may pick it too
    best.w = WorstWindow{p.pid, p.comm, expiry, t, cpu};
    best.pid = p.pid;
    best.task = &p;
    best.open = best.done = true;
    best.decision = tr->decision.set && tr->decision.cpu == cpu && tr->decision.t >= expiry ? tr->decision : Decision{};
    best.overrun = overrun(*tr, t, expiry, irq_at);
    best.replay = !replay_ring(best);
  }
}

// The window's parts and the CPU's state at the expiry, from the CPU's ring:
// the record in force at the expiry (the last one before it), then every
// record up to the switch-in. False when the ring no longer reaches back.
bool RootCauseObserver::replay_ring(Window& w) const {
  const int cpu = w.w.cpu;
  const std::uint64_t n = log_->count(cpu), lo = n > log_->capacity() ? n - log_->capacity() : 0;
  std::uint64_t first = n;
  while (first > lo && log_->at(cpu, first - 1).t >= w.w.expiry) --first;
  Label label;  // the CPU's state before its first activity
  if (first > lo) {
    const ActivityRecord& r = log_->at(cpu, first - 1);
    label = Label::of(r.a);
    w.at_expiry_count = r.a.preempt_count;
    w.at_expiry_irqs_off = r.a.irqs_disabled;
    w.at_expiry_bh = r.bh;
  } else if (lo > 0) {
    return false;  // overwritten
  }
  w.expiry_seen = first < n;
  w.at_expiry = label;
  Time cursor = w.w.expiry;
  for (std::uint64_t k = first; k < n; ++k) {
    const ActivityRecord& x = log_->at(cpu, k);
    const Time until = x.t < w.w.at ? x.t : w.w.at;
    add(w, label, until - cursor);
    if (until > cursor) cursor = until;
    label = Label::of(x.a);
  }
  add(w, label, w.w.at - cursor);
  return true;
}

// The task blocks again: the wakeups it had pending are done with.
void RootCauseObserver::drop_pending(const Task& p, Tracked& tr) {
  auto drop = [&](std::vector<Wake>& v) { std::erase_if(v, [&](const Wake& e) { return e.task == &p; }); };
  if (tr.pending_cpu >= 0) drop(pending_[static_cast<std::size_t>(tr.pending_cpu)]);
  else
    for (auto& v : pending_) drop(v);
  tr.pending = 0;
}

std::vector<WorstWindow> RootCauseObserver::needs_replay() const {
  std::vector<WorstWindow> out;
  for (const Window& w : worst_)
    if (w.w.pid != 0 && w.replay) out.push_back(w.w);
  return out;
}

void RootCauseObserver::on_irq_wakeup(Time t, const Task& p, const IrqWake& ev) {
  auto match = [&](Window& w) {
    if (w.done && w.w.pid == p.pid && w.w.at == t && w.w.expiry == ev.arrival) w.device = ev;
  };
  if (!live_mode_) {
    for (Window& w : windows_) match(w);
  } else if (tracked(p)) {
    if (const std::int32_t w = worst_of_[static_cast<std::size_t>(p.pid - first_pid_)]; w >= 0) match(worst_[static_cast<std::size_t>(w)]);
  }
}

// The interrupt's path in words, from its own times: who ran each stage and
// how long each took (the parts sum to the wake time minus the arrival).
std::string RootCauseObserver::device_path(const IrqWake& ev, const std::string& task) const {
  const Scenario& sc = k_.scenario();
  const IrqSource& src = k_.irqs()[static_cast<std::size_t>(ev.irq)];
  const std::string line = src.spec->name;
  const std::string wake = src.spec->wakes.empty() ? std::string("its wakeup") : src.spec->wakes_completion ? "complete()" : "wake_up()";
  std::string text = fmt::format("the {} interrupt arrived at {}; its hard handler began {} later and ran {}", line, format_time(ev.arrival),
                                 format_time(ev.entry - ev.arrival), format_time(ev.handler_end - ev.entry));
  const Time deferred = ev.wake - ev.handler_end;
  const bool split = ev.stage_start >= Time();
  const Time wait = split ? ev.stage_start - ev.handler_end : Time();
  auto stage = [&](const std::string& who, const char* start) {
    return split ? fmt::format("; {} {} {} after the handler and woke {} {} later, at {}", who, start, format_time(wait), task,
                               format_time(deferred - wait), format_time(ev.wake))
                 : fmt::format("; {} woke {} {} after the handler, at {}", who, task, format_time(deferred), format_time(ev.wake));
  };
  switch (ev.via) {
    case IrqWake::Via::Handler: text += fmt::format(" and its {} woke {} at {}", wake, task, format_time(ev.wake)); break;
    case IrqWake::Via::Thread:
      text += " (the primary handler, which only wakes the IRQ thread)";
      text += stage(ev.by ? ev.by->comm : fmt::format("irq/{}-{}", src.number, line), "began the threaded handler");
      break;
    case IrqWake::Via::Softirq: text += stage(fmt::format("the {} softirq it raised", softirq_name(ev.vec)), "began"); break;
    case IrqWake::Via::Tasklet:
      text += stage(fmt::format("tasklet {} ({} softirq)", sc.tasklets[static_cast<std::size_t>(ev.obj)].name, softirq_name(ev.vec)), "began");
      break;
    case IrqWake::Via::Workqueue:
      text += stage(fmt::format("work {} on workqueue {}, run by {},", sc.works[static_cast<std::size_t>(ev.obj)].name,
                                sc.workqueues[static_cast<std::size_t>(ev.wq)].name, ev.by ? ev.by->comm : std::string("a kworker")),
                    "began");
      break;
    case IrqWake::Via::IrqWork:
      text += stage(fmt::format("irq_work {} ({})", sc.irq_works[static_cast<std::size_t>(ev.obj)].name,
                                ev.by ? ev.by->comm + " thread" : std::string("hard IRQ")),
                    "began");
      break;
  }
  return text;
}

std::vector<WorstCaseExplanation> RootCauseObserver::explanations() const {
  std::vector<WorstCaseExplanation> out;
  for (auto& [pid, e] : explained()) out.push_back(std::move(e));
  return out;
}

std::vector<std::pair<int, WorstCaseExplanation>> RootCauseObserver::explained() const {
  std::vector<std::pair<int, WorstCaseExplanation>> out;
  std::vector<const Window*> order;  // given order; live: task order
  if (live_mode_) {
    for (const std::int32_t w : worst_of_)
      if (w >= 0) order.push_back(&worst_[static_cast<std::size_t>(w)]);
  } else {
    for (const Window& w : windows_) order.push_back(&w);
  }
  for (const Window* wp : order) {
    const Window& w = *wp;
    if (!w.done || w.replay || w.w.pid == 0) continue;
    const std::string why = why_text(w);
    WorstCaseExplanation e;
    e.task = w.w.task;
    e.latency = w.w.at - w.w.expiry;
    e.expiry = w.w.expiry;
    e.cpu = w.w.cpu;
    // the compact parts in words; labels that read the same are one part
    for (const auto& [label, d] : w.parts) {
      const std::string what = describe(label);
      bool merged = false;
      for (auto& [x, t] : e.parts)
        if (x == what) {
          t += d;
          merged = true;
          break;
        }
      if (!merged) e.parts.emplace_back(what, d);
    }
    if (w.overrun)
      e.why = fmt::format(
          "overrun: {} was not asleep when its timer was due at {} (still running or waiting to run its previous job), so no timer "
          "interrupt woke it; it reached its sleep {} late and it returned at once. Like cyclictest, the late period's latency is "
          "measured from the missed expiry to that moment, and it includes the task's own work; no IRQ latency is recorded for it",
          w.w.task, format_time(w.w.expiry), format_time(e.latency));
    else if (!why.empty())
      e.why = why;
    else if (k_.rqs().size() > 1)
      e.why = fmt::format("not explained: {} was woken from another CPU (the wakeup path there is not followed)", w.w.task);
    else
      e.why = fmt::format("not explained: no wakeup of {} was seen on CPU {} in the window", w.w.task, w.w.cpu);
    if (w.lazy) {
      const std::string curr = w.lazy_curr ? w.lazy_curr->comm : std::string("the current task");
      if (w.lazy_preset)
        e.why += w.lazy_tick >= Time() ? fmt::format("; TIF_NEED_RESCHED_LAZY was already set on {} by the tick at {} (its slice was used up)", curr,
                                                     format_time(w.lazy_tick))
                                       : fmt::format("; TIF_NEED_RESCHED_LAZY was already set on {} by an earlier wakeup", curr);
      else if (w.lazy_by_wakeup)
        e.why += fmt::format("; the wakeup set TIF_NEED_RESCHED_LAZY on {} (check_preempt_wakeup_fair(): resched_curr_lazy())", curr);
      else if (w.lazy_set_at >= Time())
        e.why += fmt::format("; the wakeup set nothing (EEVDF did not pick {} over {}); the tick at {} set TIF_NEED_RESCHED_LAZY ({}'s slice was used up)",
                             w.w.task, curr, format_time(w.lazy_set_at), curr);
      else
        e.why += fmt::format("; not explained: no TIF_NEED_RESCHED_LAZY was seen set on {} in the window", curr);
      e.why += w.promoted_at >= Time()
                   ? fmt::format("; the tick at {} promoted it to TIF_NEED_RESCHED", format_time(w.promoted_at))
                   : fmt::format("; no tick promoted it before {} ran ({} left the CPU on its own)", w.w.task, curr);
    }
    if (w.fair_server)
      e.why += w.bandwidth_end >= Time() ? fmt::format("; the server's runtime was used up at {} and RT tasks ran again", format_time(w.bandwidth_end))
                                         : std::string("; the server was still serving when the window closed");
    if (w.throttled)
      e.why += w.bandwidth_end >= Time() ? fmt::format("; the period timer unthrottled the RT tasks at {}", format_time(w.bandwidth_end))
                                         : std::string("; the RT tasks were still throttled when the window closed");
    if (w.decision.set) e.why += "; then " + decision_text(w.decision);
    if (w.device)  // a device wakeup: the interrupt, its path, then what held the task back
      e.why = fmt::format("when the interrupt arrived the CPU was in: {} ({}); ", describe(w.at_expiry),
                          cpu_state(w.at_expiry, w.at_expiry_count, w.at_expiry_irqs_off, w.at_expiry_bh)) +
              device_path(*w.device, w.w.task) + "; " + e.why;
    else if (w.expiry_seen && !w.overrun)
      e.why = fmt::format("when the timer fired the CPU was in: {} ({}); ", describe(w.at_expiry),
                          cpu_state(w.at_expiry, w.at_expiry_count, w.at_expiry_irqs_off, w.at_expiry_bh)) +
              e.why;
    // Interference: other interrupts and softirq work inside the window.
    Time irq;
    for (const auto& [what, d] : w.parts)
      if ((what.what == Activity::IrqHandler && what.vec != LOCAL_TIMER_VECTOR) || what.what == Activity::Nmi || what.what == Activity::Softirq) irq += d;
    if (irq > Time())
      e.why += w.device ? fmt::format("; interrupts and softirqs, the device's own included, took {} of it", format_time(irq))
                        : fmt::format("; other interrupts and softirqs took {} of it", format_time(irq));
    out.emplace_back(w.w.pid, std::move(e));
  }
  return out;
}

}  // namespace preemptsim

namespace preemptsim {

std::vector<WorstCaseExplanation> explain_worst_cases(const Scenario& sc, const PreemptModel& model, const ModelResult& first) {
  std::vector<WorstWindow> windows;
  for (std::size_t i = 0; i < first.tasks.size(); ++i) {
    const TaskResult& t = first.tasks[i];
    if (t.worst_cpu < 0) continue;
    // workload tasks get pids from 1000 in file order (Kernel's constructor)
    windows.push_back(WorstWindow{1000 + static_cast<int>(i), t.name, t.worst_expiry, t.worst_at, t.worst_cpu});
  }
  if (windows.empty()) return {};
  Kernel k(sc, model);  // same scenario, model and seed: the same run, event for event
  RootCauseObserver obs(k, model, std::move(windows));
  k.add_observer(&obs);
  obs.set_on_all_closed([&k] { k.request_stop(); });  // the last worst wakeup is explained: the rest cannot change it
  k.run();
  return obs.explanations();
}

}  // namespace preemptsim

namespace preemptsim {

std::vector<WorstCaseExplanation> live_explanations(const Scenario& sc, const PreemptModel& model, const RootCauseObserver& live) {
  std::vector<std::pair<int, WorstCaseExplanation>> all = live.explained();
  std::vector<WorstWindow> replay = live.needs_replay();
  if (!replay.empty()) {
    Kernel k(sc, model);  // same scenario, model and seed: the same run, event for event
    RootCauseObserver obs(k, model, std::move(replay));
    k.add_observer(&obs);
    obs.set_on_all_closed([&k] { k.request_stop(); });
    k.run();
    for (auto& e : obs.explained()) all.push_back(std::move(e));
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<WorstCaseExplanation> out;
  for (auto& [pid, e] : all) out.push_back(std::move(e));
  return out;
}

}  // namespace preemptsim
