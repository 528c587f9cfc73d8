// Tests of the workload parser: the documented example, durations, defaults, and every error with its location.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "kernel/preempt_model.h"
#include "workload/parse_yaml.h"

namespace preemptsim {
namespace {

using namespace literals;

// Raw string literals below start with a newline for readability; drop it so
// that line 1 is the first line of YAML.
std::string yaml(const std::string& text) { return text.starts_with('\n') ? text.substr(1) : text; }

Scenario parse(const std::string& text) { return parse_workload(yaml(text), "w.yaml"); }

// Parses `text`, which must fail with a WorkloadError at line:col whose
// message contains `part`.
void check_error(const std::string& text, int line, int col, const std::string& part) {
  try {
    parse(text);
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().file, "w.yaml");
    EXPECT_EQ(e.loc().line, line) << e.what();
    EXPECT_EQ(e.loc().col, col) << e.what();
    EXPECT_NE(e.message().find(part), std::string::npos) << "message: " << e.message() << "\nexpected part: " << part;
    EXPECT_EQ(std::string(e.what()), e.loc().str() + ": " + e.message());
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a WorkloadError: " << e.what();
    return;
  }
  ADD_FAILURE() << "no error";
}
#define EXPECT_WORKLOAD_ERROR(text, line, col, part) \
  do {                                               \
    SCOPED_TRACE(yaml(text));                        \
    check_error(text, line, col, part);              \
  } while (0)

// A valid task to put next to the one under test.
const char* const kExample = R"(
system: {cpus: 2, hz: 250, models: [none, voluntary, full, lazy, rt], duration: 10s, seed: 1}
tasks:
  hi: {policy: fifo, priority: 50, cpus: [0], program: [{sleep: 3s}]}
  lo:
    policy: fifo
    priority: 30
    cpus: [0]
    program:
      - sleep: 1s
      - syscall: read
        kernel: [{busy: 4s}, cond_resched, {busy: 1s}]
)";

// ---------------------------------------------------------------- the example

