// Typed, located reading of yaml-cpp nodes for the workload parser (internal to src/workload/).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/time.h"

namespace preemptsim::workload_detail {

// A value and how to blame it: `path` names it in messages
// ("tasks.lo.cpus[1]"), `key` is the map key it sits under ("cpus"; empty
// for a list item) and `key_node` is where an *empty* value is reported,
// because yaml-cpp marks a missing value at the next token, often on another
// line. For list items key_node is the item itself.
struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  std::string path;
};

using Names = std::initializer_list<std::string_view>;

// "a map", "a list", "nothing", "'text'": what was found, for messages.
std::string describe(const YAML::Node& n);
// "a, b, c".
std::string join(Names names);
// " (did you mean 'policy'?)" when `word` is within a small edit distance of
// one of `candidates`, else "".
std::string did_you_mean(std::string_view word, Names candidates);

// Parses `text`, which must hold at most one YAML document, and returns that
// document's root (a Null node when there is none). Syntax errors, and a
// second document, become WorkloadErrors in `file`.
YAML::Node load_one_document(const std::string& text, const std::string& file);

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  // 1-based file:line:col of a yaml-cpp (0-based) mark, or of a node.
  SourceLoc loc(const YAML::Mark& m) const;
  SourceLoc loc(const YAML::Node& n) const;
  // Where a field's value is written, or its key when the value is empty.
  SourceLoc loc(const Field& f) const;

  // Throws WorkloadError at `at` with "path: message" (just the message when
  // path is empty).
  [[noreturn]] void fail(const SourceLoc& at, const std::string& path, const std::string& message) const;
  [[noreturn]] void fail(const Field& f, const std::string& message) const { fail(loc(f), f.path, message); }

  // The entries of a map in file order, each a Field with path
  // "<f.path>.<key>". Checks: f is a map, every key is a plain scalar, no key
  // repeats (`noun` says what a key is, for the message: "key", "task
  // name"), and, when `accepted` is non-empty, every key is one of them.
  // `what` names the map for messages ("task 'lo'", "system").
  std::vector<Field> map(const Field& f, const std::string& what, Names accepted, const char* noun = "key") const;
  // The items of a list, each a Field with path "<f.path>[i]" (0-based).
  std::vector<Field> list(const Field& f) const;

  // Exact scalar conversions; every failure names the field and what is
  // expected.
  std::int64_t integer(const Field& f, std::int64_t lo, std::int64_t hi) const;
  std::uint64_t unsigned_integer(const Field& f) const;
  bool boolean(const Field& f) const;
  std::string string(const Field& f) const;  // a non-empty scalar
  // A duration (see duration.h) of at least `min`; `min_text` says so in the
  // message ("more than 0", "at least 0").
  Time duration(const Field& f, Time min, const char* min_text) const;

  // " for 'cpus'" or "" for a list item.
  static std::string for_key(const Field& f);

 private:
  std::string file_;
};

}  // namespace preemptsim::workload_detail
