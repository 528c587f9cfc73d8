// Writing simulated runs as Trace Event Format JSON: complete ("X") slices
// per CPU and per task state, wakeup instants and wakeup-to-switch flows
// ("s"/"f"), streamed to a file or kept in memory.
#include "trace/perfetto.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "kernel/kernel.h"
#include "kernel/locking.h"
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

namespace {
constexpr const char* kHead = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
constexpr const char* kTail = "\n]}\n";
}  // namespace

PerfettoTrace::PerfettoTrace(const std::string& path, Time window_start, Time window_end)
    : from_(window_start), to_(window_end), path_(path) {
  out_ = std::fopen(path.c_str(), "w");
  if (!out_) throw std::runtime_error(fmt::format("opening: {}", std::strerror(errno)));
  std::fputs(kHead, out_);
  bytes_ = std::strlen(kHead);
}

PerfettoTrace::~PerfettoTrace() {
  if (out_) {  // unfinished: the file is incomplete
    std::fclose(out_);
    std::remove(path_.c_str());
  }
}

void PerfettoTrace::emit(std::string event) {
  if (!out_) {
    events_.push_back(std::move(event));
    return;
  }
  if (bytes_ > std::strlen(kHead)) {
    std::fputs(",\n", out_);
    bytes_ += 2;
  }
  std::fwrite(event.data(), 1, event.size(), out_);
  bytes_ += event.size();
  if (!warned_ && bytes_ > kLargeBytes) {
    warned_ = true;
    if (on_large) on_large(path_);
  }
}

void PerfettoTrace::finish() {
  if (!out_) return;
  std::fputs(kTail, out_);
  bytes_ += std::strlen(kTail);
  const bool failed = std::fflush(out_) != 0 || std::ferror(out_) != 0;
  const int err = errno;
  const bool closed = std::fclose(out_) == 0;
  out_ = nullptr;
  if (failed || !closed) throw std::runtime_error(fmt::format("writing: {}", std::strerror(failed ? err : errno)));
}

std::string PerfettoTrace::json() const {
  std::string out = kHead;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    out += events_[i];
    out += i + 1 < events_.size() ? ",\n" : "";
  }
  out += kTail;
  return out;
}

PerfettoObserver::PerfettoObserver(PerfettoTrace& trace, const Kernel& k, int pid, const std::string& model)
    : trace_(trace), kernel_(k), pid_(pid), open_(k.rqs().size()) {
  trace_.emit(fmt::format(R"({{"ph":"M","name":"process_name","pid":{},"tid":0,"args":{{"name":{}}}}})", pid_, quote("model " + model)));
  trace_.emit(fmt::format(R"({{"ph":"M","name":"process_sort_index","pid":{},"tid":0,"args":{{"sort_index":{}}}}})", pid_, pid_));
  for (std::size_t c = 0; c < open_.size(); ++c) {
    trace_.emit(fmt::format(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":"CPU {}"}}}})", pid_, c, c));
    trace_.emit(fmt::format(R"({{"ph":"M","name":"thread_sort_index","pid":{},"tid":{},"args":{{"sort_index":{}}}}})", pid_, c, c));
  }
  // one track per task, below the CPUs, in pid order
  for (const auto& p : k.tasks()) {
    if (p->is_idle()) continue;
    const int tid = kTaskTrackBase + p->pid;
    trace_.emit(fmt::format(R"({{"ph":"M","name":"thread_name","pid":{},"tid":{},"args":{{"name":{}}}}})", pid_, tid, quote(task_name(*p))));
    trace_.emit(fmt::format(R"({{"ph":"M","name":"thread_sort_index","pid":{},"tid":{},"args":{{"sort_index":{}}}}})", pid_, tid, tid));
  }
}

std::string PerfettoObserver::slice_name(const CpuActivity& a) const {
  auto source = [&]() -> std::string {
    if (a.vec == LOCAL_TIMER_VECTOR) return "local_timer";
    if (a.vec == RESCHEDULE_VECTOR) return "reschedule";
    if (a.vec == IRQ_WORK_VECTOR) return "irq_work";
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
    case Activity::IdleExit: return "cpuidle exit";
    case Activity::Smi: return "SMI";
  }
  return "?";
}

