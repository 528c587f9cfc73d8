// Task programs: each step's syntax, where it may appear (user mode, a syscall's kernel list, a kthread), and
// the static balance of preempt/irq/bh disable-enable pairs.
#include "workload/parse_steps.h"

#include "workload/parse_deferred.h"
#include "workload/parse_irqs.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace preemptsim::workload_detail {
namespace {

// Where a list of steps runs.
enum class Where : unsigned char {
  User,     // a user task's program (or a loop in it)
  Syscall,  // a syscall's kernel: list (or a loop in it)
  Kthread,  // a kthread's program (or a loop in it)
};

enum class Allowed : unsigned char { User, Kernel, Both };

struct StepInfo {
  std::string_view name;  // the workload keyword (== step_kind_name(kind))
  StepKind kind;
  bool takes_value;        // "sleep: 1ms" (true) or bare "cond_resched" (false)
  Allowed allowed;
  std::string_view usage;  // how to write it, for messages
};

constexpr std::array kSteps{
    StepInfo{"run", StepKind::Run, true, Allowed::User, "run: 1ms"},
    StepInfo{"sleep", StepKind::Sleep, true, Allowed::Both, "sleep: 1ms"},
    StepInfo{"sleep_until", StepKind::SleepUntil, true, Allowed::Both, "sleep_until: 2s"},
    StepInfo{"periodic", StepKind::Periodic, true, Allowed::Both, "periodic: {period: 1ms, phase: 0us}"},
    StepInfo{"syscall", StepKind::Syscall, true, Allowed::User, "syscall: NAME, with kernel: [...]"},
    StepInfo{"yield", StepKind::Yield, false, Allowed::Both, "yield"},
    StepInfo{"mark", StepKind::Mark, true, Allowed::Both, "mark: NAME"},
    StepInfo{"loop", StepKind::Loop, true, Allowed::Both, "loop: {count: N, steps: [...]}"},
    StepInfo{"busy", StepKind::Busy, true, Allowed::Kernel, "busy: 1ms"},
    StepInfo{"cond_resched", StepKind::CondResched, false, Allowed::Kernel, "cond_resched"},
    StepInfo{"might_sleep", StepKind::MightSleep, false, Allowed::Kernel, "might_sleep"},
    StepInfo{"might_resched", StepKind::MightResched, false, Allowed::Kernel, "might_resched"},
    StepInfo{"preempt_disable", StepKind::PreemptDisable, false, Allowed::Kernel, "preempt_disable"},
    StepInfo{"preempt_enable", StepKind::PreemptEnable, false, Allowed::Kernel, "preempt_enable"},
    StepInfo{"local_irq_disable", StepKind::LocalIrqDisable, false, Allowed::Kernel, "local_irq_disable"},
    StepInfo{"local_irq_enable", StepKind::LocalIrqEnable, false, Allowed::Kernel, "local_irq_enable"},
    StepInfo{"local_bh_disable", StepKind::LocalBhDisable, false, Allowed::Kernel, "local_bh_disable"},
    StepInfo{"local_bh_enable", StepKind::LocalBhEnable, false, Allowed::Kernel, "local_bh_enable"},
    StepInfo{"msleep", StepKind::Msleep, true, Allowed::Kernel, "msleep: 10ms"},
    StepInfo{"schedule", StepKind::Schedule, false, Allowed::Kernel, "schedule"},
    StepInfo{"raise_softirq", StepKind::RaiseSoftirq, true, Allowed::Kernel, "raise_softirq: NET_RX"},
    StepInfo{"migrate_disable", StepKind::MigrateDisable, false, Allowed::Kernel, "migrate_disable"},
    StepInfo{"migrate_enable", StepKind::MigrateEnable, false, Allowed::Kernel, "migrate_enable"},
    StepInfo{"lock", StepKind::Lock, true, Allowed::User, "lock: M"},
    StepInfo{"unlock", StepKind::Unlock, true, Allowed::User, "unlock: M"},
    StepInfo{"wait", StepKind::CondWait, true, Allowed::User, "wait: E"},
    StepInfo{"signal", StepKind::CondSignal, true, Allowed::User, "signal: E"},
    StepInfo{"broadcast", StepKind::CondBroadcast, true, Allowed::User, "broadcast: E"},
    StepInfo{"sem_wait", StepKind::SemWait, true, Allowed::User, "sem_wait: S"},
    StepInfo{"sem_post", StepKind::SemPost, true, Allowed::User, "sem_post: S"},
    StepInfo{"barrier", StepKind::Barrier, true, Allowed::User, "barrier: B"},
    StepInfo{"suspend", StepKind::Suspend, true, Allowed::User, "suspend: X"},
    StepInfo{"resume", StepKind::Resume, true, Allowed::User, "resume: X"},
    StepInfo{"wait_event", StepKind::WaitEvent, true, Allowed::Kernel, "wait_event: Q"},
    StepInfo{"wake_up", StepKind::WakeUp, true, Allowed::Kernel, "wake_up: Q"},
    StepInfo{"wait_for_completion", StepKind::WaitForCompletion, true, Allowed::Kernel,
             "wait_for_completion: C  or  {wait_for_completion: {completion: C, timeout: 10ms}}"},
    StepInfo{"complete", StepKind::Complete, true, Allowed::Kernel, "complete: C"},
    // read/poll/recv: Q: a syscall whose kernel list is [wait_event: Q] (a UIO read(), poll(), a socket's recv())
    StepInfo{"read", StepKind::Syscall, true, Allowed::User, "read: Q"},
    StepInfo{"poll", StepKind::Syscall, true, Allowed::User, "poll: Q"},
    StepInfo{"recv", StepKind::Syscall, true, Allowed::User, "recv: Q"},
};

// The kernel lock steps: each name says the lock's kind and how the step
// treats IRQs/softirqs; an unlock must match its lock's kind and flavor.
struct LockStepInfo {
  std::string_view name;
  LockKind kind;
  LockFlavor flavor;
  bool unlock;
  bool write = false;  // rwlock_t: write_lock/write_unlock
};
constexpr std::array kLockSteps{
    LockStepInfo{"spin_lock", LockKind::Spin, LockFlavor::Plain, false},
    LockStepInfo{"spin_lock_irq", LockKind::Spin, LockFlavor::Irq, false},
    LockStepInfo{"spin_lock_irqsave", LockKind::Spin, LockFlavor::IrqSave, false},
    LockStepInfo{"spin_lock_bh", LockKind::Spin, LockFlavor::Bh, false},
    LockStepInfo{"spin_unlock", LockKind::Spin, LockFlavor::Plain, true},
    LockStepInfo{"spin_unlock_irq", LockKind::Spin, LockFlavor::Irq, true},
    LockStepInfo{"spin_unlock_irqrestore", LockKind::Spin, LockFlavor::IrqSave, true},
    LockStepInfo{"spin_unlock_bh", LockKind::Spin, LockFlavor::Bh, true},
    LockStepInfo{"raw_spin_lock", LockKind::RawSpin, LockFlavor::Plain, false},
    LockStepInfo{"raw_spin_lock_irq", LockKind::RawSpin, LockFlavor::Irq, false},
    LockStepInfo{"raw_spin_lock_irqsave", LockKind::RawSpin, LockFlavor::IrqSave, false},
    LockStepInfo{"raw_spin_lock_bh", LockKind::RawSpin, LockFlavor::Bh, false},
    LockStepInfo{"raw_spin_unlock", LockKind::RawSpin, LockFlavor::Plain, true},
    LockStepInfo{"raw_spin_unlock_irq", LockKind::RawSpin, LockFlavor::Irq, true},
    LockStepInfo{"raw_spin_unlock_irqrestore", LockKind::RawSpin, LockFlavor::IrqSave, true},
    LockStepInfo{"raw_spin_unlock_bh", LockKind::RawSpin, LockFlavor::Bh, true},
    LockStepInfo{"read_lock", LockKind::RwLock, LockFlavor::Plain, false},
    LockStepInfo{"read_lock_irq", LockKind::RwLock, LockFlavor::Irq, false},
    LockStepInfo{"read_lock_irqsave", LockKind::RwLock, LockFlavor::IrqSave, false},
    LockStepInfo{"read_lock_bh", LockKind::RwLock, LockFlavor::Bh, false},
    LockStepInfo{"read_unlock", LockKind::RwLock, LockFlavor::Plain, true},
    LockStepInfo{"read_unlock_irq", LockKind::RwLock, LockFlavor::Irq, true},
    LockStepInfo{"read_unlock_irqrestore", LockKind::RwLock, LockFlavor::IrqSave, true},
    LockStepInfo{"read_unlock_bh", LockKind::RwLock, LockFlavor::Bh, true},
    LockStepInfo{"write_lock", LockKind::RwLock, LockFlavor::Plain, false, true},
    LockStepInfo{"write_lock_irq", LockKind::RwLock, LockFlavor::Irq, false, true},
    LockStepInfo{"write_lock_irqsave", LockKind::RwLock, LockFlavor::IrqSave, false, true},
    LockStepInfo{"write_lock_bh", LockKind::RwLock, LockFlavor::Bh, false, true},
    LockStepInfo{"write_unlock", LockKind::RwLock, LockFlavor::Plain, true, true},
    LockStepInfo{"write_unlock_irq", LockKind::RwLock, LockFlavor::Irq, true, true},
    LockStepInfo{"write_unlock_irqrestore", LockKind::RwLock, LockFlavor::IrqSave, true, true},
    LockStepInfo{"write_unlock_bh", LockKind::RwLock, LockFlavor::Bh, true, true},
    LockStepInfo{"local_lock", LockKind::Local, LockFlavor::Plain, false},
    LockStepInfo{"local_lock_irq", LockKind::Local, LockFlavor::Irq, false},
    LockStepInfo{"local_lock_irqsave", LockKind::Local, LockFlavor::IrqSave, false},
    LockStepInfo{"local_unlock", LockKind::Local, LockFlavor::Plain, true},
    LockStepInfo{"local_unlock_irq", LockKind::Local, LockFlavor::Irq, true},
    LockStepInfo{"local_unlock_irqrestore", LockKind::Local, LockFlavor::IrqSave, true},
    LockStepInfo{"mutex_lock", LockKind::Mutex, LockFlavor::Plain, false},
    LockStepInfo{"mutex_unlock", LockKind::Mutex, LockFlavor::Plain, true},
    LockStepInfo{"rt_mutex_lock", LockKind::RtMutex, LockFlavor::Plain, false},
    LockStepInfo{"rt_mutex_unlock", LockKind::RtMutex, LockFlavor::Plain, true},
};

const LockStepInfo* find_lock_step(std::string_view name) {
  for (const auto& s : kLockSteps)
    if (s.name == name) return &s;
  return nullptr;
}

std::string_view lock_step_name(LockKind kind, LockFlavor flavor, bool unlock, bool write) {
  for (const auto& s : kLockSteps)
    if (s.kind == kind && s.flavor == flavor && s.unlock == unlock && s.write == write) return s.name;
  return "?";
}
const Names kAllStepNames = {"run", "sleep", "sleep_until", "periodic", "syscall", "yield", "mark", "loop",
                             "busy", "cond_resched", "might_sleep", "might_resched", "preempt_disable",
                             "preempt_enable", "local_irq_disable", "local_irq_enable", "local_bh_disable",
                             "local_bh_enable", "msleep", "schedule", "migrate_disable", "migrate_enable",
                             "lock", "unlock", "spin_lock", "spin_unlock", "raw_spin_lock", "raw_spin_unlock",
                             "mutex_lock", "mutex_unlock", "rt_mutex_lock", "rt_mutex_unlock", "read_lock",
                             "read_unlock", "write_lock", "write_unlock", "local_lock", "local_unlock", "wait",
                             "signal", "broadcast", "sem_wait", "sem_post", "barrier", "suspend", "resume", "raise_softirq",
                             "wait_event", "wake_up", "wait_for_completion", "complete", "read", "poll", "recv",
                             "tasklet_schedule", "tasklet_hi_schedule", "queue_work", "queue_delayed_work",
                             "schedule_work", "schedule_delayed_work", "irq_work_queue"};
constexpr std::string_view kUserStepList =
    "run, sleep, sleep_until, periodic, syscall, yield, mark, loop, lock, unlock, wait, signal, broadcast, sem_wait, "
    "sem_post, barrier, suspend, resume, read, poll, recv";
constexpr std::string_view kKernelStepList =
    "busy, cond_resched, might_sleep, might_resched, preempt_disable, preempt_enable, local_irq_disable, "
    "local_irq_enable, local_bh_disable, local_bh_enable, msleep, schedule, migrate_disable, migrate_enable, "
    "spin_lock[_irq|_irqsave|_bh], spin_unlock[_irq|_irqrestore|_bh], raw_spin_lock..., raw_spin_unlock..., "
    "read_lock..., read_unlock..., write_lock..., write_unlock..., local_lock[_irq|_irqsave], "
    "local_unlock[_irq|_irqrestore], mutex_lock, mutex_unlock, rt_mutex_lock, rt_mutex_unlock, raise_softirq, wait_event, wake_up, wait_for_completion, complete, "
    "tasklet_schedule, tasklet_hi_schedule, queue_work, queue_delayed_work, schedule_work, schedule_delayed_work, "
    "irq_work_queue";
constexpr std::string_view kBothStepList = "sleep, sleep_until, periodic, yield, mark, loop";

const StepInfo* find_step(std::string_view name) {
  for (const auto& s : kSteps)
    if (s.name == name) return &s;
  return nullptr;
}

// The three disable/enable pairs whose nesting is checked statically. The
// depth limits are the widths of the preempt_count fields (kernel-semantics
// §1): PREEMPT is 8 bits; local_bh_disable adds 0x200 to the 8-bit SOFTIRQ
// field. local_irq_disable does not count in the kernel (no limit here).
struct PairInfo {
  StepKind disable;
  StepKind enable;
  int max_depth;
  std::string_view why;
};
constexpr std::array kPairs{
    PairInfo{StepKind::PreemptDisable, StepKind::PreemptEnable, 255, "the PREEMPT field of preempt_count is 8 bits"},
    PairInfo{StepKind::LocalIrqDisable, StepKind::LocalIrqEnable, 1 << 20, ""},
    PairInfo{StepKind::LocalBhDisable, StepKind::LocalBhEnable, 127,
             "local_bh_disable adds 0x200 to the 8-bit SOFTIRQ field of preempt_count"},
    PairInfo{StepKind::MigrateDisable, StepKind::MigrateEnable, 1 << 20, ""},
};

// A lock taken and not yet released at this point of the program.
struct HeldLock {
  std::string name;
  LockKind kind;
  LockFlavor flavor;
  bool write;
  SourceLoc loc;
};

// Locations of the not yet matched disables of each pair, outermost first,
// and the locks held, in the order taken.
struct Balance {
  std::array<std::vector<SourceLoc>, kPairs.size()> open;
  std::vector<HeldLock> held;
};

// More nesting than any real program needs; also stops an alias that refers
// to its own anchor (`&a [{loop: {count: 1, steps: *a}}]`).
constexpr int kMaxNesting = 32;

class StepParser {
 public:
  explicit StepParser(const Reader& r) : r_(r) {}

