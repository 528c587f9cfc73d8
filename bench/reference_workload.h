// The benchmarks' reference workload (per CPU a 200 us cyclictest thread and a
// kernel hog with might_sleep()/cond_resched() points; a Poisson 2000/s NET_RX
// line and a 1 kHz line), and the CPU-time clock they measure with.
#pragma once

#include <ctime>
#include <string>

#include <fmt/format.h>

namespace preemptsim::bench {

// The workload as YAML, its loops running until `duration`; the 1 kHz line is on CPU 1 (CPU 0 with one CPU).
inline std::string reference_workload(int cpus, const std::string& duration) {
  std::string y = fmt::format(
      "system: {{cpus: {0}, hz: 1000, duration: {1}, seed: 1}}\n"
      "irqs:\n"
      "  eth0: {{cpu: 0, arrival: {{poisson: {{rate: 2000}}}}, handler: {{uniform: [5us, 15us]}}, softirqs: {{NET_RX: {{uniform: [10us, 40us]}}}}}}\n"
      "  line: {{cpu: {2}, arrival: {{periodic: {{period: 1ms, phase: 300us}}}}, handler: 4us}}\n"
      "tasks:\n",
      cpus, duration, cpus > 1 ? 1 : 0);
  for (int i = 0; i < cpus; ++i)
    y += fmt::format(
        "  cyclic{0}:\n"
        "    policy: fifo\n"
        "    priority: 95\n"
        "    cpus: [{0}]\n"
        "    program:\n"
        "      - loop: {{until: {1}, steps: [{{periodic: {{period: 200us}}}}, {{run: 5us}}]}}\n"
        "  hog{0}:\n"
        "    cpus: [{0}]\n"
        "    program:\n"
        "      - loop:\n"
        "          until: {1}\n"
        "          steps:\n"
        "            - syscall: write\n"
        "              kernel:\n"
        "                - loop: {{count: 4, steps: [{{busy: 100us}}, might_sleep, {{busy: 100us}}, cond_resched]}}\n"
        "            - run: 100us\n",
        i, duration);
  return y;
}

// CPU time of this thread: on a shared machine wall time counts the others' work too.
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace preemptsim::bench
