// The workload file reader: the document's layout, the system: block and the tasks: map (programs: parse_steps.cpp).
#include "workload/parse_yaml.h"

#include "workload/limits.h"
#include "workload/parse_deferred.h"
#include "workload/parse_irqs.h"
#include "workload/parse_rtapp.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "kernel/preempt_model.h"
#include "workload/parse_machine.h"
#include "workload/parse_profile.h"
#include "workload/parse_steps.h"
#include "workload/sched_dl_params.h"
#include "workload/yaml_reader.h"

namespace preemptsim {
namespace {
using namespace workload_detail;

// Linux's TASK_COMM_LEN is 16 bytes including the terminating NUL.
constexpr std::size_t kMaxTaskName = 15;
constexpr int kMaxCpus = 256;

const Names kCostKeys = {"context_switch", "irq_entry",       "irq_exit",  "hrtimer_wakeup",
                         "tick",           "ipi_latency",     "ipi_handler", "irq_thread_wake",
                         "nmi_entry",      "syscall_entry",   "syscall_exit"};  // == cost_name() of every CostId

constexpr std::array kPolicies{Policy::Fifo, Policy::Rr, Policy::Other, Policy::Batch, Policy::Idle, Policy::Deadline};

}  // namespace

// Each cost a duration ("2us") or a distribution ({lognormal: {...}, max: ...}),
// over `base` (the defaults, or a profile's costs).
Costs workload_detail::parse_costs_over(const Reader& r, const Field& f, Costs c) {
  for (const Field& e : r.map(f, "costs", kCostKeys))
    for (int i = 0; i < NR_COSTS; ++i) {
      const auto id = static_cast<CostId>(i);
      if (e.key != cost_name(id)) continue;
      const Distribution d = parse_distribution(r, e);
      c.fixed(id) = d.expected();
      c.drawn[static_cast<std::size_t>(i)].reset();
      if (!d.is_fixed()) c.drawn[static_cast<std::size_t>(i)] = d;
    }
  return c;
}

namespace {

std::vector<std::string> parse_models(const Reader& r, const Field& f) {
  std::vector<std::string> models;
  std::vector<Field> items = r.list(f);
  if (items.empty()) r.fail(f, fmt::format("models is empty: list at least one of {}", preempt_model_names()));
  for (const Field& item : items) {
    if (!item.value.IsScalar())
      r.fail(item, fmt::format("expected a model name ({}), got {}", preempt_model_names(), describe(item.value)));
    const std::string& name = item.value.Scalar();
    if (find_preempt_model(name) == nullptr) {
      std::string hint;
      for (const auto& m : preempt_models())
        if (hint.empty()) hint = did_you_mean(name, {m.name});
      r.fail(item, fmt::format("unknown preemption model '{}'{} (models: {})", name, hint, preempt_model_names()));
    }
    for (const auto& seen : models)
      if (seen == name) r.fail(item, fmt::format("model '{}' is listed twice", name));
    models.push_back(name);
  }
  return models;
}

// SystemSpec's defaults plus the default model list: every model, in table order.
SystemSpec default_system() {
  SystemSpec sys;
  for (const auto& m : preempt_models()) sys.models.emplace_back(m.name);
  return sys;
}

// system.kernel: "6.1" -> (6, 1); the rules of that version apply (see apply_kernel_version).
void parse_kernel_version(const Reader& r, const Field& e, SystemSpec& sys) {
  const std::string v = e.value.IsScalar() ? e.value.Scalar() : std::string();
  int major = 0, minor = 0;
  char dot = 0, extra = 0;
  if (std::sscanf(v.c_str(), "%d%c%d%c", &major, &dot, &minor, &extra) != 3 || dot != '.' || major < 4 || major > 9 ||
      minor < 0 || minor > 99)
    r.fail(e, fmt::format("kernel is a mainline version such as \"6.1\" or \"6.12\" (major.minor), got {}", describe(e.value)));
  sys.kernel = v;
  sys.kernel_version = major * 100 + minor;
}

// Version rules: before 6.12 RT tasks are bounded by classic RT throttling (no
// fair server, commit "sched/fair: Fair server interface", 6.12); before 6.13 there
// is no PREEMPT_LAZY (so neither lazy nor rt_lazy).
void apply_kernel_version(const Reader& r, SystemSpec& sys, const std::optional<Field>& models,
                          const std::optional<Field>& bandwidth) {
  if (sys.kernel_version == 0) return;
  if (sys.kernel_version < 612) {
    if (bandwidth && sys.rt_bandwidth == SystemSpec::RtBandwidth::FairServer)
      r.fail(*bandwidth, fmt::format("the fair server is 6.12+; kernel {} bounds RT tasks with rt_bandwidth: throttle", sys.kernel));
    sys.rt_bandwidth = SystemSpec::RtBandwidth::Throttle;
  }
  if (sys.kernel_version < 613) {
    std::vector<std::string> kept;
    for (const std::string& m : sys.models) {
      const PreemptModel* pm = find_preempt_model(m);
      if (pm == nullptr || !pm->lazy) {
        kept.push_back(m);
        continue;
      }
      if (models)
        r.fail(*models, fmt::format("model '{}' needs PREEMPT_LAZY, which is 6.13+ (kernel is {})", m, sys.kernel));
    }
    sys.models = kept;
  }
}

SystemSpec parse_system(const Reader& r, const Field& f) {
  SystemSpec sys = default_system();
  std::optional<Field> models, bandwidth;
  std::vector<Field> machine;
  // A profile first: the workload's own costs: entries override its figures.
  if (f.value.IsMap())
    for (const Field& e : r.map(f, "system", {}))
      if (e.key == "profile") load_profile(r, e, sys);
  for (const Field& e : r.map(f, "system", {"cpus", "hz", "models", "duration", "seed", "costs", "threadirqs",
                                            "rt_bandwidth", "rt_runtime", "rt_period", "fair_server", "softirq_costs",
                                            "kernel", "profile", "cpuidle", "cpu_dma_latency", "idle", "nohz_full",
                                            "isolcpus", "rcu_nocbs", "noise"})) {
    if (is_machine_key(e.key)) {
      machine.push_back(e);  // after the loop: CPU lists need cpus
      continue;
    }
    if (e.key == "models") models = e;
    if (e.key == "rt_bandwidth") bandwidth = e;
    if (e.key == "profile") {
      // loaded above
    } else if (e.key == "kernel") {
      parse_kernel_version(r, e, sys);
    } else if (e.key == "cpus") {
      sys.cpus = static_cast<int>(r.integer(e, 1, kMaxCpus));
    } else if (e.key == "hz") {
      const std::int64_t hz = r.integer(e, std::numeric_limits<std::int64_t>::min(),
                                        std::numeric_limits<std::int64_t>::max());
      if (hz != 100 && hz != 250 && hz != 300 && hz != 1000)
        r.fail(e, fmt::format("hz must be one of 100, 250, 300, 1000 (the CONFIG_HZ choices), got {}", hz));
      sys.hz = static_cast<int>(hz);
    } else if (e.key == "models") {
      sys.models = parse_models(r, e);
    } else if (e.key == "duration") {
      sys.duration = r.duration(e, Time::ns(1), "more than 0");
      if (sys.duration > Time::max_run())
        r.fail(e, fmt::format("duration {} is longer than the longest run ({})", e.value.Scalar(), format_limit(Time::max_run())));
    } else if (e.key == "seed") {
      sys.seed = r.unsigned_integer(e);
    } else if (e.key == "costs") {
      sys.costs = parse_costs_over(r, e, sys.costs);
    } else if (e.key == "threadirqs") {
      sys.threadirqs = r.boolean(e);
    } else if (e.key == "rt_runtime") {  // sched_rt_runtime_us: a duration, or -1 for no throttling
      if (e.value.IsScalar() && e.value.Scalar() == "-1")
        sys.rt_runtime = Time::ns(-1);
      else
        sys.rt_runtime = r.duration(e, Time(), "at least 0 (or -1 to disable RT throttling)");
    } else if (e.key == "rt_bandwidth") {
      const std::string v = e.value.IsScalar() ? e.value.Scalar() : std::string();
      if (v == "fair_server") sys.rt_bandwidth = SystemSpec::RtBandwidth::FairServer;
      else if (v == "throttle") sys.rt_bandwidth = SystemSpec::RtBandwidth::Throttle;
      else r.fail(e, fmt::format("rt_bandwidth is 'fair_server' (6.12+, the default) or 'throttle' (CONFIG_RT_GROUP_SCHED or up to 6.11), got {}", describe(e.value)));
    } else if (e.key == "fair_server") {
      for (const Field& k : r.map(e, "fair_server", {"runtime", "period"})) {
        if (k.key == "runtime") sys.fair_server_runtime = r.duration(k, Time(), "at least 0");
        else sys.fair_server_period = r.duration(k, Time::ns(1), "more than 0");
      }
      if (sys.fair_server_runtime > sys.fair_server_period) r.fail(e, "the fair server's runtime cannot exceed its period");
    } else if (e.key == "rt_period") {
      sys.rt_period = r.duration(e, Time::ns(1), "more than 0");
    } else if (e.key == "softirq_costs") {
      for (const Field& s : r.map(e, "softirq_costs", {}, "softirq vector"))
        sys.softirq_costs[parse_softirq_name(r, s, s.key, r.loc(s.key_node))] = r.duration(s, Time(), "at least 0");
    }
  }
  apply_kernel_version(r, sys, models, bandwidth);
  parse_machine(r, machine, sys, sys.cpus);
  return sys;
}

void check_task_name(const Reader& r, const Field& t) {
  const std::string& name = t.key;
  const SourceLoc at = r.loc(t.key_node);
  if (name.empty()) r.fail(at, "tasks", "task name is empty");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok)
      r.fail(at, "tasks",
             fmt::format("task name '{}' contains '{}': use only letters, digits, '_', '.' and '-'", name, c));
  }
  if (name.size() > kMaxTaskName)
    r.fail(at, "tasks",
           fmt::format("task name '{}' is {} characters long: at most {} (the kernel's TASK_COMM_LEN is 16 with the "
                       "NUL)",
                       name, name.size(), kMaxTaskName));
}

