// `preemptsim import TRACE [-o W.yaml] [--exact] [--model M] [--no-check]`:
// arguments to library calls (src/import/), the report on stdout.
#include "cli/import_cmd.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "import/import.h"
#include "import/self_check.h"
#include "report/output_file.h"
#include "workload/parse_yaml.h"

namespace preemptsim::cli {

namespace {
struct ImportArgs {
  std::string trace, out, model;
  bool exact = false, no_check = false, events = false;
} args;
}  // namespace

CLI::App* add_import_command(CLI::App& app) {
  CLI::App* c = app.add_subcommand("import", "turn a recorded kernel trace (trace.dat or ftrace text) into a workload, with a self-check");
  c->add_option("trace", args.trace, "trace-cmd's trace.dat, or tracefs 'trace'/'trace_pipe' text, or 'trace-cmd report' output (.gz too)");
  c->add_option("-o,--output", args.out, "write the workload here (default: print it on stdout, the report on stderr)");
  c->add_flag("--exact", args.exact, "replay the recorded timeline (every wakeup and interrupt at its time) instead of fitting distributions");
  c->add_option("--model", args.model, "the preemption model the trace was recorded under (default: guessed from the trace)");
  c->add_flag("--no-check", args.no_check, "skip the self-check (running the workload under the recorded model)");
  c->add_flag("--events", args.events, "print the events a good recording needs and the trace-cmd record line, then exit");
  return c;
}

int run_import() {
  std::ostream& report = args.out.empty() ? std::cerr : std::cout;
  if (args.events) {
    std::cout << "events a good recording has (what is lost without each):\n";
    for (const WantedEvent& e : wanted_events()) std::cout << fmt::format("  {}:{}  {}\n", e.system, e.name, e.without);
    std::cout << "record them with:\n  " << trace_cmd_record_line() << "\n";
    return 0;
  }
  const SourceLoc cli{"command line", 0, 0};
  if (args.trace.empty()) throw_workload_error(cli, "import: a trace file is required (or --events)");
  ImportOptions o;
  o.exact = args.exact;
  o.model = args.model;
  if (!args.out.empty()) o.stem = std::filesystem::path(args.out).stem().string();
  const ImportResult r = import_trace(args.trace, o);
  if (args.out.empty() && !r.workload.files.empty())
    throw_workload_error(cli, "--exact with interrupt lines needs -o: their timestamps are written to files beside the workload");
  // The workload must read back: parse it before writing anything.
  const std::string name = args.out.empty() ? std::string("imported.yaml") : args.out;
  const std::filesystem::path dir = std::filesystem::path(name).parent_path();
  for (const auto& [file, text] : r.workload.files) write_file_atomic((dir / file).string(), text);
  const Scenario sc = parse_workload(r.workload.yaml, name);
  if (args.out.empty())
    std::cout << r.workload.yaml;
  else
    write_file_atomic(args.out, r.workload.yaml);
  report << fmt::format("import: {} ({}): {} tasks, {} interrupt lines, {} CPUs; recorded model {} ({})\n", args.trace, r.format,
                        sc.tasks.size(), sc.irqs.size(), sc.system.cpus, r.model, r.model_reason);
  for (const std::string& w : r.warnings) report << "warning: " << w << "\n";
  if (!r.warnings.empty()) report << "a recording with every event the importer uses:\n  " << trace_cmd_record_line() << "\n";
  if (!args.no_check) report << "\n" << format_self_check(self_check(sc, r.model, r.profile, r.workload.task_names));
  if (!args.out.empty()) report << fmt::format("\nwrote {}; run it under every model with: preemptsim run {}\n", args.out, args.out);
  return 0;
}

}  // namespace preemptsim::cli
