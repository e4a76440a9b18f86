#!/usr/bin/env bash
# tools/soak.sh MINUTES - runs graphs/robust.yaml-style failures over and over
# for MINUTES (fractions allowed, e.g. 0.25; env SOAK_SECONDS overrides) and
# checks that nothing is lost or repeated:
#
#   - short runs, one after the other, each on a graph generated with random
#     failure points (fail_at and fail_every in each of the four actors),
#     channel capacity, batch sizes and back-off, and a random placement of
#     the actors (all solo, all in one troupe, or each solo or in one of two
#     troupes). Kinds of run, in turn: a plain run (a third of them with a
#     state folder); a run stopped by SIGTERM, then resumed from its state
#     folder; a plain run; a run killed with SIGKILL, then resumed; a plain
#     run; a run whose generator uses up its restart policy. After each, the
#     logger's "Msg ..." lines must be exactly fizzbuzz(0..N-1) (N: what the
#     generator sent), across a SIGTERM and its resumed run too, and the
#     restarts the supervisor logged must be exactly the injected failures
#     that the run reached. A SIGKILL keeps only what was saved, so the run
#     resumed after one is checked on its own (it starts, stops cleanly, and
#     is complete and in order from where it resumed); what it replayed or
#     skipped is reported, not judged.
#   - one long-lived host for the whole soak, with a failure every second or
#     two in each actor and a state folder: its RSS, threads and open fds are
#     sampled after a warm-up and at the end; then it is stopped by SIGTERM
#     and checked like the others.
#
# Prints a summary table on stdout; exits 0 when every check held, 1 when
# anything was lost or repeated, a run failed unexpectedly, or the long
# host's fds, threads or RSS grew; 2 on bad usage. Every run is bounded by
# `timeout`, telemetry is off, the temporary folder is removed on exit.
#
# Env: STEADY_BIN (default build/bin/steady), SOAK_SECONDS, SOAK_SEED (the
# random graphs and delays; printed: the same seed draws the same), SOAK_VERBOSE=1
# (a line per run), SOAK_KEEP=DIR (keep the graph and logs of failed runs),
# SOAK_RSS_SLACK_KB (RSS growth of the long host that still passes; 4096).
# The run_* functions are called by name ("run_$kind"):
# shellcheck disable=SC2317
set -uo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
steady="${STEADY_BIN:-$here/build/bin/steady}"

die_usage() {
    echo "tools/soak.sh: $*" >&2
    echo "usage: tools/soak.sh MINUTES   (e.g. 10 or 0.25; env SOAK_SECONDS=N overrides)" >&2
    exit 2
}

# to_ms NUMBER SCALE: NUMBER (digits, maybe a fraction) times SCALE, in ms
to_ms() {
    awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n * s }'
}

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0" | sed '/shellcheck/d; /called by name/d'
    exit 0
fi
if [[ -n "${SOAK_SECONDS:-}" ]]; then
    [[ "$SOAK_SECONDS" =~ ^[0-9]+([.][0-9]+)?$ ]] ||
        die_usage "SOAK_SECONDS must be a number of seconds, got '$SOAK_SECONDS'"
    duration_ms=$(to_ms "$SOAK_SECONDS" 1000)
