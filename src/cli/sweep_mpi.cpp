// MpiSession: Open MPI when PREEMPTSIM_MPI is defined (the optional CMake
// component), a single local rank otherwise.
#include "cli/sweep_mpi.h"

#ifdef PREEMPTSIM_MPI
#include <mpi.h>

#include <cstdlib>
#include <stdexcept>
#endif

namespace preemptsim::cli {

#ifdef PREEMPTSIM_MPI

namespace {
// Rank 0 receives every run's record: sizes first (MPI_Gather), then the
// concatenated texts (MPI_Gatherv); slot i comes from rank i % size, so the
// merged result is the one a local run gives.
std::vector<std::string> gather_records(const std::vector<std::string>& mine, std::size_t total, int rank, int size) {
  std::string blob;
  std::vector<unsigned long long> lengths;
  for (std::size_t i = static_cast<std::size_t>(rank); i < total; i += static_cast<std::size_t>(size)) {
    blob += mine[i];
    lengths.push_back(mine[i].size());
  }
  const int my_bytes = static_cast<int>(blob.size());
  if (blob.size() > static_cast<std::size_t>(INT32_MAX)) throw std::runtime_error("sweep: a rank's results exceed 2 GB");
  std::vector<int> bytes(static_cast<std::size_t>(size));
  MPI_Gather(&my_bytes, 1, MPI_INT, bytes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> displs(static_cast<std::size_t>(size), 0);
  std::size_t all = 0;
  for (int r = 0; r < size; ++r) {
    displs[static_cast<std::size_t>(r)] = static_cast<int>(all);
    all += static_cast<std::size_t>(bytes[static_cast<std::size_t>(r)]);
  }
  std::string recv(rank == 0 ? all : 0, '\0');
  MPI_Gatherv(blob.data(), my_bytes, MPI_CHAR, recv.data(), bytes.data(), displs.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
  // the lengths, so rank 0 can cut each rank's blob into records
  const std::size_t nmine = lengths.size();
  std::vector<int> counts(static_cast<std::size_t>(size));
  const int my_count = static_cast<int>(nmine);
  MPI_Gather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> cdispls(static_cast<std::size_t>(size), 0);
  std::size_t ncount = 0;
  for (int r = 0; r < size; ++r) {
    cdispls[static_cast<std::size_t>(r)] = static_cast<int>(ncount);
    ncount += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
  }
  std::vector<unsigned long long> all_lengths(rank == 0 ? ncount : 0);
  MPI_Gatherv(lengths.data(), my_count, MPI_UNSIGNED_LONG_LONG, all_lengths.data(), counts.data(), cdispls.data(), MPI_UNSIGNED_LONG_LONG, 0,
              MPI_COMM_WORLD);
  std::vector<std::string> out(total);
  if (rank != 0) return out;
  for (int r = 0; r < size; ++r) {
    std::size_t at = static_cast<std::size_t>(displs[static_cast<std::size_t>(r)]);
    std::size_t k = static_cast<std::size_t>(cdispls[static_cast<std::size_t>(r)]);
    for (std::size_t i = static_cast<std::size_t>(r); i < total; i += static_cast<std::size_t>(size), ++k) {
      out[i] = recv.substr(at, all_lengths[k]);
      at += all_lengths[k];
    }
  }
  return out;
}
}  // namespace

// Started by a launcher (mpirun/mpiexec set OMPI_COMM_WORLD_SIZE; Slurm's
// srun and other PMI launchers set PMI_SIZE or PMIX_RANK)? A plain
// `preemptsim sweep` does not initialise MPI at all.
bool under_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

MpiSession::MpiSession() {
  if (!under_launcher()) return;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    MPI_Init(nullptr, nullptr);
    active_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &ranks_.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks_.size);
  if (ranks_.size > 1) {
    const int rank = ranks_.rank, size = ranks_.size;
    ranks_.gather = [rank, size](const std::vector<std::string>& mine, std::size_t total) { return gather_records(mine, total, rank, size); };
  }
}

MpiSession::~MpiSession() {
  if (active_) MPI_Finalize();
}

#else

MpiSession::MpiSession() = default;
MpiSession::~MpiSession() = default;

#endif

}  // namespace preemptsim::cli
