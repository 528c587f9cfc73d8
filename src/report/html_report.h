// A self-contained HTML report of a run (no network at view time): latency
// histograms per task with the models overlaid on a log scale, the
// percentile and throughput tables, and each model's worst-case timeline
// with its explanation.
#pragma once

#include <string>

#include "stats/results.h"

namespace preemptsim {

std::string to_html(const RunResult& r);

}  // namespace preemptsim
