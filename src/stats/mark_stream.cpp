// Streams every mark to a CSV file with constant memory.
#include "stats/mark_stream.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "kernel/task.h"

namespace preemptsim {

namespace {
[[noreturn]] void fail(const std::string& path, const char* what) {
  throw std::runtime_error(fmt::format("{}: {}: {}", path, what, std::strerror(errno)));
}
}  // namespace

MarkStream::MarkStream(std::string path) : path_(std::move(path)), part_(path_ + ".part") {
  f_ = std::fopen(part_.c_str(), "w");
  if (!f_) fail(part_, "cannot create");
  if (std::fputs("time_ns,task,mark\n", f_) < 0) fail(part_, "write failed");
}

MarkStream::~MarkStream() {
  if (f_) {
    std::fclose(f_);
    std::remove(part_.c_str());
  }
}

void MarkStream::on_mark(Time t, const Task& p, const std::string& name) {
  fmt::print(f_, "{},{},{}\n", t.count(), p.comm, name);
  if (std::ferror(f_)) fail(part_, "write failed");
}

void MarkStream::close() {
  if (!f_) return;
  const bool bad = std::fflush(f_) != 0 || std::ferror(f_);
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (bad || rc != 0) {
    std::remove(part_.c_str());
    fail(part_, "write failed");
  }
  if (std::rename(part_.c_str(), path_.c_str()) != 0) {
    std::remove(part_.c_str());
    fail(path_, "cannot rename into place");
  }
}

}  // namespace preemptsim
