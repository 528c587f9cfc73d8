// The preemptsim command line: turns arguments into library calls, prints
// results, and maps errors to exit codes (2 = bad input, 3 = internal bug).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>

#include "calibrate/calibrate.h"
#include "cli/cyclictest_cmd.h"
#include "cli/sweep_cmd.h"
#include "cli/import_cmd.h"
#include "sim/run_options.h"
#include "core/error.h"
#include "host/host.h"
#include "kernel/preempt_model.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/output_file.h"
#include "report/table.h"
#include "kernel/kernel.h"
#include "sim/simulation.h"
#include "stats/mark_stream.h"
#include "trace/ftrace_format.h"
#include "trace/latency_tracers.h"
#include "trace/perfetto.h"
#include "workload/duration.h"
#include "workload/parse_yaml.h"

namespace {

using namespace preemptsim;


// The options of `run` beyond the scenario overrides: traces and tracers.
struct TraceOptions {
  std::string trace, perfetto, window, tracer, tracing_thresh, tracer_out;
  bool no_explain = false;  // skip explaining the worst wakeups
  std::string report;       // --report FILE.html
  std::string marks;        // --marks FILE.csv: every mark's time, streamed
  unsigned jobs = 0;        // -j: models at once (0 = every core)
  bool quiet = false;       // -q: no table on stdout
};

// Progress on a terminal only: runs past ~2 s of wall time get a line on
// stderr, refreshed at most 4 times a second.
class Progress {
 public:
  Progress() : tty_(::isatty(STDERR_FILENO) == 1), begin_(Clock::now()) {}
  void attach(Kernel& k, const std::string& model) {
    if (!tty_) return;
    k.set_progress([this, model](Time now, Time end) { update(model, now, end); });
  }
  ~Progress() {
    if (shown_) std::fputs("\r\033[K", stderr);
  }

