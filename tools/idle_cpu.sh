#!/usr/bin/env bash
# tools/idle_cpu.sh [SECONDS] - measures the CPU the standard graph uses when
# it is mostly idle: one beat a second, 64 values moved and logged per beat,
# everything else asleep. Prints the host's closing summary (wall time, CPU
# time of the whole process from getrusage, share of one core).
# Uses the build in $STEADY_BUILD_DIR (default build/); run tools/run.sh once
# first.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${STEADY_BUILD_DIR:-$here/build}"
secs="${1:-10}"

"$build/bin/steady" run "$here/graphs/standard.yaml" --rate 1000 \
  --beats "$secs" 2>&1 >/dev/null | grep 'stopped cleanly'
