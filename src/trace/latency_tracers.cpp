// irqsoff/preemptoff/preemptirqsoff (trace_irqsoff.c) follow the section edges
// the kernel reports per CPU; wakeup/wakeup_rt (trace_sched_wakeup.c) follow the
// highest-priority woken task from sched_waking to the sched_switch into it.
#include "trace/latency_tracers.h"

#include <fmt/format.h>

#include "kernel/kernel.h"

namespace preemptsim {

namespace {
constexpr TracerKind ALL[] = {TracerKind::Irqsoff, TracerKind::Preemptoff, TracerKind::Preemptirqsoff, TracerKind::Wakeup, TracerKind::WakeupRt};

int policy_number(Policy p) {  // SCHED_NORMAL 0, FIFO 1, RR 2, BATCH 3, IDLE 5, DEADLINE 6
  switch (p) {
    case Policy::Other: return 0;
    case Policy::Fifo: return 1;
    case Policy::Rr: return 2;
    case Policy::Batch: return 3;
    case Policy::Idle: return 5;
    case Policy::Deadline: return 6;
  }
  return 0;
}
}  // namespace

const char* tracer_name(TracerKind k) {
  switch (k) {
    case TracerKind::Irqsoff: return "irqsoff";
    case TracerKind::Preemptoff: return "preemptoff";
    case TracerKind::Preemptirqsoff: return "preemptirqsoff";
    case TracerKind::Wakeup: return "wakeup";
    case TracerKind::WakeupRt: return "wakeup_rt";
  }
  return "?";
}

std::optional<TracerKind> find_tracer(const std::string& name) {
  for (TracerKind k : ALL)
    if (name == tracer_name(k)) return k;
  return std::nullopt;
}

std::string tracer_names() {
  std::string s;
  for (TracerKind k : ALL) s += (s.empty() ? "" : ", ") + std::string(tracer_name(k));
  return s;
}

LatencyTracer::LatencyTracer(const Kernel& k, TracerKind kind, std::string model, Time thresh)
    : FtraceEventSource(k), kind_(kind), model_(std::move(model)), thresh_(thresh), ncpus_(static_cast<int>(k.rqs().size())),
      cpus_(k.rqs().size()) {}

std::string LatencyTracer::task_line(const Task& p) {
  return fmt::format("{}-{} (uid:0 nice:{} policy:{} rt_prio:{})", p.comm, p.pid, p.nice, policy_number(p.policy), p.rt_priority);
}

bool LatencyTracer::traced(const CpuState& s) const {
  switch (kind_) {
    case TracerKind::Irqsoff: return s.irqs_off;
    case TracerKind::Preemptoff: return s.preempt_off;
    case TracerKind::Preemptirqsoff: return s.irqs_off || s.preempt_off;
    default: return false;
  }
}

// tracing_thresh set: every latency above it; otherwise a new max replaces the old.
void LatencyTracer::record(LatencyTrace&& tr) {
  if (thresh_ > Time()) {
    if (tr.latency > thresh_) traces_.push_back(std::move(tr));
    return;
  }
  if (traces_.empty())
    traces_.push_back(std::move(tr));
  else if (tr.latency > traces_.front().latency)
    traces_.front() = std::move(tr);
}

// start_critical_timing() / stop_critical_timing(): a section opens when the
// CPU's traced condition becomes true and closes when it becomes false.
void LatencyTracer::on_section(Time t, const Rq& rq, Section kind, bool off, const Site& site) {
  if (kind_ == TracerKind::Wakeup || kind_ == TracerKind::WakeupRt) return;
  CpuState& s = cpus_[static_cast<std::size_t>(rq.cpu)];
  const bool before = traced(s);
  (kind == Section::IrqsOff ? s.irqs_off : s.preempt_off) = off;
  const bool after = traced(s);
  if (before == after) return;
  if (after) {
    s.open = true;
    s.start = t;
    s.started_at = site.str();
    s.entries.clear();
    s.dropped = 0;
    s.entries.push_back(FtraceEntry{t, rq.cpu, rq.curr->pid, ftrace_comm(*rq.curr), ftrace_flags(rq), s.started_at, ""});
    return;
  }
  if (!s.open) return;
  s.open = false;
  LatencyTrace tr;
  tr.latency = t - s.start;
  if (thresh_ > Time() ? tr.latency <= thresh_ : (!traces_.empty() && tr.latency <= traces_.front().latency)) return;
  tr.start = s.start;
  tr.end = t;
  tr.cpu = rq.cpu;
  tr.task = task_line(*rq.curr);
  tr.started_at = s.started_at;
  tr.ended_at = site.str();
  s.entries.push_back(FtraceEntry{t, rq.cpu, rq.curr->pid, ftrace_comm(*rq.curr), ftrace_flags(rq), tr.ended_at, ""});
  tr.entries = std::move(s.entries);
  tr.entries_dropped = s.dropped;
  s.entries.clear();
  record(std::move(tr));
}

// probe_wakeup(): follow p when it is more important than the task already
// followed and than the waker's current task; wakeup_rt only follows RT tasks.
void LatencyTracer::on_sched_waking(Time t, const Rq& rq, const Task& p, int target_cpu) {
  if (kind_ == TracerKind::Wakeup || kind_ == TracerKind::WakeupRt) {
    const bool rt = p.prio < MAX_RT_PRIO;
    const bool eligible = (kind_ == TracerKind::Wakeup || rt) && (!wakeup_task_ || p.prio < wakeup_task_->prio) && p.prio < rq.curr->prio;
    if (eligible) {
      wakeup_task_ = &p;
      wakeup_start_ = t;
      wakeup_cpu_ = target_cpu;
      wakeup_entries_.clear();
      wakeup_dropped_ = 0;
    }
  }
  FtraceEventSource::on_sched_waking(t, rq, p, target_cpu);
}

// probe_wakeup_sched_switch(): the switch into the followed task ends the latency.
void LatencyTracer::on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) {
  FtraceEventSource::on_sched_switch(t, rq, prev, prev_state, preempt, next);
  if (!wakeup_task_ || &next != wakeup_task_) return;
  LatencyTrace tr;
  tr.latency = t - wakeup_start_;
  tr.start = wakeup_start_;
  tr.end = t;
  tr.cpu = rq.cpu;
  tr.task = task_line(next);
  tr.entries = std::move(wakeup_entries_);
  tr.entries_dropped = wakeup_dropped_;
  wakeup_entries_.clear();
  wakeup_task_ = nullptr;
  record(std::move(tr));
}