Policy parse_policy(const Reader& r, const Field& e) {
  const std::string name = e.value.IsScalar() ? e.value.Scalar() : std::string();
  for (Policy p : kPolicies)
    if (name == policy_name(p)) return p;
  const Names kNames = {"fifo", "rr", "other", "batch", "idle", "deadline"};
  const std::string what = e.value.IsScalar() ? fmt::format("unknown policy '{}'", name)
                                              : fmt::format("expected a policy name, got {}", describe(e.value));
  r.fail(e, fmt::format("{}{} (policies: {})", what, e.value.IsScalar() ? did_you_mean(name, kNames) : "",
                        join(kNames)));
}

std::vector<int> parse_cpus(const Reader& r, const Field& e, const SystemSpec& sys) {
  std::vector<int> cpus;
  const std::vector<Field> items = r.list(e);
  if (items.empty()) r.fail(e, "cpus is empty: omit 'cpus' to allow every CPU");
  for (const Field& item : items) {
    const auto cpu = static_cast<int>(r.integer(item, 0, kMaxCpus - 1));
    if (cpu >= sys.cpus)
      r.fail(item, fmt::format("cpu {} does not exist: the system has {} CPU{} (0..{})", cpu, sys.cpus,
                               sys.cpus == 1 ? "" : "s", sys.cpus - 1));
    for (int seen : cpus)
      if (seen == cpu) r.fail(item, fmt::format("cpu {} is listed twice", cpu));
    cpus.push_back(cpu);
  }
  return cpus;
}