TEST(WorkloadParse, DocumentedExample) {
  const Scenario sc = parse(kExample);
  EXPECT_EQ(sc.file, "w.yaml");
  EXPECT_EQ(sc.system.cpus, 2);
  EXPECT_EQ(sc.system.hz, 250);
  EXPECT_EQ(sc.system.models, (std::vector<std::string>{"none", "voluntary", "full", "lazy", "rt"}));
  EXPECT_EQ(sc.system.duration, 10_s);
  EXPECT_EQ(sc.system.seed, 1u);
  ASSERT_EQ(sc.tasks.size(), 2u);

  const TaskSpec& hi = sc.tasks[0];
  EXPECT_EQ(hi.name, "hi");
  EXPECT_EQ(hi.policy, Policy::Fifo);
  EXPECT_EQ(hi.priority, 50);
  EXPECT_EQ(hi.nice, 0);
  EXPECT_EQ(hi.cpus, std::vector<int>{0});
  EXPECT_FALSE(hi.kthread);
  EXPECT_EQ(hi.loc.line, 3);
  EXPECT_EQ(hi.loc.col, 3);
  ASSERT_EQ(hi.program.size(), 1u);
  EXPECT_EQ(hi.program[0].kind, StepKind::Sleep);
  EXPECT_EQ(hi.program[0].duration.count(), 3'000'000'000);
  EXPECT_EQ(hi.program[0].loc.file, "w.yaml");
  EXPECT_EQ(hi.program[0].loc.line, 3);
  EXPECT_EQ(hi.program[0].loc.col, 57);  // the '{' of {sleep: 3s}

  const TaskSpec& lo = sc.tasks[1];
  EXPECT_EQ(lo.name, "lo");
  EXPECT_EQ(lo.policy, Policy::Fifo);
  EXPECT_EQ(lo.priority, 30);
  EXPECT_EQ(lo.loc.line, 4);
  EXPECT_EQ(lo.loc.col, 3);
  ASSERT_EQ(lo.program.size(), 2u);
  EXPECT_EQ(lo.program[0].kind, StepKind::Sleep);
  EXPECT_EQ(lo.program[0].duration.count(), 1'000'000'000);
  EXPECT_EQ(lo.program[0].loc.line, 9);
  EXPECT_EQ(lo.program[0].loc.col, 9);

  const Step& sys = lo.program[1];
  EXPECT_EQ(sys.kind, StepKind::Syscall);
  EXPECT_EQ(sys.name, "read");
  EXPECT_EQ(sys.loc.line, 10);
  EXPECT_EQ(sys.loc.col, 9);
  ASSERT_EQ(sys.body.size(), 3u);
  EXPECT_EQ(sys.body[0].kind, StepKind::Busy);
  EXPECT_EQ(sys.body[0].duration.count(), 4'000'000'000);
  EXPECT_EQ(sys.body[0].loc.line, 11);
  EXPECT_EQ(sys.body[0].loc.col, 18);
  EXPECT_EQ(sys.body[1].kind, StepKind::CondResched);
  EXPECT_EQ(sys.body[1].loc.line, 11);
  EXPECT_EQ(sys.body[1].loc.col, 30);
  EXPECT_EQ(sys.body[2].kind, StepKind::Busy);
  EXPECT_EQ(sys.body[2].duration, 1_s);
  EXPECT_EQ(sys.body[2].loc.col, 44);
}

TEST(WorkloadParse, Defaults) {
  const Scenario sc = parse(R"(
tasks:
  t: {program: [{run: 1ms}]}
)");
  EXPECT_EQ(sc.system.cpus, 1);
  EXPECT_EQ(sc.system.hz, 250);
  ASSERT_EQ(sc.system.models.size(), preempt_models().size());
  for (std::size_t i = 0; i < sc.system.models.size(); ++i) EXPECT_EQ(sc.system.models[i], preempt_models()[i].name);
  EXPECT_EQ(sc.system.duration, 10_s);
  EXPECT_EQ(sc.system.seed, 1u);
  const Costs defaults;
  EXPECT_EQ(sc.system.costs.context_switch, defaults.context_switch);
  EXPECT_EQ(sc.system.costs.ipi_handler, defaults.ipi_handler);
  const TaskSpec& t = sc.tasks.at(0);
  EXPECT_EQ(t.policy, Policy::Other);
  EXPECT_EQ(t.priority, 0);
  EXPECT_EQ(t.nice, 0);
  EXPECT_TRUE(t.cpus.empty());  // empty = every CPU
  EXPECT_FALSE(t.kthread);
  EXPECT_EQ(t.program.at(0).kind, StepKind::Run);
  EXPECT_EQ(t.program.at(0).duration, 1_ms);
}

TEST(WorkloadParse, SystemAndTaskFields) {
  const Scenario sc = parse(R"(
system:
  cpus: 4
  hz: 1000
  models: [rt, none]
  duration: 2.5s
  seed: 18446744073709551615
  costs: {context_switch: 3us, irq_entry: 0ns, irq_exit: 1.5us, hrtimer_wakeup: 2us, tick: 0.5us,
          ipi_latency: 1500ns, ipi_handler: 0.25us, irq_thread_wake: 0.7us, nmi_entry: 1us}
tasks:
  b: {policy: batch, nice: -20, cpus: [3, 1], program: [yield]}
  i: {policy: idle, priority: 0, program: [yield]}
  r: {policy: rr, priority: 99, nice: 0, program: [yield]}
  o: {policy: other, nice: 19, kthread: false, program: [yield]}
  k: {kthread: true, program: [cond_resched]}
)");
  EXPECT_EQ(sc.system.cpus, 4);
  EXPECT_EQ(sc.system.hz, 1000);
  EXPECT_EQ(sc.system.models, (std::vector<std::string>{"rt", "none"}));
  EXPECT_EQ(sc.system.duration, 2500_ms);
  EXPECT_EQ(sc.system.seed, 18446744073709551615u);
  EXPECT_EQ(sc.system.costs.context_switch, 3_us);
  EXPECT_EQ(sc.system.costs.irq_entry, 0_ns);
  EXPECT_EQ(sc.system.costs.irq_exit, 1500_ns);
  EXPECT_EQ(sc.system.costs.hrtimer_wakeup, 2_us);
  EXPECT_EQ(sc.system.costs.tick, 500_ns);
  EXPECT_EQ(sc.system.costs.ipi_latency, 1500_ns);
  EXPECT_EQ(sc.system.costs.ipi_handler, 250_ns);
  EXPECT_EQ(sc.system.costs.irq_thread_wake, 700_ns);
  EXPECT_EQ(sc.system.costs.nmi_entry, 1_us);
  ASSERT_EQ(sc.tasks.size(), 5u);
  EXPECT_EQ(sc.tasks[0].name, "b");  // file order, not sorted
  EXPECT_EQ(sc.tasks[0].policy, Policy::Batch);
  EXPECT_EQ(sc.tasks[0].nice, -20);
  EXPECT_EQ(sc.tasks[0].cpus, (std::vector<int>{3, 1}));
  EXPECT_EQ(sc.tasks[1].policy, Policy::Idle);
  EXPECT_EQ(sc.tasks[2].policy, Policy::Rr);
  EXPECT_EQ(sc.tasks[2].priority, 99);
  EXPECT_EQ(sc.tasks[3].nice, 19);
  EXPECT_TRUE(sc.tasks[4].kthread);
}

TEST(WorkloadParse, TaskNames) {
  const Scenario sc = parse(R"(
tasks:
  A-b_c.9: {program: [yield]}
  fifteen_chars_x: {program: [yield]}
  42: {program: [yield]}
)");
  ASSERT_EQ(sc.tasks.size(), 3u);
  EXPECT_EQ(sc.tasks[0].name, "A-b_c.9");
  EXPECT_EQ(sc.tasks[1].name, "fifteen_chars_x");
  EXPECT_EQ(sc.tasks[2].name, "42");
}

// ---------------------------------------------------------------- steps

TEST(WorkloadParse, EveryStepForm) {
  const Scenario sc = parse(R"(
tasks:
  u:
    program:
      - run: 1ms
      - sleep: 2ms
      - sleep_until: 3s
      - periodic: {period: 1ms}
      - periodic: {period: 500us, phase: 250us}
      - yield
      - mark: start
      - loop: {count: 3, steps: [{run: 10us}, yield]}
      - loop:
          until: 5s
          steps:
            - syscall: write
              kernel: []
      - syscall: ioctl
        kernel:
          - busy: 7us
          - cond_resched
          - might_sleep
          - might_resched
          - preempt_disable
          - preempt_enable
          - local_irq_disable
          - local_irq_enable
          - local_bh_disable
          - local_bh_enable
          - msleep: 20ms
          - schedule
          - sleep: 1us
          - sleep_until: 1s
          - periodic: {period: 2ms}
          - yield
          - mark: in_kernel
          - loop: {count: 2, steps: [busy: 1us]}
)");
  const auto& p = sc.tasks.at(0).program;
  ASSERT_EQ(p.size(), 10u);
  EXPECT_EQ(p[0].kind, StepKind::Run);
  EXPECT_EQ(p[0].duration, 1_ms);
  EXPECT_EQ(p[1].kind, StepKind::Sleep);
  EXPECT_EQ(p[1].duration, 2_ms);
  EXPECT_EQ(p[2].kind, StepKind::SleepUntil);
  EXPECT_EQ(p[2].at, 3_s);
  EXPECT_EQ(p[3].kind, StepKind::Periodic);
  EXPECT_EQ(p[3].period, 1_ms);
  EXPECT_EQ(p[3].phase, 0_ns);
  EXPECT_EQ(p[4].period, 500_us);
  EXPECT_EQ(p[4].phase, 250_us);
  EXPECT_EQ(p[5].kind, StepKind::Yield);
  EXPECT_EQ(p[6].kind, StepKind::Mark);
  EXPECT_EQ(p[6].name, "start");
  EXPECT_EQ(p[7].kind, StepKind::Loop);
  EXPECT_EQ(p[7].count, 3);
  EXPECT_EQ(p[7].until, Time::max());
  ASSERT_EQ(p[7].body.size(), 2u);
  EXPECT_EQ(p[7].body[0].kind, StepKind::Run);
  EXPECT_EQ(p[7].body[0].duration, 10_us);
  EXPECT_EQ(p[7].body[1].kind, StepKind::Yield);
  EXPECT_EQ(p[8].kind, StepKind::Loop);
  EXPECT_EQ(p[8].count, -1);
  EXPECT_EQ(p[8].until, 5_s);
  ASSERT_EQ(p[8].body.size(), 1u);
  EXPECT_EQ(p[8].body[0].kind, StepKind::Syscall);
  EXPECT_EQ(p[8].body[0].name, "write");
  EXPECT_TRUE(p[8].body[0].body.empty());
  EXPECT_EQ(p[8].body[0].loc.line, 15);
  EXPECT_EQ(p[8].body[0].loc.col, 15);

  const Step& s = p[9];
  EXPECT_EQ(s.kind, StepKind::Syscall);
  EXPECT_EQ(s.name, "ioctl");
  // Every keyword parses to the kind whose step_kind_name() is that keyword.
  const char* const written[] = {"busy", "cond_resched", "might_sleep", "might_resched", "preempt_disable",
                                 "preempt_enable", "local_irq_disable", "local_irq_enable", "local_bh_disable",
                                 "local_bh_enable", "msleep", "schedule", "sleep", "sleep_until", "periodic",
                                 "yield", "mark", "loop"};
  ASSERT_EQ(s.body.size(), std::size(written));
  for (std::size_t i = 0; i < s.body.size(); ++i) {
    EXPECT_STREQ(step_kind_name(s.body[i].kind), written[i]);
    EXPECT_EQ(s.body[i].loc.line, 19 + static_cast<int>(i));
    EXPECT_EQ(s.body[i].loc.col, 13);
  }
  EXPECT_EQ(s.body[0].duration, 7_us);
  EXPECT_EQ(s.body[10].duration, 20_ms);
  EXPECT_EQ(s.body[16].name, "in_kernel");
  EXPECT_EQ(s.body[17].count, 2);
  EXPECT_EQ(s.body[17].body.at(0).kind, StepKind::Busy);
}

TEST(WorkloadParse, BalancedKernelSections) {
  const Scenario sc = parse(R"(
tasks:
  k:
    kthread: true
    program:
      - preempt_disable
      - local_bh_disable
      - loop: {count: 4, steps: [local_bh_enable, busy: 1us, local_bh_disable]}
      - local_bh_enable
      - local_irq_disable
      - preempt_disable
      - busy: 5us
      - preempt_enable
      - local_irq_enable
      - preempt_enable
      - msleep: 1ms
  u:
    program:
      - loop:
          count: 2
          steps:
            - syscall: s
              kernel: [preempt_disable, {loop: {until: 1s, steps: [preempt_disable, preempt_enable]}}, preempt_enable]
)");
  EXPECT_EQ(sc.tasks.at(0).program.size(), 11u);
  EXPECT_EQ(sc.tasks.at(1).program.at(0).body.at(0).body.size(), 3u);
}

TEST(WorkloadParse, AliasesAreFollowed) {
  const Scenario sc = parse(R"(
tasks:
  a: {program: &prog [{sleep: 1ms}, {run: 2ms}]}
  b: {program: *prog}
)");
  ASSERT_EQ(sc.tasks.at(1).program.size(), 2u);
  EXPECT_EQ(sc.tasks[1].program[1].duration, 2_ms);
}

// ---------------------------------------------------------------- durations

TEST(Duration, UnitsAndDecimals) {
  const SourceLoc at{"cli"};
  EXPECT_EQ(parse_duration("3s", at).count(), 3'000'000'000);
  EXPECT_EQ(parse_duration("4.5ms", at).count(), 4'500'000);
  EXPECT_EQ(parse_duration("100us", at).count(), 100'000);
  EXPECT_EQ(parse_duration("250ns", at).count(), 250);
  EXPECT_EQ(parse_duration("1.5 s", at).count(), 1'500'000'000);
  EXPECT_EQ(parse_duration("  2\tms ", at).count(), 2'000'000);
  EXPECT_EQ(parse_duration("0s", at).count(), 0);
  EXPECT_EQ(parse_duration("0.000000001s", at).count(), 1);
  EXPECT_EQ(parse_duration("1.000000000000s", at).count(), 1'000'000'000);  // trailing zeros are exact
  EXPECT_EQ(parse_duration("0.001us", at).count(), 1);
  EXPECT_EQ(parse_duration("007ms", at).count(), 7'000'000);
  EXPECT_EQ(parse_duration("9223372036.854775807s", at), Time::max());
  EXPECT_EQ(parse_duration("9223372036854775807ns", at), Time::max());
}

void expect_duration_error(const std::string& text, const std::string& part) {
  SCOPED_TRACE(text);
  try {
    parse_duration(text, SourceLoc{"--duration"});
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().file, "--duration");
    EXPECT_NE(e.message().find(part), std::string::npos) << e.message();
  }
}

TEST(Duration, Errors) {
  expect_duration_error("10", "missing unit in duration '10'");
  expect_duration_error("1.5", "missing unit");
  expect_duration_error("-1ms", "negative duration '-1ms'");
  expect_duration_error("-0s", "negative duration");
  expect_duration_error("5 sec", "unknown unit 'sec'");
  expect_duration_error("5µsec", "unknown unit");
  expect_duration_error("5MS", "unknown unit 'MS'");
  expect_duration_error("", "got nothing");
  expect_duration_error("   ", "got nothing");
  expect_duration_error("ms", "invalid duration 'ms'");
  expect_duration_error(".5ms", "invalid duration");
  expect_duration_error("5.ms", "invalid duration");
  expect_duration_error("1e3ms", "invalid duration");
  expect_duration_error("1.2.3s", "invalid duration");
  expect_duration_error("+1s", "invalid duration");
  expect_duration_error("1 000ms", "invalid duration");
  expect_duration_error("1.5ns", "finer than the 1 ns resolution");
  expect_duration_error("0.0001us", "finer than the 1 ns resolution");
  expect_duration_error("1.0000000001s", "finer than the 1 ns resolution");
  expect_duration_error("9223372036854775808ns", "too large");
  expect_duration_error("9223372036.854775808s", "too large");
  expect_duration_error("99999999999999999999999999s", "too large");
}

TEST(WorkloadParseErrors, Durations) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{run: 10}]}
)",
                        2, 23, "tasks.a.program[0].run: missing unit in duration '10'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - sleep: -3ms
)",
                        4, 16, "negative duration '-3ms'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k: {kthread: true, program: [{msleep: 1500us}]}
)",
                        2, 41, "tasks.k.program[0].msleep: msleep takes whole milliseconds");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{run: [1ms]}]}
)",
                        2, 23, "expected a duration such as '1.5ms' for 'run', got a list");
  EXPECT_WORKLOAD_ERROR(R"(
system: {duration: 0ms}
tasks: {a: {program: [yield]}}
)",
                        1, 20, "system.duration: duration must be more than 0, got 0ms");
  EXPECT_WORKLOAD_ERROR(R"(
system:
  costs:
    tick: 1.5
tasks: {a: {program: [yield]}}
)",
                        3, 11, "system.costs.tick: missing unit");
}

