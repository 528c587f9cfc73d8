// `preemptsim cyclictest`: parses cyclictest's own options (-p -i -d -t [N]
// -a [CPUSET] -l -D -h -H --histfile -q --json -N --policy -S, -m ignored)
// plus --load/--model/--cpus/--seed, runs each model, prints cyclictest's formats.
#include "cli/cyclictest_cmd.h"

#include "sim/run_options.h"

#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cyclictest/cyclictest.h"
#include "kernel/kernel.h"
#include "report/output_file.h"
#include "sim/simulation.h"
#include "workload/parse_yaml.h"

namespace preemptsim::cli {
namespace {

struct Args {
  CyclictestOptions o;
  std::vector<std::string> threads, affinity;
  std::string duration, load, models, seed;
  int histofall_us = 0;
  bool mlockall = false;
  CLI::Option* threads_opt = nullptr;
  CLI::Option* affinity_opt = nullptr;
};
Args args;


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
  ct->add_flag("-m,--mlockall", args.mlockall, "accepted and ignored (memory is not simulated)");
  ct->add_flag("-N,--nsecs", o.nsecs, "results in ns instead of us");
  ct->add_flag("-S,--smp", o.smp, "one pinned thread per CPU, same priority");
  ct->add_option("--json", o.json, "write cyclictest's JSON results to FILE");
  ct->add_option("--load", args.load, "background workload (a preemptsim YAML file)");
  ct->add_option("--model,-M", args.models, "models, comma-separated (default: the load's, else all)");
  ct->add_option("--cpus", o.cpus, "simulated CPUs when there is no --load");
  ct->add_option("--seed", args.seed, "seed for the random streams");
  return ct;
}

int run_cyclictest(const std::string& cmdline) {
  CyclictestOptions& o = args.o;
  const SourceLoc cli{"cyclictest command line", 0, 0};
  o.cmdline = cmdline;
  if (args.threads_opt->count() > 0) {
    if (args.threads.empty()) o.threads_per_cpu = true;
    else {
      try {
        o.threads = std::stoi(args.threads[0]);
      } catch (const std::exception&) {
        throw_workload_error(cli, fmt::format("-t: '{}' is not a number", args.threads[0]));
      }
    }
  }
  if (args.affinity_opt->count() > 0) {
    o.affinity = true;
    if (!args.affinity.empty()) o.affinity_set = parse_cpuset(args.affinity[0], cli);
  }
  if (!args.duration.empty()) o.duration = parse_cyclictest_duration(args.duration, cli);
  if (args.histofall_us > 0) {
    o.histogram_us = args.histofall_us;
    o.histofall = true;
  }
  if (o.histogram_us < 0) throw_workload_error(cli, "-h: the histogram size cannot be negative");

  std::optional<Scenario> load;
  if (!args.load.empty()) load = load_workload(args.load);
  Scenario sc = make_cyclictest_scenario(o, std::move(load));
  if (!args.models.empty()) sc.system.models = parse_model_list(args.models, cli);
  if (!args.seed.empty()) sc.system.seed = parse_seed(args.seed, cli);

  std::string text;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& name : sc.system.models) {
    const PreemptModel& m = *find_preempt_model(name);
    CyclictestObserver obs(sc, o);
    simulate_model(sc, m, [&](Kernel& k, const PreemptModel&) { k.add_observer(&obs); });
    std::ostringstream out;
    out << fmt::format("# preemptsim cyclictest: model {}\n", name);
    if (o.histogram_us == 0 || !o.quiet) write_cyclictest_text(out, obs, o);
    if (o.histogram_us > 0) {
      std::ostringstream h;
      write_cyclictest_histogram(h, obs, o);
      if (o.histfile.empty()) out << h.str();
      else files.emplace_back(model_file(o.histfile, name, sc.system.models.size()), h.str());
    }
    if (!o.json.empty()) files.emplace_back(model_file(o.json, name, sc.system.models.size()), cyclictest_json(obs, o, name));
    text += out.str();
  }
  std::cout << text;
  for (const auto& [path, contents] : files) write_file_atomic(path, contents);
  return 0;
}

}  // namespace preemptsim::cli
