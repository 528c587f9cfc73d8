// rt-app use cases (JSON with comments, repeated keys, trailing commas) translated into a Scenario.
#include "workload/parse_rtapp.h"

#include "workload/limits.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "kernel/preempt_model.h"
#include "workload/sched_dl_params.h"
#include "workload/yaml_reader.h"

namespace preemptsim {
namespace {
using namespace workload_detail;

constexpr std::size_t kMaxTaskName = 15;  // TASK_COMM_LEN (16) without the NUL
constexpr int kMaxCpus = 256;
constexpr std::int64_t kDefaultSeconds = 10;  // the cap of a run with duration -1
constexpr std::int64_t kMemBytesPerNs = 4;    // mem: a memset-like write at 4 GB/s
constexpr std::int64_t kIoBytesPerNs = 1;     // iorun: a write() to the io device at 1 GB/s

Time usec(std::int64_t v) { return Time::ns(v * 1000); }

Step make_step(StepKind k, const SourceLoc& at, Time duration = Time(), const std::string& lock = {}) {
  Step s;
  s.kind = k;
  s.duration = duration;
  s.lock = lock;
  if (k == StepKind::Lock || k == StepKind::Unlock) s.lock_kind = LockKind::User;
  s.loc = at;
  return s;
}

SyncSpec make_sync(const std::string& name, SyncKind kind, const SourceLoc& at) {
  SyncSpec s;
  s.name = name;
  s.kind = kind;
  s.loc = at;
  return s;
}

// What a key of a task or phase object means, by prefix as rt-app matches
// it ("run0", "sleep_long"). Longer names first where one is a prefix of
// another ("runtime" before "run").
enum class Ev { Runtime, Run, Sleep, Timer, Lock, Unlock, Wait, Signal, Broad, Sync, Barrier, Suspend, Resume,
                Yield, Mem, Iorun, Fork, None };
constexpr std::pair<std::string_view, Ev> kEvents[] = {
    {"runtime", Ev::Runtime}, {"run", Ev::Run},         {"sleep", Ev::Sleep},     {"timer", Ev::Timer},
    {"lock", Ev::Lock},       {"unlock", Ev::Unlock},   {"wait", Ev::Wait},       {"signal", Ev::Signal},
    {"broad", Ev::Broad},     {"sync", Ev::Sync},       {"barrier", Ev::Barrier}, {"suspend", Ev::Suspend},
    {"resume", Ev::Resume},   {"yield", Ev::Yield},     {"mem", Ev::Mem},         {"iorun", Ev::Iorun},
    {"fork", Ev::Fork},
};
Ev event_of(const std::string& key) {
  for (const auto& [name, ev] : kEvents)
    if (key.compare(0, name.size(), name) == 0) return ev;
  return Ev::None;
}

// The entries of a JSON object in document order, repeated keys kept.
std::vector<Field> entries(const Reader& r, const Field& f) {
  if (!f.value.IsMap()) r.fail(f, fmt::format("expected an object{}, got {}", Reader::for_key(f), describe(f.value)));
  std::vector<Field> out;
  for (auto it = f.value.begin(); it != f.value.end(); ++it) {
    const YAML::Node k = it->first;
    if (!k.IsScalar()) r.fail(r.loc(k), f.path, fmt::format("expected a string as a key, got {}", describe(k)));
    out.push_back(Field{k.Scalar(), k, it->second, f.path.empty() ? k.Scalar() : f.path + "." + k.Scalar()});
  }
  return out;
}

// One task of the use case before instances are made.
struct TaskDraft {
  std::string name;
  SourceLoc loc;
  Policy policy = Policy::Other;
  int priority = 0, nice = 0;
  std::vector<int> cpus;
  Time dl_runtime, dl_deadline, dl_period;  // SCHED_DEADLINE
  std::vector<Step> program;
  std::set<std::string> barriers;
  std::string suspend_name;  // "" suspend events name the thread itself
};

class Translator {
 public:
  explicit Translator(const Reader& r) : r_(r) {}

