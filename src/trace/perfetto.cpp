// Writing simulated runs as Trace Event Format JSON: complete ("X") slices
// per CPU, wakeup instants and wakeup-to-switch flows ("s"/"f").
#include "trace/perfetto.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "kernel/kernel.h"
#include "kernel/program.h"

namespace preemptsim {

namespace {
// Microseconds with three decimals: exact nanoseconds, stable text.
std::string us(Time t) {
  const std::int64_t ns = t.count();
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}
std::string quote(const std::string& s) { return nlohmann::json(s).dump(); }
std::string task_name(const Task& p) { return fmt::format("{}-{}", p.comm, p.pid); }
}  // namespace

std::string PerfettoTrace::json() const {
  std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  for (std::size_t i = 0; i < events_.size(); ++i) {
    out += events_[i];
    out += i + 1 < events_.size() ? ",\n" : "\n";
  }
  out += "]}\n";
  return out;
}

PerfettoObserver::PerfettoObserver(PerfettoTrace& trace, const Kernel& k, int pid, const std::string& model)
    : trace_(trace), kernel_(k), pid_(pid), open_(k.rqs().size()) {
  trace_.events_.push_back(fmt::format(R"({{"ph":"M","name":"process_name","pid":{},"tid":0,"args":{{"name":{}}}}})", pid_, quote("model " + model)));
  trace_.events_.push_back(fmt::format(R"({{"ph":"M","name":"process_sort_index","pid":{},"tid":0,"args":{{"sort_index":{}}}}})", pid_, pid_));
  for (std::size_t c = 0; c < open_.size(); ++c)
    trace_.events_.push_back(fmt::format(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"CPU {}"}}}})", pid_, c, c));
}

std::string PerfettoObserver::slice_name(const CpuActivity& a) const {
  auto source = [&]() -> std::string {
    if (a.vec == LOCAL_TIMER_VECTOR) return "local_timer";
    if (a.vec == RESCHEDULE_VECTOR) return "reschedule";
    return a.irq >= 0 ? kernel_.irqs()[static_cast<std::size_t>(a.irq)].spec->name : "?";
  };
  switch (a.what) {
    case Activity::TaskStep:
      if (a.op && a.op->step) return fmt::format("{} ({})", op_name(a.op->code), a.op->step->loc.str());
      return a.op ? op_name(a.op->code) : "task";
    case Activity::IrqEntry: return "irq_entry " + source();
    case Activity::IrqHandler: return "irq_handler " + source();
    case Activity::IrqExit: return "irq_exit " + source();
    case Activity::Nmi: return "nmi " + kernel_.irqs()[static_cast<std::size_t>(a.irq)].spec->name;
    case Activity::Softirq: return std::string("softirq ") + (a.softirq < NR_SOFTIRQS ? softirq_name(a.softirq) : "?");
    case Activity::IrqThread: return "irq_thread " + kernel_.irqs()[static_cast<std::size_t>(a.irq)].spec->name;
    case Activity::Switch: return fmt::format("switch {} -> {}", a.prev ? a.prev->comm : "?", a.task->comm);
    case Activity::Idle: return "idle";
  }
  return "?";
}

void PerfettoObserver::close(int cpu, Time t) {
  Open& o = open_[static_cast<std::size_t>(cpu)];
  if (!o.active) return;
  o.active = false;
  // clip to the window; nothing when outside it or empty
  const Time s = std::max(o.start, trace_.from_), e = std::min(t, trace_.to_);
  if (e <= s) return;
  trace_.events_.push_back(fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"args":{}}})", pid_, cpu, us(s), us(e - s),
                                       quote(o.name), o.args));
}

void PerfettoObserver::on_cpu_activity(Time t, const Rq& rq, const CpuActivity& a) {
  close(rq.cpu, t);
  if (a.what == Activity::Idle) return;
  Open& o = open_[static_cast<std::size_t>(rq.cpu)];
  o.active = true;
  o.start = t;
  o.name = slice_name(a);
  o.args = fmt::format(R"({{"task":{},"preempt_count":"{:#x}","irqs_disabled":{}}})", quote(task_name(*a.task)), a.preempt_count,
                       a.irqs_disabled ? "true" : "false");
}

void PerfettoObserver::on_sched_waking(Time t, const Rq& rq, const Task& p, int /*target_cpu*/) {
  waking_.try_emplace(p.pid, t, rq.cpu);  // the first waking of a sleep starts its flow
}

void PerfettoObserver::on_sched_wakeup(Time t, const Rq& rq, const Task& p, int target_cpu) {
  if (t < trace_.from_ || t > trace_.to_) return;
  trace_.events_.push_back(fmt::format(R"({{"ph":"i","s":"t","pid":{},"tid":{},"ts":{},"name":{},"args":{{"target_cpu":{}}}}})", pid_,
                                       rq.cpu, us(t), quote("wakeup " + task_name(p)), target_cpu));
}

// The flow from sched_waking to the switch into the task; both ends inside
// the window or neither is written (a flow start always has its end).
void PerfettoObserver::on_sched_switch(Time t, const Rq& rq, const Task& /*prev*/, std::uint32_t /*prev_state*/, bool /*preempt*/,
                                       const Task& next) {
  auto it = waking_.find(next.pid);
  if (it == waking_.end()) return;
  const auto [wt, wcpu] = it->second;
  waking_.erase(it);
  if (wt < trace_.from_ || t > trace_.to_) return;
  const std::uint64_t id = trace_.next_flow_++;
  const std::string name = quote("wakeup " + task_name(next));
  trace_.events_.push_back(
      fmt::format(R"({{"ph":"s","id":{},"pid":{},"tid":{},"ts":{},"name":{},"cat":"sched"}})", id, pid_, wcpu, us(wt), name));
  trace_.events_.push_back(
      fmt::format(R"({{"ph":"f","bp":"e","id":{},"pid":{},"tid":{},"ts":{},"name":{},"cat":"sched"}})", id, pid_, rq.cpu, us(t), name));
}

void PerfettoObserver::on_run_end(Time t) {
  for (std::size_t c = 0; c < open_.size(); ++c) close(static_cast<int>(c), t);
}

}  // namespace preemptsim
