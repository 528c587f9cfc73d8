#!/usr/bin/env bash
# The reference measurements of bench/README.md in one go, on the bench's
# reference workload (4 CPUs; per CPU a 200 us cyclictest thread and a kernel
# hog; Poisson 2000/s NET_RX and a 1 kHz line): live events per CPU-second and
# the ratio to a bare queue (bench_micro), the explanation's cost in CPU time
# (bench_explain) and, with valgrind, in instructions, and whole runs of every
# model with explanations: 10 s and LONG simulated (default 3600s), with wall
# time, CPU time and peak memory.
# Usage: bench/reference.sh [BUILD_DIR] [LONG]    (BUILD_DIR defaults to build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
long="${2:-3600s}"
out="$build/reference"
mkdir -p "$out"
cmake --build "$build" --target preemptsim preemptsim_bench_micro preemptsim_bench_explain >/dev/null
echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== hot path (CPU time of the measuring thread)"
"$build/preemptsim_bench_micro" --benchmark_filter='BM_BarePushPop/16|BM_EventLoop/|BM_AllocsPerEvent' 2>/dev/null |
  grep -E '^BM_' | sed -E 's/ +/ /g'
echo "== explanation cost (10 s per run, fastest of 3)"
"$build/preemptsim_bench_explain" --duration 10s --repeat 3
# Instructions do not depend on the machine's load (a shared or virtual
# machine's CPU times vary by up to 2x from run to run): those of
# Kernel::run() for 2 s of the workload, plain and explained, by callgrind.
if command -v valgrind >/dev/null; then
  echo "== instructions of Kernel::run() (callgrind), 2 s, plain and explained"
  "$build/preemptsim_bench_micro" --print-workload --duration 2s > "$out/ref2s.yaml"
  instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='preemptsim::Kernel::run()' \
      "$build/preemptsim" run "$out/ref2s.yaml" -q "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
  }
  for m in none rt; do
    plain=$(instructions -m "$m" --no-explain)
    explained=$(instructions -m "$m")
    awk -v m="$m" -v a="$plain" -v b="$explained" 'BEGIN { printf "%-5s plain %d, explained %d instructions: %.3fx\n", m, a, b, b / a }'
  done
else
  echo "== (valgrind not installed: no instruction counts)"
fi
"$build/preemptsim_bench_micro" --print-workload --duration 10s > "$out/ref10s.yaml"
"$build/preemptsim_bench_micro" --print-workload --duration "$long" > "$out/ref$long.yaml"
for f in ref10s "ref$long"; do
  echo "== $f.yaml, every model, explanations, -j $(nproc)"
  /usr/bin/time -f "%e s wall, %U s user, %M kB peak RSS" "$build/preemptsim" run "$out/$f.yaml" -j "$(nproc)" -q \
    --json "$out/$f.json" 2>&1 | tail -1
done
