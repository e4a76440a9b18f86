#!/usr/bin/env bash
# tools/test.sh - installs what is missing, then builds and runs every test
# three times: a warnings-as-errors release build, an AddressSanitizer +
# UBSan build and a ThreadSanitizer build; then fuzzes: each libFuzzer
# target (clang) runs for STEADY_FUZZ_SECONDS (20) on a fresh copy of its
# seed corpus, and any crash, leak or input slower than 2 s fails the stage.
# STEADY_TEST_STAGES picks a subset ("release asan tsan fuzz").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/tools/deps.sh"
steady_install_deps

stages="${STEADY_TEST_STAGES:-release asan tsan fuzz}"
jobs="$(nproc)"
failed=()
total_passed=0
total_failed=0

run_stage() {
  local name="$1"; shift
  local build="$here/build-test-$name"
  echo "=== $name: configure and build ==="
  cmake -S "$here" -B "$build" -DSTEADY_WERROR=ON "$@" >/dev/null
  # -Werror: any warning fails the build, and so the stage
  cmake --build "$build" -j"$jobs" >"$build.log" 2>&1 || { tail -50 "$build.log"; return 1; }
  echo "=== $name: tests ==="
  local rc=0
  ctest --test-dir "$build" --output-on-failure -j"$jobs" | tee "$build.ctest" || rc=1
  # ctest's summary: "N% tests passed, F tests failed out of T"
  read -r f t < <(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' \
    "$build.ctest" | tail -1)
  total_failed=$((total_failed + ${f:-0}))
  total_passed=$((total_passed + ${t:-0} - ${f:-0}))
  [ "$rc" -eq 0 ] || return 1
  if [ "$name" = release ]; then
    echo "=== $name: clang-format check ==="
    cmake --build "$build" --target format-check
  fi
}

# The fuzz stage: tools/fuzz.sh in its own build folder, from the seeds.
run_fuzz_stage() {
  local log="$here/build-test-fuzz.fuzz" rc=0 p f
  STEADY_FUZZ_BUILD="$here/build-test-fuzz" STEADY_FUZZ_FRESH=1 \
    "$here/tools/fuzz.sh" "${STEADY_FUZZ_SECONDS:-20}" | tee "$log" || rc=1
  p=$(grep -c '^PASS ' "$log" || true)
  f=$(grep -c '^FAIL ' "$log" || true)
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  [ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]
}

for stage in $stages; do
  if [ "$stage" = fuzz ]; then
    run_fuzz_stage || failed+=("$stage")
    continue
  fi
  case "$stage" in
    # Release (-O3) as the README's benchmark build: its inlining shows
    # warnings -O2 does not; the TSan stage still builds -O2
    release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan)    args=(-DCMAKE_BUILD_TYPE=Debug -DSTEADY_SANITIZE=address) ;;
    tsan)    args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEADY_SANITIZE=thread) ;;
    *) echo "unknown stage '$stage'" >&2; exit 2 ;;
  esac
  if ! run_stage "$stage" "${args[@]}"; then
    failed+=("$stage")
  fi
done

echo "Stages: $stages"
if [ ${#failed[@]} -ne 0 ]; then
  echo "FAILED stages: ${failed[*]}"
  echo "$total_passed passed, $total_failed failed"
  exit 1
fi
echo "$total_passed passed, $total_failed failed"