// ---------------------------------------------------------------- errors: document

TEST(WorkloadParseErrors, Document) {
  EXPECT_WORKLOAD_ERROR("", 1, 1, "the workload is empty");
  EXPECT_WORKLOAD_ERROR("# only a comment\n", 1, 1, "the workload is empty");
  EXPECT_WORKLOAD_ERROR("- a\n- b\n", 1, 1, "expected a map with 'tasks:' (and optionally 'system:') at the top level, got a list");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: 1}
)",
                        1, 1, "no 'tasks:' in the workload");
  EXPECT_WORKLOAD_ERROR(R"(
tasks: {a: {program: [yield]}}
extra: 1
)",
                        2, 1, "unknown key 'extra' in the top level (accepted keys: system, tasks, irqs, mutexes, conds, semaphores, barriers, tasklets, irq_works, workqueues, work)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks: {a: {program: [yield]}}
---
tasks: {b: {program: [yield]}}
)",
                        2, 1, "more than one YAML document");  // at the '---'
  EXPECT_WORKLOAD_ERROR(R"(
tasks: {a: {program: [yield]}}
tasks: {b: {program: [yield]}}
)",
                        2, 1, "duplicate key 'tasks' in the top level (first at line 1, column 1)");
}

TEST(WorkloadParseErrors, YamlSyntax) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [yield}
)",
                        2, 22, "YAML syntax error");
  EXPECT_WORKLOAD_ERROR(R"(
tasks: a: b
)",
                        1, 9, "YAML syntax error: illegal map value");
  EXPECT_WORKLOAD_ERROR("tasks: " + std::string(1000, '[') + std::string(1000, ']') + "\n", 1, 2008,
                        "YAML nested too deeply");
  // yaml-cpp 0.7's own LoadAll() never returns on this one.
  EXPECT_WORKLOAD_ERROR(",tasks: {a: {program: [yield]}}\n", 1, 1, "YAML syntax error: unexpected ','");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: *nowhere}
)",
                        2, 16, "YAML syntax error: the referenced anchor is not defined");
}

