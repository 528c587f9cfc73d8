// Output files written atomically: temporary file in the target directory, then rename.
#include "report/output_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace preemptsim {

namespace {

[[noreturn]] void fail(const std::string& path, const char* what, int err) {
  throw std::runtime_error(
      fmt::format("cannot write output file '{}': {}: {}", path, what, std::strerror(err)));
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& contents) {
  if (path.empty()) fail(path, "empty path", ENOENT);
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);

  // A hidden name next to the target, so the rename stays within one file
  // system. O_EXCL guarantees we never reuse someone else's file; the mode
  // 0666 is filtered by the umask as for any ordinary output file.
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = fmt::format("{}.{}.tmp.{}.{}", dir, base, static_cast<long>(::getpid()), counter.fetch_add(1));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) fail(path, "creating temporary file", errno);
  }
  if (fd < 0) fail(path, "creating temporary file", EEXIST);

  auto abandon = [&](const char* what, int err) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, what, err);
  };

  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon("writing", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) abandon("flushing", errno);
  const int rc = ::close(fd);
  fd = -1;
  if (rc != 0) abandon("closing", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) abandon("renaming into place", errno);
}

}  // namespace preemptsim
