// Structural tests of the trace outputs: every ftrace line parses as the
// kernel's trace-file format with its event's TP_printk fields, timestamps are
// in merge order, the Perfetto JSON is well formed with matched flows, and
// --window keeps only what is inside it.
#include <gtest/gtest.h>
#include <unistd.h>
#include <fstream>
#include <filesystem>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "kernel/kernel.h"
#include "scenario_util.h"
#include "trace/ftrace_format.h"
#include "trace/perfetto.h"

namespace preemptsim::testing {
namespace {

// A scenario that makes every kind of event: timers, a device IRQ with a
// softirq, an NMI, RT and fair tasks on two CPUs.
const char* kBusy = R"(
system: {cpus: 2, hz: 250, models: [full], duration: 60ms}
irqs:
  eth0: {cpu: 0, arrival: {periodic: {period: 3ms, phase: 1ms}}, handler: 20us, softirqs: {NET_RX: 30us}}
  watchdog: {cpu: 1, nmi: true, arrival: {periodic: {period: 10ms, phase: 5ms}}, handler: 4us}
tasks:
  cyclic: {policy: fifo, priority: 80, program: [{loop: {until: 60ms, steps: [{periodic: {period: 1ms}}, {run: 10us}]}}]}
  hog:
    policy: other
    cpus: [0]
    program:
      - loop:
          until: 60ms
          steps: [{syscall: read, kernel: [preempt_disable, {busy: 700us}, preempt_enable, local_irq_disable, {busy: 50us}, local_irq_enable]}, {run: 200us}]
  batch: {policy: other, cpus: [1], program: [{loop: {until: 60ms, steps: [{run: 2ms}, {sleep: 1ms}]}}]}
)";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string trace_text(const Scenario& sc, Time from = Time(), Time to = Time::max(), const std::string& model = "full") {
  std::unique_ptr<FtraceWriter> w;
  simulate_model(sc, *find_preempt_model(model), [&](Kernel& k, const PreemptModel&) {
    w = std::make_unique<FtraceWriter>(k, from, to);
    k.add_observer(w.get());
  });
  return w->text();
}

// "<comm>-<pid> [cpu] flags  secs.usecs: event: fields" (trace_print_context + trace_print_lat_fmt)
const std::regex kLine(R"(^ *(\S.{0,15})-(\d+) +\[(\d{3})\] ([dDb.])([BNLbnpl.])([ZzHhs.])([0-9a-f.])\. +(\d+)\.(\d{6}): (\w+): (.*)$)");

// The TP_printk formats, one per event.
const std::map<std::string, std::regex> kFields = {
    {"sched_switch", std::regex(R"(prev_comm=\S+ prev_pid=\d+ prev_prio=\d+ prev_state=(R\+?|S|D|X) ==> next_comm=\S+ next_pid=\d+ next_prio=\d+)")},
    {"sched_waking", std::regex(R"(comm=\S+ pid=\d+ prio=\d+ target_cpu=\d{3})")},
    {"sched_wakeup", std::regex(R"(comm=\S+ pid=\d+ prio=\d+ target_cpu=\d{3})")},
    {"irq_handler_entry", std::regex(R"(irq=\d+ name=\S+)")},
    {"irq_handler_exit", std::regex(R"(irq=\d+ ret=(handled|unhandled))")},
    {"softirq_raise", std::regex(R"(vec=\d \[action=(HI|TIMER|NET_TX|NET_RX|BLOCK|IRQ_POLL|TASKLET|SCHED|HRTIMER|RCU)\])")},
    {"softirq_entry", std::regex(R"(vec=\d \[action=[A-Z_]+\])")},
    {"softirq_exit", std::regex(R"(vec=\d \[action=[A-Z_]+\])")},
    {"hrtimer_expire_entry", std::regex(R"(hrtimer=[0-9a-f]{16} function=\w+ now=\d+)")},
    {"hrtimer_expire_exit", std::regex(R"(hrtimer=[0-9a-f]{16})")},
    {"local_timer_entry", std::regex(R"(vector=236)")},
    {"local_timer_exit", std::regex(R"(vector=236)")},
    {"reschedule_entry", std::regex(R"(vector=253)")},
    {"reschedule_exit", std::regex(R"(vector=253)")},
    {"nmi_handler", std::regex(R"(\w+\(\) delta_ns: \d+ handled: 1)")},
};

