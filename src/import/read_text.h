// Reads the kernel's ftrace text (tracefs `trace`, `trace_pipe`, and
// `trace-cmd report` output), plain or gzip-compressed, into trace events.
#pragma once

#include <string>

#include "import/trace_event.h"

namespace preemptsim {

struct TextTraceInfo {
  std::size_t lines = 0, events = 0;
  int ncpus = 0;          // from "#P:N" or "cpus=N" when the header has it; else 0
  std::string tracer;     // "# tracer: nop"
};

// Calls `sink` for each event line. A line that is neither a comment, a
// known header line nor an event is a WorkloadError at path:line:col.
TextTraceInfo read_text_trace(const std::string& path, const TraceSink& sink);

// Parses one event line; false if it is not one (comments, headers).
bool parse_trace_line(std::string_view line, TraceEvent& e);

}  // namespace preemptsim
