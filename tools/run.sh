#!/usr/bin/env bash
# tools/run.sh [GRAPH] [ARGS...] - installs what is missing, builds steady and
# runs a graph (default graphs/standard.yaml). Extra arguments go to
# `steady run`, e.g. tools/run.sh graphs/standard.yaml --rate 500 --beats 60
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/tools/deps.sh"
steady_install_deps build

build="${STEADY_BUILD_DIR:-$here/build}"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target steady steady_plugins >/dev/null

graph="${1:-$here/graphs/standard.yaml}"
[ $# -gt 0 ] && shift
exec "$build/bin/steady" run "$graph" "$@"
