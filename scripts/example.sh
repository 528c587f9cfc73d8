#!/usr/bin/env bash
# Builds preemptsim and runs the seed-002 example under every model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
./build/preemptsim run "${1:-examples/seed-002-kernel-path.yaml}" --json build/example.json
echo "JSON written to build/example.json"
