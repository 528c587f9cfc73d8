// `preemptsim import`: a recorded kernel trace (trace.dat or ftrace text) ->
// an ordinary workload, the warnings about what the trace lacked, and the
// self-check that runs the workload under the recorded model.
#pragma once

#include <string>
#include <vector>

#include "import/emit_yaml.h"
#include "import/trace_profile.h"

namespace preemptsim {

struct ImportOptions {
  bool exact = false;
  std::string model;  // the model the trace was recorded under; empty: guessed (import_trace says how)
  std::string stem = "imported";  // --exact side files: STEM.irqN.timestamps
};

struct ImportResult {
  std::string format;         // "trace.dat (libtracecmd)" / "ftrace text"
  std::string model;          // the recorded model used for the self-check
  std::string model_reason;   // why that one
  TraceProfile profile;
  EmittedWorkload workload;
  std::vector<std::string> warnings;  // missing events first, then what emit_workload() inferred
};

ImportResult import_trace(const std::string& path, const ImportOptions& o);

// The events a good recording has, each with what is lost without it.
struct WantedEvent {
  const char* system;
  const char* name;
  const char* without;  // what degrades when it is missing
};
const std::vector<WantedEvent>& wanted_events();
// The `trace-cmd record` command line that captures them.
std::string trace_cmd_record_line();

}  // namespace preemptsim
