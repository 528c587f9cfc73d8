#!/usr/bin/env bash
# `preemptsim calibrate` run as an unprivileged user (nobody, through setpriv):
# SCHED_FIFO is refused, and the run says so, says what it needs and what it
# measured instead, writes its profile, and the profile loads.
# Arguments: the preemptsim binary, the source directory. Exit 77 (skipped)
# when this is not run as root or setpriv is missing (it cannot drop privileges).
set -euo pipefail
bin=$1
src=$2
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
  echo "skipped: needs root and setpriv to run calibrate as nobody"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
chmod 777 "$out"
group=$(id -gn nobody)
setpriv --reuid=nobody --regid="$group" --clear-groups --inh-caps=-all \
  "$bin" calibrate --seconds 0.1 --rounds 200 --name unprivileged -o "$out/unprivileged.yaml" >"$out/report.txt"
cat "$out/report.txt"
fail() { echo "FAIL: $*"; exit 1; }
grep -q "no SCHED_FIFO" "$out/report.txt" || fail "the report does not say SCHED_FIFO was refused"
grep -q "CAP_SYS_NICE" "$out/report.txt" || fail "the report does not say what SCHED_FIFO needs"
grep -q "measured as SCHED_OTHER instead" "$out/report.txt" || fail "the report does not say what it used instead"
grep -q "without SCHED_FIFO" "$out/unprivileged.yaml" || fail "the profile's source does not say it was measured without SCHED_FIFO"
cat >"$out/w.yaml" <<YAML
system: {models: [full], duration: 100ms, profile: unprivileged.yaml}
tasks:
  rt: {policy: fifo, priority: 80, program: [{loop: {until: 100ms, steps: [{periodic: {period: 1ms}}, {run: 20us}]}}]}
YAML
"$bin" run "$out/w.yaml" --no-explain >"$out/run.txt" || fail "the unprivileged profile does not load"
grep -q "wakeups" "$out/run.txt" || fail "no results from the unprivileged profile"
echo "ok: calibrate degrades without SCHED_FIFO and its profile loads"