  std::vector<Step> steps(const Field& list, Where where, Balance* bal, int depth) const {
    if (depth > kMaxNesting)
      r_.fail(list, fmt::format("steps nested more than {} levels deep (does an alias refer to its own anchor?)",
                                kMaxNesting));
    std::vector<Step> out;
    for (const Field& item : r_.list(list)) out.push_back(step(item, where, bal, depth));
    return out;
  }

  // "syscall 'read' returns to user" / "kthread 'k' ends its program": the
  // end of a kernel section, where every pair must be back to zero.
  void check_closed(const Balance& bal, const SourceLoc& at, const std::string& path, const std::string& who) const {
    for (std::size_t i = 0; i < kPairs.size(); ++i)
      if (!bal.open[i].empty())
        r_.fail(at, path,
                fmt::format("{} with {} left unbalanced (depth {}, disabled at {})", who,
                            step_kind_name(kPairs[i].disable), bal.open[i].size(), bal.open[i].front().str()));
    if (!bal.held.empty())
      r_.fail(at, path,
              fmt::format("{} with {} '{}' held (taken at {})", who, lock_kind_name(bal.held.front().kind),
                          bal.held.front().name, bal.held.front().loc.str()));
  }

 private:
  Step step(const Field& item, Where where, Balance* bal, int depth) const {
    Step s;
    s.loc = r_.loc(item.key_node);
    const YAML::Node& n = item.value;

    // 1. A bare name: a step without a value.
    if (n.IsScalar()) {
      if (find_lock_step(n.Scalar()) != nullptr)
        r_.fail(s.loc, item.path, fmt::format("step '{}' needs a lock name: write '{}: NAME'", n.Scalar(), n.Scalar()));
      const StepInfo* info = find_step(n.Scalar());
      if (info == nullptr) unknown_step(item, n.Scalar(), s.loc, where);
      check_context(*info, where, s.loc, item.path);
      if (info->takes_value)
        r_.fail(s.loc, item.path, fmt::format("step '{}' needs a value: write '{}'", info->name, info->usage));
      s.kind = info->kind;
      track(s, bal, item.path);
      return s;
    }
    if (!n.IsMap())
      r_.fail(item, fmt::format("expected a step (a name such as 'cond_resched' or a map such as 'sleep: 1ms'), got {}",
                                describe(n)));

    // 2. A map: one step key with its value; a syscall also has 'kernel'.
    std::vector<Field> entries = r_.map(item, "a step", {});
    std::optional<Field> syscall, kernel;
    for (const Field& e : entries) {
      if (e.key == "syscall") syscall = e;
      if (e.key == "kernel") kernel = e;
    }
    if (syscall) {
      entries = r_.map(item, "a syscall step", {"syscall", "kernel"});
    } else {
      if (entries.empty()) r_.fail(item, "empty step: expected a map with one step key, such as 'sleep: 1ms'");
      if (kernel)
        r_.fail(r_.loc(kernel->key_node), item.path,
                "'kernel' belongs to a syscall step: add 'syscall: NAME' to this item");
      if (entries.size() > 1)
        r_.fail(r_.loc(entries[1].key_node), item.path,
                fmt::format("a step has exactly one key, but this one has '{}' after '{}' (is a '-' missing before "
                            "'{}'?)",
                            entries[1].key, entries[0].key, entries[1].key));
    }
    const Field& e = syscall ? *syscall : entries[0];
    if (const LockStepInfo* li = find_lock_step(e.key)) {
      if (where == Where::User)
        r_.fail(s.loc, item.path,
                fmt::format("kernel step '{}' outside a syscall: put it in a syscall's kernel: list, or make the task "
                            "a kthread (user-space mutexes use 'lock: M' / 'unlock: M')",
                            li->name));
      s.kind = li->unlock ? StepKind::KUnlock : StepKind::KLock;
      s.lock_kind = li->kind;
      s.lock_flavor = li->flavor;
      s.lock_write = li->write;
      s.lock = lock_name(e);
      track_lock(s, e, bal, item.path);
      return s;
    }
    if (is_defer_call(e.key)) {  // tasklet_schedule: T, queue_work: {...}, irq_work_queue: X (resolved later)
      if (where == Where::User)
        r_.fail(s.loc, item.path,
                fmt::format("kernel step '{}' outside a syscall: put it in a syscall's kernel: list, or make the task "
                            "a kthread",
                            e.key));
      s.kind = StepKind::Defer;
      s.defer = parse_defer_call(r_, e);
      return s;
    }
    const StepInfo* info = find_step(e.key);
    if (info == nullptr) unknown_step(item, e.key, r_.loc(e.key_node), where);
    check_context(*info, where, s.loc, item.path);
    if (!info->takes_value)
      r_.fail(r_.loc(e.key_node), item.path,
              fmt::format("step '{}' takes no argument: write '- {}' as a plain list item{}", info->name, info->name,
                          e.value.IsNull() ? ", without the ':'" : ""));
    s.kind = info->kind;
    if (info->kind == StepKind::Syscall && e.key != "syscall") {  // read/poll/recv: Q
      device_wait(s, e, bal, item.path);
      return s;
    }

    // 3. The value.
    switch (info->kind) {
      case StepKind::Run:
      case StepKind::Busy:
        if (e.value.IsMap()) {  // run: {uniform: [10us, 300us]}: drawn on each execution
          s.work = parse_distribution(r_, e);
          s.duration = s.work->expected();
          if (s.work->is_fixed()) s.work.reset();
          break;
        }
        s.duration = r_.duration(e, Time::ns(0), "at least 0");
        break;
      case StepKind::Sleep: s.duration = r_.duration(e, Time::ns(0), "at least 0"); break;
      case StepKind::Msleep:
        s.duration = r_.duration(e, Time::ns(0), "at least 0");
        if (s.duration.count() % 1'000'000 != 0)
          r_.fail(e, fmt::format("msleep takes whole milliseconds, like the kernel's msleep(unsigned int msecs); "
                                 "got {}",
                                 e.value.Scalar()));
        break;
      case StepKind::SleepUntil: s.at = r_.duration(e, Time::ns(0), "at least 0"); break;
      case StepKind::Mark: s.name = r_.string(e); break;
      case StepKind::RaiseSoftirq: raise_softirq(s, e); break;
      case StepKind::Lock:
      case StepKind::Unlock:
        s.lock_kind = LockKind::User;
        s.lock = lock_name(e);
        track_lock(s, e, bal, item.path);
        break;
      case StepKind::CondWait:
      case StepKind::CondSignal:
      case StepKind::CondBroadcast:
      case StepKind::SemWait:
      case StepKind::SemPost:
      case StepKind::Barrier:
      case StepKind::Suspend:
      case StepKind::Resume:
      case StepKind::WaitEvent:
      case StepKind::WakeUp:
      case StepKind::Complete:
        s.lock = lock_name(e);
        track_sync(s, e, bal, item.path);
        break;
      case StepKind::WaitForCompletion: wait_for_completion(s, e, bal, item.path); break;
      case StepKind::Periodic: periodic(s, e); break;
      case StepKind::Loop: loop(s, item, e, where, bal, depth); break;
      case StepKind::Syscall: syscall_body(s, item, e, kernel, depth); break;
      default: break;  // value-less kinds were handled above
    }
    return s;
  }

