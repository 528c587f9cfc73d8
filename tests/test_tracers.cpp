// The latency tracers on scenarios whose figures explain themselves: the
// expected section or wakeup latency is composed from the step durations and
// the kernel's costs, and the sites are the workload steps' locations.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>

#include "kernel/kernel.h"
#include "scenario_util.h"
#include "trace/latency_tracers.h"

namespace preemptsim::testing {
namespace {

struct Traced {
  ModelResult result;
  std::vector<LatencyTrace> traces;
  std::string report;
};

Traced run_tracer(const Scenario& sc, const std::string& model, TracerKind kind, Time thresh = Time()) {
  std::unique_ptr<LatencyTracer> t;
  Traced out;
  out.result = simulate_model(sc, *find_preempt_model(model), [&](Kernel& k, const PreemptModel& m) {
    t = std::make_unique<LatencyTracer>(k, kind, std::string(m.name), thresh);
    k.add_observer(t.get());
  });
  out.traces = t->traces();
  out.report = t->report();
  return out;
}

// Where step `i` of the syscall's kernel body of task 0 is written.
std::string kernel_step_loc(const Scenario& sc, std::size_t i) {
  for (const Step& s : sc.tasks[0].program)
    if (!s.body.empty()) return s.body[i].loc.str();
  return "?";
}

// hz 100: the tick is 10 ms away, so nothing but the device line interrupts.
const char* kPreemptOff = R"(
system: {cpus: 1, hz: 100, models: [full], duration: 20ms}
tasks:
  k:
    policy: fifo
    priority: 10
    program:
      - sleep: 1ms
      - syscall: ioctl
        kernel: [preempt_disable, {busy: 2ms}, preempt_enable]
)";

TEST(Preemptoff, MaxIsTheDisabledSectionWithItsSites) {
  const Scenario sc = parse_workload(kPreemptOff, "po.yaml");
  const Traced r = run_tracer(sc, "full", TracerKind::Preemptoff);
  ASSERT_EQ(r.traces.size(), 1u);
  const LatencyTrace& tr = r.traces[0];
  const Time expected = Time::ns(2'000'000);
  const std::string why = explain("preemptoff max", "busy 2 ms (no interrupt inside)", expected, tr.latency);
  std::cout << why << "\n";
  EXPECT_EQ(tr.latency, expected) << why;
  EXPECT_EQ(tr.started_at, "preempt_disable (" + kernel_step_loc(sc, 0) + ")");
  EXPECT_EQ(tr.ended_at, "preempt_enable (" + kernel_step_loc(sc, 2) + ")");
  EXPECT_NE(r.report.find("# tracer: preemptoff"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("# latency: 2000 us, #"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("#  => started at: preempt_disable (po.yaml:"), std::string::npos) << r.report;
}

TEST(Preemptoff, InterruptsInsideTheSectionAddTheirCost) {
  Scenario sc = parse_workload(std::string(kPreemptOff) + R"(
irqs:
  eth0: {cpu: 0, arrival: {periodic: {period: 100ms, phase: 2ms}}, handler: 50us}
)", "po-irq.yaml");
  const Costs& c = sc.system.costs;
  const Traced r = run_tracer(sc, "full", TracerKind::Preemptoff);
  ASSERT_EQ(r.traces.size(), 1u);
  const Time expected = Time::ns(2'000'000) + c.irq_entry + Time::ns(50'000) + c.irq_exit;
  const std::string why = explain("preemptoff max", "busy 2 ms + eth0 (irq entry + 50 us handler + irq exit)", expected, r.traces[0].latency);
  std::cout << why << "\n";
  EXPECT_EQ(r.traces[0].latency, expected) << why;
  EXPECT_NE(r.report.find("irq_handler_entry: irq=16 name=eth0"), std::string::npos) << "the interrupt is in the trace lines\n" << r.report;
}

TEST(Irqsoff, MaxIsTheLocalIrqDisableSection) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 100, models: [full], duration: 20ms}
irqs:
  eth0: {cpu: 0, arrival: {periodic: {period: 100ms, phase: 2ms}}, handler: 50us}
tasks:
  k:
    policy: fifo
    priority: 10
    program:
      - sleep: 1ms
      - syscall: ioctl
        kernel: [local_irq_disable, {busy: 1500us}, local_irq_enable]
)", "io.yaml");
  const Traced r = run_tracer(sc, "full", TracerKind::Irqsoff);
  ASSERT_EQ(r.traces.size(), 1u);
  const Time expected = Time::ns(1'500'000);
  const std::string why = explain("irqsoff max", "busy 1.5 ms (eth0 waits: it is taken after local_irq_enable)", expected, r.traces[0].latency);
  std::cout << why << "\n";
  EXPECT_EQ(r.traces[0].latency, expected) << why;
  EXPECT_EQ(r.traces[0].started_at, "local_irq_disable (" + kernel_step_loc(sc, 0) + ")");
  EXPECT_EQ(r.traces[0].ended_at, "local_irq_enable (" + kernel_step_loc(sc, 2) + ")");
}

TEST(Preemptirqsoff, ThresholdKeepsEverySectionAboveIt) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, hz: 100, models: [full], duration: 20ms}
tasks:
  k:
    policy: fifo
    priority: 10
    program:
      - sleep: 1ms
      - syscall: ioctl
        kernel: [preempt_disable, {busy: 300us}, preempt_enable, {busy: 10us}, local_irq_disable, {busy: 200us}, local_irq_enable,
                 preempt_disable, {busy: 50us}, preempt_enable]
)", "pio.yaml");
  const Traced r = run_tracer(sc, "full", TracerKind::Preemptirqsoff, Time::ns(100'000));
  ASSERT_EQ(r.traces.size(), 2u) << r.report;
  EXPECT_EQ(r.traces[0].latency, Time::ns(300'000));
  EXPECT_EQ(r.traces[1].latency, Time::ns(200'000));
  EXPECT_EQ(r.traces[1].started_at.rfind("local_irq_disable", 0), 0u);
}

// Seed 002: the tracer follows hi from sched_waking (inside the timer
// interrupt's hrtimer_wakeup) to the sched_switch into it. hi's wakeup latency
// (expiry -> running) is that plus the time from the expiry to the waking and
// the context switch itself.
TEST(WakeupRt, SeedExampleMatchesHisWakeupLatency) {
  const Scenario sc = load_example("seed-002-kernel-path.yaml");
  const Costs& c = sc.system.costs;
  for (const char* model : {"none", "full"}) {
    // a 1 ns threshold keeps every wakeup: under full lo's wakeup at 1 s ties with hi's
    const Traced r = run_tracer(sc, model, TracerKind::WakeupRt, Time::ns(1));
    const LatencyTrace* found = nullptr;
    for (const LatencyTrace& t : r.traces)
      if (t.task.rfind("hi-", 0) == 0) found = &t;
    ASSERT_NE(found, nullptr) << model << ": hi's wakeup is traced\n" << r.report;
    const LatencyTrace& tr = *found;
    const TaskResult& hi = task(r.result, "hi");
    const Time expiry = mark(hi, "sleep") + Time::ns(3'000'000'000);
    const Time expected = hi.wakeup_latency.max() - (tr.start - expiry) - c.context_switch;
    const std::string why =
        explain(std::string(model) + " wakeup_rt max", "hi's wakeup latency - (waking - expiry) - context switch", expected, tr.latency);
    std::cout << why << "\n";
    EXPECT_EQ(tr.latency, expected) << why;
    if (std::string(model) == "full") {
      EXPECT_EQ(tr.latency, c.irq_exit) << "full: the IRQ return preempts lo at once";
    }
    if (std::string(model) == "none") {
      const Time done = mark(task(r.result, "lo"), "kernel_done");
      EXPECT_EQ(tr.end, done) << "none: hi runs when lo's read() returns to user";
    }
  }
}

TEST(Wakeup, ReportHasTheKernelHeader) {
  const Traced r = run_tracer(load_example("seed-002-kernel-path.yaml"), "none", TracerKind::Wakeup);
  EXPECT_EQ(r.report.rfind("# tracer: wakeup\n#\n# wakeup latency trace v1.1.5 on preemptsim\n", 0), 0u) << r.report;
  EXPECT_NE(r.report.find("| (M:none VP:0, KP:0, SP:0 HP:0 #P:1)"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("#    | task: hi-1000 (uid:0 nice:0 policy:1 rt_prio:50)"), std::string::npos) << r.report;
}

TEST(Tracers, NamesRoundTrip) {
  for (const char* n : {"irqsoff", "preemptoff", "preemptirqsoff", "wakeup", "wakeup_rt"}) {
    ASSERT_TRUE(find_tracer(n)) << n;
    EXPECT_STREQ(tracer_name(*find_tracer(n)), n);
  }
  EXPECT_FALSE(find_tracer("function"));
}

// The section and activity signals themselves: per CPU and kind, edges
// alternate off/on starting with off; a context switch runs with count 2 and
// IRQs off; under every model of a busy IRQ scenario.
class SignalChecker : public Observer {
 public:
  explicit SignalChecker(int ncpus) : off_(static_cast<std::size_t>(ncpus) * 2, false) {}
  std::uint32_t signal_families() const override { return SIG_SECTIONS | SIG_ACTIVITY; }
  void on_section(Time t, const Rq& rq, Section kind, bool off, const Site& site) override {
    const std::size_t i = static_cast<std::size_t>(rq.cpu) * 2 + (kind == Section::IrqsOff ? 1 : 0);
    EXPECT_NE(off_[i], off) << "edges alternate at " << format_time(t) << " " << site.str();
    EXPECT_GE(t, last_);
    last_ = t;
    off_[i] = off;
    ++edges;
  }
  void on_cpu_activity(Time, const Rq&, const CpuActivity& a) override {
    ++activities;
    if (a.what == Activity::Switch) {
      EXPECT_EQ(a.preempt_count, 2u);
      EXPECT_TRUE(a.irqs_disabled);
      ++switches;
    }
    if (a.what == Activity::TaskStep) {
      EXPECT_NE(a.op, nullptr);
    }
  }
  std::vector<bool> off_;
  Time last_;
  std::size_t edges = 0, activities = 0, switches = 0;
};

TEST(Signals, SectionEdgesAlternateAndSwitchesRunAtCountTwo) {
  const Scenario sc = load_example("irq-net-rx-storm.yaml");
  for (const std::string& model : sc.system.models) {
    std::unique_ptr<SignalChecker> c;
    const ModelResult r = simulate_model(sc, *find_preempt_model(model), [&](Kernel& k, const PreemptModel&) {
      c = std::make_unique<SignalChecker>(static_cast<int>(k.rqs().size()));
      k.add_observer(c.get());
    });
    EXPECT_GT(c->edges, 1000u) << model;
    EXPECT_EQ(c->switches, r.cpus[0].switches) << model << ": every switch starts one switch segment (context_switch > 0)";
    EXPECT_GT(c->activities, c->switches) << model;
  }
}

}  // namespace
}  // namespace preemptsim::testing
