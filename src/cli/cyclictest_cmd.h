// The `preemptsim cyclictest` subcommand: cyclictest's options on the CLI.
#pragma once

#include <CLI/CLI.hpp>

namespace preemptsim::cli {

struct CyclictestArgs;
// Registers the subcommand; run_cyclictest() executes it once parsed.
CLI::App* add_cyclictest_command(CLI::App& app);
int run_cyclictest(const std::string& cmdline);

}  // namespace preemptsim::cli
