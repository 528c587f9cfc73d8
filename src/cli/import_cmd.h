// The `preemptsim import` subcommand: a recorded trace -> a workload file, with the self-check.
#pragma once

#include <CLI/CLI.hpp>

namespace preemptsim::cli {

// Registers the subcommand; run_import() executes it once parsed.
CLI::App* add_import_command(CLI::App& app);
int run_import();

}  // namespace preemptsim::cli
