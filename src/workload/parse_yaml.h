// The workload file reader: YAML text -> a validated Scenario, every mistake a WorkloadError at file:line:col.
#pragma once

#include <string>

#include "core/error.h"
#include "core/time.h"
#include "workload/duration.h"  // parse_duration(), also part of this API
#include "workload/scenario.h"

namespace preemptsim {

// Reads and validates a workload file. Throws WorkloadError
// ("file:line:col: message") on any problem; an unreadable file gives a
// WorkloadError located at the path alone.
Scenario load_workload(const std::string& path);

// The same from text already in memory; `file_name` is used in locations
// and stored in Scenario::file.
Scenario parse_workload(const std::string& text, const std::string& file_name);

// Declared in workload/duration.h:
//   Time parse_duration(const std::string& text, const SourceLoc& loc);
// "3s", "4.5ms", "100us", "250ns", "1.5 s" -> Time; WorkloadError at loc.

}  // namespace preemptsim