// policy: deadline with runtime, deadline, period (sched_setattr()'s
// sched_runtime, sched_deadline, sched_period): period defaults to the
// deadline (sched_period 0) and the deadline to the period; __checkparam_dl()'s
// rules, and the kernel's refusal (-EPERM) of a deadline task whose affinity
// does not span the root domain.
void check_deadline_params(const Reader& r, const Field& t, TaskSpec& task, const std::optional<Field>& runtime,
                           const std::optional<Field>& deadline, const std::optional<Field>& period, const SystemSpec& sys) {
  if (task.policy != Policy::Deadline) {
    for (const auto* f : {&runtime, &deadline, &period})
      if (*f)
        r.fail(**f, fmt::format("{} applies to policy deadline only (this task's policy is {}): remove it", (*f)->key,
                                policy_name(task.policy)));
    return;
  }
  if (!runtime)
    r.fail(task.loc, t.path, fmt::format("task '{}' has policy deadline and needs a runtime (and a deadline or a period)", t.key));
  if (!deadline && !period)
    r.fail(*runtime, fmt::format("task '{}' has policy deadline and needs a deadline or a period (or both)", t.key));
  task.dl_runtime = r.duration(*runtime, Time(), "at least 0");
  if (deadline) task.dl_deadline = r.duration(*deadline, Time(), "at least 0");
  if (period) task.dl_period = r.duration(*period, Time(), "at least 0");
  if (!deadline) task.dl_deadline = task.dl_period;
  if (!period) task.dl_period = task.dl_deadline;
  if (auto why = checkparam_dl(task.dl_runtime, task.dl_deadline, task.dl_period)) {
    const Field& at = why->rfind("runtime", 0) == 0 ? *runtime : why->rfind("deadline", 0) == 0 && deadline ? *deadline
                                                                   : period ? *period : deadline ? *deadline : *runtime;
    r.fail(at, fmt::format("sched_setattr would fail with -EINVAL: {}", *why));
  }
  if (!task.cpus.empty() && static_cast<int>(task.cpus.size()) < sys.cpus)
    r.fail(task.loc, t.path,
           fmt::format("task '{}': sched_setattr would fail with -EPERM: a deadline task's cpus must span the root domain "
                       "(all {} CPUs): remove 'cpus'",
                       t.key, sys.cpus));
}

