// Run options the front ends share: model lists, seeds, and the
// per-model names of output files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "workload/scenario.h"

namespace preemptsim {

// "full,none" -> {"full", "none"}, each checked against the model table.
std::vector<std::string> parse_model_list(const std::string& text, const SourceLoc& where);
// A non-negative integer seed.
std::uint64_t parse_seed(const std::string& text, const SourceLoc& where, const char* what = "--seed");
// An output file for one of several models: trace.txt -> trace.full.txt (a
// name without an extension, or a dotfile, gets ".full" appended); with one
// model, the name itself.
std::string model_file(const std::string& path, const std::string& model, std::size_t nmodels);
// --cpus N for `run`: the simulated machine's CPU count, replacing
// system.cpus (an rt-app use case pins nothing and would get 1 CPU). Every
// CPU a task or an interrupt line names must exist.
void set_cpus(Scenario& sc, const std::string& text, const SourceLoc& where);
// For a --duration longer than the file's: a note per task whose outermost
// loop (loop: {until: T}) stops before it, so a long run is not cut short
// silently ("until: end" runs to the end).
std::vector<std::string> loops_ending_before(const Scenario& sc, Time duration);

}  // namespace preemptsim