  // raise_softirq: NET_RX  or  {vector: NET_RX, duration: 20us}
  void raise_softirq(Step& s, const Field& e) const {
    if (e.value.IsScalar()) {
      s.softirq = parse_softirq_name(r_, e, e.value.Scalar(), r_.loc(e));
      return;
    }
    std::optional<Field> vec;
    for (const Field& f : r_.map(e, "raise_softirq", {"vector", "duration"})) {
      if (f.key == "vector") vec = f;
      if (f.key == "duration") {
        s.duration = r_.duration(f, Time(), "at least 0");
        s.has_duration = true;
      }
    }
    if (!vec) r_.fail(e, "raise_softirq needs a vector: raise_softirq: NET_RX or {vector: NET_RX, duration: 20us}");
    s.softirq = parse_softirq_name(r_, *vec, r_.string(*vec), r_.loc(*vec));
  }

  // read: Q / poll: Q / recv: Q: syscall NAME whose kernel list is [wait_event: Q].
  void device_wait(Step& s, const Field& e, Balance* bal, const std::string& path) const {
    s.name = e.key;
    Step w;
    w.kind = StepKind::WaitEvent;
    w.loc = s.loc;
    w.lock = lock_name(e);
    track_sync(w, e, bal, path);
    s.body.push_back(std::move(w));
  }