  Scenario run(const YAML::Node& doc) {
    const Field root{"", doc, doc, ""};
    if (!doc.IsMap())
      r_.fail(SourceLoc{r_.file(), 1, 1}, "", "expected an rt-app use case: a JSON object with \"tasks\"");
    std::optional<Field> global, tasks, resources;
    for (const Field& e : entries(r_, root)) {
      if (e.key == "global") global = e;
      else if (e.key == "tasks") tasks = e;
      else if (e.key == "resources") resources = e;
      else warn(e, fmt::format("unknown top-level key '{}' ignored (rt-app reads global, tasks, resources)", e.key));
    }
    sc_.file = r_.file();
    for (const auto& m : preempt_models()) sc_.system.models.emplace_back(m.name);
    if (global) parse_global(*global);
    else warn_duration(SourceLoc{r_.file(), 1, 1});
    if (resources) parse_resources(*resources);
    if (!tasks) r_.fail(SourceLoc{r_.file(), 1, 1}, "", "no \"tasks\" in the rt-app use case: define at least one task");
    std::vector<TaskDraft> drafts;
    std::vector<int> instances;
    for (const Field& t : entries(r_, *tasks)) {
      int n = 1;
      drafts.push_back(parse_task(t, n));
      instances.push_back(n);
    }
    if (drafts.empty()) r_.fail(*tasks, "no tasks: \"tasks\" must define at least one task");
    check_instance_limits(drafts, instances);
    int max_cpu = 0;
    for (const auto& d : drafts)
      for (int c : d.cpus) max_cpu = std::max(max_cpu, c);
    sc_.system.cpus = max_cpu + 1;
    make_tasks(drafts, instances);
    finish();
    for (const TaskSpec& t : sc_.tasks)  // __sched_setscheduler(): -EPERM unless the affinity spans the root domain
      if (t.policy == Policy::Deadline && !t.cpus.empty() && static_cast<int>(t.cpus.size()) < sc_.system.cpus)
        r_.fail(t.loc, "tasks",
                fmt::format("task '{}' is SCHED_DEADLINE: sched_setattr would fail with -EPERM: its cpus must span the root "
                            "domain (all {} CPUs of the use case)",
                            t.name, sc_.system.cpus));
    if (auto e = dl_admission_check(sc_)) r_.fail(sc_.tasks[e->task].loc, "tasks", e->message);
    return std::move(sc_);
  }

 private:
  void warn(const SourceLoc& at, const std::string& message) {
    sc_.warnings.push_back(fmt::format("{}: warning: {}", at.str(), message));
  }
  void warn(const Field& f, const std::string& message) { warn(r_.loc(f.key_node), message); }
  void warn_duration(const SourceLoc& at) {
    sc_.system.duration = usec(kDefaultSeconds * 1'000'000);
    warn(at, fmt::format("duration -1 (run until every task ends) is capped at {} s of simulated time; set "
                         "\"duration\" in \"global\" or use --duration",
                         kDefaultSeconds));
  }

  std::int64_t integer(const Field& f, std::int64_t lo = 0, std::int64_t hi = std::numeric_limits<std::int64_t>::max() / 1000) const {
    return r_.integer(f, lo, hi);
  }
  std::string string(const Field& f, bool allow_empty = false) const {
    if (f.value.IsScalar() && (allow_empty || !f.value.Scalar().empty())) return f.value.Scalar();
    r_.fail(f, fmt::format("expected a string{}, got {}", Reader::for_key(f), describe(f.value)));
  }
  bool boolean(const Field& f) const { return r_.boolean(f); }

  Policy policy(const Field& f) {
    const std::string p = string(f);
    if (p == "SCHED_OTHER") return Policy::Other;
    if (p == "SCHED_FIFO") return Policy::Fifo;
    if (p == "SCHED_RR") return Policy::Rr;
    if (p == "SCHED_BATCH") return Policy::Batch;
    if (p == "SCHED_IDLE") return Policy::Idle;
    if (p == "SCHED_DEADLINE") {  // with dl-runtime, dl-period, dl-deadline (us)
      deadline_ = true;
      return Policy::Deadline;
    }
    r_.fail(f, fmt::format("unknown policy '{}' (SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, "
                           "SCHED_DEADLINE)",
                           p));
  }