TaskSpec parse_task(const Reader& r, const Field& t, const SystemSpec& sys, LockKinds& locks, SyncTable& syncs) {
  check_task_name(r, t);
  TaskSpec task;
  task.name = t.key;
  task.loc = r.loc(t.key_node);
  if (t.value.IsNull())
    r.fail(task.loc, t.path, fmt::format("task '{}' has no definition: expected a map with at least 'program'", t.key));

  std::optional<Field> priority, nice, program, dl_runtime, dl_deadline, dl_period;
  for (const Field& e : r.map(t, fmt::format("task '{}'", t.key),
                              {"policy", "priority", "nice", "cpus", "kthread", "throughput", "program", "runtime", "deadline", "period", "memory_heavy"})) {
    if (e.key == "memory_heavy") task.memory_heavy = r.boolean(e);
    if (e.key == "runtime") dl_runtime = e;
    if (e.key == "deadline") dl_deadline = e;
    if (e.key == "period") dl_period = e;
    if (e.key == "policy") task.policy = parse_policy(r, e);
    if (e.key == "priority") priority = e;
    if (e.key == "nice") nice = e;
    if (e.key == "cpus") task.cpus = parse_cpus(r, e, sys);
    if (e.key == "kthread") task.kthread = r.boolean(e);
    if (e.key == "throughput") task.throughput = r.boolean(e);
    if (e.key == "program") program = e;
  }

  const bool rt = task.policy == Policy::Fifo || task.policy == Policy::Rr;
  const char* pol = policy_name(task.policy);
  constexpr auto kAny = std::numeric_limits<std::int64_t>::max();
  if (rt && !priority)
    r.fail(task.loc, t.path, fmt::format("task '{}' has policy {} and needs a priority (1..99)", t.key, pol));
  if (priority) {
    task.priority = static_cast<int>(r.integer(*priority, rt ? 1 : -kAny, rt ? 99 : kAny));
    if (!rt && task.priority != 0)
      r.fail(*priority, fmt::format("priority applies to fifo and rr only (this task's policy is {}): remove it{}", pol,
                                    task.policy == Policy::Idle ? "" : ", or use nice"));
  }
  if (nice) {
    const bool has_nice = task.policy == Policy::Other || task.policy == Policy::Batch;
    task.nice = static_cast<int>(r.integer(*nice, has_nice ? -20 : -kAny, has_nice ? 19 : kAny));
    if (!has_nice && task.nice != 0)
      r.fail(*nice, fmt::format("nice applies to other and batch only (this task's policy is {}): remove it", pol));
  }
  check_deadline_params(r, t, task, dl_runtime, dl_deadline, dl_period, sys);
  if (!program) r.fail(task.loc, t.path, fmt::format("task '{}' has no program: add 'program: [...]'", t.key));
  task.program = parse_program(r, *program, task.kthread, task.name, task.loc, locks, syncs);
  return task;
}

std::vector<TaskSpec> parse_tasks(const Reader& r, const Field& f, const SystemSpec& sys, LockKinds& locks,
                                  SyncTable& syncs) {
  if (f.value.IsNull() || (f.value.IsMap() && f.value.size() == 0))
    r.fail(f, "no tasks: 'tasks' must define at least one task");
  if (f.value.IsSequence())
    r.fail(f, "expected a map of task name -> task for 'tasks', got a list (write 'name: {...}', not '- name: ...')");
  std::vector<TaskSpec> tasks;
  for (const Field& t : r.map(f, "tasks", {}, "task name")) tasks.push_back(parse_task(r, t, sys, locks, syncs));
  return tasks;
}

