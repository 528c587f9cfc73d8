// The preemptsim command line: turns arguments into library calls, prints
// results, and maps errors to exit codes (2 = bad input, 3 = internal bug).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/cyclictest_cmd.h"
#include "core/error.h"
#include "host/host.h"
#include "kernel/preempt_model.h"
#include "report/json_report.h"
#include "report/output_file.h"
#include "report/table.h"
#include "sim/simulation.h"
#include "workload/parse_yaml.h"

namespace {

using namespace preemptsim;

std::vector<std::string> split_models(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int cmd_run(const std::string& file, const std::string& models, const std::string& json_out,
            const std::string& seed, const std::string& duration) {
  Scenario sc = load_workload(file);
  const SourceLoc cli{"command line", 0, 0};
  if (!models.empty()) {
    sc.system.models = split_models(models);
    for (const auto& m : sc.system.models)
      if (!find_preempt_model(m))
        throw_workload_error(cli, fmt::format("--model: unknown model '{}' (models: {})", m, preempt_model_names()));
    if (sc.system.models.empty()) throw_workload_error(cli, "--model: no model named");
  }
  if (!seed.empty()) {
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(seed, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != seed.size() || seed[0] == '-') throw_workload_error(cli, fmt::format("--seed: '{}' is not a non-negative integer", seed));
    sc.system.seed = v;
  }
  if (!duration.empty()) {
    sc.system.duration = parse_duration(duration, SourceLoc{"command line (--duration)", 0, 0});
    if (sc.system.duration <= Time()) throw_workload_error(cli, "--duration must be positive");
  }
  const RunResult result = simulate(sc);
  write_table(std::cout, result);
  for (const ModelResult& m : result.results)
    for (const BugReport& b : m.bugs) std::cerr << fmt::format("[{}] {} {}\n", m.model, format_time(b.time), b.text);
  if (!json_out.empty()) write_file_atomic(json_out, to_json_text(result));
  return 0;
}

int cmd_models() {
  std::cout << fmt::format("{:<10} {:<22} {:<13} {:<13} {:<16} {:<13} {:<5} {:<8} {:<10} {}\n", "model", "kconfig", "cond_resched",
                           "might_resched", "preempt_schedule", "irqentry_exit", "lazy", "rt_locks", "irqthreads", "softirqs");
  auto c = [](Call x) { return x == Call::Real ? "real" : "nop"; };
  for (const PreemptModel& m : preempt_models())
    std::cout << fmt::format("{:<10} {:<22} {:<13} {:<13} {:<16} {:<13} {:<5} {:<8} {:<10} {}\n", m.name, m.kconfig, c(m.cond_resched),
                             c(m.might_resched), c(m.preempt_schedule), c(m.irqentry_exit_cond_resched), m.lazy ? "yes" : "no",
                             m.rt_locks ? "yes" : "no", m.force_irqthreads ? "forced" : "no",
                             m.rt_softirqs ? "in tasks" : "at irq_exit");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"preemptsim: simulate a workload under the Linux kernel's preemption models"};
  app.set_help_flag("--help", "print this help");
  app.require_subcommand(1);
  std::string file, models, json_out, seed, duration;
  CLI::App* run = app.add_subcommand("run", "simulate a workload file under each model, side by side");
  run->add_option("file", file, "workload file (YAML)")->required();
  run->add_option("--model,-m", models, "models to run, comma-separated (default: the file's system.models, else all)");
  run->add_option("--json", json_out, "also write the results as JSON to this file");
  run->add_option("--seed", seed, "seed for the random streams (overrides system.seed)");
  run->add_option("--duration", duration, "simulated time, e.g. 10s (overrides system.duration)");
  app.add_subcommand("models", "print the preemption model table");
  CLI::App* cyclictest = preemptsim::cli::add_cyclictest_command(app);
  bool host_yaml = false;
  std::string host_root = "/";
  CLI::App* host = app.add_subcommand("host", "show this machine's preemption model, HZ and RT settings");
  host->add_flag("--yaml", host_yaml, "print a matching system: block for a workload file");
  host->add_option("--root", host_root, "read the files under this directory instead of / (for inspecting another system's tree)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  try {
    if (run->parsed()) return cmd_run(file, models, json_out, seed, duration);
    if (host->parsed()) {
      const preemptsim::HostInfo h = preemptsim::probe_host(host_root);
      std::cout << (host_yaml ? preemptsim::host_system_yaml(h) : preemptsim::host_report(h));
      return 0;
    }
    if (cyclictest->parsed()) {
      std::string cmdline = "cyclictest";
      for (int i = 2; i < argc; ++i) cmdline += std::string(" ") + argv[i];
      return preemptsim::cli::run_cyclictest(cmdline);
    }
    return cmd_models();
  } catch (const WorkloadError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const InvariantError& e) {
    std::cerr << "preemptsim: " << e.what();
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "preemptsim: " << e.what() << "\n";
    return 1;
  }
}