  // rt-app's deadline parameters, in microseconds: dl-period defaults to
  // dl-runtime and dl-deadline to dl-period (rt-app's parser); then the
  // kernel's __checkparam_dl() rules, as sched_setattr() would apply them.
  void deadline_params(TaskDraft& d, const Field& t, const std::optional<Field>& runtime, const std::optional<Field>& period,
                       const std::optional<Field>& deadline) {
    d.dl_runtime = usec(runtime ? integer(*runtime) : 0);
    d.dl_period = period ? usec(integer(*period)) : d.dl_runtime;
    d.dl_deadline = deadline ? usec(integer(*deadline)) : d.dl_period;
    if (auto why = checkparam_dl(d.dl_runtime, d.dl_deadline, d.dl_period)) {
      const Field& at = runtime ? *runtime : t;
      r_.fail(runtime ? r_.loc(at) : r_.loc(t.key_node), at.path,
              fmt::format("task '{}' is SCHED_DEADLINE: sched_setattr would fail with -EINVAL: {}", t.key, *why));
    }
  }

  void parse_global(const Field& g) {
    bool has_duration = false;
    for (const Field& e : entries(r_, g)) {
      if (e.key == "duration") {
        const std::int64_t s = integer(e, -1, 1'000'000);
        if (s == 0) r_.fail(e, "duration must be a number of seconds (more than 0), or -1");
        if (s > 0) {
          sc_.system.duration = usec(s * 1'000'000);
          has_duration = true;
        }
      } else if (e.key == "default_policy") {
        default_policy_ = policy(e);
        default_deadline_ = deadline_;
        deadline_ = false;
      } else if (e.key == "pi_enabled") {
        pi_ = boolean(e);
      } else if (e.key == "calibration" || e.key == "logdir" || e.key == "log_basename" || e.key == "ftrace" ||
                 e.key == "gnuplot" || e.key == "lock_pages" || e.key == "log_size" || e.key == "io_device" ||
                 e.key == "mem_buffer_size" || e.key == "cumulative_slack") {
        // Host set-up and logging: no effect on the simulated run.
      } else {
        warn(e, fmt::format("unknown key '{}' in \"global\" ignored", e.key));
      }
    }
    if (!has_duration) warn_duration(r_.loc(g.key_node));
  }

  // "resources": {NAME: {"type": "mutex"|"wait"|...}}: declarations rt-app
  // can also infer; only their names matter here.
  void parse_resources(const Field& f) {
    for (const Field& e : entries(r_, f)) {
      if (!e.value.IsMap()) r_.fail(e, fmt::format("expected an object for resource '{}', got {}", e.key, describe(e.value)));
      for (const Field& k : entries(r_, e))
        if (k.key != "type" && k.key != "target") warn(k, fmt::format("unknown key '{}' in resource '{}' ignored", k.key, e.key));
    }
  }

