#!/usr/bin/env bash
# tools/cluster.sh - tries a graph spread over nodes on one machine: starts
# a nats-server with JetStream in a temporary folder on a free loopback
# port, then one `steady run --node NAME` per node of the graph, waits for
# them all, and stops everything on exit or Ctrl-C. See --help.
set -uo pipefail

usage() {
    cat <<'TEXT'
Usage: tools/cluster.sh [OPTIONS] [GRAPH] [--ARG VALUE]...

Runs every node of GRAPH (default graphs/standard_2nodes.yaml) on this
machine, each in its own `steady run GRAPH --node NAME` process, against a
nats-server with JetStream that it starts in a temporary folder on a free
127.0.0.1 port. Nodes start one after another in the order the graph first
names them (a producing node makes its streams as it starts, before the
nodes that consume them). Their output is shown prefixed with [NODE] and
kept in the folder. --ARG VALUE pairs go to every node (e.g. --rate 100
--beats 20).

When every node has stopped, or on Ctrl-C (passed on to the nodes, which
drain; a second Ctrl-C forces them) or any exit, it stops the nodes and
the server and removes the folder. Exit status: the first non-zero status
of a node, else 0.

Options:
  --state-dir DIR   keep the nodes' state in DIR (each in DIR/NODE) instead
                    of the temporary folder, so a second run resumes
  --keep            keep the temporary folder (server store, logs, state)
  --steady PATH     the steady binary (default: $STEADY_BIN, build/bin/steady,
                    or steady on PATH)
  -h, --help        this text

Needs nats-server (Debian package nats-server; tools/deps.sh installs it
with the 'nats' set).
TEXT
}

here="$(cd "$(dirname "$0")/.." && pwd)"
graph=""
state_dir=""
keep=0
steady="${STEADY_BIN:-}"
args=()
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --keep) keep=1; shift ;;
    --state-dir) [ $# -ge 2 ] || { echo "cluster.sh: --state-dir needs a folder" >&2; exit 2; }
        state_dir="$2"; shift 2 ;;
    --steady) [ $# -ge 2 ] || { echo "cluster.sh: --steady needs a path" >&2; exit 2; }
        steady="$2"; shift 2 ;;
    --*) args+=("$1"); [ $# -ge 2 ] && { args+=("$2"); shift; }; shift ;;
    *) if [ -z "$graph" ]; then graph="$1"; shift
       else echo "cluster.sh: unexpected argument '$1' (see --help)" >&2; exit 2; fi ;;
    esac
done
graph="${graph:-$here/graphs/standard_2nodes.yaml}"
[ -r "$graph" ] || { echo "cluster.sh: cannot read graph '$graph'" >&2; exit 2; }
if [ -z "$steady" ]; then
    if [ -x "$here/build/bin/steady" ]; then steady="$here/build/bin/steady"
    else steady="$(command -v steady || true)"; fi
fi
[ -n "$steady" ] && [ -x "$steady" ] ||
    { echo "cluster.sh: no steady binary (build it, or give --steady PATH)" >&2; exit 2; }
nats_server="$(command -v nats-server || echo /usr/sbin/nats-server)"
[ -x "$nats_server" ] ||
    { echo "cluster.sh: nats-server not found: install it (apt-get install nats-server, or bash tools/deps.sh nats)" >&2; exit 2; }

# The nodes, in the order the graph first names them (`node: NAME`).
mapfile -t nodes < <(grep -oE '(^|[{ ,])node: *["'"'"']?[A-Za-z0-9_-]+' "$graph" |
    sed -E 's/.*node: *["'"'"']?//' | awk '!seen[$0]++')
[ ${#nodes[@]} -gt 0 ] ||
    { echo "cluster.sh: '$graph' names no nodes (no actor says 'node:'); use steady run" >&2; exit 2; }
# `steady check` validates the whole graph before anything starts.
"$steady" check "$graph" "${args[@]}" >/dev/null || exit 2

dir="$(mktemp -d /tmp/steady-cluster-XXXXXX)"
[ -n "$state_dir" ] || state_dir="$dir/state"
server_pid=""
pids=()
stopping=0

cleanup() {
    trap - EXIT INT TERM
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    # the nodes drain (shutdown_timeout_ms), then are forced
    for _ in $(seq 100); do
        alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    if [ $keep = 1 ]; then echo "cluster.sh: kept $dir" >&2
    else rm -rf "$dir"; fi
}
on_signal() {
    if [ $stopping = 1 ]; then
        for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
        return
    fi
    stopping=1
    echo "cluster.sh: stopping the nodes (again to force)" >&2
    for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap on_signal INT TERM

# Each in a session of its own (setsid), so that a Ctrl-C at the terminal
# reaches only this script, which passes it on once: the server stays up
# while the nodes drain through it. -p -1: a free port, which the server's
# log then names.
setsid "$nats_server" -js -a 127.0.0.1 -p -1 -sd "$dir/store" -l "$dir/nats-server.log" &
server_pid=$!
port=""
for _ in $(seq 100); do
    port="$(grep -oE 'Listening for client connections on 127\.0\.0\.1:[0-9]+' \
        "$dir/nats-server.log" 2>/dev/null | grep -oE '[0-9]+$' | head -1)"
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { echo "cluster.sh: nats-server did not start; see its log:" >&2
    cat "$dir/nats-server.log" >&2; exit 1; }
url="nats://127.0.0.1:$port"
echo "cluster.sh: nats-server with JetStream at $url (store $dir/store)" >&2

for n in "${nodes[@]}"; do
    [ $stopping = 1 ] && break
    setsid "$steady" run "$graph" --node "$n" --nats "$url" --state-dir "$state_dir" \
        "${args[@]}" > >(trap '' INT TERM; tee "$dir/$n.log" | sed -u "s/^/[$n] /") 2>&1 &
    pids+=($!)
    # its streams exist once it has started (or it failed: stop then)
    for _ in $(seq 300); do
        grep -q 'starting:' "$dir/$n.log" 2>/dev/null && break
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    if [ $stopping = 0 ] && ! grep -q 'starting:' "$dir/$n.log" 2>/dev/null; then
        echo "cluster.sh: node '$n' did not start" >&2
        exit 1
    fi
done

status=0
for p in "${pids[@]}"; do
    wait "$p"
    rc=$?
    [ $status = 0 ] && status=$rc
done
exit $status
