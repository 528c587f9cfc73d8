// `preemptsim sweep SPEC.yaml [-j N] [--output DIR]`: runs the grid, writes
// summary.csv, summary.json and report.html under the output directory and
// prints the summary table. Under mpirun the runs spread over the ranks.
#include "cli/sweep_cmd.h"

#include <iostream>
#include <string>

#include <fmt/format.h>

#include "cli/sweep_mpi.h"
#include "report/output_file.h"
#include "report/sweep_report.h"
#include "sweep/sweep.h"

namespace preemptsim::cli {

namespace {
struct SweepArgs {
  std::string spec, output;
  unsigned jobs = 0;
};
SweepArgs g_args;  // filled by CLI11 while parsing, read once by run_sweep_command()
}  // namespace

CLI::App* add_sweep_command(CLI::App& app) {
  CLI::App* s = app.add_subcommand("sweep", "run a grid of simulations (models x seeds x workload values) and merge them");
  s->add_option("spec", g_args.spec, "sweep spec (YAML: workload, models, seeds, grid, output)")->required();
  s->add_option("-j,--jobs", g_args.jobs, "runs at once, one per thread (default: every core; results are the same whatever N)");
  s->add_option("--output", g_args.output, "directory for the runs and summaries (overrides the spec's output:)");
  return s;
}

int run_sweep_command() {
  SweepSpec spec = load_sweep_spec(g_args.spec);
  if (!g_args.output.empty()) spec.output = g_args.output;
  MpiSession mpi;  // one rank, without MPI or outside mpirun
  const SweepResult r = run_sweep(spec, g_args.jobs, mpi.ranks());
  if (mpi.ranks().rank != 0) return 0;
  const std::string dir = spec.output + "/";
  write_file_atomic(dir + "summary.csv", sweep_csv(spec, r));
  write_file_atomic(dir + "summary.json", sweep_json(spec, r));
  write_file_atomic(dir + "report.html", sweep_html(spec, r));
  std::cout << sweep_table(spec, r);
  std::cerr << fmt::format("sweep: {} run(s) done, {} reused from {}runs/; summary in {}summary.csv, .json, report.html\n", r.runs_done,
                           r.runs_reused, dir, dir);
  return 0;
}

}  // namespace preemptsim::cli