  std::vector<int> cpus(const Field& f) const {
    std::vector<int> out;
    for (const Field& item : r_.list(f)) {
      const auto c = static_cast<int>(r_.integer(item, 0, kMaxCpus - 1));
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    if (out.empty()) r_.fail(f, "cpus is empty");
    return out;
  }

  TaskDraft parse_task(const Field& t, int& instances) {
    TaskDraft d;
    d.name = t.key;
    d.loc = r_.loc(t.key_node);
    std::optional<Field> priority, phases, loop, delay, dl_runtime, dl_period, dl_deadline;
    std::vector<Field> events;
    deadline_ = default_deadline_;
    d.policy = default_policy_;
    for (const Field& e : entries(r_, t)) {
      if (e.key == "instance") instances = static_cast<int>(integer(e, 0, 4096));
      else if (e.key == "policy") { deadline_ = false; d.policy = policy(e); }
      else if (e.key == "priority") priority = e;
      else if (e.key == "cpus") d.cpus = cpus(e);
      else if (e.key == "delay") delay = e;
      else if (e.key == "loop") loop = e;
      else if (e.key == "phases") phases = e;
      else if (e.key == "dl-runtime") dl_runtime = e;
      else if (e.key == "dl-period") dl_period = e;
      else if (e.key == "dl-deadline") dl_deadline = e;
      else if (event_of(e.key) != Ev::None) events.push_back(e);
      else warn(e, fmt::format("unknown key '{}' in task '{}' ignored", e.key, t.key));
    }
    const bool rt = d.policy == Policy::Fifo || d.policy == Policy::Rr;
    if (deadline_) {
      deadline_params(d, t, dl_runtime, dl_period, dl_deadline);
    } else if (rt) {
      d.priority = priority ? static_cast<int>(integer(*priority, 1, 99)) : 10;
    } else if (priority) {
      const auto p = static_cast<int>(integer(*priority, -20, 19));
      if (d.policy == Policy::Other || d.policy == Policy::Batch) d.nice = p;
      else if (p != 0) warn(*priority, "priority has no meaning for SCHED_IDLE: ignored");
    }
    task_ = &d;
    held_.clear();
    if (delay) {
      const std::int64_t us = integer(*delay);
      if (us > 0) d.program.push_back(make_step(StepKind::Sleep, r_.loc(*delay), usec(us)));
    }
    std::vector<Step> body;
    if (phases) {
      for (const Field& e : events)
        warn(e, fmt::format("event '{}' beside \"phases\" in task '{}' ignored: events go in the phases", e.key, t.key));
      for (const Field& ph : entries(r_, *phases)) {
        std::optional<Field> ploop;
        std::vector<Field> pev;
        for (const Field& e : entries(r_, ph)) {
          if (e.key == "loop") ploop = e;
          else if (e.key == "cpus") {
            cpus(e);
            warn(e, "phase-level cpus ignored: a program's affinity is fixed in the simulator; the task-level "
                    "\"cpus\" applies to every phase");
          } else if (event_of(e.key) != Ev::None) pev.push_back(e);
          else warn(e, fmt::format("unknown key '{}' in phase '{}' of task '{}' ignored", e.key, ph.key, t.key));
        }
        std::vector<Step> steps;
        for (const Field& e : pev) event(e, steps);
        wrap_loop(ploop, 1, std::move(steps), r_.loc(ph.key_node), body);
      }
    } else {
      for (const Field& e : events) event(e, body);
    }
    if (body.empty()) {
      warn(d.loc, fmt::format("task '{}' has no events: it ends at once", t.key));
      d.program.push_back(make_step(StepKind::Run, d.loc));  // once: a loop of nothing would never progress
    } else {
      wrap_loop(loop, -1, std::move(body), d.loc, d.program);
    }
    task_ = nullptr;
    return d;
  }

  // Appends `steps` to `out`, repeated as "loop" says (default `dflt`; -1: for ever).
  void wrap_loop(const std::optional<Field>& loop, std::int64_t dflt, std::vector<Step> steps, const SourceLoc& at,
                 std::vector<Step>& out) {
    std::int64_t n = dflt;
    if (loop) {
      n = integer(*loop, -1, std::numeric_limits<std::int64_t>::max());
      if (n == 0) warn(*loop, "loop 0: these events never run");
    }
    if (n == 0 || steps.empty()) return;
    if (n == 1) {
      for (Step& s : steps) out.push_back(std::move(s));
      return;
    }
    Step l = make_step(StepKind::Loop, loop ? r_.loc(*loop) : at);
    l.count = n;  // -1 with `until` = max: until the end of the run
    l.body = std::move(steps);
    out.push_back(std::move(l));
  }

  void sync_step(StepKind k, const std::string& name, SyncKind kind, const SourceLoc& at, std::vector<Step>& out) {
    // rt-app keeps a resource per (name, type): one name may be a mutex, a cond and a suspend event at once.
    syncs_.try_emplace({kind, name}, make_sync(name, kind, at));
    out.push_back(make_step(k, at, Time(), name));
  }
  void lock_step(StepKind k, const std::string& name, const SourceLoc& at, std::vector<Step>& out) {
    locks_.emplace(name, at);
    if (k == StepKind::Lock) held_.insert(name);
    else held_.erase(name);
    out.push_back(make_step(k, at, Time(), name));
  }
  void cond_mutex(const std::string& cond, const std::string& mutex, const Field& e) {
    auto& spec = syncs_.at({SyncKind::Cond, cond});
    if (spec.mutex.empty()) spec.mutex = mutex;
    else if (spec.mutex != mutex)
      r_.fail(e, fmt::format("cond '{}' is waited on with mutex '{}' here but with '{}' elsewhere", cond, mutex, spec.mutex));
  }
  // {"ref": R, "mutex": M}
  std::pair<std::string, std::string> ref_mutex(const Field& e) {
    std::optional<std::string> ref, mutex;
    for (const Field& k : entries(r_, e)) {
      if (k.key == "ref") ref = string(k);
      else if (k.key == "mutex") mutex = string(k);
      else warn(k, fmt::format("unknown key '{}' in '{}' ignored", k.key, e.key));
    }
    if (!ref || !mutex) r_.fail(e, fmt::format("'{}' needs {{\"ref\": COND, \"mutex\": MUTEX}}", e.key));
    return {*ref, *mutex};
  }

  // rt-app 1.0's parse_thread_event_data() checks each event's JSON type
  // (an integer for run/sleep/mem/iorun, an object for timer/wait/sync, a
  // string for the others); a mismatch is logged ("Unknown or mismatch X
  // event type !!!") and the event becomes a run of 0, and the use case runs
  // on. taskset.json ("lock_order": [...], "sleep": false) depends on this.
  bool event_type_matches(const Field& e) const {
    const YAML::Node& v = e.value;
    switch (event_of(e.key)) {
      case Ev::Runtime: case Ev::Run: case Ev::Sleep: case Ev::Mem: case Ev::Iorun: {
        if (!v.IsScalar() || v.Tag() == "!") return false;  // a quoted "100" is a JSON string
        const std::string& t = v.Scalar();
        std::size_t i = !t.empty() && t[0] == '-' ? 1 : 0;
        if (i == t.size()) return false;
        for (; i < t.size(); ++i)
          if (t[i] < '0' || t[i] > '9') return false;
        return true;
      }
      case Ev::Timer: case Ev::Wait: case Ev::Sync: return v.IsMap();
      case Ev::Yield: return true;
      case Ev::Suspend: case Ev::Resume:
        if (v.IsNull()) return true;  // "suspend", without a value: see below
        [[fallthrough]];
      default: return v.IsScalar();
    }
  }

  void event(const Field& e, std::vector<Step>& out) {
    const SourceLoc at = r_.loc(e.value.IsNull() ? e.key_node : e.value);
    if (!event_type_matches(e)) {
      warn(e, fmt::format("Unknown or mismatch {} event type (rt-app's error): {} is not a value of this event; "
                          "ignored, as rt-app runs nothing for it and goes on",
                          e.key, describe(e.value)));
      return;
    }
    switch (event_of(e.key)) {
      case Ev::Runtime:
      case Ev::Run: out.push_back(make_step(StepKind::Run, at, usec(integer(e)))); break;
      case Ev::Sleep: out.push_back(make_step(StepKind::Sleep, at, usec(integer(e)))); break;
      case Ev::Mem:
      case Ev::Iorun: {
        const std::int64_t bytes = integer(e);
        const std::int64_t per_ns = event_of(e.key) == Ev::Mem ? kMemBytesPerNs : kIoBytesPerNs;
        out.push_back(make_step(StepKind::Run, at, Time::ns(bytes / per_ns)));
        break;
      }
      case Ev::Timer: {
        std::optional<Field> period;
        for (const Field& k : entries(r_, e)) {
          if (k.key == "period") period = k;
          else if (k.key == "ref") string(k);
          else if (k.key == "mode") {
            const std::string m = string(k);
            if (m != "relative" && m != "absolute")
              warn(k, fmt::format("unknown timer mode '{}': treated as relative", m));
          } else {
            warn(k, fmt::format("unknown key '{}' in '{}' ignored", k.key, e.key));
          }
        }
        if (!period) r_.fail(e, fmt::format("'{}' needs a \"period\" (usec)", e.key));
        const std::int64_t p = integer(*period, 1);
        Step s = make_step(StepKind::Periodic, at);
        s.period = usec(p);
        out.push_back(std::move(s));
        break;
      }
      case Ev::Lock: lock_step(StepKind::Lock, string(e), at, out); break;
      case Ev::Unlock: lock_step(StepKind::Unlock, string(e), at, out); break;
      case Ev::Wait: {
        auto [ref, mutex] = ref_mutex(e);
        sync_step(StepKind::CondWait, ref, SyncKind::Cond, at, out);
        cond_mutex(ref, mutex, e);
        locks_.emplace(mutex, at);
        break;
      }
      case Ev::Signal: sync_step(StepKind::CondSignal, string(e), SyncKind::Cond, at, out); break;
      case Ev::Broad: sync_step(StepKind::CondBroadcast, string(e), SyncKind::Cond, at, out); break;
      case Ev::Sync: {  // lock, signal, wait, unlock; the shipped examples also sync with the mutex already locked
        auto [ref, mutex] = ref_mutex(e);
        const bool locked = held_.count(mutex) != 0;
        if (!locked) lock_step(StepKind::Lock, mutex, at, out);
        sync_step(StepKind::CondSignal, ref, SyncKind::Cond, at, out);
        sync_step(StepKind::CondWait, ref, SyncKind::Cond, at, out);
        cond_mutex(ref, mutex, e);
        if (!locked) lock_step(StepKind::Unlock, mutex, at, out);
        break;
      }
      case Ev::Barrier: {
        const std::string b = string(e);
        task_->barriers.insert(b);
        sync_step(StepKind::Barrier, b, SyncKind::Barrier, at, out);
        break;
      }
      case Ev::Suspend:
      case Ev::Resume: {
        // video-long.json writes "suspend", without a value: read as "", the
        // thread's own name (rt-app 1.0's JSON reader rejects such a file;
        // docs/rtapp.md)
        std::string name = e.value.IsNull() ? std::string() : string(e, true);
        if (name.empty()) name = task_->name;  // rt-app fills an empty name with the thread's own
        sync_step(event_of(e.key) == Ev::Suspend ? StepKind::Suspend : StepKind::Resume, name, SyncKind::Event, at, out);
        break;
      }
      case Ev::Yield: out.push_back(make_step(StepKind::Yield, at)); break;
      case Ev::Fork:
        warn(e, "fork (start a new thread) is not modelled: the simulator's tasks all exist from time 0; ignored");
        break;
      case Ev::None: break;
    }
  }

  // The tasks and steps the instances would make, bounded (workload/limits.h)
  // before any is copied.
  void check_instance_limits(const std::vector<TaskDraft>& drafts, const std::vector<int>& instances) {
    std::uint64_t tasks = 0, steps = 0;
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      const std::uint64_t n = static_cast<std::uint64_t>(instances[i]);
      const std::uint64_t per_task = count_steps(drafts[i].program);
      tasks += n;
      steps += n * per_task;
      if (per_task > InputLimits::kMaxStepsPerTask)
        r_.fail(drafts[i].loc, "", fmt::format("task '{}' has {} events, more than the limit of {} per task",
                                               drafts[i].name, per_task, InputLimits::kMaxStepsPerTask));
      if (tasks > InputLimits::kMaxTasks)
        r_.fail(drafts[i].loc, "", fmt::format("too many tasks with instances: more than the limit of {}, reached at '{}'",
                                               InputLimits::kMaxTasks, drafts[i].name));
      if (steps > InputLimits::kMaxStepsTotal)
        r_.fail(drafts[i].loc, "", fmt::format("the tasks' instances hold more than {} events together (the limit), reached at '{}'",
                                               InputLimits::kMaxStepsTotal, drafts[i].name));
    }
  }

