// Bounded reading of input files and the size checks of a parsed scenario.
#include "workload/limits.h"

#include <algorithm>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace preemptsim {
std::size_t count_steps(const std::vector<Step>& steps) {
  std::size_t n = steps.size();
  for (const Step& s : steps) n += count_steps(s.body);
  return n;
}

std::string read_input_file(const std::string& path, const std::string& what, const SourceLoc& at) {
  const auto fail = [&](const std::string& why) -> std::string {
    throw_workload_error(at, fmt::format("cannot read {} '{}': {}", what, path, why));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("it is a directory");
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
    return fail("it is not a regular file (a device or a socket is never read)");
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > InputLimits::kMaxFileBytes)
    return fail(fmt::format("it holds {} bytes, more than the limit of {} bytes", st.st_size, InputLimits::kMaxFileBytes));
  // A pipe is read blocking; the O_NONBLOCK above only kept open() of a FIFO
  // without a writer from hanging.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::strerror(errno));  // e.g. /proc/self/mem: "Input/output error", not "empty"
    }
    if (text.size() + static_cast<std::size_t>(n) > InputLimits::kMaxFileBytes)
      return fail(fmt::format("it holds more than the limit of {} bytes", InputLimits::kMaxFileBytes));
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

void check_scenario_limits(const Scenario& sc) {
  if (sc.tasks.size() > InputLimits::kMaxTasks)
    throw_workload_error(sc.tasks[InputLimits::kMaxTasks].loc,
                         fmt::format("too many tasks: {}, more than the limit of {}", sc.tasks.size(), InputLimits::kMaxTasks));
  std::size_t total = 0;
  for (const TaskSpec& t : sc.tasks) {
    const std::size_t n = count_steps(t.program);
    if (n > InputLimits::kMaxStepsPerTask)
      throw_workload_error(t.loc, fmt::format("task '{}' has {} steps, more than the limit of {} per task", t.name, n,
                                              InputLimits::kMaxStepsPerTask));
    total += n;
    if (total > InputLimits::kMaxStepsTotal)
      throw_workload_error(t.loc, fmt::format("the tasks have more than {} steps together (the limit), reached at task '{}'",
                                              InputLimits::kMaxStepsTotal, t.name));
  }
  // Every kworker holds every work function: at most 2 pools per CPU and 2
  // unbound ones, each with up to kMaxWorkersPerPool workers.
  if (!sc.works.empty()) {
    std::size_t work_steps = 0;
    for (const WorkSpec& w : sc.works) work_steps += count_steps(w.steps) + 1;
    const std::size_t workers = std::min(sc.works.size(), InputLimits::kMaxWorkersPerPool);
    const std::size_t pools = 2 * static_cast<std::size_t>(sc.system.cpus) + 2;
    if (work_steps > InputLimits::kMaxStepsTotal / (pools * workers))
      throw_workload_error(sc.works.front().loc,
                           fmt::format("the work functions have {} steps; copied into every kworker ({} pools x {} workers) that is more "
                                       "than the limit of {} steps",
                                       work_steps, pools, workers, InputLimits::kMaxStepsTotal));
  }
}

}  // namespace preemptsim