// mutexes: {NAME: {protocol: none|inherit|protect, ceiling: P}}: the
// pthread mutex attributes of the user-space locks the programs name.
std::vector<MutexSpec> parse_mutexes(const Reader& r, const Field& f) {
  std::vector<MutexSpec> out;
  for (const Field& m : r.map(f, "mutexes", {}, "mutex name")) {
    MutexSpec spec;
    spec.name = m.key;
    spec.loc = r.loc(m.key_node);
    std::optional<Field> ceiling, protocol;
    if (!m.value.IsNull())
      for (const Field& e : r.map(m, fmt::format("mutex '{}'", m.key), {"protocol", "ceiling"})) {
        if (e.key == "protocol") {
          protocol = e;
          const std::string v = e.value.IsScalar() ? e.value.Scalar() : std::string();
          if (v == "none") spec.protocol = MutexProtocol::None;
          else if (v == "inherit") spec.protocol = MutexProtocol::Inherit;
          else if (v == "protect") spec.protocol = MutexProtocol::Protect;
          else
            r.fail(e, fmt::format("unknown protocol '{}'{} (protocols: none, inherit, protect, as "
                                  "PTHREAD_PRIO_NONE/INHERIT/PROTECT)",
                                  v, did_you_mean(v, {"none", "inherit", "protect"})));
        } else {
          ceiling = e;
        }
      }
    if (ceiling) spec.ceiling = static_cast<int>(r.integer(*ceiling, 1, 99));
    if (spec.protocol == MutexProtocol::Protect && !ceiling)
      r.fail(spec.loc, m.path, fmt::format("mutex '{}' has protocol protect and needs a ceiling (1..99)", m.key));
    if (spec.protocol != MutexProtocol::Protect && ceiling)
      r.fail(*ceiling, "ceiling applies to protocol protect only");
    out.push_back(spec);
  }
  return out;
}

