#!/usr/bin/env bash
# Installs the Debian packages preemptsim builds and tests with (only the missing ones; rt-app for its example use cases; clang and its runtimes for the sanitizer and fuzz builds; time for the benchmark script).
set -euo pipefail
pkgs=(g++ cmake ninja-build pkg-config libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev zlib1g-dev libtbb-dev libopenmpi-dev openmpi-bin rt-app libtracecmd-dev libtracefs-dev libtraceevent-dev clang libclang-rt-14-dev libbenchmark-dev time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
