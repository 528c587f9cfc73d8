// Durations as written by users ("1.5ms", "250 ns"): exact parsing to integer nanoseconds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace preemptsim {

// Parses "<digits>[.<digits>][spaces]<unit>", unit one of ns, us, ms, s,
// surrounding blanks ignored. The value must be a whole number of
// nanoseconds and fit in Time. On failure returns nullopt and sets `error`
// to a lowercase message that quotes the text (no location).
std::optional<Time> try_parse_duration(std::string_view text, std::string& error);

// The same, throwing WorkloadError at `loc` on failure. Used by the workload
// parser and by the command line (e.g. --duration).
Time parse_duration(const std::string& text, const SourceLoc& loc);

}  // namespace preemptsim
