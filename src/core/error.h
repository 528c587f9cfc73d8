// The one place user-facing errors and internal invariant failures go through.
#pragma once

#include <stdexcept>
#include <string>

namespace preemptsim {

// Where something came from in a workload file (1-based line and column;
// 0 means "not known").
struct SourceLoc {
  std::string file;
  int line = 0;
  int col = 0;
  std::string str() const;  // "file:line:col" (or less when unknown)
};

// A mistake in the user's input: printed as "file:line:col: message", exit 2.
class WorkloadError : public std::runtime_error {
 public:
  WorkloadError(SourceLoc loc, const std::string& message);
  const SourceLoc& loc() const { return loc_; }
  const std::string& message() const { return message_; }

 private:
  SourceLoc loc_;
  std::string message_;
};

// A broken invariant of the simulated kernel: a bug in preemptsim, never the
// user's fault. Carries the last trace lines so the run stops with context.
class InvariantError : public std::logic_error {
 public:
  explicit InvariantError(const std::string& what_with_context) : std::logic_error(what_with_context) {}
};

[[noreturn]] void throw_workload_error(const SourceLoc& loc, const std::string& message);

}  // namespace preemptsim