  // wait_for_completion: C  or  {completion: C, timeout: D}
  void wait_for_completion(Step& s, const Field& e, Balance* bal, const std::string& path) const {
    if (e.value.IsScalar()) {
      s.lock = lock_name(e);
      track_sync(s, e, bal, path);
      return;
    }
    std::optional<Field> c;
    for (const Field& f : r_.map(e, "wait_for_completion", {"completion", "timeout"})) {
      if (f.key == "completion") c = f;
      if (f.key == "timeout") s.timeout = r_.duration(f, Time::ns(1), "more than 0");
    }
    if (!c) r_.fail(e, "wait_for_completion needs 'completion: C' (or write wait_for_completion: C)");
    s.lock = lock_name(*c);
    track_sync(s, *c, bal, path);
  }

  void periodic(Step& s, const Field& e) const {
    std::optional<Field> period;
    std::optional<Field> deadline;
    for (const Field& f : r_.map(e, "periodic", {"period", "phase", "deadline"})) {
      if (f.key == "deadline") {
        s.deadline = r_.duration(f, Time::ns(1), "more than 0");
        deadline = f;
      } else if (f.key == "period") {
        s.period = r_.duration(f, Time::ns(1), "more than 0");
        period = f;
      } else {
        s.phase = r_.duration(f, Time::ns(0), "at least 0");
      }
    }
    if (!period) r_.fail(e, "periodic needs a 'period' (e.g. periodic: {period: 1ms})");
    if (deadline && s.deadline > s.period)
      r_.fail(*deadline, fmt::format("deadline {} is longer than the period {}: a job must end before the next one "
                                     "starts (constrained deadline)",
                                     deadline->value.Scalar(), period->value.Scalar()));
  }