// ---------------------------------------------------------------- errors: system

TEST(WorkloadParseErrors, System) {
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpu: 2}
tasks: {a: {program: [yield]}}
)",
                        1, 10, "system: unknown key 'cpu' in system (did you mean 'cpus'?) (accepted keys: cpus, hz, models, duration, seed, costs, threadirqs, rt_bandwidth, rt_runtime, rt_period, fair_server, softirq_costs, kernel, profile, cpuidle, cpu_dma_latency, idle, nohz_full, isolcpus, rcu_nocbs, noise)");
  EXPECT_WORKLOAD_ERROR(R"(
system: [cpus]
tasks: {a: {program: [yield]}}
)",
                        1, 9, "system: expected a map for 'system', got a list");
  EXPECT_WORKLOAD_ERROR(R"(
system:
tasks: {a: {program: [yield]}}
)",
                        1, 1, "expected a map for 'system', got nothing");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: 0}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "system.cpus: cpus 0 is out of range: expected 1..256");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: 257}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "expected 1..256");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: two}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "expected an integer for 'cpus', got 'two'");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: "2"}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "expected an integer for 'cpus'");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: 2.0}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "expected an integer for 'cpus', got '2.0'");
  EXPECT_WORKLOAD_ERROR(R"(
system: {hz: 200}
tasks: {a: {program: [yield]}}
)",
                        1, 14, "hz must be one of 100, 250, 300, 1000");
  EXPECT_WORKLOAD_ERROR(R"(
system: {models: [full, ful]}
tasks: {a: {program: [yield]}}
)",
                        1, 25,
                        "system.models[1]: unknown preemption model 'ful' (did you mean 'full'?) (models: " +
                            preempt_model_names() + ")");
  EXPECT_WORKLOAD_ERROR(R"(
system: {models: [lazy, rt, lazy]}
tasks: {a: {program: [yield]}}
)",
                        1, 29, "model 'lazy' is listed twice");
  EXPECT_WORKLOAD_ERROR(R"(
system: {models: []}
tasks: {a: {program: [yield]}}
)",
                        1, 18, "models is empty");
  EXPECT_WORKLOAD_ERROR(R"(
system: {models: full}
tasks: {a: {program: [yield]}}
)",
                        1, 18, "expected a list for 'models', got 'full' (write [full])");
  EXPECT_WORKLOAD_ERROR(R"(
system: {seed: -1}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "expected a non-negative integer for 'seed'");
  EXPECT_WORKLOAD_ERROR(R"(
system: {seed: 18446744073709551616}
tasks: {a: {program: [yield]}}
)",
                        1, 16, "seed 18446744073709551616 is out of range");
  EXPECT_WORKLOAD_ERROR(R"(
system:
  costs: {tick: 1us, context_switch: 2us, ipi: 1us}
tasks: {a: {program: [yield]}}
)",
                        2, 43,
                        "system.costs: unknown key 'ipi' in costs (accepted keys: context_switch, irq_entry, irq_exit, "
                        "hrtimer_wakeup, tick, ipi_latency, ipi_handler, irq_thread_wake, nmi_entry, syscall_entry, syscall_exit)");
  EXPECT_WORKLOAD_ERROR(R"(
system:
  costs: {tick: 1us, tick: 2us}
tasks: {a: {program: [yield]}}
)",
                        2, 22, "duplicate key 'tick' in costs (first at line 2, column 11)");
}

// ---------------------------------------------------------------- errors: tasks

TEST(WorkloadParseErrors, TasksMap) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
)",
                        1, 1, "no tasks: 'tasks' must define at least one task");
  EXPECT_WORKLOAD_ERROR(R"(
tasks: {}
)",
                        1, 8, "no tasks");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  - a: {program: [yield]}
)",
                        2, 3, "expected a map of task name -> task for 'tasks', got a list");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [yield]}
  b: {program: [yield]}
  a: {program: [{run: 1ms}]}
)",
                        4, 3, "tasks: duplicate task name 'a' in tasks (first at line 2, column 3)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  sixteen_chars_xx: {program: [yield]}
)",
                        2, 3, "task name 'sixteen_chars_xx' is 16 characters long: at most 15");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  "my task": {program: [yield]}
)",
                        2, 3, "task name 'my task' contains ' ': use only letters, digits, '_', '.' and '-'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  "": {program: [yield]}
)",
                        2, 3, "task name is empty");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
  b: {program: [yield]}
)",
                        2, 3, "task 'a' has no definition");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: [yield]
)",
                        2, 6, "tasks.a: expected a map for 'a', got a list");
}