  // Instances: NAME-0..NAME-(N-1) (NAME when N is 1), at most 15 characters
  // as prctl(PR_SET_NAME) keeps, made unique by a '~k' suffix if truncation
  // makes two equal.
  void make_tasks(std::vector<TaskDraft>& drafts, const std::vector<int>& instances) {
    std::set<std::string> used;
    std::map<std::string, int> next_suffix;  // truncated name -> first '~n' not yet tried
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      const TaskDraft& d = drafts[i];
      for (int k = 0; k < instances[i]; ++k) {
        const std::string full = instances[i] == 1 ? d.name : fmt::format("{}-{}", d.name, k);
        std::string name = full.substr(0, kMaxTaskName);
        // The '~n' candidates depend only on the first kMaxTaskName
        // characters, and taken names stay taken: resume where the last
        // collision of this prefix stopped (linear, not quadratic).
        if (used.count(name) != 0) {
          int& next = next_suffix[name];
          for (int n = std::max(next, 1);; ++n) {
            const std::string suffix = fmt::format("~{}", n);
            std::string candidate = full.substr(0, std::min(full.size(), kMaxTaskName - suffix.size())) + suffix;
            if (used.count(candidate) == 0) {
              name = std::move(candidate);
              next = n + 1;
              break;
            }
          }
        }
        if (name != full)
          warn(d.loc, fmt::format("task name '{}' is longer than {} characters (TASK_COMM_LEN): named '{}'", full,
                                  kMaxTaskName, name));
        used.insert(name);
        TaskSpec t;
        t.name = name;
        t.loc = d.loc;
        t.policy = d.policy;
        t.priority = d.priority;
        t.nice = d.nice;
        t.cpus = d.cpus;
        t.dl_runtime = d.dl_runtime;
        t.dl_deadline = d.dl_deadline;
        t.dl_period = d.dl_period;
        t.program = d.program;
        for (const auto& b : d.barriers) ++barrier_users_[b];
        sc_.tasks.push_back(std::move(t));
      }
    }
  }