else
    [[ $# -eq 1 ]] || die_usage "give the soak's length in minutes"
    [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]] ||
        die_usage "MINUTES must be a number such as 10 or 0.5, got '$1'"
    duration_ms=$(to_ms "$1" 60000)
fi
((duration_ms > 0)) || die_usage "the soak must last more than 0 s"
[[ -x "$steady" ]] ||
    die_usage "$steady is not an executable: build first (tools/run.sh) or set STEADY_BIN"
for tool in timeout awk; do
    command -v "$tool" >/dev/null || die_usage "needs '$tool'"
done

seed="${SOAK_SEED:-$(($(date +%s) % 1000000))}"
[[ "$seed" =~ ^[0-9]+$ ]] || die_usage "SOAK_SEED must be a number, got '$seed'"
RANDOM=$seed
verbose="${SOAK_VERBOSE:-0}"
rss_slack_kb="${SOAK_RSS_SLACK_KB:-4096}"
run_limit_s=180  # one short run: generous, the machine may be loaded
min_iterations=6 # one run of each kind, however short the soak

tmp="$(mktemp -d "${TMPDIR:-/tmp}/steady-soak-XXXXXX")" || exit 2
cur_pid="" long_pid=""
cleanup() {
    # only the hosts this script started, by their pid
    local pid
    for pid in "$cur_pid" "$long_pid"; do
        [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "tools/soak.sh: interrupted" >&2; exit 130' INT TERM HUP

# The machine may be slow to start processes, so the loop starts few: the
# clock and naps are builtins (a read that times out on a pipe nobody
# writes), and the helpers set variables instead of printing.
exec {nap_fd}<> <(:)
nap() {
    read -r -t "$1" -u "$nap_fd" _ || true
}

# now: NOW = the time in ms
now() {
    local t=${EPOCHREALTIME/./}
    NOW=$((t / 1000))
}

# rand LO HI: R = a number in [LO, HI]
rand() {
    R=$(($1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1)))
}

# pick A B ...: R = one of the arguments
pick() {
    local a=("$@")
    R=${a[RANDOM % ${#a[@]}]}
}

# thousandths N: R = N / 1000 with three decimals, e.g. 1250 -> 1.250
thousandths() {
    printf -v R '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

# ---------------------------------------------------------------------------
# The log checker. Reads host logs (several runs in order, as one stream) and
# prints one line of key=value. The value of each of the logger's messages is
# inferred from its kind: a Value(N) line anchors it, the Fizz, Buzz and
# FizzBuzz lines before an anchor are placed back from it, so a gap or a
# repeat is counted where it happened. start: the first value expected, or
# -1 to take it from the first anchor (a run resumed after SIGKILL).
# ---------------------------------------------------------------------------
read -r -d '' checker <<'AWK'
function kind_of(v) {
    return v % 15 == 0 ? "FizzBuzz" : v % 3 == 0 ? "Fizz" : v % 5 == 0 ? "Buzz" : "Value"
}
function see(v,    x) {
    msgs++
    if (!started) { started = 1; first = v; hi = v }
    if (v == hi) { hi++; return }
    if (v > hi) {
        if (v - hi > 1000000) bighole += v - hi
        else for (x = hi; x < v; x++) { hole[x] = 1; holes++ }
        hi = v + 1
        return
    }
    if (v in hole) { delete hole[v]; holes--; reordered++; return }
    dup++
}
function forward(k,    x) {
    x = started ? hi : 0
    while (kind_of(x) != k) x++
    return x
}
function resolve(v,    j, c) {
    if (!started && np > 0 && v - np >= 0) { started = 1; first = v - np; hi = first }
    for (j = 0; j < np; j++) {
        c = v - (np - j)
        if (c >= 0 && kind_of(c) == pend[j]) see(c)
        else see(forward(pend[j]))
    }
    np = 0
    see(v)
}
BEGIN {
    if (start >= 0) { started = 1; first = start; hi = start }
    sent = -1; gaveup = -1; lastbeat = -1; rss = 0
}
index($0, "[logger] Msg ") {
    t = substr($0, index($0, "] Msg ") + 6)
    if (t ~ /^Value\([0-9]+\)$/) resolve(substr(t, 7, length(t) - 7) + 0)
    else if (t == "Fizz" || t == "Buzz" || t == "FizzBuzz") {
        pend[np++] = t
        if (np > 64) { for (j = 0; j < np; j++) see(forward(pend[j])); np = 0 }
    } else bad++
    next
}
/\] failed: .*; restart [0-9]+ \(at most / {
    a = substr($0, index($0, "[") + 1); a = substr(a, 1, index(a, "]") - 1)
    restarts[a]++; nrestarts++
    if (!index($0, "] failed: injected failure ")) { other++; otherline = $0 }
    next
}
/\[steady\] actor '.*' failed: .*\(gave up after / {
    if (match($0, /failed: injected failure before sending [0-9]+ /))
        gaveup = substr($0, RSTART + 40, RLENGTH - 41) + 0
    else { other++; otherline = $0 }
    next
}
/ error / && !/ panic: injected failure / { other++; otherline = $0; next }
/\[generator\] sent [0-9]+ values$/ { sent = $(NF - 1) + 0; next }
/\[heartbeat\] beat [0-9]+$/ { if ($NF + 0 > lastbeat) lastbeat = $NF + 0; next }
/log lines were dropped/ { dropped++; next }
/stopped cleanly after/ {
    clean++
    if (match($0, /max RSS [0-9.]+ MiB/)) rss = substr($0, RSTART + 8, RLENGTH - 12) + 0
    next
}
/ resumes from / { resumed++; next }
/left by a save that was cut short/ { stale++; next }
END {
    for (j = 0; j < np; j++) see(forward(pend[j]))
    e = sent >= 0 ? sent : gaveup
    # no message and no known start: nothing to place (a resumed run with
    # nothing left to do)
    if (!started) { first = start >= 0 ? start : e >= 0 ? e : 0; hi = first }
    lost = holes + bighole
    extra = 0
    if (e >= 0 && hi < e) lost += e - hi
    if (e >= 0 && hi > e) extra = hi - e
    gsub(/[ \t]/, "_", otherline)
    printf "msgs=%.0f first=%.0f end=%.0f lost=%.0f dup=%.0f reordered=%.0f extra=%.0f bad=%.0f ", msgs, first, hi, lost, dup, reordered, extra, bad
    printf "sent=%.0f gaveup=%.0f lastbeat=%.0f restarts=%.0f ", sent, gaveup, lastbeat, nrestarts
    printf "r_heartbeat=%.0f r_generator=%.0f r_worker=%.0f r_logger=%.0f ", restarts["heartbeat"], restarts["generator"], restarts["worker"], restarts["logger"]
    printf "other=%.0f dropped=%.0f clean=%.0f rss=%s resumed=%.0f stale=%.0f otherline=%s\n", other, dropped, clean, rss, resumed, stale, otherline
}
AWK

# check START FILE...: runs the checker on the FILEs as one stream; sets C
declare -A C
check() {
    local start=$1 kv kvs
    shift
    C=()
    read -r -a kvs <<<"$(cat "$@" | awk -v start="$start" "$checker")"
    for kv in "${kvs[@]}"; do
        C[${kv%%=*}]=${kv#*=}
    done
}

# failures AT EVERY LIMIT: R = how many values in [0, LIMIT) fail_at AT or
# fail_every EVERY name (AT, and the multiples of EVERY above 0)
failures() {
    local at=$1 every=$2 limit=$3
    R=0
    ((limit <= 0)) && return
    ((every > 0)) && R=$(((limit - 1) / every))
    if ((at >= 0 && at < limit)) && ! ((every > 0 && at > 0 && at % every == 0)); then
        R=$((R + 1))
    fi
}

# ---------------------------------------------------------------------------
# Graphs and hosts
# ---------------------------------------------------------------------------

# The knobs of one generated graph; new_params draws them.
declare -A P

# maybe KEY OFF LO HI: P[KEY] = OFF half the time, else a number in [LO, HI]
maybe() {
    rand "$3" "$4"
    pick "$2" "$R"
    P[$1]=$R
}

new_params() {
    local est a style n=0
    P=([rmax]=1000 [gmax]=1000)
    pick 5 10 10 20 && P[rate]=$R
    rand 10 50 && P[beats]=$R
    pick 16 64 64 256 && P[cap]=$R
    pick 0 1 10 50 && P[backoff]=$R
    pick 1024 1024 13 1 && P[gbatch]=$R
    pick 0 0 7 64 && P[wbatch]=$R
    est=$((P[beats] * P[cap])) # about what the generator sends
    maybe hb_at -1 0 $((P[beats] - 1))
    maybe hb_every 0 3 10
    maybe g_at -1 0 $est
    maybe g_every 0 $((est / 8 + 1)) $((est / 2 + 1))
    maybe w_at -1 0 $est
    maybe w_every 0 $((est / 8 + 1)) $((est / 2 + 1))
    maybe l_at -1 0 $est
    maybe l_every 0 $((est / 8 + 1)) $((est / 2 + 1))
    pick solo one any && style=$R
    for a in heartbeat generator worker logger; do
        case $style in
        solo) R="" ;;
        one) R=t1 ;;
        any) pick "" t1 t2 ;;
        esac
        P[troupe_$a]=$R
        if [[ -n "$R" ]]; then
            P[place_$a]="    troupe: $R"
            n=$((n + 1))
        else
            P[place_$a]=""
        fi
    done
    if ((n == 0)); then
        P[placement]=solo
    elif ((n == 4)); then
        P[placement]=troupe
    else
        P[placement]=mixed
    fi
}

# write_graph FILE: a robust.yaml-style graph from P
write_graph() {
    cat >"$1" <<EOF
graph: soak
telemetry: { listen: "off" }
defaults:
  shutdown_timeout_ms: 30000
  channel: { capacity: ${P[cap]} }
  actor:
    restart: { max: ${P[rmax]}, within_s: 60, backoff_ms: ${P[backoff]} }
actors:
  heartbeat:
    plugin: heartbeat
    params: { rate_ms: ${P[rate]}, beats: ${P[beats]}, fail_at_beat: ${P[hb_at]}, fail_every_beat: ${P[hb_every]} }
${P[place_heartbeat]}
  generator:
    plugin: generator
    params: { batch: ${P[gbatch]}, fail_at: ${P[g_at]}, fail_every: ${P[g_every]} }
    restart: { max: ${P[gmax]}, within_s: 600, backoff_ms: ${P[backoff]} }
${P[place_generator]}
  worker:
    plugin: worker
    params: { batch: ${P[wbatch]}, fail_at: ${P[w_at]}, fail_every: ${P[w_every]} }
${P[place_worker]}
  logger:
    plugin: logger
    params: { fail_at: ${P[l_at]}, fail_every: ${P[l_every]} }
${P[place_logger]}
channels:
  - heartbeat.out -> worker.heartbeat
  - generator.out -> worker.values
  - worker.out -> logger.in
EOF
}

# start_host LOG LIMIT_S ARGS...: starts `steady run ARGS --telemetry off`
# in the background under `timeout`; sets cur_pid (the host itself: its pid
# is written by the shell that then becomes it) and cur_job (timeout's)
start_host() {
    local log=$1 limit=$2 pidf="$tmp/pid" deadline
    shift 2
    rm -f "$pidf"
    # shellcheck disable=SC2016 # expanded by that shell
    timeout -k 5 "$limit" bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" \
        "$steady" run "$@" --telemetry off </dev/null >"$log" 2>&1 &
    cur_job=$!
    cur_pid=""
    now
    deadline=$((NOW + 30000))
    while [[ ! -s "$pidf" ]] && ((NOW < deadline)); do
        nap 0.01
        now
    done
    read -r cur_pid <"$pidf" 2>/dev/null
}

# finish_host: waits for the host started last; sets rc
finish_host() {
    # in braces, so that the shell's "Killed" notice after our SIGKILL is
    # not printed
    { wait "$cur_job"; } 2>/dev/null
    rc=$?
    cur_pid=""
}

# await_line FILE TEXT MS: whether a line of FILE has TEXT within MS, while
# the current host runs (FILE is read as it grows, without new processes)
await_line() {
    local fd line buf="" deadline alive=1
    exec {fd}<"$1" || return 1
    now
    deadline=$((NOW + $3))
    while ((NOW < deadline)); do
        while IFS= read -r -u "$fd" line; do
            line="$buf$line"
            buf=""
            if [[ $line == *"$2"* ]]; then
                exec {fd}<&-
                return 0
            fi
        done
        buf+="$line" # a line not yet complete
        ((alive)) || break
        kill -0 "$cur_pid" 2>/dev/null || alive=0 # one more pass, then stop
        nap 0.01
        now
    done
    exec {fd}<&-
    return 1
}

# sig_after LOG SIGNAL: sends SIGNAL to the current host a random time (up
# to 80% of its beats) after it logged that it started; DELAY = that time
sig_after() {
    rand 0 $((P[beats] * P[rate] * 8 / 10))
    DELAY=$R
    if await_line "$1" "starting:" 60000; then
        thousandths "$DELAY"
        nap "$R"
        kill "-$2" "$cur_pid" 2>/dev/null
    fi
}

# ---------------------------------------------------------------------------
# Totals and judgement
# ---------------------------------------------------------------------------
runs=0 iterations=0 msgs=0 restarts=0 lost=0 dup=0 failed=0
declare -A kinds=() places=()
kill_replayed=0 kill_skipped=0 kill_stale=0 kill_pairs=0
rss_min="" rss_max=""

# problem TEXT LOG...: records a failed check, shows the LOGs' last lines
# (without the messages) and keeps them if asked
problem() {
    local text=$1 f
    shift
    failed=$((failed + 1))
    echo "soak: FAIL: $text" >&2
    for f in "$@"; do
        echo "  --- the end of ${f##*/} (without Msg lines):" >&2
        grep -v '\] Msg ' "$f" | tail -n 8 | sed 's/^/  /' >&2
    done
    if [[ -n "${SOAK_KEEP:-}" ]]; then
        mkdir -p "$SOAK_KEEP/$iterations" &&
            cp "$@" "$tmp/g.yaml" "$SOAK_KEEP/$iterations/" 2>/dev/null
    fi
}

# account WHAT LOG...: adds C to the totals and judges what every run must
# hold: nothing lost, repeated or out of order, no failure that was not
# injected, no dropped log line (which would make the check blind)
account() {
    local what=$1
    shift
    msgs=$((msgs + C[msgs]))
    restarts=$((restarts + C[restarts]))
    lost=$((lost + C[lost]))
    dup=$((dup + C[dup] + C[extra] + C[reordered]))
    if ((C[lost] || C[dup] || C[extra] || C[reordered] || C[bad])); then
        problem "$what: lost ${C[lost]}, duplicated ${C[dup]}, beyond the end ${C[extra]}, out of order ${C[reordered]}, unreadable ${C[bad]} (messages ${C[first]}..$((C[end] - 1)), generator sent ${C[sent]})" "$@"
    fi
    if ((C[other])); then
        problem "$what: a failure that was not injected: ${C[otherline]//_/ }" "$@"
    fi
    if ((C[dropped])); then
        problem "$what: log lines were dropped, so the messages cannot be checked" "$@"
    fi
}

# expect_restarts WHAT N BEATS LOG...: the restarts logged per actor are the
# injected failures that N values and BEATS beats reach; the generator and
# the heartbeat may also have failed at the next one, just before the stop
expect_restarts() {
    local what=$1 n=$2 b=$3 lo hi
    shift 3
    failures "${P[g_at]}" "${P[g_every]}" "$n" && lo=$R
    failures "${P[g_at]}" "${P[g_every]}" $((n + 1)) && hi=$R
    ((C[r_generator] >= lo && C[r_generator] <= hi)) ||
        problem "$what: generator restarted ${C[r_generator]} times, expected $lo..$hi for $n values" "$@"
    failures "${P[w_at]}" "${P[w_every]}" "$n" && lo=$R
    ((C[r_worker] == lo)) ||
        problem "$what: worker restarted ${C[r_worker]} times, expected $lo for $n values" "$@"
    failures "${P[l_at]}" "${P[l_every]}" "$n" && lo=$R
    ((C[r_logger] == lo)) ||
        problem "$what: logger restarted ${C[r_logger]} times, expected $lo for $n values" "$@"
    failures "${P[hb_at]}" "${P[hb_every]}" "$b" && lo=$R
    failures "${P[hb_at]}" "${P[hb_every]}" $((b + 1)) && hi=$R
    ((C[r_heartbeat] >= lo && C[r_heartbeat] <= hi)) ||
        problem "$what: heartbeat restarted ${C[r_heartbeat]} times, expected $lo..$hi for $b beats" "$@"
}

say() {
    ((verbose)) && printf 'soak: %4d %-14s %-6s %7s msgs %3s restarts %s\n' \
        "$iterations" "$1" "${P[placement]}" "${C[msgs]}" "${C[restarts]}" "${2:-}" >&2
    return 0
}

# ---------------------------------------------------------------------------
# The kinds of short run
# ---------------------------------------------------------------------------

# A plain run, a third of them with a fresh state folder.
run_plain() {
    local log="$tmp/run.log" args=("$tmp/g.yaml")
    if ((RANDOM % 3 == 0)); then
        rm -rf "$tmp/state"
        args+=(--state-dir "$tmp/state")
    fi
    start_host "$log" "$run_limit_s" "${args[@]}"
    finish_host
    runs=$((runs + 1))
    check 0 "$log"
    account "plain run" "$log"
    if ((rc != 0 || C[clean] != 1 || C[sent] < 0)); then
        problem "plain run: exit status $rc, expected 0 and a clean stop" "$log"
        return
    fi
    expect_restarts "plain run" "${C[sent]}" $((C[lastbeat] + 1)) "$log"
    say plain
}

# SIGTERM mid-run, then a run resumed from the state folder: the two logs
# together must be exactly fizzbuzz(0..N-1), each failure injected once.
run_sigterm_resume() {
    local log1="$tmp/run1.log" log2="$tmp/run2.log" rc1
    rm -rf "$tmp/state"
    start_host "$log1" "$run_limit_s" "$tmp/g.yaml" --state-dir "$tmp/state"
    sig_after "$log1" TERM
    finish_host
    rc1=$rc
    start_host "$log2" "$run_limit_s" "$tmp/g.yaml" --state-dir "$tmp/state"
    finish_host
    runs=$((runs + 2))
    check 0 "$log1" "$log2"
    account "SIGTERM after $DELAY ms + resumed run" "$log1" "$log2"
    if ((rc1 != 0 || rc != 0 || C[clean] != 2 || C[sent] < 0)); then
        problem "SIGTERM after $DELAY ms + resumed run: exit statuses $rc1 and $rc, expected 0 and 0 with clean stops" "$log1" "$log2"
        return
    fi
    expect_restarts "SIGTERM + resumed run" "${C[sent]}" $((C[lastbeat] + 1)) "$log1" "$log2"
    say sigterm+resume "stopped after $DELAY ms"
}

# SIGKILL mid-run, then a resumed run. Only what was saved survives a
# SIGKILL (state is saved at a failure, a checkpoint and the stop), so the
# resumed run may replay what the killed one logged, or skip what it had in
# flight: reported, not judged. Judged: the killed run's messages up to the
# kill, and the resumed run on its own (it starts, stops cleanly, and its
# messages are complete and in order from where it resumed).
run_kill_resume() {
    local log1="$tmp/run1.log" log2="$tmp/run2.log" end1 c1
    rm -rf "$tmp/state"
    start_host "$log1" "$run_limit_s" "$tmp/g.yaml" --state-dir "$tmp/state"
    sig_after "$log1" KILL
    finish_host
    start_host "$log2" "$run_limit_s" "$tmp/g.yaml" --state-dir "$tmp/state"
    finish_host
    runs=$((runs + 2))
    kill_pairs=$((kill_pairs + 1))

    # the killed run, as far as it got (a line the kill cut is dropped)
    if [[ -s "$log1" ]] && (($(tail -c 1 "$log1" | wc -l) == 0)); then
        sed -i '$d' "$log1"
    fi
    check 0 "$log1"
    account "run killed after $DELAY ms" "$log1"
    end1=${C[end]} c1=${C[msgs]}
    # the resumed run, from wherever it resumed
    check -1 "$log2"
    account "run resumed after SIGKILL" "$log2"
    kill_stale=$((kill_stale + C[stale]))
    if ((rc != 0 || C[clean] != 1)); then
        problem "run resumed after SIGKILL: exit status $rc, expected 0 and a clean stop" "$log1" "$log2"
        return
    fi
    if ((C[msgs] > 0)); then
        if ((C[first] < end1)); then
            kill_replayed=$((kill_replayed + end1 - C[first]))
        elif ((C[first] > end1)); then
            kill_skipped=$((kill_skipped + C[first] - end1))
        fi
    fi
    say kill+resume "killed after $DELAY ms with $c1 msgs logged; resumed at ${C[first]}"
}

# The generator fails more often than its policy allows: exit 1 with the
# reason, and the logger still has every value it sent, once.
run_give_up() {
    local log="$tmp/run.log" k=${P[gmax]}
    start_host "$log" "$run_limit_s" "$tmp/g.yaml"
    finish_host
    runs=$((runs + 1))
    check 0 "$log"
    account "run whose generator gives up" "$log"
    if ((rc != 1)) || ! grep -q "^steady: actor 'generator' failed: injected failure before sending [0-9]* (gave up after $k restart" "$log"; then
        problem "give-up run: exit status $rc and no 'gave up after $k restarts' line; expected 1 and that line" "$log"
        return
    fi
    ((C[r_generator] == k)) ||
        problem "give-up run: generator restarted ${C[r_generator]} times, its policy allows $k" "$log"
    say give-up "gave up at ${C[gaveup]}"
}

# ---------------------------------------------------------------------------
# The long-lived host
# ---------------------------------------------------------------------------
long_log="$tmp/long.log"
cat >"$tmp/long.yaml" <<'EOF'
# tools/soak.sh's long-lived host: a failure every second or two in each
# actor, all the soak long, with a state folder (each failure saves state).
graph: soak_long
telemetry: { listen: "off" }
defaults:
  shutdown_timeout_ms: 60000
  channel: { capacity: 64 }
  actor:
    restart: { max: 1000, within_s: 60, backoff_ms: 10 }
actors:
  heartbeat:
    plugin: heartbeat
    params: { rate_ms: 20, beats: 1000000000, log_every: 500, fail_every_beat: 97 }
  generator:
    plugin: generator
    params: { fail_every: 4999 }
  worker:
    plugin: worker
    params: { fail_every: 6007 }
    troupe: back
  logger:
    plugin: logger
    params: { fail_every: 7001 }
    troupe: back
channels:
  - heartbeat.out -> worker.heartbeat
  - generator.out -> worker.values
  - worker.out -> logger.in
EOF

# sample PID: R = "rss_kb threads fds" of a live process; RSS and fds are
# the least of a few looks, so that a save in progress (two more fds for a
# moment) does not count
sample() {
    local pid=$1 look line rss thr fds n best_rss="" best_fds=""
    for look in 1 2 3 4 5; do
        rss="" thr=""
        while read -r line; do
            case $line in
            VmRSS:*) rss=${line//[!0-9]/} ;;
            Threads:*) thr=${line//[!0-9]/} ;;
            esac
        done <"/proc/$pid/status" || return 1
        fds=("/proc/$pid/fd/"*)
        n=${#fds[@]}
        [[ -z "$best_rss" || $rss -lt $best_rss ]] && best_rss=$rss
        [[ -z "$best_fds" || $n -lt $best_fds ]] && best_fds=$n
        ((look < 5)) && nap 0.05
    done 2>/dev/null
    R="$best_rss $thr $best_fds"
}

count_restarts() {
    R=$(grep -c '\] failed: .*; restart [0-9]* (at most' "$long_log")
}

now
t0=$NOW
end_at=$((t0 + duration_ms))
thousandths $((duration_ms / 60))
echo "soak: $R min, seed $seed, host $steady" >&2

start_host "$long_log" $((duration_ms / 1000 + 600)) "$tmp/long.yaml" --state-dir "$tmp/long-state"
long_pid=$cur_pid long_job=$cur_job cur_pid=""
# the first sample after a warm-up: a few failures of each actor
warmup_ms=$((duration_ms / 20))
((warmup_ms < 3000)) && warmup_ms=3000
((warmup_ms > 30000)) && warmup_ms=30000
long_start="" long_start_at=0 long_start_restarts=0

take_first_sample() {
    sample "$long_pid" && long_start=$R || long_start="gone"
    now
    long_start_at=$NOW
    count_restarts
    long_start_restarts=$R
}

next_report=$((t0 + 60000))
kinds_cycle=(plain sigterm_resume plain kill_resume plain give_up)
now
while ((NOW < end_at || iterations < min_iterations)); do
    if [[ -z "$long_start" ]] && ((NOW - t0 >= warmup_ms)); then
        take_first_sample
    fi
    kind=${kinds_cycle[iterations % ${#kinds_cycle[@]}]}
    new_params
    if [[ $kind == give_up ]]; then
        # the generator fails often, on a small budget; beats for a minute,
        # although it gives up within a second or so
        P[g_at]=-1
        rand $((P[cap] / 2 + 1)) $((P[cap] * 3)) && P[g_every]=$R
        rand 1 4 && P[gmax]=$R
        P[beats]=$((60000 / P[rate]))
    fi
    write_graph "$tmp/g.yaml"
    kinds[$kind]=$((${kinds[$kind]:-0} + 1))
    places[${P[placement]}]=$((${places[${P[placement]}]:-0} + 1))
    "run_$kind"
    iterations=$((iterations + 1))
    if sample "$long_pid"; then
        r=${R%% *}
        [[ -z "$rss_min" || $r -lt $rss_min ]] && rss_min=$r
        [[ -z "$rss_max" || $r -gt $rss_max ]] && rss_max=$r
    fi
    now
    if ((NOW >= next_report)); then
        echo "soak: $(((next_report - t0) / 60000)) min: $runs runs, $msgs messages checked, $restarts restarts, $failed failed checks" >&2
        next_report=$((next_report + 60000))
    fi
done

# the long host: the last sample, then a graceful stop and the same checks
long_end="" long_end_at=0 long_end_restarts=0
if kill -0 "$long_pid" 2>/dev/null; then
    [[ -n "$long_start" ]] || take_first_sample
    sample "$long_pid" && long_end=$R
    now
    long_end_at=$NOW
    count_restarts
    long_end_restarts=$R
    kill -TERM "$long_pid" 2>/dev/null
fi
{ wait "$long_job"; } 2>/dev/null
long_rc=$?
long_pid=""
check 0 "$long_log"
declare -A L
for k in "${!C[@]}"; do L[$k]=${C[$k]}; done
account "long-lived host" "$long_log"
if [[ -z "$long_end" ]]; then
    problem "long-lived host: it was not running at the end of the soak (exit status $long_rc)" "$long_log"
elif ((long_rc != 0 || C[clean] != 1 || C[sent] < 0)); then
    problem "long-lived host: exit status $long_rc after SIGTERM, expected 0 and a clean stop" "$long_log"
else
    # the heartbeat logs every 500th beat only: its count is not checked
    P=([g_at]=-1 [g_every]=4999 [w_at]=-1 [w_every]=6007 [l_at]=-1 [l_every]=7001 [hb_at]=-1 [hb_every]=0)
    C[r_heartbeat]=0
    expect_restarts "long-lived host" "${C[sent]}" 0 "$long_log"
fi
read -r s_rss s_thr s_fds <<<"${long_start:-0 0 0}"
read -r e_rss e_thr e_fds <<<"${long_end:-0 0 0}"
if [[ -n "$long_end" && "$long_start" != gone ]]; then
    ((e_fds > s_fds)) &&
        problem "long-lived host: open fds grew from $s_fds to $e_fds" "$long_log"
    ((e_thr > s_thr)) &&
        problem "long-lived host: threads grew from $s_thr to $e_thr" "$long_log"
    ((e_rss - s_rss > rss_slack_kb)) &&
        problem "long-lived host: RSS grew from $s_rss KiB to $e_rss KiB, more than SOAK_RSS_SLACK_KB=$rss_slack_kb" "$long_log"
fi

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
mib() {
    printf -v R '%d.%d MiB' $(($1 / 1024)) $(($1 % 1024 * 10 / 1024))
}
now
thousandths $(((NOW - t0) / 60)) && elapsed=${R%??}
thousandths $(((long_end_at - long_start_at) / 60)) && between=${R%??}
printf '\nsoak summary: %s min, seed %s\n' "$elapsed" "$seed"
printf '| measure | value |\n|---|---|\n'
printf '| short runs | %d (%d plain, %d SIGTERM + resumed pairs, %d SIGKILL + resumed pairs, %d give-up) |\n' \
    "$runs" "${kinds[plain]:-0}" "${kinds[sigterm_resume]:-0}" "${kinds[kill_resume]:-0}" "${kinds[give_up]:-0}"
printf '| placements (per graph) | %d solo, %d all in troupes, %d mixed |\n' \
    "${places[solo]:-0}" "${places[troupe]:-0}" "${places[mixed]:-0}"
printf '| messages checked | %d (%d in short runs, %d in the long host) |\n' \
    "$msgs" $((msgs - L[msgs])) "${L[msgs]}"
printf '| restarts | %d (%d in short runs, %d in the long host) |\n' \
    "$restarts" $((restarts - L[restarts])) "${L[restarts]}"
printf '| lost | %d |\n' "$lost"
printf '| duplicated (or out of order) | %d |\n' "$dup"
printf '| failed checks | %d |\n' "$failed"
printf '| after SIGKILL (not promised) | %d pairs: %d values replayed, %d skipped; %d stale temp files removed |\n' \
    "$kill_pairs" "$kill_replayed" "$kill_skipped" "$kill_stale"
mib "$s_rss" && a=$R
mib "$e_rss" && b=$R
mib "${rss_min:-0}" && c=$R
mib "${rss_max:-0}" && d=$R
printf '| long host: RSS start / end | %s / %s (%s to %s over the samples) |\n' "$a" "$b" "$c" "$d"
printf '| long host: open fds start / end | %d / %d |\n' "$s_fds" "$e_fds"
printf '| long host: threads start / end | %d / %d |\n' "$s_thr" "$e_thr"
printf '| long host: restarts between the samples | %d in %s min |\n' \
    $((long_end_restarts - long_start_restarts)) "$between"
printf '| long host: exit status after SIGTERM | %d |\n' "$long_rc"

if ((failed)); then
    echo "soak: FAILED: $failed failed checks" >&2
    exit 1
fi
echo "soak: OK" >&2
exit 0