TEST(WorkloadParseErrors, TaskFields) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, prio: 10, program: [yield]}
)",
                        2, 21,
                        "tasks.a: unknown key 'prio' in task 'a' (accepted keys: policy, priority, nice, cpus, kthread, "
                        "throughput, program, runtime, deadline, period, memory_heavy)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, policy: rr, priority: 1, program: [yield]}
)",
                        2, 21, "duplicate key 'policy' in task 'a' (first at line 2, column 7)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: edf, program: [yield]}
)",
                        2, 15, "tasks.a.policy: unknown policy 'edf' (policies: fifo, rr, other, batch, idle, deadline)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: deadline, program: [yield]}
)",
                        2, 3, "tasks.a: task 'a' has policy deadline and needs a runtime (and a deadline or a period)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: FIFO, priority: 1, program: [yield]}
)",
                        2, 15, "unknown policy 'FIFO' (did you mean 'fifo'?)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  hi:
    policy: fifo
    program: [yield]
)",
                        2, 3, "tasks.hi: task 'hi' has policy fifo and needs a priority (1..99)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: rr, priority: 0, program: [yield]}
)",
                        2, 29, "priority 0 is out of range: expected 1..99");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, priority: 100, program: [yield]}
)",
                        2, 31, "priority 100 is out of range: expected 1..99");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, priority: 1.5, program: [yield]}
)",
                        2, 31, "expected an integer for 'priority', got '1.5'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, priority: 0x10, program: [yield]}
)",
                        2, 31, "expected an integer for 'priority', got '0x10'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, priority: 99999999999999999999, program: [yield]}
)",
                        2, 31, "out of range: expected 1..99");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {priority: 10, program: [yield]}
)",
                        2, 17, "priority applies to fifo and rr only (this task's policy is other): remove it, or use nice");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: fifo, priority: 10, nice: -5, program: [yield]}
)",
                        2, 41, "nice applies to other and batch only (this task's policy is fifo)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: idle, nice: 1, program: [yield]}
)",
                        2, 27, "nice applies to other and batch only (this task's policy is idle)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {nice: 20, program: [yield]}
)",
                        2, 13, "nice 20 is out of range: expected -20..19");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {kthread: yes, program: [cond_resched]}
)",
                        2, 16, "expected true or false for 'kthread', got 'yes'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {policy: other}
)",
                        2, 3, "task 'a' has no program");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: []}
)",
                        2, 16, "tasks.a.program: program is empty");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
)",
                        3, 5, "expected a list for 'program', got nothing");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: {sleep: 1ms}}
)",
                        2, 16, "expected a list for 'program', got a map");
}

TEST(WorkloadParseErrors, Cpus) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {cpus: 0, program: [yield]}
)",
                        2, 13, "tasks.a.cpus: expected a list for 'cpus', got '0' (write [0])");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {cpus: "0,1", program: [yield]}
)",
                        2, 13, "expected a list for 'cpus'");
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: 2}
tasks:
  a: {cpus: [0, 2], program: [yield]}
)",
                        3, 17, "tasks.a.cpus[1]: cpu 2 does not exist: the system has 2 CPUs (0..1)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {cpus: [1], program: [yield]}
system: {cpus: 1}
)",
                        2, 14, "cpu 1 does not exist: the system has 1 CPU (0..0)");  // system read first
  EXPECT_WORKLOAD_ERROR(R"(
system: {cpus: 4}
tasks:
  a: {cpus: [1, 3, 1], program: [yield]}
)",
                        3, 20, "cpu 1 is listed twice");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {cpus: [-1], program: [yield]}
)",
                        2, 14, "value -1 is out of range");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {cpus: [x], program: [yield]}
)",
                        2, 14, "tasks.a.cpus[0]: expected an integer, got 'x'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {cpus: [], program: [yield]}
)",
                        2, 13, "cpus is empty: omit 'cpus' to allow every CPU");
}

// ---------------------------------------------------------------- errors: steps

TEST(WorkloadParseErrors, StepSyntax) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  lo:
    program:
      - sleep: 1s
      - busyy
)",
                        5, 9,
                        "tasks.lo.program[1]: unknown step 'busyy' (did you mean 'busy'?) (user steps: run, sleep, "
                        "sleep_until, periodic, syscall, yield, mark, loop, lock, unlock, wait, signal, broadcast, "
                        "sem_wait, sem_post, barrier, suspend, resume, read, poll, recv; kernel steps go in a syscall's kernel: list)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  lo:
    program:
      - syscall: read
        kernel: [{busyy: 1ms}]
)",
                        5, 19,
                        "tasks.lo.program[0].kernel[0]: unknown step 'busyy' (did you mean 'busy'?) (kernel steps: busy, "
                        "cond_resched, might_sleep, might_resched, preempt_disable, preempt_enable, local_irq_disable, "
                        "local_irq_enable, local_bh_disable, local_bh_enable, msleep, schedule, migrate_disable, "
                        "migrate_enable, spin_lock[_irq|_irqsave|_bh], spin_unlock[_irq|_irqrestore|_bh], "
                        "raw_spin_lock..., raw_spin_unlock..., read_lock..., read_unlock..., write_lock..., "
                        "write_unlock..., local_lock[_irq|_irqsave], local_unlock[_irq|_irqrestore], mutex_lock, "
                        "mutex_unlock, rt_mutex_lock, rt_mutex_unlock, raise_softirq, wait_event, wake_up, wait_for_completion, complete, tasklet_schedule, tasklet_hi_schedule, queue_work, queue_delayed_work, schedule_work, schedule_delayed_work, irq_work_queue; also allowed: sleep, sleep_until, periodic, yield, mark, loop)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{yield: 3}]}
)",
                        2, 18, "step 'yield' takes no argument: write '- yield' as a plain list item");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    kthread: true
    program:
      - cond_resched:
)",
                        5, 9, "step 'cond_resched' takes no argument: write '- cond_resched' as a plain list item, without the ':'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [sleep]}
)",
                        2, 17, "step 'sleep' needs a value: write 'sleep: 1ms'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - sleep: 1ms
        run: 2ms
)",
                        5, 9, "a step has exactly one key, but this one has 'run' after 'sleep' (is a '-' missing before 'run'?)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{}]}
)",
                        2, 17, "empty step");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [[yield]]}
)",
                        2, 17, "expected a step (a name such as 'cond_resched' or a map such as 'sleep: 1ms'), got a list");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{sleep: 1ms, sleep: 2ms}]}
)",
                        2, 30, "duplicate key 'sleep' in a step");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{mark: }]}
)",
                        2, 18, "tasks.a.program[0].mark: expected a name for 'mark', got nothing");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{mark: [x]}]}
)",
                        2, 24, "expected a name for 'mark', got a list");
}