  void finish() {
    std::map<std::string, int> kinds;  // name -> how many kinds of object use it
    for (const auto& [key, spec] : syncs_) ++kinds[key.second];
    for (auto& [key, spec] : syncs_) {
      const std::string& name = key.second;
      if (spec.kind == SyncKind::Barrier) spec.value = barrier_users_[name];
      if (kinds[name] > 1) {  // one name, several kinds: "NAME.cond", "NAME.event"
        spec.name = fmt::format("{}.{}", name, sync_kind_name(spec.kind));
        for (TaskSpec& t : sc_.tasks) rename(t.program, name, spec.kind, spec.name);
      }
      if (spec.kind == SyncKind::Cond && spec.mutex.empty()) {
        // Signalled but never waited on: a mutex of its own, never taken.
        spec.mutex = name + ".mutex";
        locks_.emplace(spec.mutex, spec.loc);
      }
      sc_.syncs.push_back(spec);
    }
    for (const auto& [name, at] : locks_) {
      sc_.locks.emplace_back(name, LockKind::User);
      MutexSpec m;
      m.name = name;
      m.protocol = pi_ ? MutexProtocol::Inherit : MutexProtocol::None;
      m.loc = at;
      sc_.mutexes.push_back(std::move(m));
    }
    // A wait with its mutex not held, an unlock of a free mutex, a lock
    // taken twice: rt-app leaves these to pthreads; the simulator cannot run them.
    for (const TaskSpec& t : sc_.tasks) check_locks(t.program, {});
  }