// conds: {E: {mutex: M}}, semaphores: {S: {initial: N}}, barriers: {B: {count: N}}.
void parse_syncs(const Reader& r, const Field& f, SyncKind kind, SyncTable& syncs) {
  const char* what = kind == SyncKind::Cond ? "conds" : kind == SyncKind::Semaphore ? "semaphores" : "barriers";
  const char* key = kind == SyncKind::Cond ? "mutex" : kind == SyncKind::Semaphore ? "initial" : "count";
  for (const Field& e : r.map(f, what, {}, fmt::format("{} name", sync_kind_name(kind)).c_str())) {
    SyncSpec spec;
    spec.name = e.key;
    spec.kind = kind;
    spec.loc = r.loc(e.key_node);
    if (auto it = syncs.specs.find(e.key); it != syncs.specs.end())
      r.fail(spec.loc, e.path,
             fmt::format("'{}' is already declared as a {} at {}", e.key, sync_kind_name(it->second.kind), it->second.loc.str()));
    std::optional<Field> value;
    if (!e.value.IsNull())
      for (const Field& v : r.map(e, fmt::format("{} '{}'", sync_kind_name(kind), e.key), {key})) value = v;
    if (kind == SyncKind::Cond) {
      if (!value) r.fail(spec.loc, e.path, fmt::format("cond '{}' needs 'mutex: M' (the mutex its waiters hold)", e.key));
      spec.mutex = r.string(*value);
    } else if (kind == SyncKind::Semaphore) {
      spec.value = value ? r.integer(*value, 0, 1'000'000'000) : 0;
    } else {
      spec.value = value ? r.integer(*value, 1, 1'000'000) : 0;  // 0: the number of tasks using it
    }
    syncs.specs.emplace(e.key, spec);
    syncs.declared[e.key] = true;
  }
}

Scenario parse_document(const Reader& r, const YAML::Node& doc) {
  if (doc.IsNull())
    r.fail(SourceLoc{r.file(), 1, 1}, "",
           "the workload is empty: expected a map with 'tasks:' (and optionally 'system:')");
  const Field root{"", doc, doc, ""};
  if (!doc.IsMap())
    r.fail(root, fmt::format("expected a map with 'tasks:' (and optionally 'system:') at the top level, got {}",
                             describe(doc)));

  std::optional<Field> system, tasks, irqs, mutexes, conds, semaphores, barriers, tasklets, irq_works, workqueues, works;
  for (const Field& e : r.map(root, "the top level", {"system", "tasks", "irqs", "mutexes", "conds", "semaphores", "barriers",
                                                      "tasklets", "irq_works", "workqueues", "work"}))
    (e.key == "tasklets"     ? tasklets
     : e.key == "irq_works"  ? irq_works
     : e.key == "workqueues" ? workqueues
     : e.key == "work"       ? works
     : e.key == "system"     ? system
     : e.key == "tasks"      ? tasks
     : e.key == "irqs"       ? irqs
     : e.key == "mutexes"    ? mutexes
     : e.key == "conds"      ? conds
     : e.key == "semaphores" ? semaphores
                             : barriers) = e;
  Scenario sc;
  sc.file = r.file();
  sc.system = system ? parse_system(r, *system) : default_system();  // first: tasks' cpus are checked against it
  if (!tasks) r.fail(r.loc(doc), "", "no 'tasks:' in the workload: define at least one task");
  LockKinds locks;
  SyncTable syncs;
  if (conds) parse_syncs(r, *conds, SyncKind::Cond, syncs);
  if (semaphores) parse_syncs(r, *semaphores, SyncKind::Semaphore, syncs);
  if (barriers) parse_syncs(r, *barriers, SyncKind::Barrier, syncs);
  sc.tasks = parse_tasks(r, *tasks, sc.system, locks, syncs);
  if (works) sc.works = parse_works(r, *works, locks, syncs);  // work functions: kernel steps, like a kthread's
  for (auto& [name, spec] : syncs.specs) {
    if (spec.kind == SyncKind::Barrier) {
      const std::size_t users = syncs.barrier_users[name].size();
      if (spec.value == 0) spec.value = static_cast<std::int64_t>(users);
      if (static_cast<std::size_t>(spec.value) > users)
        r.fail(spec.loc, "barriers",
               fmt::format("barrier '{}' waits for {} tasks but only {} task{} use{} it: it would never open", name,
                           spec.value, users, users == 1 ? "" : "s", users == 1 ? "s" : ""));
    }
    if (spec.kind == SyncKind::Cond) {
      auto it = locks.find(spec.mutex);
      // A cond whose mutex no task locks (only signalled, never waited on):
      // the mutex still exists, as rt-app creates it from the resource name.
      if (it == locks.end()) it = locks.emplace(spec.mutex, std::pair{LockKind::User, spec.loc}).first;
      if (it->second.first != LockKind::User)
        r.fail(spec.loc, "conds",
               fmt::format("cond '{}' names '{}', a {}: a cond's mutex is a user-space mutex ('lock:'/'unlock:')", name,
                           spec.mutex, lock_kind_name(it->second.first)));
    }
    if (spec.value > 0 || spec.kind != SyncKind::Barrier) sc.syncs.push_back(spec);
  }
  if (mutexes) sc.mutexes = parse_mutexes(r, *mutexes);
  for (const MutexSpec& m : sc.mutexes) {
    auto it = locks.find(m.name);
    if (it != locks.end() && it->second.first != LockKind::User)
      r.fail(m.loc, "mutexes",
             fmt::format("'{}' is a {} (used at {}), not a user-space mutex: 'mutexes:' describes the locks of "
                         "'lock:'/'unlock:' steps",
                         m.name, lock_kind_name(it->second.first), it->second.second.str()));
  }
  for (const auto& [name, kind] : locks) sc.locks.emplace_back(name, kind.first);
  if (irqs) sc.irqs = parse_irqs(r, *irqs, sc.system);
  add_machine_irqs(sc);
  check_irq_wakes(r, sc);
  if (tasklets) sc.tasklets = parse_tasklets(r, *tasklets);
  if (irq_works) sc.irq_works = parse_irq_works(r, *irq_works);
  sc.workqueues = parse_workqueues(r, workqueues ? &*workqueues : nullptr);
  resolve_deferred(r, sc);
  if (sc.system.rt_runtime > sc.system.rt_period)
    r.fail(*system, "rt_runtime cannot exceed rt_period");
  if (auto e = dl_admission_check(sc)) r.fail(sc.tasks[e->task].loc, "tasks", e->message);
  return sc;
}

}  // namespace

Scenario parse_workload(const std::string& text, const std::string& file_name) {
  const Reader r(file_name);
  const YAML::Node doc = load_one_document(text, file_name);
  try {
    Scenario sc = parse_document(r, doc);
    check_scenario_limits(sc);
    return sc;
  } catch (const YAML::Exception& e) {  // not expected: the reader checks types before converting
    throw_workload_error(r.loc(e.mark), "cannot read the workload: " + e.msg);
  }
}

Scenario load_workload(const std::string& path) {
  // Bounded: a regular file (or a pipe) of at most InputLimits::kMaxFileBytes.
  const std::string text = read_input_file(path, "the workload file", SourceLoc{path});
  if (is_rtapp_workload(text, path)) return parse_rtapp(text, path);
  return parse_workload(text, path);
}

}  // namespace preemptsim
