// Replays a recorded event stream through a small state machine per CPU and
// per task (who runs, in which syscall, inside which interrupt) and collects
// the figures of trace_profile.h.
#include "import/trace_profile.h"

#include <charconv>

namespace preemptsim {

bool is_kthread_name(const std::string& c) {
  static const char* const prefixes[] = {"kworker/", "ksoftirqd/", "rcu_", "rcu/", "migration/", "kthreadd", "cpuhp/", "idle_inject/",
                                         "irq/", "ktimers/", "kcompactd", "khugepaged", "kswapd", "watchdog", "kdevtmpfs", "oom_reaper",
                                         "writeback", "kblockd", "kintegrityd", "kauditd", "khungtaskd", "pool_workqueue", "ksmd", "scsi_"};
  for (const char* p : prefixes)
    if (c.rfind(p, 0) == 0) return true;
  return false;
}

namespace {

int field_int(const TraceEvent& e, std::string_view key, int dflt) {
  const auto v = trace_field_int(e.fields, key);
  return v ? static_cast<int>(*v) : dflt;
}

// "NR 59 (...)" / "NR 59 = 0" -> 59
int syscall_nr(const std::string& f) {
  if (f.rfind("NR ", 0) != 0) return -1;
  int nr = -1;
  std::from_chars(f.data() + 3, f.data() + f.size(), nr);
  return nr;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TraceProfiler::CpuState& TraceProfiler::cpu(int c) {
  if (c < 0) c = 0;
  if (static_cast<std::size_t>(c) >= cpus_.size()) cpus_.resize(static_cast<std::size_t>(c) + 1);
  return cpus_[static_cast<std::size_t>(c)];
}

TraceProfiler::TaskState& TraceProfiler::task(int pid, const std::string& comm, Time t) {
  auto [it, fresh] = tasks_.try_emplace(pid);
  TaskState& s = it->second;
  if (fresh) {
    s.p.pid = pid;
    s.p.first = t;
  }
  if (!comm.empty() && comm != "<...>") s.p.comm = comm;
  s.p.last = t;
  return s;
}

Time TraceProfiler::task_cpu_now(const TaskState& s, Time t) const {
  if (!s.running) return s.p.cpu_time;
  const CpuState& c = cpus_[static_cast<std::size_t>(s.on_cpu)];
  return s.p.cpu_time + (t - s.run_start) - (c.intr_total - s.intr_snap);
}

void TraceProfiler::end_run(TaskState& s, Time t) {
  if (!s.running) return;
  s.p.cpu_time = task_cpu_now(s, t);
  s.running = false;
}

void TraceProfiler::intr_enter(CpuState& c, Time t, bool soft) {
  if (c.hard_depth + c.soft_depth == 0) c.intr_start = t;
  if (soft) {
    if (c.soft_depth++ == 0) c.soft_start = t;
  } else if (c.hard_depth++ == 0) {
    c.hard_start = t;
  }
}

void TraceProfiler::intr_exit(CpuState& c, Time t, bool soft) {
  int& d = soft ? c.soft_depth : c.hard_depth;
  if (d == 0) return;  // the trace began inside it
  if (--d == 0) (soft ? c.p.softirq : c.p.hardirq) += t - (soft ? c.soft_start : c.hard_start);
  if (c.hard_depth + c.soft_depth == 0) c.intr_total += t - c.intr_start;
}

void TraceProfiler::add(const TraceEvent& e) {
  if (start_ == Time::max()) start_ = e.t;
  end_ = e.t;
  sub_us_ |= e.t.count() % 1000 != 0;
  ++events_[e.name];
  CpuState& c = cpu(e.cpu);
  const std::string& n = e.name;
  if (n == "sched_switch") {
    const int prev = field_int(e, "prev_pid", e.pid), next = field_int(e, "next_pid", 0);
    const std::string state(trace_field(e.fields, "prev_state").value_or("R"));
    if (prev != 0) {
      TaskState& p = task(prev, std::string(trace_field(e.fields, "prev_comm").value_or("")), e.t);
      p.p.prio = field_int(e, "prev_prio", p.p.prio);
      const Time now = task_cpu_now(p, e.t);
      end_run(p, e.t);
      if (state[0] == 'R') {
        ++p.p.preempted;
        if (p.sys_nr >= 0) ++p.p.syscalls[p.sys_nr].preempted_inside;
      } else {
        ++p.p.blocks;
        p.blocked = true;
        ++p.p.blocked_in[p.sys_nr];
        if (p.sys_nr >= 0) {
          p.sys_blocked = true;
          if (p.act_active) p.act_kernel += now - p.sys_act_mark;
        }
        if (p.act_active) {
          const Time used = now - p.act_cpu_start;
          p.p.act_kernel.push_back(p.act_kernel);
          p.p.act_user.push_back(used > p.act_kernel ? used - p.act_kernel : Time());
          p.act_active = false;
        }
        if (state[0] == 'X' || state[0] == 'Z') p.p.exited = true;
      }
    }
    c.curr = next;
    if (next != 0) {
      TaskState& s = task(next, std::string(trace_field(e.fields, "next_comm").value_or("")), e.t);
      s.p.prio = field_int(e, "next_prio", s.p.prio);
      ++s.prios[s.p.prio];
      s.running = true;
      s.on_cpu = e.cpu;
      s.run_start = e.t;
      s.intr_snap = c.intr_total;
      s.p.cpus.insert(e.cpu);
      const bool unwoken_start = s.p.latencies.empty() && s.p.act_user.empty() && !s.act_active && s.p.blocks == 0 && !s.blocked;
      if (unwoken_start) s.p.first_act_unwoken = true;
      if (s.pending_waking != Time::max() || s.new_task || unwoken_start) {
        if (s.pending_waking != Time::max()) s.p.latencies.push_back(e.t - s.pending_waking);
        s.pending_waking = Time::max();
        s.new_task = false;
        s.blocked = false;
        s.act_active = true;
        s.act_cpu_start = s.p.cpu_time;
        s.act_kernel = Time();
        s.sys_act_mark = s.p.cpu_time;
      }
      // A task that preempted another inside a syscall: how long the preemption took.
      if (prev != 0 && state == "R+") {
        TaskState& p = tasks_[prev];
        if (p.sys_nr >= 0 && !s.p.latencies.empty() && s.p.wakeups.size() == s.p.latencies.size())
          p.p.syscalls[p.sys_nr].preempt_delays.push_back(s.p.latencies.back());
      }
    }
  } else if (n == "sched_waking" || n == "sched_wakeup_new") {
    const int pid = field_int(e, "pid", -1);
    if (pid <= 0) return;
    TaskState& s = task(pid, std::string(trace_field(e.fields, "comm").value_or("")), e.t);
    s.p.prio = field_int(e, "prio", s.p.prio);
    if (n == "sched_wakeup_new") {
      s.new_task = true;
      return;
    }
    if (!s.running && s.blocked && s.pending_waking == Time::max()) {
      s.pending_waking = e.t;
      s.p.wakeups.push_back(e.t);
      if (c.in_hrtimer_wakeup) {
        ++s.p.timer_wakeups;
        s.p.timer_wakeup_at.push_back(c.hrtimer_entry);
      }
    }
  } else if (n == "sys_enter") {
    if (e.pid == 0) return;
    TaskState& s = task(e.pid, e.comm, e.t);
    s.sys_nr = syscall_nr(e.fields);
    s.sys_blocked = false;
    s.sys_cpu_start = s.sys_act_mark = task_cpu_now(s, e.t);
  } else if (n == "sys_exit") {
    if (e.pid == 0) return;
    TaskState& s = task(e.pid, e.comm, e.t);
    if (s.sys_nr < 0) return;
    const Time now = task_cpu_now(s, e.t);
    if (s.act_active) s.act_kernel += now - s.sys_act_mark;
    if (!s.sys_blocked) {
      SyscallProfile& sp = s.p.syscalls[s.sys_nr];
      sp.nr = s.sys_nr;
      sp.kernel.push_back(now - s.sys_cpu_start);
    }
    s.sys_nr = -1;
  } else if (n == "irq_handler_entry") {
    intr_enter(c, e.t, false);
    const int irq = field_int(e, "irq", -1);
    IrqLineProfile& l = irqs_[irq];
    l.irq = irq;
    if (auto nm = trace_field(e.fields, "name")) l.name = std::string(*nm);
    l.arrivals.push_back(e.t);
    ++l.cpus[e.cpu];
    ++c.p.device_irqs;
    c.line = irq;
    c.line_start = e.t;
  } else if (n == "irq_handler_exit") {
    if (c.line >= 0) irqs_[c.line].handler.push_back(e.t - c.line_start);
    c.line = -1;
    intr_exit(c, e.t, false);
  } else if (n == "softirq_raise") {
    c.raised_by[field_int(e, "vec", 0)] = c.line >= 0 ? c.line : c.in_timer ? -2 : -1;
  } else if (n == "softirq_entry") {
    intr_enter(c, e.t, true);
    c.softirq_start = e.t;
  } else if (n == "softirq_exit") {
    if (c.soft_depth > 0) {
      const int vec = field_int(e, "vec", 0);
      const Time d = e.t - c.softirq_start;
      auto it = c.raised_by.find(vec);
      const int by = it == c.raised_by.end() ? -1 : it->second;
      if (by >= 0) irqs_[by].softirqs[vec].push_back(d);
      else if (by == -2) c.p.tick_softirqs[vec].push_back(d);
      else c.p.other_softirqs[vec].push_back(d);
      if (it != c.raised_by.end()) c.raised_by.erase(it);
    }
    intr_exit(c, e.t, true);
  } else if (n == "hrtimer_expire_entry") {
    const std::string_view fn = trace_field(e.fields, "function").value_or("");
    if (fn == "tick_nohz_handler" || fn == "tick_sched_timer") {
      ++c.p.ticks;
      if (first_tick_ == Time::max()) {
        first_tick_ = e.t;
        first_tick_now_ = Time::ns(trace_field_int(e.fields, "now").value_or(e.t.count()));
      }
    }
    c.hrtimer_entry = Time::ns(trace_field_int(e.fields, "now").value_or(e.t.count()));
    if (fn == "hrtimer_wakeup") {
      c.in_hrtimer_wakeup = true;
      ++hrtimer_wakeups_;
    }
  } else if (n == "hrtimer_expire_exit") {
    c.in_hrtimer_wakeup = false;
  } else if (n == "sched_process_exit") {
    task(field_int(e, "pid", e.pid), std::string(trace_field(e.fields, "comm").value_or("")), e.t).p.exited = true;
  } else if (n == "preempt_disable" || n == "irq_disable") {
    (n == "preempt_disable" ? c.preempt_off_start : c.irqs_off_start) = e.t;
  } else if (n == "preempt_enable" || n == "irq_enable") {
    Time& st = n == "preempt_enable" ? c.preempt_off_start : c.irqs_off_start;
    if (st != Time::max() && c.curr != 0 && c.hard_depth + c.soft_depth == 0) {
      TaskState& s = tasks_[c.curr];
      if (s.sys_nr >= 0) (n == "preempt_enable" ? s.p.syscalls[s.sys_nr].preempt_off : s.p.syscalls[s.sys_nr].irqs_off).push_back(e.t - st);
    }
    st = Time::max();
  } else if (ends_with(n, "_entry") && n != "sched_wakeup_new") {
    // irq_vectors: local_timer, reschedule, call_function(_single), and the rest
    intr_enter(c, e.t, false);
    if (n == "local_timer_entry") {
      c.in_timer = true;
      ++c.p.timer_irqs;
    } else if (n == "reschedule_entry" || n.rfind("call_function", 0) == 0) {
      ++c.p.ipis;
    }
  } else if (ends_with(n, "_exit") && n != "sched_process_exit") {
    if (n == "local_timer_exit") c.in_timer = false;
    intr_exit(c, e.t, false);
  }
}

TraceProfile TraceProfiler::finish(int ncpus) {
  TraceProfile out;
  out.start = start_ == Time::max() ? Time() : start_;
  out.end = end_;
  for (auto& [pid, s] : tasks_) {
    end_run(s, end_);
    if (s.act_active) {  // the activation open at the end is not a complete one
      s.act_active = false;
    }
    s.p.kthread = is_kthread_name(s.p.comm);
    std::uint64_t most = 0;
    for (auto [prio, n] : s.prios)
      if (n > most) most = n, s.p.prio = prio;
    out.tasks.push_back(std::move(s.p));
  }
  for (auto& [irq, l] : irqs_) out.irqs.push_back(std::move(l));
  out.ncpus = ncpus > 0 ? ncpus : static_cast<int>(cpus_.size());
  cpus_.resize(static_cast<std::size_t>(std::max(out.ncpus, static_cast<int>(cpus_.size()))));
  for (CpuState& c : cpus_) out.cpus.push_back(std::move(c.p));
  out.events = events_;
  out.hrtimer_wakeups = hrtimer_wakeups_;
  out.first_tick = first_tick_;
  out.first_tick_now = first_tick_now_;
  out.resolution = sub_us_ ? Time::ns(1) : Time::ns(1000);
  return out;
}

}  // namespace preemptsim
