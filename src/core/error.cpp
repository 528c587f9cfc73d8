// Formatting of workload errors as "file:line:col: message".
#include "core/error.h"

#include <fmt/format.h>

namespace preemptsim {

std::string SourceLoc::str() const {
  if (line <= 0) return file;
  if (col <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, col);
}

WorkloadError::WorkloadError(SourceLoc loc, const std::string& message)
    : std::runtime_error(fmt::format("{}: {}", loc.str(), message)), loc_(std::move(loc)), message_(message) {}

void throw_workload_error(const SourceLoc& loc, const std::string& message) { throw WorkloadError(loc, message); }

}  // namespace preemptsim
