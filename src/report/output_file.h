// Output files: checked before the run, written all-or-nothing after it, never replacing a device or a link.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace preemptsim {

// Where one output goes and how it is written.
struct OutputTarget {
  enum class How {
    Replace,       // a regular file (or none yet): temporary file + rename, atomically
    WriteThrough,  // an existing device, FIFO or socket (/dev/null, a pipe): opened and written, never replaced
    Stdout,        // standard output itself (the table, or a path that is the same file as fd 1)
  };
  std::string what;    // "--json out.json", "the table": how messages name it
  std::string path;    // as given
  std::string target;  // what is replaced (a symbolic link to a regular file: the file it names)
  How how = How::Replace;
  std::string staged;  // a streamed output's staging file (stage_stream()), filled by its writer during the run
};

// An output that could not be written, after the simulation (exit code 4).
class OutputError : public std::runtime_error {
 public:
  explicit OutputError(const std::string& message) : std::runtime_error(message) {}
};

// Checks now, before any simulation, that `path` can be written: a directory,
// a missing or unwritable directory, a dangling link or an unwritable device
// is a WorkloadError at "command line (OPTION)" (exit 2). `option` is the
// option's name ("--json").
OutputTarget check_output(const std::string& option, const std::string& path);

// A streamed output (--perfetto): creates its staging file now, before the
// run, and registers it for the signal cleanup: next to the target for a
// replaced file, in the temporary directory for a device written through.
// Sets o.staged and returns it. The writer fills that file during the run;
// write_outputs() then renames it into place (or copies it through to the
// device) together with the other outputs. Throws OutputError.
std::string stage_stream(OutputTarget& o);

// Removes the staging files of streamed outputs (after their writer failed).
void drop_streams(const std::vector<std::pair<OutputTarget, std::string>>& outputs);

// Standard output, for the table.
OutputTarget stdout_target(const std::string& what);

// Writes every output. All Replace targets are first written to temporary
// files; only when every one of them is complete are they renamed into place,
// so a failure there replaces none. Then, in order, the Stdout and
// WriteThrough ones. On a failure, throws OutputError saying which outputs
// were written and which were not; temporary files are always removed.
void write_outputs(const std::vector<std::pair<OutputTarget, std::string>>& outputs);

// One file, checked and written as above (a device is written through, never
// replaced). Throws WorkloadError or OutputError (both std::runtime_error).
void write_file_atomic(const std::string& path, const std::string& contents);

// SIGINT, SIGTERM, SIGHUP and SIGXFSZ remove the temporary files being written, then
// end the process by the same signal (exit status 128 + the signal number).
void install_output_cleanup();

}  // namespace preemptsim
