#!/usr/bin/env bash
# scaffold_test.sh BUILD_DIR [CFLAGS] - `steady new-plugin` as a new plugin
# author meets it: installs steady into a temporary prefix, generates a
# project with the installed `steady`, then configures, builds and tests
# what it generated against the installed SDK and runs its graph. Also
# checks the refusals (a name that is not a C identifier, an existing
# folder) and that nothing is left behind by a refusal.
set -euo pipefail
build="$1"
cflags="${2:-}"
tmp="$(mktemp -d /tmp/steady-scaffold-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/sdk" >/dev/null
steady="$tmp/sdk/bin/steady"
cd "$tmp"

# refusals: exit 2, a message, and no folder made
for bad in 9lives my-plugin "a b" "" test; do
  rc=0; "$steady" new-plugin "$bad" "$tmp/bad" >"$tmp/err" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "new-plugin '$bad' exited $rc, want 2"
  grep -q "plugin name" "$tmp/err" || fail "new-plugin '$bad': $(cat "$tmp/err")"
  [ ! -e "$tmp/bad" ] || fail "new-plugin '$bad' left $tmp/bad behind"
done
mkdir "$tmp/taken"
rc=0; "$steady" new-plugin scaler "$tmp/taken" >"$tmp/err" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && grep -q "already exists" "$tmp/err" \
  || fail "an existing folder was not refused: rc=$rc $(cat "$tmp/err")"
"$steady" new-plugin --help | grep -q "new-plugin NAME" || fail "new-plugin --help"

# the project, as generated
"$steady" new-plugin scaler >"$tmp/made" || fail "new-plugin scaler failed"
for f in scaler.c test_scaler.c CMakeLists.txt scaler.yaml README.md; do
  [ -f "scaler/$f" ] || fail "scaler/$f was not generated"
done
cmake -S scaler -B scaler/build -DCMAKE_PREFIX_PATH="$tmp/sdk" \
  -DCMAKE_C_FLAGS="-Werror $cflags" >/dev/null || fail "configure"
cmake --build scaler/build >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
ctest --test-dir scaler/build --output-on-failure >"$tmp/test.log" 2>&1 \
  || { cat "$tmp/test.log"; fail "the generated test failed"; }
(cd scaler && "$steady" run scaler.yaml --plugin-path build/plugins \
  >"$tmp/run.log" 2>&1) || { cat "$tmp/run.log"; fail "the generated graph failed"; }
grep -q "\[scaler\] passed on [1-9][0-9]* values" "$tmp/run.log" \
  || { tail "$tmp/run.log"; fail "the plugin did not run"; }
# the worker saw only multiples of 3 (factor: 3): every Value(N) has 3 | N,
# so every message is Fizz or FizzBuzz
if grep "\[logger\] Msg " "$tmp/run.log" | grep -v -E "Msg (Fizz|FizzBuzz)$" | grep -q .; then
  fail "a value that is not a multiple of 3 reached the logger"
fi
grep -q "stopped cleanly" "$tmp/run.log" || fail "no clean stop"
"$steady" inspect scaler/build/plugins/scaler.so --json | grep -q '"name": "factor"' \
  || fail "inspect --json of the generated plugin"
# its declared range and port docs
"$steady" inspect scaler/build/plugins/scaler.so \
  | grep -q '^  factor  int   1        1..1000  each value is multiplied by this$' \
  || fail "inspect does not show factor's range"
"$steady" inspect scaler/build/plugins/scaler.so | grep -q 'values to multiply$' \
  || fail "inspect does not show the port docs"
sed 's/factor: 3/factor: 0/' scaler/scaler.yaml >scaler/zero.yaml
rc=0; (cd scaler && "$steady" check zero.yaml --plugin-path build/plugins \
  >"$tmp/check.log" 2>&1) || rc=$?
[ "$rc" -eq 2 ] && grep -q "zero.yaml:16:.*actor 'scaler': factor must be in 1..1000, got 0" "$tmp/check.log" \
  || fail "a factor out of range was not refused: rc=$rc $(cat "$tmp/check.log")"
echo "PASS"
