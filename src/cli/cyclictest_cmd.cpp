// `preemptsim cyclictest`: parses cyclictest's own options (-p -i -d -t [N]
// -a [CPUSET] -l -D -h -H --histfile -q --json -N --policy -S -v -b -r
// --priospread -A; -m -M -u --latency --laptop accepted and ignored) plus
// --load/--model(s)/--cpus/--seed/--break-trace, runs each model, prints
// cyclictest's formats.
#include "cli/cyclictest_cmd.h"

#include "sim/run_options.h"

#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cyclictest/breaktrace.h"
#include "cyclictest/cyclictest.h"
#include "kernel/kernel.h"
#include "report/output_file.h"
#include "sim/simulation.h"
#include "workload/parse_yaml.h"

namespace preemptsim::cli {
namespace {

struct Args {
  CyclictestOptions o;
  std::vector<std::string> threads, affinity, aligned;
  std::string duration, load, models, seed, break_trace;
  int histofall_us = 0, latency_us = 0;
  bool mlockall = false, refresh_on_max = false, unbuffered = false, laptop = false, default_system = false, tracemark = false;
  CLI::Option* threads_opt = nullptr;
  CLI::Option* affinity_opt = nullptr;
  CLI::Option* aligned_opt = nullptr;
};
Args args;

// An optional value (-t [NUM], -a [CPUSET], -A [USEC]) given without one reads as "".
bool has_value(const std::vector<std::string>& v) { return !v.empty() && !v[0].empty(); }

}  // namespace

CLI::App* add_cyclictest_command(CLI::App& app) {
  CLI::App* ct = app.add_subcommand("cyclictest", "run rt-tests' cyclictest, simulated, on top of an optional workload");
  ct->set_help_flag("--help", "print this help (-h is cyclictest's histogram)");
  CyclictestOptions& o = args.o;
  ct->add_option("-p,--priority", o.priority, "priority of the measurement threads");
  ct->add_option("--policy", o.policy, "other, normal, batch, idle, fifo or rr");
  ct->add_option("-i,--interval", o.interval_us, "base interval in us (default 1000)");
  ct->add_option("-d,--distance", o.distance_us, "interval distance between threads in us (default 500)");
  args.threads_opt = ct->add_option("-t,--threads", args.threads, "number of threads (without NUM: one per CPU)")->expected(0, 1);
  args.affinity_opt = ct->add_option("-a,--affinity", args.affinity, "pin threads (without CPUSET: thread N on CPU N)")->expected(0, 1);
  ct->add_option("-l,--loops", o.loops, "number of loops");
  ct->add_option("-D,--duration", args.duration, "run length: N[s|m|h|d]");
  ct->add_option("-h,--histogram", o.histogram_us, "histogram up to US microseconds");
  ct->add_option("-H,--histofall", args.histofall_us, "like -h, with a summary column");
  ct->add_option("--histfile", o.histfile, "write the histogram to this file");
  ct->add_flag("-q,--quiet", o.quiet, "print only the summary");
  ct->add_flag("-N,--nsecs", o.nsecs, "results in ns instead of us");
  ct->add_flag("-S,--smp", o.smp, "one pinned thread per CPU, same priority (-t and -a ignored)");
  ct->add_flag("-v,--verbose", o.verbose, "every sample as n:c:v instead of the summary lines");
  ct->add_option("-b,--breaktrace", o.breaktrace_us, "stop at the first latency above USEC; print the break and its explanation");
  ct->add_flag("-r,--relative", o.relative, "relative sleeps instead of absolute ones");
  ct->add_flag("--priospread", o.priospread, "thread N at priority -p minus N");
  args.aligned_opt = ct->add_option("-A,--aligned", args.aligned, "align the threads' wakeups, thread N USEC x N later")->expected(0, 1);
  ct->add_option("--json", o.json, "write cyclictest's JSON results to FILE");
  ct->add_flag("-m,--mlockall", args.mlockall, "accepted and ignored (memory is not simulated)");
  ct->add_flag("-M,--refresh_on_max", args.refresh_on_max, "accepted and ignored (the results are printed once, at the end)");
  ct->add_flag("-u,--unbuffered", args.unbuffered, "accepted and ignored (the results are printed once, at the end)");
  ct->add_option("--latency", args.latency_us, "accepted and ignored (/dev/cpu_dma_latency: C-states are not simulated)");
  ct->add_flag("--laptop", args.laptop, "accepted and ignored (C-states are not simulated)");
  ct->add_flag("--default-system", args.default_system, "accepted and ignored (C-states are not simulated)");
  ct->add_flag("--tracemark", args.tracemark, "accepted and ignored (-b's trace has no marker)");
  ct->add_option("--load", args.load, "background workload (a preemptsim YAML or rt-app JSON file)");
  ct->add_option("--model,--models", args.models, "models, comma-separated (default: the load's, else all)");
  ct->add_option("--cpus", o.cpus, "simulated CPUs (default: the load's, else enough for -a)");
  ct->add_option("--seed", args.seed, "seed for the random streams");
  ct->add_option("--break-trace", args.break_trace, "with -b: write the ftrace text before the break to FILE (FILE.MODEL with several models)");
  return ct;
}

int run_cyclictest(const std::string& cmdline) {
  CyclictestOptions& o = args.o;
  const SourceLoc cli{"cyclictest command line", 0, 0};
  o.cmdline = cmdline;
  std::vector<std::string> warnings;
  if (o.smp && args.threads_opt->count() > 0) warnings.push_back("WARN: -t ignored due to smp mode");
  if (o.smp && args.affinity_opt->count() > 0) warnings.push_back("WARN: -a ignored due to smp mode");
  if (args.threads_opt->count() > 0 && !o.smp) {
    if (!has_value(args.threads)) o.threads_per_cpu = true;
    else {
      try {
        std::size_t used = 0;
        o.threads = std::stoi(args.threads[0], &used);
        if (used != args.threads[0].size()) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        throw_workload_error(cli, fmt::format("-t: '{}' is not a number", args.threads[0]));
      }
    }
  }
  if (args.affinity_opt->count() > 0 && !o.smp) {
    o.affinity = true;
    if (has_value(args.affinity)) o.affinity_set = parse_cpuset(args.affinity[0], cli);
  }
  if (args.aligned_opt->count() > 0) {
    o.aligned_us = 0;
    if (has_value(args.aligned)) {
      try {
        o.aligned_us = std::stoll(args.aligned[0]);
      } catch (const std::exception&) {
        throw_workload_error(cli, fmt::format("-A: '{}' is not a number", args.aligned[0]));
      }
    }
  }
  if (!args.duration.empty()) o.duration = parse_cyclictest_duration(args.duration, cli);
  if (args.histofall_us > 0) {
    o.histogram_us = args.histofall_us;
    o.histofall = true;
  }
  if (o.histogram_us < 0) throw_workload_error(cli, "-h: the histogram size cannot be negative");
  if (o.priority < 0 || o.priority > 99) throw_workload_error(cli, fmt::format("-p: priority {} is out of range (0..99)", o.priority));
  if (args.laptop) warnings.push_back("WARN: not setting cpu_dma_latency to save battery power");

  std::optional<Scenario> load;
  if (!args.load.empty()) load = load_workload(args.load);
  const int cpus = o.cpus > 0 ? o.cpus : load ? load->system.cpus : 1;
  for (std::string& m : cyclictest_adjust(o, cpus)) warnings.push_back(std::move(m));
  Scenario sc = make_cyclictest_scenario(o, std::move(load));
  if (!args.models.empty()) sc.system.models = parse_model_list(args.models, cli);
  if (!args.seed.empty()) sc.system.seed = parse_seed(args.seed, cli);
  for (const std::string& w : warnings) std::cerr << w << '\n';

  std::string text;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& name : sc.system.models) {
    const PreemptModel& m = *find_preempt_model(name);
    CyclictestObserver obs(sc, o);
    simulate_model(sc, m, [&](Kernel& k, const PreemptModel&) { k.add_observer(&obs); });
    std::ostringstream out;
    if (o.verbose) write_cyclictest_verbose_start(out, sc.system.cpus, o);
    out << fmt::format("# preemptsim cyclictest: model {}\n", name);
    if (o.verbose) {
      write_cyclictest_verbose_header(out, obs, o);
      write_cyclictest_values(out, obs);
      if (o.quiet && o.histogram_us == 0) write_cyclictest_text(out, obs, o);
    } else if (o.histogram_us == 0 || !o.quiet) {
      write_cyclictest_text(out, obs, o);
    }
    if (o.histogram_us > 0) {
      std::ostringstream h;
      write_cyclictest_histogram(h, obs, o);
      if (o.histfile.empty()) out << h.str();
      else files.emplace_back(model_file(o.histfile, name, sc.system.models.size()), h.str());
    }
    if (o.breaktrace_us > 0) {
      write_cyclictest_break(out, obs);
      if (obs.break_hit().hit) {
        const BreakReport br = explain_cyclictest_break(sc, m, obs);
        out << br.explanation;
        if (!args.break_trace.empty()) files.emplace_back(model_file(args.break_trace, name, sc.system.models.size()), br.trace);
      }
    }
    if (!o.json.empty()) files.emplace_back(model_file(o.json, name, sc.system.models.size()), cyclictest_json(obs, o, name));
    text += out.str();
  }
  std::cout << text;
  for (const auto& [path, contents] : files) write_file_atomic(path, contents);
  return 0;
}

}  // namespace preemptsim::cli
