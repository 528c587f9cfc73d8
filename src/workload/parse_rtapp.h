// The rt-app JSON reader: an rt-app use case (unmodified) -> a Scenario, with warnings for what it cannot model.
#pragma once

#include <string>

#include "workload/scenario.h"

namespace preemptsim {

// True when `text` is an rt-app use case, by its shape whatever the file's
// name: a JSON object (after comments) with a "tasks" object, and either
// rt-app's "global" object or none of preemptsim's sections (system, irqs,
// mutexes) and no task with a preemptsim 'program'. A preemptsim workload
// saved as .json is read as one.
bool is_rtapp_workload(const std::string& text, const std::string& file_name);

// Translates an rt-app use case into a Scenario. Malformed JSON and wrong
// value types throw WorkloadError at file:line:col; keys rt-app would not
// use here (unknown, misplaced, or without an effect in the simulator) are
// appended to Scenario::warnings as "file:line:col: warning: ...".
Scenario parse_rtapp(const std::string& text, const std::string& file_name);

// rt-app's comments (/* */ and //) replaced by spaces, newlines kept, so
// that the marks of the YAML parser still point into the original text.
std::string strip_json_comments(const std::string& text);

}  // namespace preemptsim