void PerfettoObserver::slice(int tid, const Open& o, Time end) {
  // clip to the window; nothing when outside it or empty
  const Time s = std::max(o.start, trace_.from_), e = std::min(end, trace_.to_);
  if (e <= s) return;
  trace_.emit(fmt::format(R"({{"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"name":{},"args":{}}})", pid_, tid, us(s), us(e - s), quote(o.name),
                          o.args));
}

void PerfettoObserver::close(int cpu, Time t) {
  Open& o = open_[static_cast<std::size_t>(cpu)];
  if (!o.active) return;
  o.active = false;
  slice(cpu, o, t);
}

// Ends the task's current state at t and starts `state` ("" for none: exited).
void PerfettoObserver::task_state(Time t, const Task& p, std::string state, std::string args) {
  if (p.is_idle()) return;
  Open& o = task_open_[p.pid];
  if (o.active) slice(kTaskTrackBase + p.pid, o, t);
  o.active = !state.empty();
  o.start = t;
  o.name = std::move(state);
  o.args = std::move(args);
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
  // a sleeping or blocked task becomes runnable (a wakeup of a runnable one changes nothing)
  const auto it = task_open_.find(p.pid);
  if (it == task_open_.end() || !it->second.active || (it->second.name != "running" && it->second.name.rfind("runnable", 0) != 0))
    task_state(t, p, "runnable", fmt::format(R"({{"woken on CPU":{},"target_cpu":{}}})", rq.cpu, target_cpu));
  if (t < trace_.from_ || t > trace_.to_) return;
  trace_.emit(fmt::format(R"({{"ph":"i","s":"t","pid":{},"tid":{},"ts":{},"name":{},"args":{{"target_cpu":{}}}}})", pid_, rq.cpu, us(t),
                          quote("wakeup " + task_name(p)), target_cpu));
}

// The flow from sched_waking to the switch into the task; both ends inside
// the window or neither is written (a flow start always has its end).
void PerfettoObserver::on_sched_switch(Time t, const Rq& rq, const Task& prev, std::uint32_t prev_state, bool preempt, const Task& next) {
  // the task tracks: prev leaves the CPU in the state it switched out with, next runs
  if (prev_state & TASK_DEAD) task_state(t, prev, "");
  else if (preempt || prev_state == TASK_RUNNING) task_state(t, prev, preempt ? "runnable (preempted)" : "runnable");
  else if (prev.blocked_on) task_state(t, prev, "blocked on " + prev.blocked_on->name);
  else task_state(t, prev, (prev_state & TASK_UNINTERRUPTIBLE) ? "sleeping (D)" : "sleeping");
  task_state(t, next, "running", fmt::format(R"({{"cpu":{}}})", rq.cpu));
  auto it = waking_.find(next.pid);
  if (it == waking_.end()) return;
  const auto [wt, wcpu] = it->second;
  waking_.erase(it);
  if (wt < trace_.from_ || t > trace_.to_) return;
  const std::uint64_t id = trace_.next_flow_++;
  const std::string name = quote("wakeup " + task_name(next));
  trace_.emit(fmt::format(R"({{"ph":"s","id":{},"pid":{},"tid":{},"ts":{},"name":{},"cat":"sched"}})", id, pid_, wcpu, us(wt), name));
  trace_.emit(fmt::format(R"({{"ph":"f","bp":"e","id":{},"pid":{},"tid":{},"ts":{},"name":{},"cat":"sched"}})", id, pid_, rq.cpu, us(t), name));
}

void PerfettoObserver::on_run_end(Time t) {
  for (std::size_t c = 0; c < open_.size(); ++c) close(static_cast<int>(c), t);
  for (auto& [pid, o] : task_open_)
    if (o.active) {
      slice(kTaskTrackBase + pid, o, t);
      o.active = false;
    }
}

}  // namespace preemptsim
