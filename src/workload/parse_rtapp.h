// The rt-app JSON reader: an rt-app use case (unmodified) -> a Scenario, with warnings for what it cannot model.
#pragma once

#include <string>

#include "workload/scenario.h"

namespace preemptsim {

// True when `text` (from a file named `file_name`) is an rt-app use case:
// a .json file, or text that starts with '{' (after comments) whose top
// level has "tasks" and whose tasks have no preemptsim 'program'.
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
