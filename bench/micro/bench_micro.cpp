// Micro-benchmarks of the simulator's hot path (Google Benchmark): the bare event queue, the event loop on the reference workload, stale-event designs, heap allocations per event.
//
// Usage: preemptsim_bench_micro [--print-workload [--duration D]] [Google Benchmark flags]
//   --print-workload  print the reference workload YAML (duration D, default 10s) and exit,
//                     to run it with `preemptsim run`
//
// The reference workload (issue: speed and scale) is 4 CPUs, HZ 1000; per CPU
// a SCHED_FIFO 95 cyclictest thread (200 us period, 5 us of work) and a
// pinned SCHED_OTHER hog whose write syscall spends 800 us in the kernel with
// might_sleep()/cond_resched() points; a Poisson 2000/s NET_RX line on CPU 0
// and a 1 kHz line on CPU 1.
#include <benchmark/benchmark.h>

#include <atomic>
#include <ctime>
#include <map>
#include <optional>
#include <type_traits>
#include <cstdlib>
#include <iostream>
#include <new>
#include <string>

#include <fmt/format.h>

#include "core/event_queue.h"
#include "kernel/kernel.h"
#include "kernel/preempt_model.h"
#include "micro/queue_designs.h"
#include "sim/simulation.h"
#include "stats/response_time.h"
#include "stats/task_stats.h"
#include "workload/parse_yaml.h"
#include "reference_workload.h"

// Heap allocations of the whole program, counted by the replaced global
// operator new (this binary only; the simulator library is unchanged).
namespace {
std::atomic<std::uint64_t> g_allocs{0};
}  // namespace

// (GCC cannot see that this operator new is malloc() underneath.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace preemptsim;

// The reference workload at 4 CPUs (bench/reference_workload.h).
std::string reference_workload(const std::string& duration) { return bench::reference_workload(4, duration); }
using bench::thread_cpu_seconds;

const Scenario& reference(const std::string& duration) {
  static std::map<std::string, Scenario> cache;
  auto it = cache.find(duration);
  if (it == cache.end()) it = cache.emplace(duration, parse_workload(reference_workload(duration), "<bench reference workload>")).first;
  return it->second;
}

// A small, fast random stream for the synthetic queue loads.
struct XorShift {
  std::uint64_t s = 0x9e3779b97f4a7c15ULL;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
};

