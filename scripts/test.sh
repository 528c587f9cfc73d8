#!/usr/bin/env bash
# The whole check CI runs: builds preemptsim with -Werror and runs the test
# suite (ctest); then builds an ASan + UBSan tree with clang (build-asan/,
# -fno-sanitize-recover=all), runs the whole suite and every example in it,
# and runs each libFuzzer target briefly (PREEMPTSIM_FUZZ_SECONDS, default 30).
# PREEMPTSIM_QUICK=1 stops after the first suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh -DPREEMPTSIM_WERROR=ON
(cd build && ctest --output-on-failure -j "$(nproc)")
[ "${PREEMPTSIM_QUICK:-0}" = 1 ] && exit 0

echo "== sanitizers (ASan + UBSan, clang) in build-asan/"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DPREEMPTSIM_FUZZ=ON -DPREEMPTSIM_SANITIZE=ON -DPREEMPTSIM_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-asan -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j "$(nproc)")
mkdir -p build-asan/examples
for f in examples/*.yaml examples/*.json; do
  echo "example under ASan + UBSan: $f"
  case "$(basename "$f")" in
    sweep-*) build-asan/preemptsim sweep "$f" --output "build-asan/examples/$(basename "$f" .yaml)" >/dev/null ;;  # a sweep spec
    *) build-asan/preemptsim run "$f" --json "build-asan/examples/$(basename "$f").out.json" >/dev/null ;;
  esac
done

echo "== fuzzing, ${PREEMPTSIM_FUZZ_SECONDS:-30} s per target"
PREEMPTSIM_FUZZ_DIR=build-asan fuzz/run.sh "${PREEMPTSIM_FUZZ_SECONDS:-30}"
