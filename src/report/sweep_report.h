// The HTML page of a sweep: worst latency and p99 against the swept value,
// a line per model, with the spread of the worst case across seeds.
#pragma once

#include <string>

#include "sweep/sweep.h"

namespace preemptsim {

// A self-contained page (inline SVG, no script): two plots against the
// first grid axis (a line per model and per value of any other axis) and
// the summary table.
std::string sweep_html(const SweepSpec& spec, const SweepResult& r);

}  // namespace preemptsim
