// Measuring this machine (syscall, switch and wakeup costs, timer-wakeup
// latency, cpuidle states) and writing the figures as a profile.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace preemptsim {

struct CalibrateOptions {
  double seconds = 1.0;   // time budget of the timer-latency loop (the other loops are short)
  int interval_us = 1000; // timer-latency loop period (cyclictest's -i)
  int cpu = 0;            // CPU for the single-CPU measurements
  int other_cpu = 1;      // second CPU for the cross-CPU wakeup (-1: none)
  int rounds = 2000;        // ping-pong round trips per batch (20 batches)
  int syscall_batch = 20000;// getppid() calls per batch (30 batches)
  std::string name = "this-machine";
};

// One figure with its spread, in nanoseconds.
struct Figure {
  std::string what;
  bool measured = false;
  std::string how;             // how it was measured, or why it could not be
  std::vector<double> samples; // per-sample or per-batch values, ns
  double p(double q) const;    // percentile (0..1) of samples
};

struct CpuidleState {
  std::string name;
  std::int64_t exit_latency_us = 0;  // state*/latency
  std::int64_t residency_us = 0;     // state*/residency
  bool disabled = false;
};

struct Calibration {
  std::string host;         // uname -n -r
  bool root = false;        // SCHED_FIFO granted
  Figure syscall;           // getppid() round trip
  Figure local_switch;      // pipe ping-pong on one CPU: half round trip
  Figure cross_wakeup;      // pipe ping-pong across two CPUs: half round trip
  Figure timer_latency;     // clock_nanosleep(TIMER_ABSTIME) lateness
  std::vector<CpuidleState> cpuidle;
  std::vector<std::string> notes;  // what could not be measured, and why
};

// Runs the measurements (about opts.seconds + a fraction of a second).
Calibration calibrate(const CalibrateOptions& opts);
// Human-readable figures with their spread.
std::string calibration_report(const Calibration& c);
// A profile file (profiles/*.yaml syntax) with the figures as distributions.
std::string calibration_profile(const Calibration& c, const std::string& name);

}  // namespace preemptsim
