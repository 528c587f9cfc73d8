#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each
# for SECONDS (default 60). Usage: fuzz/run.sh [SECONDS] [TARGET...]
# PREEMPTSIM_FUZZ_ASAN=0: UBSan only, in build-fuzz-ubsan/ (several times faster, for long runs).
# Targets: yaml_workload rtapp simulate. The corpus starts from fuzz/seeds/,
# fuzz/regressions/, examples/ and, when installed, rt-app's shipped examples
# (read from /usr/share/doc/rt-app/examples at run time, not copied into the tree).
# Findings go to build-fuzz/artifacts/; keep each as a file in fuzz/regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(yaml_workload rtapp simulate)
if [ "${PREEMPTSIM_FUZZ_ASAN:-1}" = 0 ]; then
  dir="${PREEMPTSIM_FUZZ_DIR:-build-fuzz-ubsan}" address=OFF
else
  dir="${PREEMPTSIM_FUZZ_DIR:-build-fuzz}" address=ON
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DPREEMPTSIM_FUZZ=ON -DPREEMPTSIM_SANITIZE=ON -DPREEMPTSIM_SANITIZE_ADDRESS="$address" -DPREEMPTSIM_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")
mkdir -p "$dir/artifacts"
for t in "${targets[@]}"; do
  corpus="$dir/corpus/$t"
  mkdir -p "$corpus"
  seeds=(fuzz/seeds fuzz/regressions examples)
  rtapp=/usr/share/doc/rt-app/examples
  if [ -d "$rtapp" ]; then
    mkdir -p "$dir/rtapp-seeds"
    find "$rtapp" -name '*.json' -exec cp -t "$dir/rtapp-seeds" {} + 2>/dev/null || true
    seeds+=("$dir/rtapp-seeds")
  fi
  echo "fuzz_$t: ${seconds}s"
  "$dir/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict=fuzz/workload.dict \
    -artifact_prefix="$dir/artifacts/$t-" -print_final_stats=1 "$corpus" "${seeds[@]}" 2>&1 |
    grep -E "^(INFO: (Seed|Loaded)|#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|Done )" || true
  # libFuzzer's exit status is lost in the pipe: a finding leaves an artifact.
  # A slow unit (over 10 s, usually a starved CPU) is reported, not a finding;
  # a real hang is a timeout-* artifact (-timeout).
  for slow in "$dir/artifacts/$t-slow-unit-"*; do
    [ -e "$slow" ] && echo "fuzz_$t: slow input kept for a look: $slow" >&2 && mv "$slow" "$dir/slow-$t-$(basename "$slow")"
  done
  if compgen -G "$dir/artifacts/$t-*" >/dev/null; then
    echo "fuzz_$t: findings in $dir/artifacts/" >&2
    exit 1
  fi
done