  static SyncKind sync_kind_of(StepKind k) {
    switch (k) {
      case StepKind::CondWait: case StepKind::CondSignal: case StepKind::CondBroadcast: return SyncKind::Cond;
      case StepKind::Barrier: return SyncKind::Barrier;
      case StepKind::Suspend: case StepKind::Resume: return SyncKind::Event;
      default: return SyncKind::Semaphore;  // not a step of this reader
    }
  }
  static void rename(std::vector<Step>& steps, const std::string& from, SyncKind kind, const std::string& to) {
    for (Step& s : steps) {
      if (s.kind == StepKind::Loop) rename(s.body, from, kind, to);
      else if (s.kind != StepKind::Lock && s.kind != StepKind::Unlock && s.lock == from && sync_kind_of(s.kind) == kind)
        s.lock = to;
    }
  }

  std::set<std::string> check_locks(const std::vector<Step>& steps, std::set<std::string> held) {
    for (const Step& s : steps) {
      if (s.kind == StepKind::Loop) {
        const std::set<std::string> after = check_locks(s.body, held);
        if (after != held) r_.fail(s.loc, "", "the mutexes held at the end of this loop's body differ from those at its start: each pass must unlock what it locks");
      } else if (s.kind == StepKind::Lock) {
        if (!held.insert(s.lock).second) r_.fail(s.loc, "", fmt::format("lock of mutex '{}', already held: it would deadlock on itself", s.lock));
      } else if (s.kind == StepKind::Unlock) {
        if (held.erase(s.lock) == 0) r_.fail(s.loc, "", fmt::format("unlock of mutex '{}', which is not held here", s.lock));
      } else if (s.kind == StepKind::CondWait) {
        std::string m;
        for (const SyncSpec& c : sc_.syncs)
          if (c.name == s.lock) m = c.mutex;
        if (held.count(m) == 0)
          r_.fail(s.loc, "", fmt::format("wait on '{}' without holding its mutex '{}' (lock it first)", s.lock, m));
      }
    }
    return held;
  }

