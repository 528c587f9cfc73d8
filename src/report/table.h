// Human-readable text report: models side by side, one column per model.
#pragma once

#include <ostream>
#include <string>

#include "core/time.h"
#include "stats/results.h"

namespace preemptsim {

// Compact time with an adaptive unit and 3 decimals: "812 ns", "4.000 us",
// "1.250 ms", "3.002 s". Values are rounded half up to the third decimal of
// the chosen unit; a value that rounds to 1000 of a unit moves to the next one.
std::string format_time_short(Time t);

// The whole run as a text table (see docs/output-format.md). Deterministic.
void write_table(std::ostream& out, const RunResult& r);

}  // namespace preemptsim
