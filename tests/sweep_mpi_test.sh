#!/usr/bin/env bash
# The example sweep under `mpirun -n 2` on localhost gives the same summary
# bytes as a local run. Args: PREEMPTSIM MPIRUN SOURCE_DIR WORK_DIR
set -euo pipefail
sim=$1 mpirun=$2 src=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
"$sim" sweep "$src/examples/sweep-irq-rate.yaml" -j 2 --output "$work/local" >"$work/local.txt"
# Open MPI's own runtime keeps allocations until exit (MPI_Init's and its
# plugins'); in a sanitizer build, leak checking is off for the ranks only.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$mpirun" -n 2 --oversubscribe "$sim" sweep "$src/examples/sweep-irq-rate.yaml" -j 1 --output "$work/mpi" >"$work/mpi.txt"
for f in summary.csv summary.json; do
  cmp "$work/local/$f" "$work/mpi/$f"
done
cmp "$work/local.txt" "$work/mpi.txt"
# each rank ran half of the 24 runs; rank 0 stored only its own
n=$(ls "$work/mpi/runs" | wc -l)
echo "runs stored by rank 0 under mpirun -n 2: $n (of 24)"
test "$n" -ge 12