TEST(Ftrace, EveryLineParsesInTheKernelFormatInMergeOrder) {
  const std::string text = trace_text(parse_workload(kBusy, "busy.yaml"));
  const auto lines = lines_of(text);
  ASSERT_GT(lines.size(), 12u);
  EXPECT_EQ(lines[0], "# tracer: nop");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[2], m, std::regex(R"(# entries-in-buffer/entries-written: (\d+)/(\d+)   #P:2)"))) << lines[2];
  const std::size_t n = std::stoul(m[1]);
  std::size_t entries = 0;
  std::int64_t last = -1;
  int last_cpu = -1;
  std::set<std::string> seen;
  for (const std::string& l : lines) {
    if (l.rfind("#", 0) == 0) continue;
    ++entries;
    ASSERT_TRUE(std::regex_match(l, m, kLine)) << l;
    const std::int64_t us = std::stoll(m[8]) * 1'000'000 + std::stoll(m[9]);
    const int cpu = std::stoi(m[3]);
    EXPECT_TRUE(us > last || (us == last && cpu >= last_cpu)) << "merge order (time, then lowest CPU): " << l;
    last = us;
    last_cpu = cpu;
    const std::string event = m[10], fields = m[11];
    seen.insert(event);
    auto f = kFields.find(event);
    ASSERT_NE(f, kFields.end()) << "unknown event " << event;
    EXPECT_TRUE(std::regex_match(fields, f->second)) << l;
    if (event == "sched_switch") {
      EXPECT_EQ(std::string(m[4]) + m[7].str(), "d2") << "__schedule: IRQs off, count 2: " << l;
    }
    // hardirq: 'h', or 'H' when it interrupted a softirq
    if (event.rfind("irq_handler", 0) == 0 || event.rfind("local_timer", 0) == 0) {
      EXPECT_TRUE(m[6] == "h" || m[6] == "H") << l;
    }
    if (event == "softirq_entry") {
      EXPECT_EQ(m[6], "s") << l;
    }
    if (event == "nmi_handler") {
      EXPECT_EQ(m[6], "Z") << "in NMI and hard IRQ: " << l;
    }
  }
  EXPECT_EQ(entries, n);
  for (const char* e : {"sched_switch", "sched_waking", "sched_wakeup", "irq_handler_entry", "irq_handler_exit", "softirq_raise",
                        "softirq_entry", "softirq_exit", "hrtimer_expire_entry", "hrtimer_expire_exit", "local_timer_entry", "nmi_handler"})
    EXPECT_TRUE(seen.count(e)) << "no " << e << " line";
}

TEST(Ftrace, ThreadedIrqsAndTaskContextSoftirqsParseUnderEveryModel) {
  Scenario sc = load_example("irq-net-rx-storm.yaml");
  sc.system.duration = Time::ns(50'000'000);
  for (const std::string& model : sc.system.models) {
    std::smatch m;
    std::size_t n = 0;
    for (const std::string& l : lines_of(trace_text(sc, Time(), Time::max(), model))) {
      if (l.rfind("#", 0) == 0) continue;
      ASSERT_TRUE(std::regex_match(l, m, kLine)) << model << ": " << l;
      auto f = kFields.find(m[10]);
      ASSERT_NE(f, kFields.end()) << l;
      EXPECT_TRUE(std::regex_match(m[11].str(), f->second)) << l;
      ++n;
    }
    EXPECT_GT(n, 100u) << model;
  }
}

