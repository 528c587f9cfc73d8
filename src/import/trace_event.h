// One event of a recorded kernel trace (ftrace text or trace.dat), as the
// importer reads it: the context columns and the event's printed fields.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace preemptsim {

struct TraceEvent {
  Time t;              // the trace clock, nanoseconds
  int cpu = 0;
  int pid = 0;
  std::string comm;    // the TASK column ("<idle>" for pid 0)
  std::string name;    // "sched_switch", "sys_enter", ... (no system prefix)
  std::string fields;  // the TP_printk text: "prev_comm=init prev_pid=1 ..."
};

// Receives the events of a trace in time order.
using TraceSink = std::function<void(const TraceEvent&)>;

// The value of `key=` in a TP_printk text (up to the next blank), if present.
// "prev_state=R+ ==> next_comm=x" with key "next_comm" gives "x".
std::optional<std::string_view> trace_field(std::string_view fields, std::string_view key);
// The same as an integer (decimal, or hex with 0x); nullopt when absent or not a number.
std::optional<long long> trace_field_int(std::string_view fields, std::string_view key);

}  // namespace preemptsim
