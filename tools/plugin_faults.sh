#!/usr/bin/env bash
# tools/plugin_faults.sh - damages copies of a built plugin the way a bad
# disk, an interrupted copy or a half-finished build would, and runs
# `steady inspect` on each: truncated at TRUNC lengths spread over the file,
# and CORRUPT copies with one random byte changed in the part the dynamic
# loader reads. Prints how many were loaded, refused (exit 2, with a
# message) or killed the host (exit >= 128; must be 0), and the refusals'
# reasons. Uses the build in $STEADY_BUILD_DIR (default build/).
#
#     tools/plugin_faults.sh [PLUGIN.so] [TRUNC] [CORRUPT] [SEED]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${STEADY_BUILD_DIR:-$here/build}"
plugin="${1:-$build/plugins/generator.so}"
ntrunc="${2:-26}"
ncorrupt="${3:-60}"
RANDOM="${4:-1}"
steady="$build/bin/steady"
export STEADY_PLUGIN_CACHE=off # every copy is checked, none remembered
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

size=$(stat -c %s "$plugin")
# the loaded part: up to the end of the last segment the loader maps
span=0
while read -r type off _ _ filesz _; do
  [ "$type" = LOAD ] && [ $((off + filesz)) -gt "$span" ] && span=$((off + filesz))
done < <(readelf -lW "$plugin")
loaded=0 refused=0 crashed=0
reasons="$tmp/reasons"
: >"$reasons"

try() {
  local f="$1" rc=0
  "$steady" inspect "$f" >/dev/null 2>"$tmp/err" || rc=$?
  if [ "$rc" -eq 0 ]; then
    loaded=$((loaded + 1))
  elif [ "$rc" -ge 128 ]; then
    crashed=$((crashed + 1))
    echo "host killed (exit $rc) by $f" >&2
  else
    refused=$((refused + 1))
    # the reason without the file name, first words only
    sed -n 's/^steady: [^:]*: //p' "$tmp/err" | cut -c1-60 | sed 's/[0-9][0-9]*/N/g' >>"$reasons"
  fi
}

for i in $(seq 1 "$ntrunc"); do
  head -c $((size * i / (ntrunc + 1))) "$plugin" >"$tmp/t$i.so"
  try "$tmp/t$i.so"
done
for i in $(seq 1 "$ncorrupt"); do
  cp "$plugin" "$tmp/c$i.so"
  off=$(((RANDOM * 32768 + RANDOM) % span))
  printf "$(printf '\\%03o' $((RANDOM % 256)))" |
    dd of="$tmp/c$i.so" bs=1 seek="$off" conv=notrunc status=none
  try "$tmp/c$i.so"
done

echo "$ntrunc truncated + $ncorrupt corrupted copies of $(basename "$plugin"): $loaded loaded, $refused refused, $crashed killed the host"
sort "$reasons" | uniq -c | sort -rn
[ "$crashed" -eq 0 ]
