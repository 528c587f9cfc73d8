// Machine-readable report: a RunResult as JSON (integer nanoseconds, stable key order).
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "stats/results.h"

namespace preemptsim {

// The run as JSON (shape in docs/output-format.md). Keys keep insertion order.
nlohmann::ordered_json to_json(const RunResult& r);

// to_json(r).dump(2) followed by a newline. Invalid UTF-8 in strings is
// replaced by U+FFFD rather than throwing.
std::string to_json_text(const RunResult& r);

// The same text, written to `out` one task at a time, so the document is
// never held in memory whole.
void write_json(std::ostream& out, const RunResult& r);

}  // namespace preemptsim