 private:
  using Clock = std::chrono::steady_clock;
  void update(const std::string& model, Time now, Time end) {
    const std::lock_guard<std::mutex> lock(mu_);  // models run on several threads
    const auto t = Clock::now();
    if (t - begin_ < std::chrono::seconds(2) || t - last_ < std::chrono::milliseconds(250)) return;
    last_ = t;
    shown_ = true;
    // display only: seconds with one decimal and a percentage
    const double n = static_cast<double>(now.count()) / 1e9, e = static_cast<double>(end.count()) / 1e9;
    std::fprintf(stderr, "\r\033[K[%s] simulated %.1f s / %.1f s (%.0f%%)", model.c_str(), n, e, 100.0 * n / e);
    std::fflush(stderr);
  }
  std::mutex mu_;
  bool tty_;
  bool shown_ = false;
  Clock::time_point begin_, last_;
};

int cmd_run(const std::string& file, const std::string& models, const std::string& json_out,
            const std::string& seed, const std::string& duration, const std::string& cpus, const TraceOptions& topt) {
  const SourceLoc cli{"command line", 0, 0};
  // Options first: a bad option stops before any work.
  std::optional<TracerKind> tracer;
  if (!topt.tracer.empty()) {
    tracer = find_tracer(topt.tracer);
    if (!tracer) throw_workload_error(cli, fmt::format("--tracer: unknown tracer '{}' (tracers: {})", topt.tracer, tracer_names()));
  }
  Time thresh;
  if (!topt.tracing_thresh.empty()) {
    if (!tracer) throw_workload_error(cli, "--tracing-thresh needs --tracer");
    thresh = parse_duration(topt.tracing_thresh, SourceLoc{"command line (--tracing-thresh)", 0, 0});
    if (thresh <= Time()) throw_workload_error(cli, "--tracing-thresh must be positive");
  }
  if (!topt.tracer_out.empty() && !tracer) throw_workload_error(cli, "--tracer-out needs --tracer");
  Time from, to = Time::max();
  if (!topt.window.empty()) {
    if (topt.trace.empty() && topt.perfetto.empty()) throw_workload_error(cli, "--window needs --trace or --perfetto");
    const std::size_t comma = topt.window.find(',');
    if (comma == std::string::npos) throw_workload_error(cli, fmt::format("--window: '{}' is not START,END (e.g. 2.9s,3.1s)", topt.window));
    const SourceLoc wloc{"command line (--window)", 0, 0};
    from = parse_duration(topt.window.substr(0, comma), wloc);
    to = parse_duration(topt.window.substr(comma + 1), wloc);
    if (from < Time() || to <= from) throw_workload_error(cli, fmt::format("--window: START must be >= 0 and before END ('{}')", topt.window));
  }
  Scenario sc = load_workload(file);
  for (const std::string& w : sc.warnings) fmt::print(stderr, "{}\n", w);
  if (!models.empty()) {
    sc.system.models = preemptsim::parse_model_list(models, cli);
  }
  if (!seed.empty()) sc.system.seed = preemptsim::parse_seed(seed, cli);
  if (!cpus.empty()) preemptsim::set_cpus(sc, cpus, cli);
  if (!duration.empty()) {
    sc.system.duration = parse_duration(duration, SourceLoc{"command line (--duration)", 0, 0});
    if (sc.system.duration <= Time()) throw_workload_error(cli, "--duration must be positive");
    if (sc.system.duration > Time::max_run())
      throw_workload_error(cli, fmt::format("--duration {} is longer than the longest run ({})", duration, format_limit(Time::max_run())));
    for (const std::string& n : preemptsim::loops_ending_before(sc, sc.system.duration)) fmt::print(stderr, "{}\n", n);
  }
  const std::size_t nmodels = sc.system.models.size();
  // Every output path is checked now, before the simulation (check_output()).
  std::vector<std::pair<OutputTarget, std::string>> outputs;
  const auto plan = [&](const std::string& option, const std::string& path) {
    outputs.emplace_back(check_output(option, path), std::string());
    for (std::size_t i = 0; i + 1 < outputs.size(); ++i)
      if (outputs[i].first.target == outputs.back().first.target && outputs[i].first.how != OutputTarget::How::Stdout)
        throw_workload_error(cli, fmt::format("{} and {} name the same file", outputs[i].first.what, outputs.back().first.what));
  };
  if (!topt.report.empty()) plan("--report", topt.report);
  if (tracer && !topt.tracer_out.empty()) plan("--tracer-out", topt.tracer_out);
  if (!json_out.empty()) plan("--json", json_out);
  if (!topt.trace.empty())
    for (const std::string& m : sc.system.models) plan("--trace", preemptsim::model_file(topt.trace, m, nmodels));
  // --perfetto is streamed into a staging file as the models run (bounded
  // memory), then moved into place with the other outputs.
  std::size_t perfetto_slot = 0;
  if (!topt.perfetto.empty()) {
    plan("--perfetto", topt.perfetto);
    perfetto_slot = outputs.size() - 1;
  }
  // Streamed by their own writers as the runs go (one file per model); checked here all the same.
  if (!topt.marks.empty())
    for (const std::string& m : sc.system.models) check_output("--marks", preemptsim::model_file(topt.marks, m, nmodels));
  // Observers per model (slot = the model's position), alive until the
  // files are written after all runs. Models run in parallel: each hook call
  // touches only its own slot.
  std::vector<std::unique_ptr<FtraceWriter>> traces(nmodels);
  std::vector<std::unique_ptr<LatencyTracer>> tracers(nmodels);
  std::vector<std::unique_ptr<PerfettoObserver>> perfetto_observers(nmodels);
  std::vector<std::unique_ptr<MarkStream>> mark_streams(nmodels);
  // --perfetto is streamed into its file as the models run (bounded memory)
  std::unique_ptr<PerfettoTrace> perfetto;
  if (!topt.perfetto.empty()) {
    try {
      perfetto = std::make_unique<PerfettoTrace>(preemptsim::stage_stream(outputs[perfetto_slot].first), from, to);
    } catch (const std::runtime_error& e) {
      preemptsim::drop_streams(outputs);
      throw preemptsim::OutputError(fmt::format("cannot write {}: {}; no output was written", outputs[perfetto_slot].first.what, e.what()));
    }
    perfetto->on_large = [path = topt.perfetto](const std::string&) {
      fmt::print(stderr, "preemptsim: warning: the Perfetto trace {} has passed {} MB and is still growing; --window START,END keeps a part\n",
                 path, PerfettoTrace::kLargeBytes >> 20);
    };
  }
  Progress progress;
  const auto hook = [&](Kernel& k, const PreemptModel& m, std::size_t i) {
    progress.attach(k, std::string(m.name));
    if (!topt.trace.empty()) {
      traces[i] = std::make_unique<FtraceWriter>(k, from, to);
      k.add_observer(traces[i].get());
    }
    if (!topt.perfetto.empty()) {
      perfetto_observers[i] = std::make_unique<PerfettoObserver>(*perfetto, k, static_cast<int>(i) + 1, std::string(m.name));
      k.add_observer(perfetto_observers[i].get());
    }
    if (tracer) {
      tracers[i] = std::make_unique<LatencyTracer>(k, *tracer, std::string(m.name), thresh);
      k.add_observer(tracers[i].get());
    }
    if (!topt.marks.empty()) {
      mark_streams[i] = std::make_unique<MarkStream>(preemptsim::model_file(topt.marks, std::string(m.name), nmodels));
      k.add_observer(mark_streams[i].get());
    }
  };
  SimulateOptions options;
  options.explain = !topt.no_explain;
  // One Perfetto file gathers every model's events in one sequence: its
  // models run one after another.
  options.jobs = topt.perfetto.empty() ? topt.jobs : 1;
  options.hook = hook;
  const RunResult result = simulate(sc, options);
  for (const auto& ms : mark_streams)
    if (ms) ms->close();
  if (perfetto) {
    try {
      perfetto->finish();
    } catch (const std::runtime_error& e) {
      preemptsim::drop_streams(outputs);
      throw preemptsim::OutputError(fmt::format("cannot write {}: {}; no output was written", outputs[perfetto_slot].first.what, e.what()));
    }
  }
  for (const ModelResult& m : result.results)
    for (const BugReport& b : m.bugs) std::cerr << fmt::format("[{}] {} {}\n", m.model, format_time(b.time), b.text);
  // The contents, in the order the outputs were planned; then all written
  // together (write_outputs(): every file or none, then standard output).
  std::ostringstream table;
  if (!topt.quiet) write_table(table, result);
  std::string reports;
  for (const auto& t : tracers)
    if (t) reports += t->report();  // model order
  if (tracer && topt.tracer_out.empty()) table << "\n" << reports;
  std::size_t i = 0;
  if (!topt.report.empty()) outputs[i++].second = to_html(result);
  if (tracer && !topt.tracer_out.empty()) outputs[i++].second = reports;
  if (!json_out.empty()) {  // streamed into its staging file: a 100,000-task document is never held whole
    auto& out = outputs[i++].first;
    const std::string staged = preemptsim::stage_stream(out);
    std::ofstream f(staged, std::ios::binary | std::ios::trunc);
    if (f) preemptsim::write_json(f, result);
    f.close();
    if (!f) {
      preemptsim::drop_streams(outputs);
      throw preemptsim::OutputError(fmt::format("cannot write {}: {}; no output was written", out.what, std::strerror(errno)));
    }
  }
  for (const auto& t : traces)
    if (t) outputs[i++].second = t->text();
  outputs.insert(outputs.begin(), std::pair{stdout_target("the table (standard output)"), table.str()});
  write_outputs(outputs);
  return 0;
}

int cmd_models() {
  std::cout << fmt::format("{:<10} {:<25} {:<13} {:<13} {:<16} {:<13} {:<5} {:<8} {:<10} {}\n", "model", "kconfig", "cond_resched",
                           "might_resched", "preempt_schedule", "irqentry_exit", "lazy", "rt_locks", "irqthreads", "softirqs");
  auto c = [](Call x) { return x == Call::Real ? "real" : "nop"; };
  for (const PreemptModel& m : preempt_models())
    std::cout << fmt::format("{:<10} {:<25} {:<13} {:<13} {:<16} {:<13} {:<5} {:<8} {:<10} {}\n", m.name, m.kconfig, c(m.cond_resched),
                             c(m.might_resched), c(m.preempt_schedule), c(m.irqentry_exit_cond_resched), m.lazy ? "yes" : "no",
                             m.rt_locks ? "yes" : "no", m.force_irqthreads ? "forced" : "no",
                             m.rt_softirqs ? "in tasks" : m.force_irqthreads ? "irq threads, ksoftirqd" : "at irq_exit");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"preemptsim: simulate a workload under the Linux kernel's preemption models"};
  app.set_help_flag("--help", "print this help");
  app.require_subcommand(1);
  std::string file, models, json_out, seed, duration, cpus;
  TraceOptions topt;
  CLI::App* run = app.add_subcommand("run", "simulate a workload file under each model, side by side");
  run->add_option("file", file, "workload file (YAML, or an rt-app JSON use case)")->required();
  run->add_option("--model,-m", models, "models to run, comma-separated (default: the file's system.models, else all)");
  run->add_option("--json", json_out, "also write the results as JSON to this file");
  run->add_option("--seed", seed, "seed for the random streams (overrides system.seed)");
  run->add_option("--duration", duration, "simulated time, e.g. 10s (overrides system.duration)");
  run->add_option("--cpus", cpus, "simulated CPUs (overrides system.cpus; an rt-app use case gets 1 + its highest pinned CPU)");
  run->add_flag("--no-explain", topt.no_explain, "skip explaining the worst wakeups (their recording adds about a quarter to each run)");
  run->add_option("--report", topt.report, "write a self-contained HTML report to this file");
  run->add_option("-j,--jobs", topt.jobs, "models run at once, one per thread (default: every core; output is the same whatever N)");
  run->add_flag("-q,--quiet", topt.quiet, "do not print the table on stdout (e.g. with --json for many tasks)");
  run->add_option("--marks", topt.marks, "stream every mark's time to this CSV file (time_ns,task,mark; FILE.MODEL.csv when several models)");
  run->add_option("--trace", topt.trace, "write an ftrace text trace (one file per model: FILE.MODEL.ext when several)");
  run->add_option("--perfetto", topt.perfetto, "write a Trace Event Format JSON trace (ui.perfetto.dev), one process per model");
  run->add_option("--window", topt.window, "only trace events in START,END of simulated time, e.g. 2.9s,3.1s");
  run->add_option("--tracer", topt.tracer, "latency tracer: irqsoff, preemptoff, preemptirqsoff, wakeup, wakeup_rt");
  run->add_option("--tracing-thresh", topt.tracing_thresh, "report every latency above this (default: the max only)");
  run->add_option("--tracer-out", topt.tracer_out, "write the tracer reports to this file instead of stdout");
  app.add_subcommand("models", "print the preemption model table");
  CLI::App* cyclictest = preemptsim::cli::add_cyclictest_command(app);
  CLI::App* sweep = preemptsim::cli::add_sweep_command(app);
  CLI::App* import = preemptsim::cli::add_import_command(app);
  bool host_yaml = false;
  std::string host_root = "/";
  CLI::App* host = app.add_subcommand("host", "show this machine's preemption model, HZ and RT settings");
  host->add_flag("--yaml", host_yaml, "print a matching system: block for a workload file");
  host->add_option("--root", host_root, "read the files under this directory instead of / (for inspecting another system's tree)");
  CalibrateOptions copt;
  std::string calib_out;
  CLI::App* calib = app.add_subcommand("calibrate", "measure this machine (switch, wakeup, syscall, timer latency, cpuidle) and write a profile");
  calib->add_option("--seconds", copt.seconds, "time for the timer-latency loop (default 1)")->check(CLI::Range(0.01, 600.0));
  calib->add_option("--interval", copt.interval_us, "timer-latency period in us (default 1000)")->check(CLI::Range(50, 1000000));
  calib->add_option("--cpu", copt.cpu, "CPU for the single-CPU measurements (default 0)")->check(CLI::NonNegativeNumber);
  calib->add_option("--other-cpu", copt.other_cpu, "second CPU for the cross-CPU wakeup (default 1; -1 to skip)");
  calib->add_option("--rounds", copt.rounds, "ping-pong round trips per batch, 20 batches (default 2000)")->check(CLI::Range(1, 1000000));
  calib->add_option("--name", copt.name, "the profile's name (default this-machine)");
  calib->add_option("--output,-o", calib_out, "write the profile to this file (else it is printed after the figures)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  // Exit codes (README, docs/limits.md): 0 done; 2 a mistake in the input or
  // the command line (nothing written); 3 an internal invariant failed; 4 an
  // output could not be written (the message says which were); 1 anything
  // else unexpected; 128 + N killed by signal N (temporary files removed).
  preemptsim::install_output_cleanup();
  // Whatever went to std::cout must have reached standard output.
  const auto flushed = [](int rc) {
    errno = 0;
    std::cout.flush();
    if (std::fflush(stdout) != 0 || !std::cout)
      throw preemptsim::OutputError(fmt::format("cannot write standard output: {}", errno ? std::strerror(errno) : "write error"));
    return rc;
  };
  try {
    if (run->parsed()) return flushed(cmd_run(file, models, json_out, seed, duration, cpus, topt));
    if (host->parsed()) {
      const preemptsim::HostInfo h = preemptsim::probe_host(host_root);
      std::cout << (host_yaml ? preemptsim::host_system_yaml(h) : preemptsim::host_report(h));
      return flushed(0);
    }
    if (sweep->parsed()) return preemptsim::cli::run_sweep_command();
    if (calib->parsed()) {
      const Calibration c = calibrate(copt);
      std::cout << calibration_report(c);
      const std::string profile = calibration_profile(c, copt.name);
      if (calib_out.empty()) std::cout << "\n" << profile;
      else {
        write_file_atomic(calib_out, profile);
        std::cout << "profile written to " << calib_out << "\n";
      }
      return flushed(0);
    }
    if (import->parsed()) return preemptsim::cli::run_import();
    if (cyclictest->parsed()) {
      std::string cmdline = "cyclictest";
      for (int i = 2; i < argc; ++i) cmdline += std::string(" ") + argv[i];
      return flushed(preemptsim::cli::run_cyclictest(cmdline));
    }
    return flushed(cmd_models());
  } catch (const WorkloadError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const InvariantError& e) {
    std::cerr << "preemptsim: " << e.what();
    return 3;
  } catch (const preemptsim::OutputError& e) {
    std::cerr << "preemptsim: " << e.what() << "\n";
    return 4;
  } catch (const std::exception& e) {
    std::cerr << "preemptsim: " << e.what() << "\n";
    return 1;
  }
}