  void loop(Step& s, const Field& item, const Field& e, Where where, Balance* bal, int depth) const {
    std::optional<Field> count, until, steps_field;
    for (const Field& f : r_.map(e, "loop", {"count", "until", "steps"})) {
      if (f.key == "count") count = f;
      if (f.key == "until") until = f;
      if (f.key == "steps") steps_field = f;
    }
    if (count && until)
      r_.fail(r_.loc((count->key_node.Mark().pos > until->key_node.Mark().pos ? count : until)->key_node), e.path,
              "loop takes either 'count' or 'until', not both");
    if (!count && !until) r_.fail(e, "loop needs 'count: N' (iterations), 'until: T' (a time) or 'until: end'");
    if (!steps_field) r_.fail(e, "loop needs 'steps: [...]'");
    if (count) s.count = r_.integer(*count, 1, std::numeric_limits<std::int64_t>::max());
    // until: end runs to the end of the run, whatever --duration says
    if (until) s.until = until->value.IsScalar() && until->value.Scalar() == "end" ? Time::max() : r_.duration(*until, Time::ns(0), "at least 0");

    // The body runs in the loop's context and must leave every pair's depth
    // as it found it, so that any number of iterations stays balanced.
    std::array<std::size_t, kPairs.size()> before{};
    std::vector<std::string> held_before;
    if (bal != nullptr) {
      for (std::size_t i = 0; i < kPairs.size(); ++i) before[i] = bal->open[i].size();
      for (const HeldLock& h : bal->held) held_before.push_back(h.name);
    }
    s.body = steps(*steps_field, where, bal, depth + 1);
    if (s.body.empty()) r_.fail(*steps_field, "loop steps are empty: give the loop at least one step");
    if (bal != nullptr) {
      std::vector<std::string> held_after;
      for (const HeldLock& h : bal->held) held_after.push_back(h.name);
      if (held_after != held_before) {
        std::string taken;
        for (const HeldLock& h : bal->held)
          if (std::find(held_before.begin(), held_before.end(), h.name) == held_before.end())
            taken = fmt::format(" ('{}' taken at {} is still held)", h.name, h.loc.str());
        r_.fail(s.loc, item.path,
                fmt::format("loop body changes the set of locks held{}: each iteration must release what it takes "
                            "and take what it releases",
                            taken));
      }
    }
    if (bal != nullptr)
      for (std::size_t i = 0; i < kPairs.size(); ++i) {
        const std::size_t after = bal->open[i].size();
        if (after == before[i]) continue;
        std::string where_text;
        if (after > before[i]) where_text = fmt::format(" (disabled at {})", bal->open[i][before[i]].str());
        r_.fail(s.loc, item.path,
                fmt::format("loop body changes the {} depth from {} to {}{}: each iteration must leave it as it "
                            "found it",
                            step_kind_name(kPairs[i].disable), before[i], after, where_text));
      }
  }

