// Simulator throughput benchmark: runs a reference cyclictest + kernel-hog workload under every preemption model.
//
// Usage: preemptsim_bench [--duration D] [--cpus N] [--print-workload]
//   --duration D      simulated time per model (default 20s; any workload duration such as 2s, 500ms)
//   --cpus N          simulated CPUs (default 4, 1..256)
//   --print-workload  print the reference workload YAML (to run it with `preemptsim run`) and exit
//
// The workload is built in code from the YAML below (through parse_workload(),
// the same path a workload file takes), so the figures measure exactly what
// `preemptsim run` does minus the report: one Kernel per model, one statistics
// observer, the event loop. Nothing is written but the table on stdout.
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "core/time.h"
#include "kernel/preempt_model.h"
#include "sim/simulation.h"
#include "workload/parse_yaml.h"

namespace {

using namespace preemptsim;

// 8 cyclictest-like SCHED_FIFO 80 threads (1 ms period, 20 us of user work,
// pinned round-robin over the CPUs like `cyclictest -t8 -a`), and 8
// SCHED_OTHER hogs whose syscalls spend 1.2 ms in the kernel with
// might_sleep() every 100 us and cond_resched() every 300 us, then 200 us in
// user space. The loops run until the end of the simulated time.
std::string reference_workload(int cpus, const std::string& duration) {
  std::string y = fmt::format("system: {{cpus: {}, hz: 1000, duration: {}, seed: 1}}\ntasks:\n", cpus, duration);
  for (int i = 0; i < 8; ++i)
    y += fmt::format(
        "  cyclic{}:\n"
        "    policy: fifo\n"
        "    priority: 80\n"
        "    cpus: [{}]\n"
        "    program:\n"
        "      - loop: {{until: {}, steps: [{{periodic: {{period: 1ms, phase: 0us}}}}, {{run: 20us}}]}}\n",
        i, i % cpus, duration);
  for (int i = 0; i < 8; ++i)
    y += fmt::format(
        "  hog{}:\n"
        "    policy: other\n"
        "    program:\n"
        "      - loop:\n"
        "          until: {}\n"
        "          steps:\n"
        "            - syscall: write\n"
        "              kernel:\n"
        "                - loop:\n"
        "                    count: 4\n"
        "                    steps: [{{busy: 100us}}, might_sleep, {{busy: 100us}}, might_sleep, {{busy: 100us}}, "
        "cond_resched]\n"
        "            - run: 200us\n",
        i, duration);
  return y;
}

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "preemptsim_bench: " << why << "\nusage: preemptsim_bench [--duration D] [--cpus N] [--print-workload]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string duration = "20s";
  int cpus = 4;
  bool print_workload = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--duration" || a == "--cpus") && i + 1 >= argc) usage(a + " needs a value");
    if (a == "--duration") {
      duration = argv[++i];
    } else if (a == "--cpus") {
      const std::string v = argv[++i];
      std::size_t used = 0;
      try {
        cpus = std::stoi(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || cpus < 1 || cpus > 256) usage("--cpus: '" + v + "' is not an integer in 1..256");
    } else if (a == "--print-workload") {
      print_workload = true;
    } else if (a == "-h" || a == "--help") {
      usage("simulator throughput on a reference workload, per preemption model");
    } else {
      usage("unknown argument '" + a + "'");
    }
  }

  try {
    const Time sim = parse_duration(duration, SourceLoc{"command line (--duration)", 0, 0});
    if (sim <= Time()) usage("--duration must be positive");
    const std::string yaml = reference_workload(cpus, duration);
    if (print_workload) {
      std::cout << yaml;
      return 0;
    }
    const Scenario sc = parse_workload(yaml, "<bench reference workload>");
    const double sim_s = static_cast<double>(sim.count()) * 1e-9;

    std::cout << fmt::format("reference workload: {} CPUs, HZ 1000, 8 SCHED_FIFO cyclic (1 ms) + 8 SCHED_OTHER hogs, "
                             "{} simulated per model\n\n",
                             cpus, format_time(sim));
    std::cout << fmt::format("{:<10} {:>14} {:>10} {:>14} {:>14}\n", "model", "events", "wall s", "events/s",
                             "sim-s/wall-s");
    std::uint64_t total_events = 0;
    double total_wall = 0;
    for (const PreemptModel& m : preempt_models()) {
      const auto t0 = std::chrono::steady_clock::now();
      const ModelResult r = simulate_model(sc, m);
      const auto t1 = std::chrono::steady_clock::now();
      const double wall = std::chrono::duration<double>(t1 - t0).count();
      total_events += r.events;
      total_wall += wall;
      std::cout << fmt::format("{:<10} {:>14} {:>10.3f} {:>14.0f} {:>14.2f}\n", m.name, r.events, wall,
                               static_cast<double>(r.events) / wall, sim_s / wall);
    }
    const double total_sim = sim_s * static_cast<double>(preempt_models().size());
    std::cout << fmt::format("{:<10} {:>14} {:>10.3f} {:>14.0f} {:>14.2f}\n", "total", total_events, total_wall,
                             static_cast<double>(total_events) / total_wall, total_sim / total_wall);
    return 0;
  } catch (const WorkloadError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const InvariantError& e) {
    std::cerr << "preemptsim_bench: " << e.what();
    return 3;
  }
}
