// Atomic replacement of output files (temp file in the same directory + rename).
#pragma once

#include <string>

namespace preemptsim {

// Writes `contents` to a new temporary file next to `path`, flushes it and
// renames it over `path`, so readers see either the old file or the complete
// new one. On any failure the temporary file is removed and std::runtime_error
// is thrown with a message naming `path` and the system error.
void write_file_atomic(const std::string& path, const std::string& contents);

}  // namespace preemptsim