  void syscall_body(Step& s, const Field& item, const Field& e, const std::optional<Field>& kernel, int depth) const {
    s.name = r_.string(e);
    if (!kernel)
      r_.fail(s.loc, item.path,
              fmt::format("syscall '{}' needs a 'kernel:' list of kernel steps (use 'kernel: []' for a syscall that "
                          "does no modelled work)",
                          s.name));
    Balance kb;
    s.body = steps(*kernel, Where::Syscall, &kb, depth + 1);
    check_closed(kb, s.loc, item.path, fmt::format("syscall '{}' returns to user", s.name));
  }

  void check_context(const StepInfo& info, Where where, const SourceLoc& at, const std::string& path) const {
    if (info.allowed == Allowed::Kernel && where == Where::User)
      r_.fail(at, path,
              fmt::format("kernel step '{}' outside a syscall: put it in a syscall's kernel: list, or make the task "
                          "a kthread",
                          info.name));
    if (info.kind == StepKind::Run && where == Where::Syscall)
      r_.fail(at, path, "'run' is user-mode compute and cannot be in a syscall's kernel: list (use 'busy' for "
                        "kernel-mode compute)");
    if (info.kind == StepKind::Run && where == Where::Kthread)
      r_.fail(at, path, "a kthread has no user mode: 'run' is not allowed in its program (use 'busy' for "
                        "kernel-mode compute)");
    if (info.kind == StepKind::Syscall && where == Where::Syscall)
      r_.fail(at, path, "syscall inside a syscall: a syscall's kernel: list cannot make another syscall");
    if (info.kind == StepKind::Syscall && where == Where::Kthread)
      r_.fail(at, path, "a kthread cannot make a syscall: it is already in the kernel; put the kernel steps "
                        "directly in its program");
  }

