// Task programs: each step's syntax, where it may appear (user mode, a syscall's kernel list, a kthread), and
// the static balance of preempt/irq/bh disable-enable pairs.
#include "workload/parse_steps.h"

#include "workload/parse_irqs.h"

#include <array>
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
};
const Names kAllStepNames = {"run", "sleep", "sleep_until", "periodic", "syscall", "yield", "mark", "loop",
                             "busy", "cond_resched", "might_sleep", "might_resched", "preempt_disable",
                             "preempt_enable", "local_irq_disable", "local_irq_enable", "local_bh_disable",
                             "local_bh_enable", "msleep", "schedule", "raise_softirq"};
constexpr std::string_view kUserStepList = "run, sleep, sleep_until, periodic, syscall, yield, mark, loop";
constexpr std::string_view kKernelStepList =
    "busy, cond_resched, might_sleep, might_resched, preempt_disable, preempt_enable, local_irq_disable, "
    "local_irq_enable, local_bh_disable, local_bh_enable, msleep, schedule, raise_softirq";
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
};

// Locations of the not yet matched disables of each pair, outermost first.
struct Balance {
  std::array<std::vector<SourceLoc>, kPairs.size()> open;
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
  }

 private:
  Step step(const Field& item, Where where, Balance* bal, int depth) const {
    Step s;
    s.loc = r_.loc(item.key_node);
    const YAML::Node& n = item.value;

    // 1. A bare name: a step without a value.
    if (n.IsScalar()) {
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
    const StepInfo* info = find_step(e.key);
    if (info == nullptr) unknown_step(item, e.key, r_.loc(e.key_node), where);
    check_context(*info, where, s.loc, item.path);
    if (!info->takes_value)
      r_.fail(r_.loc(e.key_node), item.path,
              fmt::format("step '{}' takes no argument: write '- {}' as a plain list item{}", info->name, info->name,
                          e.value.IsNull() ? ", without the ':'" : ""));
    s.kind = info->kind;

    // 3. The value.
    switch (info->kind) {
      case StepKind::Run:
      case StepKind::Sleep:
      case StepKind::Busy: s.duration = r_.duration(e, Time::ns(0), "at least 0"); break;
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

  void periodic(Step& s, const Field& e) const {
    std::optional<Field> period;
    for (const Field& f : r_.map(e, "periodic", {"period", "phase"})) {
      if (f.key == "period") {
        s.period = r_.duration(f, Time::ns(1), "more than 0");
        period = f;
      } else {
        s.phase = r_.duration(f, Time::ns(0), "at least 0");
      }
    }
    if (!period) r_.fail(e, "periodic needs a 'period' (e.g. periodic: {period: 1ms})");
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
    if (!count && !until) r_.fail(e, "loop needs 'count: N' (iterations) or 'until: T' (a time)");
    if (!steps_field) r_.fail(e, "loop needs 'steps: [...]'");
    if (count) s.count = r_.integer(*count, 1, std::numeric_limits<std::int64_t>::max());
    if (until) s.until = r_.duration(*until, Time::ns(0), "at least 0");

    // The body runs in the loop's context and must leave every pair's depth
    // as it found it, so that any number of iterations stays balanced.
    std::array<std::size_t, kPairs.size()> before{};
    if (bal != nullptr)
      for (std::size_t i = 0; i < kPairs.size(); ++i) before[i] = bal->open[i].size();
    s.body = steps(*steps_field, where, bal, depth + 1);
    if (s.body.empty()) r_.fail(*steps_field, "loop steps are empty: give the loop at least one step");
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

  const Reader& r_;
};

}  // namespace

std::vector<Step> parse_program(const Reader& r, const Field& program, bool kthread, const std::string& task,
                                const SourceLoc& task_loc) {
  StepParser p(r);
  Balance bal;
  std::vector<Step> steps = p.steps(program, kthread ? Where::Kthread : Where::User, kthread ? &bal : nullptr, 0);
  if (steps.empty()) r.fail(program, "program is empty: give the task at least one step");
  if (kthread) {
    const std::string task_path = program.path.substr(0, program.path.rfind('.'));  // "tasks.k"
    p.check_closed(bal, task_loc, task_path, fmt::format("kthread '{}' ends its program", task));
  }
  return steps;
}

}  // namespace preemptsim::workload_detail
