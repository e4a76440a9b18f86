#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] - builds the libFuzzer
# targets (tests/fuzz/fuzz_*.c; clang, ASan+UBSan) into build-fuzz/ and runs
# each for SECONDS_PER_TARGET seconds (default 60), one after the other: all
# of them, or the TARGETs named (graph or fuzz_graph).
#
# Each target works on a corpus that grows from run to run outside the
# repository, build-fuzz/corpus/NAME (the seeds of tests/fuzz/corpus/NAME are
# added to it on every run), and replays tests/fuzz/regressions/NAME first.
# An input that crashes, leaks, runs out of memory or takes more than 2 s is
# a failure: its file is printed, with how to keep it as a regression.
#
# Environment: STEADY_FUZZ_BUILD (build folder, default build-fuzz),
# STEADY_FUZZ_FRESH=1 (start from a fresh copy of the seeds, as tools/test.sh
# does), STEADY_FUZZ_TIMEOUT (seconds per input, 2), STEADY_FUZZ_RSS_MB
# (2048), STEADY_FUZZ_MAX_LEN (bytes per input, 16384).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/tools/deps.sh"

seconds="${1:-60}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac
build="${STEADY_FUZZ_BUILD:-$here/build-fuzz}"
timeout_s="${STEADY_FUZZ_TIMEOUT:-2}"
rss_mb="${STEADY_FUZZ_RSS_MB:-2048}"
max_len="${STEADY_FUZZ_MAX_LEN:-16384}"

steady_install_deps build fuzz

echo "=== fuzz: configure and build ($build) ==="
cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSTEADY_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Not -Werror: the gcc stages of tools/test.sh hold the warnings; clang
# adds a few of its own (-Wformat-nonliteral) that are not errors here.
cmake --build "$build" -j"$(nproc)" --target fuzz >"$build.log" 2>&1 \
  || { tail -50 "$build.log"; exit 1; }

targets=()
if [ $# -eq 0 ]; then
  for src in "$here"/tests/fuzz/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
  done
else
  for t in "$@"; do targets+=("fuzz_${t#fuzz_}"); done
fi

passed=0
failed=0
for target in "${targets[@]}"; do
  name="${target#fuzz_}"
  bin="$build/bin/$target"
  if [ ! -x "$bin" ]; then
    echo "FAIL $target: no such fuzz target ($bin)"
    failed=$((failed + 1))
    continue
  fi
  corpus="$build/corpus/$name"
  artifacts="$build/artifacts/$name"
  log="$build/logs/$target.log"
  [ "${STEADY_FUZZ_FRESH:-0}" = 1 ] && rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  # The seeds join the corpus; what the fuzzer found before stays.
  if [ -d "$here/tests/fuzz/corpus/$name" ]; then
    cp -n "$here/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  fi
  before=$(find "$corpus" -type f | wc -l)
  args=(-max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb"
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ -f "$here/tests/fuzz/$name.dict" ] && args+=(-dict="$here/tests/fuzz/$name.dict")
  dirs=("$corpus")
  [ -d "$here/tests/fuzz/regressions/$name" ] && dirs+=("$here/tests/fuzz/regressions/$name")
  echo "=== $target: ${seconds} s ==="
  rc=0
  start=$(date +%s)
  # stdin is /dev/null: nothing a fuzzed input names can wait on a terminal
  (cd "$artifacts" && "$bin" "${args[@]}" "${dirs[@]}") </dev/null >"$log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  # the final stats, or the last progress line when it stopped early
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9][0-9]*\).*cov:.*/\1/p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  after=$(find "$corpus" -type f | wc -l)
  crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  echo "$target: ${runs:-?} executions in $took s, ${cov:-no coverage figure}," \
    "corpus $after inputs ($((after - before)) new)"
  if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
    echo "PASS $target"
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  grep -E '^==[0-9]+==ERROR|^SUMMARY|ALARM|deadly signal|out-of-memory|leak' "$log" | head -5 || true
  echo "FAIL $target (exit $rc); log: $log"
  if [ -n "$crash" ]; then
    echo "  input: $crash"
    echo "  reproduce: $bin $crash"
    echo "  keep it as a regression: cp $crash $here/tests/fuzz/regressions/$name/<what-it-does>"
    echo "  then fix the bug; ctest -R fuzz_replay_$name replays it in every build"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
