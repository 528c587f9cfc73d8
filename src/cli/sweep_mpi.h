// The ranks a sweep runs on: MPI's when the program is built with Open MPI
// and started by mpirun/srun, otherwise one local rank.
#pragma once

#include "sweep/sweep.h"

namespace preemptsim::cli {

// MPI_Init in the constructor and MPI_Finalize in the destructor (when built
// with MPI); ranks() gives the rank, the size and the gather to rank 0.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  const SweepRanks& ranks() const { return ranks_; }

 private:
  SweepRanks ranks_;
  bool active_ = false;
};

}  // namespace preemptsim::cli