  [[noreturn]] void unknown_step(const Field& item, const std::string& name, const SourceLoc& at, Where where) const {
    if (name == "kernel")
      r_.fail(at, item.path, "'kernel' belongs to a syscall step: write 'syscall: NAME' and 'kernel: [...]'");
    const std::string hint = did_you_mean(name, kAllStepNames);
    if (where == Where::User)
      r_.fail(at, item.path,
              fmt::format("unknown step '{}'{} (user steps: {}; kernel steps go in a syscall's kernel: list)", name,
                          hint, kUserStepList));
    r_.fail(at, item.path,
            fmt::format("unknown step '{}'{} (kernel steps: {}; also allowed: {})", name, hint, kKernelStepList,
                        kBothStepList));
  }

  // Follows the disable/enable pairs. Only kernel steps change a depth, and
  // those only appear where `bal` is set.
  void track(const Step& s, Balance* bal, const std::string& path) const {
    if (bal == nullptr) return;
    for (std::size_t i = 0; i < kPairs.size(); ++i) {
      auto& open = bal->open[i];
      if (s.kind == kPairs[i].disable) {
        open.push_back(s.loc);
        if (static_cast<int>(open.size()) > kPairs[i].max_depth)
          r_.fail(s.loc, path,
                  fmt::format("{} nested deeper than {} levels ({})", step_kind_name(s.kind), kPairs[i].max_depth,
                              kPairs[i].why));
      } else if (s.kind == kPairs[i].enable) {
        if (open.empty())
          r_.fail(s.loc, path,
                  fmt::format("{} without a matching {}", step_kind_name(s.kind), step_kind_name(kPairs[i].disable)));
        open.pop_back();
      }
    }
  }

  // A lock's name: letters, digits, '_', '.', '-' (it appears in reports and JSON keys).
  std::string lock_name(const Field& e) const {
    if (!e.value.IsScalar() || e.value.Scalar().empty())
      r_.fail(e, fmt::format("expected a lock name for '{}', got {}", e.key, describe(e.value)));
    const std::string name = e.value.Scalar();
    for (char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '.' || c == '-';
      if (!ok)
        r_.fail(e, fmt::format("lock name '{}' contains '{}': use only letters, digits, '_', '.' and '-'", name, c));
    }
    return name;
  }

