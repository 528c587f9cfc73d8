#!/usr/bin/env bash
# Real cyclictest against the simulated one on this machine: idle, then beside
# a CPU load (stress-ng), after `preemptsim calibrate`. Run by hand (not in CI):
#   validation/cyclictest-vs-sim.sh [SECONDS]
# Writes everything under build/validation/ and prints p50/p90/p99/max (us).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
out=build/validation
mkdir -p "$out"
bin=build/preemptsim

# p50 p90 p99 max from a cyclictest --histfile (one "usec count" line per bucket, '#' comments).
pct() {
  awk '!/^#/ && NF >= 2 { u[++m] = $1 + 0; c[m] = $2 + 0; total += $2; if ($2 > 0) max = $1 + 0 }
       END { q[1] = 0.50; q[2] = 0.90; q[3] = 0.99; acc = 0; k = 1
             for (i = 1; i <= m; i++) { acc += c[i]; while (k <= 3 && acc >= q[k] * total) { r[k] = u[i]; k++ } }
             printf "p50 %s  p90 %s  p99 %s  max %s  (n=%d)\n", r[1], r[2], r[3], max, total }' "$1"
}

echo "load before: $(cat /proc/loadavg)"
ct=(-q -m -p80 -t1 -a0 -i1000 "-D${secs}s" -h 20000)

echo "== real cyclictest, idle"
cyclictest "${ct[@]}" --histfile="$out/real-idle.hist" >/dev/null
echo "real idle:       $(pct "$out/real-idle.hist")   load $(cut -d' ' -f1 /proc/loadavg)"

echo "== real cyclictest beside stress-ng --cpu 2"
stress-ng --cpu 2 --timeout "$((secs + 2))s" --quiet &
stress=$!
sleep 1
cyclictest "${ct[@]}" --histfile="$out/real-load.hist" >/dev/null
wait "$stress"
echo "real load:       $(pct "$out/real-load.hist")   load $(cut -d' ' -f1 /proc/loadavg)"

echo "== calibrate"
"$bin" calibrate --seconds "$secs" --name this-machine -o "$out/this-machine.yaml"

model=$("$bin" host --yaml | sed -n 's/.*models: \[\([a-z_]*\).*/\1/p')
model=${model:-full}
cat > "$out/idle.yaml" <<YAML
system: {cpus: 2, models: [$model], profile: this-machine.yaml}
tasks:
  idle-marker: {policy: other, program: [{sleep: 3600s}]}
YAML
# stress-ng --cpu 2: one SCHED_OTHER CPU hog per CPU, in user space.
cat > "$out/load.yaml" <<YAML
system: {cpus: 2, models: [$model], profile: this-machine.yaml}
tasks:
  stress-0: {policy: other, cpus: [0], program: [{loop: {count: 1000, steps: [{run: 1s}]}}]}
  stress-1: {policy: other, cpus: [1], program: [{loop: {count: 1000, steps: [{run: 1s}]}}]}
YAML
echo "== simulated ($model)"
"$bin" cyclictest --load "$out/idle.yaml" "${ct[@]}" --histfile="$out/sim-idle.hist" >/dev/null
echo "sim idle:        $(pct "$out/sim-idle.hist")"
"$bin" cyclictest --load "$out/load.yaml" "${ct[@]}" --histfile="$out/sim-load.hist" >/dev/null
echo "sim load:        $(pct "$out/sim-load.hist")"
echo "load after: $(cat /proc/loadavg)"