  const Reader& r_;
  Scenario sc_;
  Policy default_policy_ = Policy::Other;
  bool default_deadline_ = false, deadline_ = false, pi_ = false;
  TaskDraft* task_ = nullptr;
  std::map<std::pair<SyncKind, std::string>, SyncSpec> syncs_;
  std::set<std::string> held_;  // the mutexes the task being read holds at this point of its program
  std::map<std::string, SourceLoc> locks_;
  std::map<std::string, std::int64_t> barrier_users_;
};

std::size_t first_token(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

}  // namespace

std::string strip_json_comments(const std::string& text) {
  std::string out = text;
  bool in_string = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
      for (; i < out.size() && out[i] != '\n'; ++i) out[i] = ' ';
    } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '*') {
      std::size_t end = i + 2;
      while (end + 1 < out.size() && !(out[end] == '*' && out[end + 1] == '/')) ++end;
      end = std::min(out.size(), end + 2);  // past "*/" (or the end of an unterminated comment)
      for (std::size_t k = i; k < end; ++k)
        if (out[k] != '\n') out[k] = ' ';
      i = end - 1;
    }
  }
  return out;
}

bool is_rtapp_workload(const std::string& text, const std::string&) {
  const std::string s = strip_json_comments(text);
  const std::size_t i = first_token(s);
  if (i >= s.size() || s[i] != '{') return false;
  try {
    const YAML::Node doc = YAML::Load(s);
    if (!doc.IsMap() || !doc["tasks"] || !doc["tasks"].IsMap()) return false;
    if (doc["global"] && doc["global"].IsMap()) return true;  // rt-app's own section
    if (doc["system"] || doc["irqs"] || doc["mutexes"]) return false;  // preemptsim's sections
    for (auto it = doc["tasks"].begin(); it != doc["tasks"].end(); ++it)
      if (it->second.IsMap() && it->second["program"]) return false;
    return true;
  } catch (const YAML::Exception&) {
    return false;  // the YAML reader reports it
  }
}

Scenario parse_rtapp(const std::string& text, const std::string& file_name) {
  const Reader r(file_name);
  // JSON is YAML 1.2 flow style, which yaml-cpp reads with repeated keys
  // kept in order, tabs between tokens and trailing commas accepted; only
  // the comments rt-app allows need removing first.
  const YAML::Node doc = load_one_document(strip_json_comments(text), file_name);
  if (doc.IsNull()) r.fail(SourceLoc{file_name, 1, 1}, "", "the rt-app use case is empty");
  try {
    Scenario sc = Translator(r).run(doc);
    check_scenario_limits(sc);
    return sc;
  } catch (const YAML::Exception& e) {
    throw_workload_error(r.loc(e.mark), "cannot read the rt-app use case: " + e.msg);
  }
}

}  // namespace preemptsim
