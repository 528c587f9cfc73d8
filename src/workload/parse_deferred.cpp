// Reads deferred work: tasklets (tasklet_struct), irq_works (struct
// irq_work), workqueues (alloc_workqueue() flags) and work items
// (work_struct functions as kernel steps), and the calls that defer to them.
#include "workload/parse_deferred.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "workload/parse_irqs.h"

namespace preemptsim::workload_detail {

const Names kDeferCallNames = {"tasklet_schedule", "tasklet_hi_schedule", "queue_work", "queue_delayed_work",
                               "schedule_work",    "schedule_delayed_work", "irq_work_queue"};

bool is_defer_call(std::string_view key) {
  return std::find(kDeferCallNames.begin(), kDeferCallNames.end(), key) != kDeferCallNames.end();
}

namespace {

// A name in a report or a JSON key: letters, digits, '_', '.', '-'.
std::string object_name(const Reader& r, const Field& f, const char* what) {
  const std::string n = r.string(f);
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      r.fail(f, fmt::format("{} name '{}' contains '{}': use only letters, digits, '_', '.' and '-'", what, n, c));
  return n;
}

// queue_delayed_work()'s delay: msecs_to_jiffies() takes whole milliseconds.
Time work_delay(const Reader& r, const Field& f) {
  const Time d = r.duration(f, Time(), "at least 0");
  if (d.count() % 1'000'000 != 0)
    r.fail(f, fmt::format("a delayed work's delay is msecs_to_jiffies(ms): whole milliseconds, got {}", f.value.Scalar()));
  return d;
}

}  // namespace

DeferCall parse_defer_call(const Reader& r, const Field& e) {
  DeferCall d;
  d.call = e.key;
  d.loc = r.loc(e.key_node);
  if (e.key == "tasklet_schedule" || e.key == "tasklet_hi_schedule") {
    d.kind = e.key == "tasklet_schedule" ? DeferCall::Kind::Tasklet : DeferCall::Kind::TaskletHi;
    d.name = object_name(r, e, "tasklet");
  } else if (e.key == "irq_work_queue") {
    d.kind = DeferCall::Kind::IrqWork;
    d.name = object_name(r, e, "irq_work");
  } else if (e.key == "schedule_work") {  // queue_work(system_wq, w)
    d.kind = DeferCall::Kind::QueueWork;
    d.workqueue = "events";
    d.name = object_name(r, e, "work");
  } else {
    d.kind = DeferCall::Kind::QueueWork;
    d.delayed = e.key == "queue_delayed_work" || e.key == "schedule_delayed_work";
    const bool wq = e.key == "queue_work" || e.key == "queue_delayed_work";
    std::optional<Field> work, queue, delay;
    if (!e.value.IsMap())
      r.fail(e, fmt::format("{} takes a map: {}", e.key,
                            e.key == "queue_work"           ? "{workqueue: WQ, work: W}"
                            : e.key == "queue_delayed_work" ? "{workqueue: WQ, work: W, delay: 4ms}"
                                                            : "{work: W, delay: 4ms}"));
    for (const Field& k : r.map(e, e.key, {}))
      if (k.key == "work") work = k;
      else if (k.key == "workqueue" && wq) queue = k;
      else if (k.key == "delay" && d.delayed) delay = k;
      else
        r.fail(r.loc(k.key_node), k.path,
               fmt::format("unknown key '{}' in {} (keys: {})", k.key, e.key,
                           wq ? (d.delayed ? "workqueue, work, delay" : "workqueue, work") : "work, delay"));
    if (!work) r.fail(e, fmt::format("{} needs 'work: W'", e.key));
    if (wq && !queue) r.fail(e, fmt::format("{} needs 'workqueue: WQ' (schedule_work uses the system workqueue)", e.key));
    if (d.delayed && !delay) r.fail(e, fmt::format("{} needs 'delay: D' (whole milliseconds)", e.key));
    d.name = object_name(r, *work, "work");
    d.workqueue = queue ? object_name(r, *queue, "workqueue") : std::string("events");
    if (delay) d.delay = work_delay(r, *delay);
  }
  return d;
}

namespace {

// The keys a tasklet or irq_work shares: its run time, what it wakes, the calls it makes.
template <class Spec>
void common_key(const Reader& r, const Field& k, Spec& s, bool& has_run) {
  if (k.key == "run") {
    s.run = parse_distribution(r, k);
    has_run = true;
  } else if (k.key == "wake_up" || k.key == "complete") {
    if (!s.wakes.empty()) r.fail(k, "give 'wake_up' or 'complete', not both");
    s.wakes = object_name(r, k, k.key == "complete" ? "completion" : "wait queue");
    s.wakes_completion = k.key == "complete";
  } else {
    s.defer.push_back(parse_defer_call(r, k));
  }
}

// A callback that makes calls must use time, or a cycle of calls (a tasklet
// scheduling itself) would run forever at one instant.
template <class Spec>
void check_run_uses_time(const Reader& r, const Spec& s, const std::string& path, const char* what) {
  const bool can_be_zero = s.run.is_fixed() ? s.run.value <= Time() : s.run.min <= Time();
  if (!s.defer.empty() && can_be_zero)
    r.fail(s.loc, path, fmt::format("{} '{}' makes calls, so its run must take time: give a duration above 0 (or a distribution with min above 0)",
                                    what, s.name));
}

}  // namespace

std::vector<TaskletSpec> parse_tasklets(const Reader& r, const Field& f) {
  std::vector<TaskletSpec> out;
  for (const Field& t : r.map(f, "tasklets", {}, "tasklet name")) {
    TaskletSpec s;
    s.name = object_name(r, Field{t.key, t.key_node, t.key_node, t.path}, "tasklet");
    s.loc = r.loc(t.key_node);
    bool has_run = false;
    for (const Field& k : r.map(t, fmt::format("tasklet '{}'", t.key),
                                {"run", "wake_up", "complete", "tasklet_schedule", "tasklet_hi_schedule", "queue_work",
                                 "queue_delayed_work", "schedule_work", "schedule_delayed_work", "irq_work_queue"}))
      common_key(r, k, s, has_run);
    if (!has_run) r.fail(s.loc, t.path, fmt::format("tasklet '{}' needs 'run: D' (its callback's duration)", t.key));
    check_run_uses_time(r, s, t.path, "tasklet");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<IrqWorkSpec> parse_irq_works(const Reader& r, const Field& f) {
  std::vector<IrqWorkSpec> out;
  for (const Field& t : r.map(f, "irq_works", {}, "irq_work name")) {
    IrqWorkSpec s;
    s.name = object_name(r, Field{t.key, t.key_node, t.key_node, t.path}, "irq_work");
    s.loc = r.loc(t.key_node);
    bool has_run = false;
    for (const Field& k : r.map(t, fmt::format("irq_work '{}'", t.key),
                                {"run", "hard", "lazy", "wake_up", "complete", "tasklet_schedule", "tasklet_hi_schedule",
                                 "queue_work", "queue_delayed_work", "schedule_work", "schedule_delayed_work"})) {
      if (k.key == "hard") s.hard = r.boolean(k);
      else if (k.key == "lazy") s.lazy = r.boolean(k);
      else common_key(r, k, s, has_run);
    }
    if (!has_run) r.fail(s.loc, t.path, fmt::format("irq_work '{}' needs 'run: D' (its callback's duration)", t.key));
    check_run_uses_time(r, s, t.path, "irq_work");
    if (s.hard && s.lazy) r.fail(s.loc, t.path, "an irq_work is IRQ_WORK_HARD_IRQ or IRQ_WORK_LAZY, not both");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<WorkqueueSpec> parse_workqueues(const Reader& r, const Field* f) {
  std::vector<WorkqueueSpec> out(1);
  out[0].name = "events";  // system_wq
  if (!f) return out;
  for (const Field& q : r.map(*f, "workqueues", {}, "workqueue name")) {
    WorkqueueSpec s;
    s.name = object_name(r, Field{q.key, q.key_node, q.key_node, q.path}, "workqueue");
    s.loc = r.loc(q.key_node);
    if (s.name == "events") r.fail(s.loc, q.path, "'events' is the system workqueue (system_wq); it is always there");
    if (!q.value.IsNull())
      for (const Field& k : r.map(q, fmt::format("workqueue '{}'", q.key), {"unbound", "highpri", "max_active"})) {
        if (k.key == "unbound") s.unbound = r.boolean(k);
        if (k.key == "highpri") s.highpri = r.boolean(k);
        if (k.key == "max_active") s.max_active = static_cast<int>(r.integer(k, 1, 512));  // WQ_MAX_ACTIVE
      }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<WorkSpec> parse_works(const Reader& r, const Field& f, LockKinds& locks, SyncTable& syncs) {
  std::vector<WorkSpec> out;
  for (const Field& w : r.map(f, "work", {}, "work name")) {
    WorkSpec s;
    s.name = object_name(r, Field{w.key, w.key_node, w.key_node, w.path}, "work");
    s.loc = r.loc(w.key_node);
    if (!w.value.IsSequence()) r.fail(w, fmt::format("work '{}' is a list of kernel steps (its function), e.g. [busy: 20us, complete: done]", w.key));
    s.steps = parse_program(r, w, true, "work " + s.name, s.loc, locks, syncs);
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

template <class V>
int index_of(const V& v, const std::string& name) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].name == name) return static_cast<int>(i);
  return -1;
}

void resolve_call(const Reader& r, const Scenario& sc, DeferCall& d) {
  const std::string path;
  switch (d.kind) {
    case DeferCall::Kind::Tasklet:
    case DeferCall::Kind::TaskletHi:
      d.index = index_of(sc.tasklets, d.name);
      if (d.index < 0) r.fail(d.loc, path, fmt::format("{}: no tasklet '{}' (declare it under 'tasklets:')", d.call, d.name));
      break;
    case DeferCall::Kind::IrqWork:
      d.index = index_of(sc.irq_works, d.name);
      if (d.index < 0) r.fail(d.loc, path, fmt::format("{}: no irq_work '{}' (declare it under 'irq_works:')", d.call, d.name));
      break;
    case DeferCall::Kind::QueueWork:
      d.index = index_of(sc.works, d.name);
      if (d.index < 0) r.fail(d.loc, path, fmt::format("{}: no work '{}' (declare it under 'work:')", d.call, d.name));
      d.wq = index_of(sc.workqueues, d.workqueue);
      if (d.wq < 0) r.fail(d.loc, path, fmt::format("{}: no workqueue '{}' (declare it under 'workqueues:')", d.call, d.workqueue));
      break;
  }
}

void resolve_steps(const Reader& r, const Scenario& sc, std::vector<Step>& steps) {
  for (Step& s : steps) {
    if (s.kind == StepKind::Defer) resolve_call(r, sc, s.defer);
    resolve_steps(r, sc, s.body);
  }
}

void check_wakes(const Reader& r, const Scenario& sc, const std::string& wakes, bool completion, const SourceLoc& at,
                 const std::string& who) {
  if (wakes.empty()) return;
  const SyncKind want = completion ? SyncKind::Completion : SyncKind::WaitQueue;
  for (const SyncSpec& s : sc.syncs)
    if (s.name == wakes) {
      if (s.kind != want)
        r.fail(at, "", fmt::format("{} wakes '{}' as a {}, but it is a {} (first used at {})", who, wakes, sync_kind_name(want),
                                   sync_kind_name(s.kind), s.loc.str()));
      return;
    }
  r.fail(at, "", fmt::format("{} wakes {} '{}', which no task uses ({}: {})", who, sync_kind_name(want), wakes,
                             completion ? "wait_for_completion" : "wait_event", wakes));
}

}  // namespace

void resolve_deferred(const Reader& r, Scenario& sc) {
  for (TaskSpec& t : sc.tasks) resolve_steps(r, sc, t.program);
  for (WorkSpec& w : sc.works) resolve_steps(r, sc, w.steps);
  for (IrqSpec& i : sc.irqs)
    for (DeferCall& d : i.defer) resolve_call(r, sc, d);
  for (TaskletSpec& t : sc.tasklets) {
    for (DeferCall& d : t.defer) resolve_call(r, sc, d);
    check_wakes(r, sc, t.wakes, t.wakes_completion, t.loc, fmt::format("tasklet '{}'", t.name));
  }
  for (IrqWorkSpec& w : sc.irq_works) {
    for (DeferCall& d : w.defer) resolve_call(r, sc, d);
    check_wakes(r, sc, w.wakes, w.wakes_completion, w.loc, fmt::format("irq_work '{}'", w.name));
  }
}

}  // namespace preemptsim::workload_detail