  // One name is one lock of one kind across all tasks; a lock is taken once
  // before it is released (no recursion), an unlock names a held lock and
  // matches its lock's flavor (spin_lock_irqsave -> spin_unlock_irqrestore).
  void track_lock(const Step& s, const Field& e, Balance* bal, const std::string& path) const {
    const SourceLoc at = r_.loc(e.value);
    auto [it, fresh] = kinds_->try_emplace(s.lock, s.lock_kind, at);
    if (!fresh && it->second.first != s.lock_kind)
      r_.fail(at, path,
              fmt::format("lock '{}' is used as a {} here but as a {} at {}: one name is one lock of one kind", s.lock,
                          lock_kind_name(s.lock_kind), lock_kind_name(it->second.first), it->second.second.str()));
    if (bal == nullptr) return;
    auto held = std::find_if(bal->held.begin(), bal->held.end(), [&](const HeldLock& h) { return h.name == s.lock; });
    const bool unlock = s.kind == StepKind::KUnlock || s.kind == StepKind::Unlock;
    if (!unlock) {
      if (held != bal->held.end())
        r_.fail(at, path,
                fmt::format("lock '{}' is taken again while already held (taken at {}): this would deadlock on "
                            "itself",
                            s.lock, held->loc.str()));
      bal->held.push_back(HeldLock{s.lock, s.lock_kind, s.lock_flavor, s.lock_write, s.loc});
      return;
    }
    if (held == bal->held.end())
      r_.fail(at, path, fmt::format("unlock of lock '{}', which is not held here", s.lock));
    if (s.kind == StepKind::KUnlock && (held->flavor != s.lock_flavor || held->write != s.lock_write))
      r_.fail(at, path,
              fmt::format("lock '{}' was taken with {} at {}: release it with {}", s.lock,
                          lock_step_name(held->kind, held->flavor, false, held->write), held->loc.str(),
                          lock_step_name(held->kind, held->flavor, true, held->write)));
    bal->held.erase(held);
  }

  // One name is one sync object of one kind; a cond must be declared (its
  // mutex) and waited on with that mutex held.
  void track_sync(const Step& s, const Field& e, Balance* bal, const std::string& path) const {
    const SourceLoc at = r_.loc(e.value);
    SyncKind kind = SyncKind::Event;
    switch (s.kind) {
      case StepKind::CondWait:
      case StepKind::CondSignal:
      case StepKind::CondBroadcast: kind = SyncKind::Cond; break;
      case StepKind::SemWait:
      case StepKind::SemPost: kind = SyncKind::Semaphore; break;
      case StepKind::Barrier: kind = SyncKind::Barrier; break;
      case StepKind::WaitEvent:
      case StepKind::WakeUp: kind = SyncKind::WaitQueue; break;
      case StepKind::WaitForCompletion:
      case StepKind::Complete: kind = SyncKind::Completion; break;
      default: break;
    }
    auto it = syncs_->specs.find(s.lock);
    if (it == syncs_->specs.end()) {
      if (kind == SyncKind::Cond)
        r_.fail(at, path, fmt::format("cond '{}' is not declared: add 'conds: {{{}: {{mutex: M}}}}' naming the mutex its "
                                      "waiters hold",
                                      s.lock, s.lock));
      SyncSpec spec;
      spec.name = s.lock;
      spec.kind = kind;
      spec.loc = at;
      it = syncs_->specs.emplace(s.lock, spec).first;
    }
    if (it->second.kind != kind)
      r_.fail(at, path,
              fmt::format("'{}' is used as a {} here but is a {} (declared or first used at {})", s.lock,
                          sync_kind_name(kind), sync_kind_name(it->second.kind), it->second.loc.str()));
    if (s.kind == StepKind::Barrier) {
      auto& users = syncs_->barrier_users[s.lock];
      if (std::find(users.begin(), users.end(), *task_) == users.end()) users.push_back(*task_);
    }
    if (s.kind == StepKind::CondWait && bal != nullptr) {
      const std::string& m = it->second.mutex;
      const bool held = std::any_of(bal->held.begin(), bal->held.end(), [&](const HeldLock& h) { return h.name == m; });
      if (!held)
        r_.fail(at, path,
                fmt::format("wait on cond '{}' without holding its mutex '{}' (pthread_cond_wait needs it locked: add "
                            "'lock: {}' before)",
                            s.lock, m, m));
    }
  }

 public:
  std::map<std::string, std::pair<LockKind, SourceLoc>>* kinds_ = nullptr;
  SyncTable* syncs_ = nullptr;
  const std::string* task_ = nullptr;

 private:
  const Reader& r_;
};

}  // namespace

std::vector<Step> parse_program(const Reader& r, const Field& program, bool kthread, const std::string& task,
                                const SourceLoc& task_loc, LockKinds& locks, SyncTable& syncs) {
  StepParser p(r);
  p.kinds_ = &locks;
  p.syncs_ = &syncs;
  p.task_ = &task;
  Balance bal;
  std::vector<Step> steps = p.steps(program, kthread ? Where::Kthread : Where::User, &bal, 0);
  if (steps.empty()) r.fail(program, "program is empty: give the task at least one step");
  const std::string task_path = program.path.substr(0, program.path.rfind('.'));  // "tasks.k"
  p.check_closed(bal, task_loc, task_path,
                 fmt::format("{} '{}' ends its program", kthread ? "kthread" : "task", task));
  return steps;
}

}  // namespace preemptsim::workload_detail
