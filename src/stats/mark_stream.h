// Every mark a run reaches, streamed to a CSV file as it happens (the
// results keep only counts, first/last and a gap histogram per mark).
#pragma once

#include <cstdio>
#include <string>

#include "kernel/observer.h"

namespace preemptsim {

// Writes "time_ns,task,mark" lines (after a header) to `path` through a
// fixed stdio buffer: memory stays constant however many marks the run has.
// The file is written as PATH.part and renamed to PATH by close(); the
// destructor removes an unclosed .part file. Errors throw std::runtime_error
// naming the file.
class MarkStream final : public Observer {
 public:
  explicit MarkStream(std::string path);
  ~MarkStream() override;
  MarkStream(const MarkStream&) = delete;
  MarkStream& operator=(const MarkStream&) = delete;

  void on_mark(Time t, const Task& p, const std::string& name) override;
  void close();
  const std::string& path() const { return path_; }

 private:
  std::string path_, part_;
  std::FILE* f_ = nullptr;
};

}  // namespace preemptsim