TEST(WorkloadParseErrors, Syscall) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
)",
                        4, 9, "syscall 'read' needs a 'kernel:' list");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - kernel: [busy: 1ms]
)",
                        4, 9, "'kernel' belongs to a syscall step: add 'syscall: NAME' to this item");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall:
        kernel: []
)",
                        4, 9, "expected a name for 'syscall', got nothing");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
        kernel: {busy: 1ms}
)",
                        5, 17, "tasks.a.program[0].kernel: expected a list for 'kernel', got a map");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
        kernel: []
        sleep: 1ms
)",
                        6, 9, "unknown key 'sleep' in a syscall step (accepted keys: syscall, kernel)");
}

TEST(WorkloadParseErrors, Contexts) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - run: 1ms
      - busy: 1ms
)",
                        5, 9,
                        "tasks.a.program[1]: kernel step 'busy' outside a syscall: put it in a syscall's kernel: list, or "
                        "make the task a kthread");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [preempt_disable]}
)",
                        2, 17, "kernel step 'preempt_disable' outside a syscall");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 2, steps: [cond_resched]}}]}
)",
                        2, 43, "tasks.a.program[0].loop.steps[0]: kernel step 'cond_resched' outside a syscall");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
        kernel: [{run: 1ms}]
)",
                        5, 18, "'run' is user-mode compute and cannot be in a syscall's kernel: list (use 'busy'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
        kernel: [run]
)",
                        5, 18, "'run' is user-mode compute");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k: {kthread: true, program: [{run: 1ms}]}
)",
                        2, 32, "a kthread has no user mode: 'run' is not allowed in its program");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
        kernel:
          - busy: 1us
          - syscall: write
            kernel: []
)",
                        7, 13, "tasks.a.program[0].kernel[1]: syscall inside a syscall");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k:
    kthread: true
    program:
      - busy: 1ms
      - syscall: read
        kernel: []
)",
                        6, 9, "a kthread cannot make a syscall");
}

TEST(WorkloadParseErrors, Periodic) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{periodic: {period: 0ms}}]}
)",
                        2, 37, "tasks.a.program[0].periodic.period: period must be more than 0, got 0ms");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{periodic: {phase: 1ms}}]}
)",
                        2, 28, "periodic needs a 'period'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{periodic: 1ms}]}
)",
                        2, 28, "expected a map for 'periodic', got '1ms'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{periodic: {period: 1ms, offset: 1ms}}]}
)",
                        2, 42, "unknown key 'offset' in periodic (accepted keys: period, phase, deadline)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{periodic: {period: 1ms, phase: -1ms}}]}
)",
                        2, 49, "negative duration");
}

TEST(WorkloadParseErrors, Loop) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 2, until: 1s, steps: [yield]}}]}
)",
                        2, 35, "loop takes either 'count' or 'until', not both");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {steps: [yield]}}]}
)",
                        2, 24, "loop needs 'count: N' (iterations), 'until: T' (a time) or 'until: end'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 2}}]}
)",
                        2, 24, "loop needs 'steps: [...]'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 2, steps: []}}]}
)",
                        2, 42, "tasks.a.program[0].loop.steps: loop steps are empty");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 0, steps: [yield]}}]}
)",
                        2, 32, "count 0 is out of range");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 2.5, steps: [yield]}}]}
)",
                        2, 32, "expected an integer for 'count', got '2.5'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: {count: 2, times: 3, steps: [yield]}}]}
)",
                        2, 35, "unknown key 'times' in loop (accepted keys: count, until, steps)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{loop: [yield]}]}
)",
                        2, 24, "expected a map for 'loop', got a list");
  // An alias that contains itself would recurse for ever.
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: &p [{loop: {count: 1, steps: *p}}]}
)",
                        2, 16, "steps nested more than 32 levels deep");
}

TEST(WorkloadParseErrors, Balance) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: read
        kernel: [busy: 1us, preempt_enable]
)",
                        5, 29, "tasks.a.program[0].kernel[1]: preempt_enable without a matching preempt_disable");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - sleep: 1ms
      - syscall: read
        kernel:
          - preempt_disable
          - busy: 1ms
)",
                        5, 9,
                        "tasks.a.program[1]: syscall 'read' returns to user with preempt_disable left unbalanced (depth 1, "
                        "disabled at w.yaml:7:13)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: ioctl
        kernel: [local_irq_disable, local_irq_disable, local_irq_enable]
)",
                        4, 9, "local_irq_disable left unbalanced (depth 1, disabled at w.yaml:5:18)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: sendmsg
        kernel: [local_bh_enable]
)",
                        5, 18, "local_bh_enable without a matching local_bh_disable");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: sendmsg
        kernel: [local_irq_enable]
)",
                        5, 18, "local_irq_enable without a matching local_irq_disable");
  // Each syscall starts from zero: a disable in one cannot be closed by the next.
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a:
    program:
      - syscall: lock
        kernel: [preempt_disable]
      - syscall: unlock
        kernel: [preempt_enable]
)",
                        4, 9, "syscall 'lock' returns to user with preempt_disable left unbalanced");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k:
    kthread: true
    program:
      - local_bh_disable
      - busy: 1ms
)",
                        2, 3,
                        "tasks.k: kthread 'k' ends its program with local_bh_disable left unbalanced (depth 1, disabled "
                        "at w.yaml:5:9)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k:
    kthread: true
    program:
      - preempt_enable
)",
                        5, 9, "preempt_enable without a matching preempt_disable");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k:
    kthread: true
    program:
      - loop:
          count: 10
          steps: [preempt_disable, busy: 1us]
      - preempt_enable
)",
                        5, 9,
                        "tasks.k.program[0]: loop body changes the preempt_disable depth from 0 to 1 (disabled at "
                        "w.yaml:7:19): each iteration must leave it as it found it");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k:
    kthread: true
    program:
      - preempt_disable
      - loop: {count: 2, steps: [preempt_enable]}
)",
                        6, 9, "loop body changes the preempt_disable depth from 1 to 0");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  k:
    kthread: true
    program:
      - loop: {count: 2, steps: [preempt_enable, preempt_disable]}
)",
                        5, 34, "preempt_enable without a matching preempt_disable");
}