// The bare queue: N events queued; each iteration pops the earliest and
// pushes one 1..100 us later (a hold model: the queue stays at N).
void BM_BarePushPop(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  EventQueue q;
  XorShift r;
  for (int i = 0; i < n; ++i) q.push(Time::ns(r.below(100'000)), Band::Hardware, 0, i, 0);
  for (auto _ : state) {
    const Event e = q.pop();
    q.push(e.time + Time::ns(1'000 + r.below(99'000)), e.band, e.kind, e.target, e.token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BarePushPop)->Arg(8)->Arg(16)->Arg(64)->Arg(1024);

// The simulator's pattern for the stale-event designs: 4 CPUs, each with a
// busy segment (ends 1..100 us after it starts) and a clock event (the tick,
// every 1 ms), and two device lines (about every 500 us and every 1 ms). A
// tick or a device interrupt on a CPU splits its segment (the rest is
// re-armed: the old end is cancelled) and a device interrupt arms a timer
// 20..200 us ahead (the clock event moves earlier: the old one is cancelled).
template <class Q>
void BM_StaleDesign(benchmark::State& state) {
  constexpr int cpus = 4;
  const int seg = 0, clk = cpus, dev = 2 * cpus;
  Q q(2 * cpus + 2);
  XorShift r;
  std::int64_t seg_end[cpus], tick[cpus];
  for (int c = 0; c < cpus; ++c) {
    seg_end[c] = 1'000 + r.below(99'000);
    q.arm(seg + c, seg_end[c], 0);
    tick[c] = 1'000'000;
    q.arm(clk + c, tick[c], 1);
  }
  q.arm(dev, 250'000, 1);
  q.arm(dev + 1, 300'000, 1);
  std::uint64_t live = 0, cancels = 0;
  bench::Popped e;
  for (auto _ : state) {
    if (!q.pop(e)) break;
    ++live;
    const std::int64_t now = e.key.time;
    auto split = [&](int c, std::int64_t cost) {  // an interrupt splits CPU c's segment
      seg_end[c] += cost;
      q.arm(seg + c, seg_end[c], 0);
      ++cancels;
    };
    if (e.slot < clk) {
      const int c = e.slot - seg;
      seg_end[c] = now + 1'000 + r.below(99'000);
      q.arm(e.slot, seg_end[c], 0);
    } else if (e.slot < dev) {
      const int c = e.slot - clk;
      if (now >= tick[c]) tick[c] += 1'000'000;
      q.arm(e.slot, tick[c], 1);
      split(c, 3'000);
    } else {
      const int line = e.slot - dev;
      q.arm(e.slot, now + (line == 0 ? 1 + r.below(1'000'000) : 1'000'000), 1);
      split(line, 8'000);
      const std::int64_t timer = now + 20'000 + r.below(180'000);
      if (timer < tick[line]) {
        q.arm(clk + line, timer, 1);
        ++cancels;
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(live));
  state.counters["cancels/event"] = static_cast<double>(cancels) / static_cast<double>(live);
  if constexpr (std::is_same_v<Q, bench::LazyHeap>)
    state.counters["stale_share"] = static_cast<double>(q.stale()) / static_cast<double>(q.stale() + live);
}
BENCHMARK_TEMPLATE(BM_StaleDesign, bench::LazyHeap)->Name("BM_Stale/lazy_heap");
BENCHMARK_TEMPLATE(BM_StaleDesign, bench::IndexedHeap)->Name("BM_Stale/indexed_heap");
BENCHMARK_TEMPLATE(BM_StaleDesign, bench::SlotTree)->Name("BM_Stale/slot_tree");

// The simulator's own queue (SlotQueue: keys in the tree nodes, a popped
// slot's path replayed once when it is re-armed before the next pop).
class SimSlotQueue {
 public:
  explicit SimSlotQueue(int slots) { q_.resize(static_cast<std::size_t>(slots)); }
  void arm(int slot, std::int64_t t, std::uint8_t band) {
    q_.arm(static_cast<std::size_t>(slot), Time::ns(t), static_cast<Band>(band), 0, slot, 0);
  }
  void cancel(int slot) { q_.cancel(static_cast<std::size_t>(slot)); }
  bool pop(bench::Popped& out) {
    if (q_.empty()) return false;
    const Event e = q_.pop();
    out = bench::Popped{bench::Key{e.time.count(), static_cast<std::uint8_t>(e.band), e.seq}, e.target};
    return true;
  }

 private:
  SlotQueue q_;
};
BENCHMARK_TEMPLATE(BM_StaleDesign, SimSlotQueue)->Name("BM_Stale/slot_queue");

// Reads the kernel's queue figures at the end of the run.
class QueueProbe final : public Observer {
 public:
  explicit QueueProbe(const Kernel& k) : k_(k) {}
  void on_run_end(Time) override { peak = k_.peak_queued_events(); }
  std::size_t peak = 0;

 private:
  const Kernel& k_;
};

// The simulator's event loop on the reference workload (1 s simulated), one
// model, with the task statistics observer and optionally the response-time
// observer (simulate_model() always attaches both). Reported: live events
// (those dispatched; not the ones cancelled before they were due) per
// second, their share of all events the run counts (Kernel::events_processed(),
// which counts cancelled ones as a lazily-cancelling queue popped them), and
// the ratio of the run's time to a bare queue's push+pop of as many events
// as were live (BM_BarePushPop's loop at the run's peak queue size, timed
// right after in the same iteration). Times are the thread's CPU time.
void run_reference(benchmark::State& state, bool response) {
  const PreemptModel& m = preempt_models()[static_cast<std::size_t>(state.range(0))];
  const Scenario& sc = reference("1s");
  std::uint64_t events = 0, live = 0;
  double sim_s = 0, bare_s = 0;
  for (auto _ : state) {
    const double t0 = thread_cpu_seconds();
    Kernel kernel(sc, m);
    TaskStatsObserver stats(sc.tasks.size(), kernel.tasks().front()->pid);
    kernel.add_observer(&stats);
    std::optional<ResponseTimeObserver> rt;
    if (response) {
      rt.emplace(kernel, sc.tasks.size(), kernel.tasks().front()->pid);
      kernel.add_observer(&*rt);
    }
    QueueProbe probe(kernel);
    kernel.add_observer(&probe);
    kernel.run();
    const double t1 = thread_cpu_seconds();
    EventQueue q;
    XorShift r;
    for (std::size_t i = 0; i < probe.peak; ++i) q.push(Time::ns(r.below(100'000)), Band::Hardware, 0, 0, 0);
    for (std::uint64_t i = 0; i < kernel.live_events_processed(); ++i) {
      const Event e = q.pop();
      q.push(e.time + Time::ns(1'000 + r.below(99'000)), e.band, e.kind, e.target, e.token);
    }
    benchmark::DoNotOptimize(q.top());
    const double t2 = thread_cpu_seconds();
    events += kernel.events_processed();
    live += kernel.live_events_processed();
    sim_s += t1 - t0;
    bare_s += t2 - t1;
    state.SetIterationTime(t1 - t0);
  }
  state.SetLabel(std::string(m.name));
  state.SetItemsProcessed(static_cast<std::int64_t>(live));
  state.counters["live_share"] = static_cast<double>(live) / static_cast<double>(events);
  state.counters["ratio_to_bare"] = sim_s / bare_s;
}
void BM_EventLoop(benchmark::State& state) { run_reference(state, true); }
void BM_EventLoopNoResponse(benchmark::State& state) { run_reference(state, false); }
BENCHMARK(BM_EventLoop)->DenseRange(0, 5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EventLoopNoResponse)->DenseRange(0, 5)->UseManualTime()->Unit(benchmark::kMillisecond);

// Heap allocations per event in steady state: simulate_model() for 1 s and
// for 2 s of the reference workload; the difference in allocations over the
// difference in events is what the second simulated second cost.
void BM_AllocsPerEvent(benchmark::State& state) {
  const PreemptModel& m = preempt_models()[static_cast<std::size_t>(state.range(0))];
  double per_event = 0;
  for (auto _ : state) {
    std::uint64_t allocs[2], events[2];
    for (int i = 0; i < 2; ++i) {
      const Scenario& sc = reference(i == 0 ? "1s" : "2s");
      const std::uint64_t a0 = g_allocs.load();
      const ModelResult res = simulate_model(sc, m);
      allocs[i] = g_allocs.load() - a0;
      events[i] = res.events;
    }
    per_event = static_cast<double>(allocs[1] - allocs[0]) / static_cast<double>(events[1] - events[0]);
  }
  state.SetLabel(std::string(m.name));
  state.counters["allocs/event"] = per_event;
}
BENCHMARK(BM_AllocsPerEvent)->DenseRange(0, 5)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--print-workload") {
      std::string duration = "10s";
      for (int j = 1; j + 1 < argc; ++j)
        if (std::string(argv[j]) == "--duration") duration = argv[j + 1];
      std::cout << reference_workload(duration);
      return 0;
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
