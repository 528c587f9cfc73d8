// Independent simulations on a thread pool (oneTBB), with results and errors
// that do not depend on how many threads ran them.
#pragma once

#include <cstddef>
#include <functional>

namespace preemptsim {

// The number of threads `-j 0` means: every core the process may use.
unsigned default_jobs();

// Calls job(0) .. job(n-1), at most `jobs` at a time (0 = default_jobs(); 1
// runs them in order on the calling thread). Each job writes only its own
// slot of the caller's output, so the result is the same whatever `jobs`.
// Every job runs even if another fails; then the error of the lowest-numbered
// failed job is rethrown (so -j1 and -jN report the same one).
void run_jobs(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& job);

}  // namespace preemptsim