TEST(WorkloadParseErrors, PreemptCountFieldWidth) {
  std::string deep = "tasks:\n  k:\n    kthread: true\n    program:\n";
  for (int i = 0; i < 256; ++i) deep += "      - preempt_disable\n";
  for (int i = 0; i < 256; ++i) deep += "      - preempt_enable\n";
  EXPECT_WORKLOAD_ERROR(deep, 260, 9, "preempt_disable nested deeper than 255 levels");

  std::string bh = "tasks:\n  k:\n    kthread: true\n    program:\n";
  for (int i = 0; i < 127; ++i) bh += "      - local_bh_disable\n";
  for (int i = 0; i < 127; ++i) bh += "      - local_bh_enable\n";
  EXPECT_NO_THROW(parse(bh));
  std::string bh_deep = "tasks:\n  k:\n    kthread: true\n    program:\n";
  for (int i = 0; i < 128; ++i) bh_deep += "      - local_bh_disable\n";
  EXPECT_WORKLOAD_ERROR(bh_deep, 132, 9, "local_bh_disable nested deeper than 127 levels");
}

// ---------------------------------------------------------------- files and robustness

TEST(WorkloadLoad, MissingFile) {
  try {
    load_workload("/nonexistent/dir/w.yaml");
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().file, "/nonexistent/dir/w.yaml");
    EXPECT_EQ(e.loc().line, 0);
    EXPECT_NE(e.message().find("cannot read the workload file"), std::string::npos) << e.message();
  }
}

TEST(WorkloadLoad, DirectoryIsAnError) {
  try {
    load_workload("/");
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_NE(e.message().find("it is a directory"), std::string::npos) << e.message();
  }
}

TEST(WorkloadLoad, ReadsAFile) {
  const std::string path = ::testing::TempDir() + "preemptsim_test_workload.yaml";
  {
    std::ofstream out(path);
    out << yaml(kExample);
  }
  const Scenario sc = load_workload(path);
  EXPECT_EQ(sc.file, path);
  ASSERT_EQ(sc.tasks.size(), 2u);
  EXPECT_EQ(sc.tasks[1].program[1].body[0].loc.file, path);
  {
    std::ofstream out(path);
    out << "tasks:\n  a: {program: [busy: 1ms]}\n";
  }
  try {
    load_workload(path);
    ADD_FAILURE() << "no error";
  } catch (const WorkloadError& e) {
    EXPECT_EQ(e.loc().str(), path + ":2:17");
  }
  std::remove(path.c_str());
}

// Every prefix of a valid file and every single-character corruption of it
// either parses or gives a WorkloadError: nothing else escapes.
TEST(WorkloadParse, NeverThrowsAnythingElse) {
  const std::string base = yaml(R"(
system: {cpus: 2, hz: 250, models: [none, rt], duration: 1s, seed: 3, costs: {tick: 1us}}
tasks:
  k: {kthread: true, policy: fifo, priority: 2, program: [preempt_disable, {loop: {count: 2, steps: [busy: 1us]}}, preempt_enable]}
  u:
    nice: -3
    cpus: [1]
    program:
      - periodic: {period: 1ms, phase: 10us}
      - syscall: read
        kernel: [local_bh_disable, {msleep: 1ms}, local_bh_enable]
      - loop: {until: 2s, steps: [{mark: m}, {sleep_until: 1.5ms}]}
)");
  const char replacements[] = {' ', '\n', ':', '-', '[', ']', '{', '}', ',', '&', '*', '"', '0', 'x', '#', '\t'};
  int parsed = 0, rejected = 0;
  const auto attempt = [&](const std::string& text) {
    try {
      parse_workload(text, "fuzz.yaml");
      ++parsed;
    } catch (const WorkloadError&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "escaped: " << e.what() << "\ninput:\n" << text;
    }
  };
  for (std::size_t n = 0; n <= base.size(); ++n) attempt(base.substr(0, n));
  for (std::size_t i = 0; i < base.size(); ++i)
    for (char c : replacements) {
      std::string s = base;
      s[i] = c;
      attempt(s);
    }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace preemptsim

// ---------------------------------------------------------------- locks

namespace preemptsim {
namespace {

TEST(WorkloadParseLocks, StepsAndTheLockTable) {
  const Scenario sc = parse(R"(
mutexes: {M: {protocol: protect, ceiling: 40}, N: {protocol: inherit}}
tasks:
  a:
    program:
      - lock: M
      - syscall: ioctl
        kernel: [{spin_lock_irqsave: S}, migrate_disable, migrate_enable, {spin_unlock_irqrestore: S}, {mutex_lock: X}, {mutex_unlock: X}]
      - unlock: M
  k: {kthread: true, program: [{raw_spin_lock_bh: R}, {raw_spin_unlock_bh: R}, {rt_mutex_lock: Q}, {rt_mutex_unlock: Q}]}
)");
  ASSERT_EQ(sc.mutexes.size(), 2u);
  EXPECT_EQ(sc.mutexes[0].protocol, MutexProtocol::Protect);
  EXPECT_EQ(sc.mutexes[0].ceiling, 40);
  EXPECT_EQ(sc.mutexes[1].protocol, MutexProtocol::Inherit);
  const std::vector<std::pair<std::string, LockKind>> locks{
      {"M", LockKind::User}, {"Q", LockKind::RtMutex}, {"R", LockKind::RawSpin}, {"S", LockKind::Spin}, {"X", LockKind::Mutex}};
  EXPECT_EQ(sc.locks, locks) << "every named lock, by name";
  const Step& s = sc.tasks[0].program[1].body[0];
  EXPECT_EQ(s.kind, StepKind::KLock);
  EXPECT_EQ(s.lock, "S");
  EXPECT_EQ(s.lock_flavor, LockFlavor::IrqSave);
  EXPECT_EQ(sc.tasks[0].program[1].body[3].kind, StepKind::KUnlock);
  EXPECT_EQ(sc.tasks[0].program[0].kind, StepKind::Lock);
  EXPECT_EQ(sc.tasks[1].program[0].lock_flavor, LockFlavor::Bh);
}

TEST(WorkloadParseLocks, Errors) {
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{syscall: x, kernel: [{spin_unlock: L}]}]}
)",
                        2, 53, "unlock of lock 'L', which is not held here");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{syscall: x, kernel: [{spin_lock_irqsave: L}, {spin_unlock: L}]}]}
)",
                        2, 77, "lock 'L' was taken with spin_lock_irqsave at w.yaml:2:39: release it with spin_unlock_irqrestore");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{syscall: x, kernel: [{spin_lock: L}, {spin_unlock: L}]}]}
  b: {kthread: true, program: [{mutex_lock: L}, {mutex_unlock: L}]}
)",
                        3, 45, "lock 'L' is used as a mutex here but as a spinlock_t at w.yaml:2:51: one name is one lock of one kind");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{syscall: x, kernel: [{mutex_lock: L}]}]}
)",
                        2, 17, "syscall 'x' returns to user with mutex 'L' held (taken at w.yaml:2:39)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{lock: M}, {run: 1ms}]}
)",
                        2, 3, "task 'a' ends its program with pthread mutex 'M' held (taken at w.yaml:2:17)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {kthread: true, program: [{rt_mutex_lock: L}, {rt_mutex_lock: L}]}
)",
                        2, 68, "lock 'L' is taken again while already held (taken at w.yaml:2:32): this would deadlock on itself");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {program: [{spin_lock: L}]}
)",
                        2, 17, "kernel step 'spin_lock' outside a syscall");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {kthread: true, program: [spin_lock]}
)",
                        2, 32, "step 'spin_lock' needs a lock name: write 'spin_lock: NAME'");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {kthread: true, program: [{loop: {count: 2, steps: [{mutex_lock: L}]}}, {mutex_unlock: L}]}
)",
                        2, 32, "loop body changes the set of locks held ('L' taken at w.yaml:2:58 is still held)");
  EXPECT_WORKLOAD_ERROR(R"(
tasks:
  a: {kthread: true, program: [{mutex_lock: "L L"}, {mutex_unlock: "L L"}]}
)",
                        2, 45, "lock name 'L L' contains ' '");
}

