#!/usr/bin/env bash
# Configures and builds preemptsim in build/ (Release with debug info); extra
# arguments go to cmake's configure step (e.g. -DPREEMPTSIM_WERROR=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/deps.sh"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
cmake --build build -j "$(nproc)"
