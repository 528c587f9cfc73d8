// Explanation cost benchmark: CPU time of the explained run against the plain run, same workload.
//
// Usage: preemptsim_bench_explain [--duration D] [--cpus N] [--model M] [--repeat K] [--print-workload]
//   --duration D      simulated time per run (default 10s)
//   --cpus N          simulated CPUs (default 4, 1..256)
//   --model M         one preemption model (default: every model, in preempt_models() order)
//   --repeat K        runs of each kind per model; the fastest counts (default 3)
//   --print-workload  print the workload YAML and exit
//
// The workload has the reference shape of the explanation-cost measurement:
// per CPU a cyclictest thread with a 200 us period and a kernel hog with
// might_sleep()/cond_resched() points; a Poisson 2000/s NET_RX line and a
// 1 kHz line. Per model it times simulate_model() without explanations (the
// plain run), simulate_model() with them (the live root-cause observer
// recording during the run: what `preemptsim run` does), and, for comparison,
// the plain run plus explain_worst_cases() (the second run over the windows
// the first one found, the earlier design, still used when a window is older
// than its CPU's ring), each over the plain run, in CPU seconds of the
// running thread (the fastest of --repeat runs).
#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/root_cause.h"
#include "core/error.h"
#include "kernel/preempt_model.h"
#include "sim/simulation.h"
#include "workload/parse_yaml.h"
#include "reference_workload.h"

namespace {

using namespace preemptsim;

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "preemptsim_bench_explain: " << why
            << "\nusage: preemptsim_bench_explain [--duration D] [--cpus N] [--model M] [--repeat K] [--print-workload]\n";
  std::exit(2);
}

using bench::thread_cpu_seconds;

template <class F>
double fastest(int repeat, F f) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const double t0 = thread_cpu_seconds();
    f();
    best = std::min(best, thread_cpu_seconds() - t0);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string duration = "10s", model;
  int cpus = 4, repeat = 3;
  bool print = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool valued = a == "--duration" || a == "--cpus" || a == "--model" || a == "--repeat";
    if (valued && i + 1 >= argc) usage(a + " needs a value");
    if (a == "--duration") duration = argv[++i];
    else if (a == "--model") model = argv[++i];
    else if (a == "--cpus" || a == "--repeat") {
      const std::string v = argv[++i];
      int n = 0;
      try {
        std::size_t used = 0;
        n = std::stoi(v, &used);
        if (used != v.size()) n = 0;
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < 1 || n > 256) usage(a + ": '" + v + "' is not a number from 1 to 256");
      (a == "--cpus" ? cpus : repeat) = n;
    } else if (a == "--print-workload") print = true;
    else usage("unknown argument '" + a + "'");
  }
  const std::string yaml = bench::reference_workload(cpus, duration);
  if (print) {
    std::cout << yaml;
    return 0;
  }
  try {
    const Scenario sc = parse_workload(yaml, "<bench-explain>");
    std::vector<const PreemptModel*> models;
    if (!model.empty()) {
      const PreemptModel* m = find_preempt_model(model);
      if (!m) usage("unknown model '" + model + "'");
      models.push_back(m);
    } else {
      for (const PreemptModel& m : preempt_models()) models.push_back(&m);
    }
    fmt::print("{} CPUs, {} simulated per run, fastest of {}\n", cpus, duration, repeat);
    fmt::print("{:<10} {:>11} {:>11} {:>7} {:>13} {:>7} {:>8}\n", "model", "plain cpu-s", "live cpu-s", "ratio", "2-run cpu-s", "ratio",
               "windows");
    double plain_sum = 0, live_sum = 0, two_sum = 0;
    for (const PreemptModel* m : models) {
      ModelResult first;
      const double plain = fastest(repeat, [&] { first = simulate_model(sc, *m); });
      std::size_t windows = 0;
      const double live = fastest(repeat, [&] { windows = simulate_model(sc, *m, {}, true).explanations.size(); });
      const double second = fastest(repeat, [&] { (void)explain_worst_cases(sc, *m, first); });
      plain_sum += plain;
      live_sum += live;
      two_sum += plain + second;
      fmt::print("{:<10} {:>11.3f} {:>11.3f} {:>7.3f} {:>13.3f} {:>7.3f} {:>8}\n", m->name, plain, live, live / plain, plain + second,
                 (plain + second) / plain, windows);
    }
    fmt::print("{:<10} {:>11.3f} {:>11.3f} {:>7.3f} {:>13.3f} {:>7.3f}\n", "total", plain_sum, live_sum, live_sum / plain_sum, two_sum,
               two_sum / plain_sum);
  } catch (const std::exception& e) {
    std::cerr << "preemptsim_bench_explain: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
