// Run options the front ends share: model lists, seeds, and the
// per-model names of output files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace preemptsim {

// "full,none" -> {"full", "none"}, each checked against the model table.
std::vector<std::string> parse_model_list(const std::string& text, const SourceLoc& where);
// A non-negative integer seed.
std::uint64_t parse_seed(const std::string& text, const SourceLoc& where);
// An output file for one of several models: trace.txt -> trace.full.txt (a
// name without an extension, or a dotfile, gets ".full" appended); with one
// model, the name itself.
std::string model_file(const std::string& path, const std::string& model, std::size_t nmodels);

}  // namespace preemptsim
