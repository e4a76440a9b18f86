#!/usr/bin/env bash
# tools/gen_telemetry_graph.sh [PIPELINES] [TROUPES] [RATE_MS] - writes to
# stdout a graph of PIPELINES copies (default 75) of the standard pipeline
# (heartbeat and generator -> worker -> logger: 4 actors, 3 channels), so
# 300 actors and 225 channels by default, in TROUPES troupes (default 5;
# pipeline i runs in troupe i % TROUPES), beating every RATE_MS (default
# 100) until it is stopped; the loggers count instead of logging every
# message. It is the big graph the telemetry picture and its CPU share are
# measured on (tools/telemetry_cpu.sh, steady-bench); it uses only the
# plugins steady ships.
set -euo pipefail
pipelines="${1:-75}"
troupes="${2:-5}"
rate="${3:-100}"
if ((pipelines < 1 || troupes < 1 || rate < 1)); then
  echo "usage: $0 [PIPELINES (>= 1)] [TROUPES (>= 1)] [RATE_MS (>= 1)]" >&2
  exit 2
fi
echo "graph: pipelines$pipelines"
echo "telemetry: { listen: \"127.0.0.1:0\" }"
echo "actors:"
for ((i = 0; i < pipelines; i++)); do
  t="troupe: t$((i % troupes))"
  echo "  heartbeat$i: { plugin: heartbeat, params: { rate_ms: $rate, beats: 100000000 }, $t }"
  echo "  generator$i: { plugin: generator, $t }"
  echo "  worker$i: { plugin: worker, $t }"
  echo "  logger$i: { plugin: logger, params: { summary_ms: 3600000 }, $t }"
done
echo "channels:"
for ((i = 0; i < pipelines; i++)); do
  echo "  - heartbeat$i.out -> worker$i.heartbeat"
  echo "  - generator$i.out -> worker$i.values"
  echo "  - worker$i.out -> logger$i.in"
done
