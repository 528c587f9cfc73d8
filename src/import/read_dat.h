// Reads trace-cmd's trace.dat (plain or gzip-compressed) through Debian's
// libtracecmd / libtraceevent, the library trace-cmd itself uses.
#pragma once

#include <string>

#include "import/trace_event.h"

namespace preemptsim {

struct DatTraceInfo {
  std::size_t events = 0;
  int ncpus = 0;
};

// True if the file starts with trace.dat's magic ("\x17\x08\x44tracing"),
// after gunzip when it is compressed.
bool is_trace_dat(const std::string& path);

// Calls `sink` for each record, in time order over all CPUs; each record's
// fields are printed with the event's own print format (tep_print_event's
// INFO), so they read exactly as the kernel's text trace would.
DatTraceInfo read_trace_dat(const std::string& path, const TraceSink& sink);

}  // namespace preemptsim
