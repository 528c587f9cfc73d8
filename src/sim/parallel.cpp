// run_jobs(): a oneTBB task arena capped at the requested thread count.
#include "sim/parallel.h"

#include <algorithm>
#include <exception>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

namespace preemptsim {

unsigned default_jobs() {
  const int n = tbb::info::default_concurrency();  // honours the process's CPU affinity mask
  return n > 0 ? static_cast<unsigned>(n) : 1U;
}

void run_jobs(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& job) {
  if (jobs == 0) jobs = default_jobs();
  std::vector<std::exception_ptr> errors(n);
  auto one = [&](std::size_t i) {
    try {
      job(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) one(i);
  } else {
    // Each job is a whole simulation (milliseconds to minutes): one job per
    // task (simple_partitioner, grain 1) so that the threads share them out.
    tbb::task_arena arena(static_cast<int>(std::min<std::size_t>(jobs, n)));
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) one(i);
                        },
                        tbb::simple_partitioner());
    });
  }
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace preemptsim
