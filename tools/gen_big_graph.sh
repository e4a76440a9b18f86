#!/usr/bin/env bash
# tools/gen_big_graph.sh PAIRS TROUPES - writes to stdout a graph of PAIRS
# producer->consumer pairs (tp_counter -> tp_checker, 2*PAIRS actors)
# spread over TROUPES troupes, each pair counting to 200. Used by the
# troupe benchmark and the big-graph test (needs the test plugins on
# STEADY_PLUGIN_PATH).
set -euo pipefail
pairs="${1:-150}"
troupes="${2:-5}"
echo "graph: big"
echo "telemetry: { listen: \"off\" }"
echo "defaults: { channel: { capacity: 16 } }"
echo "actors:"
for ((i = 0; i < pairs; i++)); do
  t=$((i % troupes))
  echo "  c$i: { plugin: tp_counter, params: { count: 200 }, troupe: t$t }"
  echo "  k$i: { plugin: tp_checker, troupe: t$t }"
done
echo "channels:"
for ((i = 0; i < pairs; i++)); do
  echo "  - c$i.out -> k$i.in"
done
