// The `preemptsim sweep SPEC.yaml` subcommand (local threads; MPI ranks when built with MPI).
#pragma once

#include <CLI/CLI.hpp>

namespace preemptsim::cli {

// Registers the subcommand; run_sweep_command() executes it once parsed.
CLI::App* add_sweep_command(CLI::App& app);
int run_sweep_command();

}  // namespace preemptsim::cli
