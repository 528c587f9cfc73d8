// Output files written safely: checked before the run, staged to temporary files and renamed together; devices written through.
#include "report/output_file.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.h"

namespace preemptsim {

namespace {

// ---- temporary files in flight, for the signal handler (async-signal-safe:
// fixed storage, published by an atomic count).
constexpr int kMaxTemps = 64;
char g_temps[kMaxTemps][PATH_MAX];
std::atomic<int> g_ntemps{0};

void remember_temp(const std::string& tmp) {
  const int i = g_ntemps.load();
  if (i >= kMaxTemps || tmp.size() >= PATH_MAX) return;  // still removed on the normal paths
  std::memcpy(g_temps[i], tmp.c_str(), tmp.size() + 1);
  g_ntemps.store(i + 1);
}
void forget_temps() { g_ntemps.store(0); }

extern "C" void remove_temps_and_die(int sig) {
  const int n = g_ntemps.load();
  for (int i = 0; i < n; ++i) ::unlink(g_temps[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::string dir_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool same_file_as_fd(const struct stat& st, int fd) {
  struct stat f {};
  return ::fstat(fd, &f) == 0 && f.st_dev == st.st_dev && f.st_ino == st.st_ino;
}

// Writes all of `data` to `fd`; false with errno set on failure.
bool write_all(int fd, const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

struct Staged {
  const OutputTarget* out;
  std::string tmp;
};

// Creates a new, empty temporary file in `dir` named after `base` and
// registers it for the signal cleanup; returns its name and descriptor.
std::pair<std::string, int> make_temp(const std::string& dir, const std::string& base) {
  // A hidden name (next to the target, so the rename stays within one file
  // system). O_EXCL guarantees we never reuse someone else's file; the mode
  // 0666 is filtered by the umask as for any ordinary output file.
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = fmt::format("{}.{}.tmp.{}.{}", dir, base, static_cast<long>(::getpid()), counter.fetch_add(1));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) throw OutputError(fmt::format("creating a temporary file: {}", std::strerror(errno)));
  }
  if (fd < 0) throw OutputError("creating a temporary file: no free name");
  remember_temp(tmp);
  return {tmp, fd};
}

std::pair<std::string, std::string> dir_and_base(const std::string& target) {
  const std::size_t slash = target.rfind('/');
  return {slash == std::string::npos ? std::string() : target.substr(0, slash + 1), slash == std::string::npos ? target : target.substr(slash + 1)};
}

// Writes `contents` to a new temporary file next to `target`; returns its name.
std::string stage(const OutputTarget& o, const std::string& contents) {
  const auto where = dir_and_base(o.target);
  const auto made = make_temp(where.first, where.second);
  const std::string tmp = made.first;  // (not structured bindings: the lambda below captures them)
  int fd = made.second;
  const auto abandon = [&](const char* what) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw OutputError(fmt::format("{}: {}", what, std::strerror(err)));
  };
  if (!write_all(fd, contents)) abandon("writing");
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) abandon("flushing");
  const int rc = ::close(fd);
  fd = -1;
  if (rc != 0) abandon("closing");
  return tmp;
}

// Copies a staged file through to `fd` in bounded pieces.
bool copy_through(const std::string& staged, int fd) {
  const int in = ::open(staged.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return false;
  std::string buf(1 << 20, '\0');
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    if (!write_all(fd, std::string(buf.data(), static_cast<std::size_t>(n)))) {
      ok = false;
      break;
    }
  }
  const int err = errno;
  ::close(in);
  errno = err;
  return ok;
}

std::string list(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

OutputTarget check_output(const std::string& option, const std::string& path) {
  const SourceLoc at{fmt::format("command line ({})", option), 0, 0};
  OutputTarget o{fmt::format("{} {}", option, path), path, path, OutputTarget::How::Replace, {}};
  const auto fail = [&](const std::string& why) {
    throw_workload_error(at, fmt::format("cannot write '{}': {}", path, why));
  };
  const auto dir_writable = [&](const std::string& file) {
    const std::string dir = dir_of(file);
    if (::access(dir.c_str(), W_OK | X_OK) != 0) fail(fmt::format("directory '{}': {}", dir, std::strerror(errno)));
  };
  if (path.empty()) fail("the path is empty");
  struct stat l {};
  if (::lstat(path.c_str(), &l) != 0) {
    if (errno != ENOENT) fail(std::strerror(errno));
    dir_writable(path);  // a new file: its directory must exist and take it
    return o;
  }
  if (S_ISDIR(l.st_mode)) fail("it is a directory");
  if (S_ISREG(l.st_mode)) {
    dir_writable(path);  // replaced by rename(): the directory must take a new entry
    return o;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(fmt::format("it is a symbolic link to nothing ({})", std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) fail("it is a directory");
  if (same_file_as_fd(st, STDOUT_FILENO)) {  // --json /dev/stdout, whatever stdout is
    o.how = OutputTarget::How::Stdout;
    return o;
  }
  if (S_ISREG(st.st_mode)) {  // a link to a regular file: the file is replaced, the link kept
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) fail(std::strerror(errno));
    o.target = real;
    std::free(real);
    dir_writable(o.target);
    return o;
  }
  // A device, FIFO or socket (or a link to one): written through, never replaced.
  if (::access(path.c_str(), W_OK) != 0) fail(std::strerror(errno));
  o.how = OutputTarget::How::WriteThrough;
  return o;
}

OutputTarget stdout_target(const std::string& what) {
  return OutputTarget{what, "/dev/stdout", "/dev/stdout", OutputTarget::How::Stdout, {}};
}

std::string stage_stream(OutputTarget& o) {
  std::string dir, base;
  if (o.how == OutputTarget::How::Replace) {
    std::tie(dir, base) = dir_and_base(o.target);
  } else {  // a device or standard output: staged in the temporary directory, copied through at the end
    const char* t = std::getenv("TMPDIR");
    dir = std::string(t && *t ? t : "/tmp") + "/";
    base = "preemptsim-stream";
  }
  const auto made = make_temp(dir, base);
  ::close(made.second);
  o.staged = made.first;
  return made.first;
}

void drop_streams(const std::vector<std::pair<OutputTarget, std::string>>& outputs) {
  for (const auto& item : outputs)
    if (!item.first.staged.empty()) ::unlink(item.first.staged.c_str());
  forget_temps();
}

void write_outputs(const std::vector<std::pair<OutputTarget, std::string>>& outputs) {
  std::vector<Staged> staged;
  std::vector<std::string> written;
  const auto not_written_after = [&](std::size_t first_unwritten_stage) {
    std::vector<std::string> rest;
    for (std::size_t i = first_unwritten_stage; i < staged.size(); ++i) rest.push_back(staged[i].out->what);
    return rest;
  };
  const auto remove_staged = [&] {
    for (const Staged& s : staged) ::unlink(s.tmp.c_str());
    drop_streams(outputs);
  };
  // 1. Stage every replaced file; a failure leaves every target as it was.
  for (const auto& [o, contents] : outputs) {
    if (o.how != OutputTarget::How::Replace) continue;
    try {
      staged.push_back(Staged{&o, o.staged.empty() ? stage(o, contents) : o.staged});
    } catch (const OutputError& e) {
      remove_staged();
      throw OutputError(fmt::format("cannot write {}: {}; no output was written", o.what, e.what()));
    }
  }
  // 2. Rename them all into place.
  for (std::size_t i = 0; i < staged.size(); ++i) {
    if (::rename(staged[i].tmp.c_str(), staged[i].out->target.c_str()) != 0) {
      const int err = errno;
      remove_staged();
      std::vector<std::string> rest = not_written_after(i);
      throw OutputError(fmt::format("cannot write {}: renaming into place: {}; written: {}; not written: {}",
                                    staged[i].out->what, std::strerror(err), list(written), list(rest)));
    }
    written.push_back(staged[i].out->what);
  }
  forget_temps();
  // 3. Standard output and devices, in order.
  std::vector<std::string> rest;
  for (const auto& [o, contents] : outputs)
    if (o.how != OutputTarget::How::Replace) rest.push_back(o.what);
  std::size_t k = 0;
  for (const auto& item : outputs) {
    const OutputTarget& o = item.first;  // not a structured binding: the lambda below captures it
    const std::string& contents = item.second;
    if (o.how == OutputTarget::How::Replace) continue;
    ++k;
    const auto fail = [&](const char* what) {
      const int err = errno;
      throw OutputError(fmt::format("cannot write {}: {}: {}; written: {}; not written: {}", o.what, what, std::strerror(err),
                                    list(written), list(std::vector<std::string>(rest.begin() + static_cast<long>(k) - 1, rest.end()))));
    };
    if (o.how == OutputTarget::How::Stdout) {
      std::fflush(stdout);
      const bool ok = o.staged.empty() ? write_all(STDOUT_FILENO, contents) : copy_through(o.staged, STDOUT_FILENO);
      if (!o.staged.empty()) {
        const int e = errno;
        ::unlink(o.staged.c_str());
        errno = e;
      }
      if (!ok) fail("writing");
    } else {
      const int fd = ::open(o.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0) {
        if (!o.staged.empty()) ::unlink(o.staged.c_str());
        fail("opening");
      }
      const bool ok = o.staged.empty() ? write_all(fd, contents) : copy_through(o.staged, fd);
      if (!o.staged.empty()) {
        const int e = errno;
        ::unlink(o.staged.c_str());
        errno = e;
      }
      const int err = errno;
      if (::close(fd) != 0 && ok && errno != EINTR) fail("closing");
      errno = err;
      if (!ok) fail("writing");
    }
    written.push_back(o.what);
  }
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  try {
    write_outputs({{check_output("output", path), contents}});
  } catch (const WorkloadError& e) {
    throw OutputError(e.what());
  }
}

void install_output_cleanup() {
  struct sigaction sa {};
  sa.sa_handler = remove_temps_and_die;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGXFSZ}) {
    struct sigaction old {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler != SIG_IGN) ::sigaction(sig, &sa, nullptr);  // an ignored signal stays ignored (nohup)
  }
}

}  // namespace preemptsim