TEST(Ftrace, SchedSwitchPrevStateFollowsTheKernel) {
  EXPECT_EQ(sched_switch_state(TASK_RUNNING, true), "R+");
  EXPECT_EQ(sched_switch_state(TASK_RUNNING, false), "R");
  EXPECT_EQ(sched_switch_state(TASK_INTERRUPTIBLE, false), "S");
  EXPECT_EQ(sched_switch_state(TASK_UNINTERRUPTIBLE, false), "D");
  EXPECT_EQ(sched_switch_state(TASK_DEAD, false), "X");
  EXPECT_EQ(ftrace_timestamp(Time::ns(3'000'006'400)), "     3.000006");
  EXPECT_EQ(ftrace_timestamp(Time::ns(3'000'006'500)), "     3.000007") << "ns2usecs() rounds";
}

// The fair server's timers (replenishment and zero-laxity start) are its
// dl_timer: their hrtimer_expire_entry names dl_task_timer, never "?". With a
// FIFO hog and a fair task on one CPU, a 5 ms/20 ms server defers to
// window end - runtime = 15 ms, so within 100 ms both timers fire.
TEST(Ftrace, FairServerTimersNameDlTaskTimer) {
  const Scenario sc = parse_workload(R"(
system: {cpus: 1, models: [full], duration: 100ms, fair_server: {runtime: 5ms, period: 20ms}}
tasks:
  hog: {policy: fifo, priority: 50, program: [{run: 100ms}]}
  fair: {policy: other, program: [{loop: {until: 100ms, steps: [{run: 1ms}]}}]}
)", "fs.yaml");
  const std::string text = trace_text(sc);
  EXPECT_EQ(text.find("function=?"), std::string::npos);
  std::size_t n = 0;
  for (std::size_t at = text.find("function=dl_task_timer"); at != std::string::npos; at = text.find("function=dl_task_timer", at + 1)) ++n;
  EXPECT_GE(n, 2u) << "expected the server's deferral and replenishment timers in the trace";
}

TEST(Ftrace, WindowKeepsOnlyEventsInside) {
  const Scenario sc = parse_workload(kBusy, "busy.yaml");
  const std::string text = trace_text(sc, Time::ns(20'000'000), Time::ns(25'000'000));
  std::size_t entries = 0;
  std::smatch m;
  for (const std::string& l : lines_of(text)) {
    if (l.rfind("#", 0) == 0) continue;
    ASSERT_TRUE(std::regex_match(l, m, kLine)) << l;
    const std::int64_t us = std::stoll(m[8]) * 1'000'000 + std::stoll(m[9]);
    EXPECT_GE(us, 20'000);
    EXPECT_LE(us, 25'000);
    ++entries;
  }
  EXPECT_GT(entries, 10u);
}

TEST(Ftrace, SameInputGivesTheSameText) {
  const Scenario sc = parse_workload(kBusy, "busy.yaml");
  EXPECT_EQ(trace_text(sc), trace_text(sc));
}

nlohmann::json perfetto_json(const Scenario& sc, Time from = Time(), Time to = Time::max()) {
  PerfettoTrace trace(from, to);
  std::vector<std::unique_ptr<PerfettoObserver>> obs;
  int pid = 0;
  simulate(sc, [&](Kernel& k, const PreemptModel& m) {
    obs.push_back(std::make_unique<PerfettoObserver>(trace, k, ++pid, std::string(m.name)));
    k.add_observer(obs.back().get());
  });
  return nlohmann::json::parse(trace.json());
}

TEST(Perfetto, SlicesAndFlowsAreWellFormed) {
  Scenario sc = parse_workload(kBusy, "busy.yaml");
  sc.system.models = {"full", "none"};
  const nlohmann::json j = perfetto_json(sc);
  const auto& ev = j.at("traceEvents");
  std::map<std::uint64_t, int> starts, finishes;
  std::set<int> pids;
  std::map<std::pair<int, int>, double> track_end;  // (pid, tid) -> end of the last slice
  std::set<std::string> names;
  for (const auto& e : ev) {
    const std::string ph = e.at("ph");
    pids.insert(e.at("pid").get<int>());
    if (ph == "X") {
      const double ts = e.at("ts"), dur = e.at("dur");
      EXPECT_GE(dur, 0.0);
      auto key = std::make_pair(e.at("pid").get<int>(), e.at("tid").get<int>());
      EXPECT_GE(ts + 1e-6, track_end[key]) << "slices of one CPU do not overlap: " << e.dump();
      track_end[key] = ts + dur;
      names.insert(e.at("name").get<std::string>());
    } else if (ph == "s") {
      ++starts[e.at("id").get<std::uint64_t>()];
    } else if (ph == "f") {
      ++finishes[e.at("id").get<std::uint64_t>()];
      EXPECT_EQ(e.at("bp"), "e");
    }
  }
  EXPECT_EQ(pids, (std::set<int>{1, 2})) << "one process per model";
  ASSERT_FALSE(starts.empty());
  EXPECT_EQ(starts.size(), finishes.size());
  for (const auto& [id, n] : starts) {
    EXPECT_EQ(n, 1);
    EXPECT_EQ(finishes[id], 1) << "flow " << id << " has exactly one end";
  }
  auto has_prefix = [&](const std::string& p) {
    for (const std::string& n : names)
      if (n.rfind(p, 0) == 0) return true;
    return false;
  };
  for (const char* p : {"irq_handler eth0", "softirq NET_RX", "switch ", "run (busy.yaml:", "busy (busy.yaml:", "nmi watchdog", "irq_handler local_timer"})
    EXPECT_TRUE(has_prefix(p)) << "no slice named " << p << "...";
}

TEST(Perfetto, WindowKeepsOnlyEventsInside) {
  const nlohmann::json j = perfetto_json(parse_workload(kBusy, "busy.yaml"), Time::ns(20'000'000), Time::ns(25'000'000));
  std::size_t n = 0;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "M") continue;
    const double ts = e.at("ts");
    EXPECT_GE(ts, 20'000.0) << e.dump();
    const double end = ts + (e.contains("dur") ? e.at("dur").get<double>() : 0.0);
    EXPECT_LE(end, 25'000.0) << e.dump();
    ++n;
  }
  EXPECT_GT(n, 10u);
}


// Task tracks: examples/locks-priority-inversion.yaml under full. hi asks for
// M (mark want) while lo holds it; lo, preempted by mid, unlocks late (mark
// unlock); hi gets M at mark got. hi's track must show "blocked on M" from
// want to lo's unlock, then runnable, then running by got; each task's
// states follow one another without gap or overlap.
TEST(Perfetto, TaskTracksShowStatesWithLockWaits) {
  const Scenario sc = load_example("locks-priority-inversion.yaml");
  const ModelResult r = run_model(sc, "full");
  const Time want = mark(task(r, "hi"), "want"), unlock = mark(task(r, "lo"), "unlock"), got = mark(task(r, "hi"), "got");
  const nlohmann::json j = perfetto_json(sc);
  std::map<int, std::string> names;
  std::map<int, std::vector<nlohmann::json>> tracks;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name") names[e.at("tid").get<int>()] = e.at("args").at("name");
    if (e.at("ph") == "X" && e.at("tid").get<int>() >= PerfettoObserver::kTaskTrackBase) tracks[e.at("tid").get<int>()].push_back(e);
  }
  int hi = -1;
  for (const auto& [tid, n] : names)
    if (n.rfind("hi-", 0) == 0) hi = tid;
  ASSERT_GE(hi, 0) << "a track named hi-PID";
  for (const auto& [tid, ev] : tracks)
    for (std::size_t k = 1; k < ev.size(); ++k)
      EXPECT_NEAR(ev[k].at("ts").get<double>(), ev[k - 1].at("ts").get<double>() + ev[k - 1].at("dur").get<double>(), 1e-6)
          << names[tid] << ": states follow one another: " << ev[k - 1].dump() << " then " << ev[k].dump();
  const auto us = [](Time t) { return static_cast<double>(t.count()) / 1000.0; };
  bool blocked = false;
  for (std::size_t k = 0; k < tracks[hi].size(); ++k) {
    const auto& e = tracks[hi][k];
    if (e.at("name") != "blocked on M") continue;
    blocked = true;
    const double s = e.at("ts"), end = s + e.at("dur").get<double>();
    std::cout << "hi blocked on M " << s << " .. " << end << " us; want " << us(want) << ", lo's unlock " << us(unlock) << ", got "
              << us(got) << "\n";
    EXPECT_GE(s, us(want));
    EXPECT_LE(s, us(want) + 10.0) << "blocks within the lock call";
    EXPECT_GE(end, us(unlock)) << "until lo unlocks";
    EXPECT_LE(end, us(got));
    // the unlock hands M over and wakes hi: runnable (dropped when it lasts 0 ns, as here under full), then running
    ASSERT_LT(k + 1, tracks[hi].size());
    std::size_t next = k + 1;
    if (tracks[hi][next].at("name") == "runnable") ++next;
    ASSERT_LT(next, tracks[hi].size());
    EXPECT_EQ(tracks[hi][next].at("name"), "running");
    EXPECT_LE(tracks[hi][next].at("ts").get<double>(), us(got));
  }
  EXPECT_TRUE(blocked) << "no 'blocked on M' slice on hi's track";
  bool slept = false;
  for (const auto& e : tracks[hi]) slept = slept || e.at("name") == "sleeping";
  EXPECT_TRUE(slept) << "hi's sleep: 1ms";
}

// The streamed file holds exactly the in-memory document.
TEST(Perfetto, StreamedFileEqualsTheInMemoryDocument) {
  Scenario sc = parse_workload(kBusy, "busy.yaml");
  sc.system.models = {"full", "rt"};
  auto record = [&](PerfettoTrace& trace) {
    std::vector<std::unique_ptr<PerfettoObserver>> obs;
    int pid = 0;
    simulate(sc, [&](Kernel& k, const PreemptModel& m) {
      obs.push_back(std::make_unique<PerfettoObserver>(trace, k, ++pid, std::string(m.name)));
      k.add_observer(obs.back().get());
    }, false);
  };
  PerfettoTrace mem;
  record(mem);
  const std::string path = (std::filesystem::temp_directory_path() / ("pf-" + std::to_string(::getpid()) + ".json")).string();
  {
    PerfettoTrace file(path, Time(), Time::max());
    record(file);
    file.finish();
    EXPECT_EQ(file.bytes(), mem.json().size());
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), mem.json());
  std::filesystem::remove(path);
  const nlohmann::json doc = nlohmann::json::parse(ss.str());  // throws (the test fails) on a malformed document
  EXPECT_FALSE(doc["traceEvents"].empty());
}
}  // namespace
}  // namespace preemptsim::testing