void LatencyTracer::on_entry(FtraceEntry&& e) {
  if (kind_ == TracerKind::Wakeup || kind_ == TracerKind::WakeupRt) {
    if (!wakeup_task_) return;
    if (wakeup_entries_.size() < MAX_ENTRIES)
      wakeup_entries_.push_back(std::move(e));
    else
      ++wakeup_dropped_;
    return;
  }
  CpuState& s = cpus_[static_cast<std::size_t>(e.cpu)];
  if (!s.open) return;
  if (s.entries.size() < MAX_ENTRIES)
    s.entries.push_back(std::move(e));
  else
    ++s.dropped;
}

std::string LatencyTracer::report() const {
  const char* name = tracer_name(kind_);
  const bool sections = kind_ != TracerKind::Wakeup && kind_ != TracerKind::WakeupRt;
  std::string out;
  if (traces_.empty()) {
    out += fmt::format("# tracer: {}\n#\n# {} latency trace v1.1.5 on preemptsim (model {})\n", name, name, model_);
    out += thresh_ > Time() ? fmt::format("# no latency above tracing_thresh {}\n", format_time(thresh_)) : "# no latency recorded\n";
    return out;
  }
  for (const LatencyTrace& tr : traces_) {
    const std::size_t n = tr.entries.size() + tr.entries_dropped;
    out += fmt::format("# tracer: {}\n#\n# {} latency trace v1.1.5 on preemptsim\n", name, name);
    out += "# --------------------------------------------------------------------\n";
    out += fmt::format("# latency: {} us, #{}/{}, CPU#{} | (M:{} VP:0, KP:0, SP:0 HP:0 #P:{})\n", (tr.latency.count() + 500) / 1000,
                       tr.entries.size(), n, tr.cpu, model_, ncpus_);
    out += "#    -----------------\n";
    out += fmt::format("#    | task: {}\n", tr.task);
    out += "#    -----------------\n";
    if (sections) {
      out += fmt::format("#  => started at: {}\n", tr.started_at);
      out += fmt::format("#  => ended at:   {}\n", tr.ended_at);
    }
    out += fmt::format("#  (exact: {} from {} to {})\n", format_time(tr.latency), format_time(tr.start), format_time(tr.end));
    out += ftrace_lat_legend();
    for (std::size_t i = 0; i < tr.entries.size(); ++i) {
      const Time next = i + 1 < tr.entries.size() ? tr.entries[i + 1].t : tr.entries[i].t;
      out += ftrace_lat_line(tr.entries[i], tr.start, next);
    }
    if (tr.entries_dropped) out += fmt::format("# ({} more lines not kept)\n", tr.entries_dropped);
    out += "\n";
  }
  return out;
}

}  // namespace preemptsim
