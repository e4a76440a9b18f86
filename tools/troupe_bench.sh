#!/usr/bin/env bash
# tools/troupe_bench.sh - troupe figures: the raw fiber switch, a message
# round trip between two actors in one troupe vs two solo actors, and start
# time and memory of a 300-actor graph in 5 troupes. Uses the build in
# $STEADY_BUILD_DIR (default build/; build it with tools/run.sh or cmake).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${STEADY_BUILD_DIR:-$here/build}"
rounds="${ROUNDS:-100000}"
steady="$build/bin/steady"

rt() { "$steady" run "$here/graphs/pingpong_$1.yaml" --rounds "$rounds" 2>&1 |
  sed -n 's/.* \([0-9]*\) ns per round trip/\1/p'; }

switch_ns=$("$build/bin/steady-fiber-switch" | sed -n 's/fiber switch: \([0-9.]*\) ns.*/\1/p')
solo=$(rt solo)
troupe=$(rt troupe)
tmp=$(mktemp)
"$here/tools/gen_big_graph.sh" 150 5 >"$tmp"
# a check first, so the timed start finds its plugins' pre-flight verdicts
# remembered (README, Plugins) as any run after the first does
STEADY_PLUGIN_PATH="$build/testplugins" "$steady" check "$tmp" >/dev/null
big=$(STEADY_PLUGIN_PATH="$build/testplugins" "$steady" run "$tmp" 2>&1)
rm -f "$tmp"
load=$(sed -n 's/.*loaded and initialised in \([0-9.]*\) ms.*/\1/p' <<<"$big")
rss=$(sed -n 's/.*max RSS \([0-9.]*\) MiB.*/\1/p' <<<"$big")

printf '%-52s %s\n' "measure" "figure"
printf '%-52s %s ns\n' "fiber switch between troupe members" "$switch_ns"
printf '%-52s %s ns\n' "round trip, 2 actors in one troupe ($rounds rounds)" "$troupe"
printf '%-52s %s ns\n' "round trip, 2 solo actors (futex wake-ups)" "$solo"
awk -v s="$solo" -v t="$troupe" 'BEGIN { printf "%-52s %.1fx\n", "troupe speed-up on round trips", s / t }'
printf '%-52s %s ms\n' "300 actors in 5 troupes: load + init + start" "$load"
printf '%-52s %s MiB\n' "300 actors in 5 troupes: max RSS of the process" "$rss"