TEST(WorkloadParseLocks, MutexesErrors) {
  EXPECT_WORKLOAD_ERROR(R"(
mutexes: {M: {protocol: inheritt}}
tasks: {a: {program: [{lock: M}, {unlock: M}]}}
)",
                        1, 25, "unknown protocol 'inheritt' (did you mean 'inherit'?)");
  EXPECT_WORKLOAD_ERROR(R"(
mutexes: {M: {protocol: protect}}
tasks: {a: {program: [{lock: M}, {unlock: M}]}}
)",
                        1, 11, "mutex 'M' has protocol protect and needs a ceiling (1..99)");
  EXPECT_WORKLOAD_ERROR(R"(
mutexes: {M: {protocol: none, ceiling: 3}}
tasks: {a: {program: [{lock: M}, {unlock: M}]}}
)",
                        1, 40, "ceiling applies to protocol protect only");
  EXPECT_WORKLOAD_ERROR(R"(
mutexes: {M: {protocol: protect, ceiling: 100}}
tasks: {a: {program: [{lock: M}, {unlock: M}]}}
)",
                        1, 43, "");
  EXPECT_WORKLOAD_ERROR(R"(
mutexes: {M: {prio: 3}}
tasks: {a: {program: [{lock: M}, {unlock: M}]}}
)",
                        1, 15, "unknown key 'prio' in mutex 'M' (accepted keys: protocol, ceiling)");
  EXPECT_WORKLOAD_ERROR(R"(
mutexes: {S: {protocol: inherit}}
tasks: {a: {kthread: true, program: [{spin_lock: S}, {spin_unlock: S}]}}
)",
                        1, 11, "'S' is a spinlock_t (used at w.yaml:2:50), not a user-space mutex");
  EXPECT_WORKLOAD_ERROR(R"(
tasks: {a: {program: [{periodic: {period: 1ms, deadline: 2ms}}]}}
)",
                        1, 58, "deadline 2ms is longer than the period 1ms");
}

}  // namespace
}  // namespace preemptsim

namespace preemptsim {
namespace {

TEST(WorkloadParseSync, DeclarationsAndErrors) {
  const Scenario sc = parse(R"(
conds: {E: {mutex: M}}
semaphores: {S: {initial: 2}}
tasks:
  a: {program: [{lock: M}, {wait: E}, {unlock: M}, {sem_wait: S}, {barrier: B}, {suspend: X}]}
  b: {program: [{signal: E}, {broadcast: E}, {sem_post: S}, {barrier: B}, {resume: X}]}
)");
  ASSERT_EQ(sc.syncs.size(), 4u);  // B, E, S, X by name
  EXPECT_EQ(sc.syncs[0].name, "B");
  EXPECT_EQ(sc.syncs[0].value, 2) << "a barrier's count defaults to the tasks using it";
  EXPECT_EQ(sc.syncs[1].mutex, "M");
  EXPECT_EQ(sc.syncs[2].value, 2);
  EXPECT_EQ(sc.syncs[3].kind, SyncKind::Event);

  EXPECT_WORKLOAD_ERROR(R"(
tasks: {a: {program: [{signal: E}]}}
)",
                        1, 32, "cond 'E' is not declared: add 'conds: {E: {mutex: M}}'");
  EXPECT_WORKLOAD_ERROR(R"(
conds: {E: {mutex: M}}
tasks: {a: {program: [{wait: E}]}}
)",
                        2, 30, "wait on cond 'E' without holding its mutex 'M'");
  EXPECT_WORKLOAD_ERROR(R"(
barriers: {B: {count: 3}}
tasks: {a: {program: [{barrier: B}]}, b: {program: [{barrier: B}]}}
)",
                        1, 12, "barrier 'B' waits for 3 tasks but only 2 tasks use it: it would never open");
  EXPECT_WORKLOAD_ERROR(R"(
semaphores: {S: {initial: 1}}
tasks: {a: {program: [{barrier: S}]}}
)",
                        2, 33, "'S' is used as a barrier here but is a semaphore");
  EXPECT_WORKLOAD_ERROR(R"(
conds: {E: {mutex: K}}
tasks: {a: {kthread: true, program: [{mutex_lock: K}, {mutex_unlock: K}]}}
)",
                        1, 9, "cond 'E' names 'K', a mutex: a cond's mutex is a user-space mutex");
  EXPECT_WORKLOAD_ERROR(R"(
semaphores: {S: {initial: -1}}
tasks: {a: {program: [{sem_post: S}]}}
)",
                        1, 27, "");
}

}  // namespace
}  // namespace preemptsim
