#!/usr/bin/env bash
# sdk_test.sh BUILD_DIR [CFLAGS] - the installed SDK, as a plugin author
# meets it: installs steady into a temporary prefix, moves the prefix, then
# builds the out-of-tree plugin in evens/ twice (pkg-config only, then
# find_package(steady)), runs its cmocka tests against the installed
# libsteady-testing (the plugin alone, and its graph with actors stood in
# for), and runs a graph that mixes it with the bundled plugins
# through the installed `steady`, with no flags, checking the output
# exactly. CFLAGS carries the build's sanitizer flags, if any.
set -euo pipefail
build="$1"
cflags="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d /tmp/steady-sdk-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. install, then move the prefix: nothing may point to where it was built
cmake --install "$build" --prefix "$tmp/first" >/dev/null
mv "$tmp/first" "$tmp/sdk"
p="$tmp/sdk"
for f in bin/steady lib/libsteady.so lib/libsteady-testing.so \
         lib/libsteady-runtime.so include/steady/steady.h \
         include/steady/messages.h \
         lib/pkgconfig/steady.pc lib/cmake/steady/steadyConfig.cmake \
         lib/steady/plugins/worker.so; do
  [ -e "$p/$f" ] || fail "not installed: $f"
done
[ -L "$p/lib/libsteady.so" ] && [ -L "$p/lib/libsteady.so.0" ] \
  || fail "libsteady.so's SONAME links are missing"
if grep -rlI -e "$build" -e "$tmp/first" "$p" >/dev/null; then
  fail "installed files point into the build tree: $(grep -rlI -e "$build" -e "$tmp/first" "$p")"
fi
if readelf -d "$p"/bin/steady "$p"/lib/*.so.* "$p"/lib/steady/plugins/*.so \
     | grep -E 'R(UN)?PATH' | grep -v '\$ORIGIN' >/dev/null; then
  fail "an installed run path is absolute"
fi
# what a plugin links depends on libc and pthreads only
needed="$(readelf -d "$p/lib/libsteady.so.0" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
for lib in $needed; do
  case "$lib" in
    libc.so.*|libpthread.so.*|ld-linux*.so.*) ;;
    # a sanitizer build links the sanitizer's runtime
    lib[at]san.so.*|libubsan.so.*) [ -n "$cflags" ] || fail "libsteady.so needs $lib" ;;
    *) fail "libsteady.so depends on $lib (needs: $needed)" ;;
  esac
done
case " $needed " in *yaml*|*microhttpd*|*gvc*|*cgraph*|*cmocka*) fail "libsteady.so drags in host libraries: $needed" ;; esac
echo "installed and moved: $p (libsteady.so needs: $needed)"

# a plugin links libsteady only: never the runtime or testing libraries
# (the NATS bridges, and only they, link the NATS client too)
plugin_needs() {
  for lib in $(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    case "$(basename "$1"):$lib" in
      nats_publish.so:libnats.so.*|nats_subscribe.so:libnats.so.*) continue ;;
    esac
    case "$lib" in
      libsteady.so.0|libc.so.*|libpthread.so.*|libm.so.*|ld-linux*.so.*) ;;
      lib[at]san.so.*|libubsan.so.*) [ -n "$cflags" ] || fail "$1 needs $lib" ;;
      *) fail "plugin $1 depends on $lib" ;;
    esac
  done
}
for so in "$p"/lib/steady/plugins/*.so; do plugin_needs "$so"; done

# 2. pkg-config only
export PKG_CONFIG_PATH="$p/lib/pkgconfig"
[ "$(pkg-config --modversion steady)" = "$(pkg-config --modversion steady-testing)" ] \
  || fail "steady.pc and steady-testing.pc disagree"
mkdir -p "$tmp/pc"
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Wextra -Werror $cflags -shared -fPIC -fvisibility=hidden \
  "$here/evens/evens.c" -o "$tmp/pc/evens.so" $(pkg-config --cflags --libs steady)
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Wextra -Werror $cflags -DEVENS_DIR="\"$here/evens\"" \
  "$here/evens/test_evens.c" \
  -o "$tmp/pc/test_evens" $(pkg-config --cflags --libs steady-testing cmocka)
plugin_needs "$tmp/pc/evens.so"
STEADY_PLUGIN_PATH="$tmp/pc" "$tmp/pc/test_evens" || fail "pkg-config build: test failed"
# the shared message types, on their own: header only, C11, pedantic
cat >"$tmp/pc/messages.c" <<'EOF'
#include <steady/messages.h>
#include <string.h>
int main(void)
{
    char text[32];
    struct steady_fizzbuzz_msg m = steady_fizzbuzz_of(14);

    steady_fizzbuzz_format(m, text, sizeof(text));
    return strcmp(text, "Value(14)") != 0 ||
           steady_fizzbuzz_kind(steady_fizzbuzz_of(30)) !=
               STEADY_FIZZBUZZ_FIZZBUZZ ||
           strcmp(STEADY_TYPE_FIZZBUZZ, "fizzbuzz_msg") != 0 ||
           sizeof(m) != 8;
}
EOF
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags "$tmp/pc/messages.c" \
  -o "$tmp/pc/messages" $(pkg-config --cflags steady)
"$tmp/pc/messages" || fail "<steady/messages.h> gives wrong FizzBuzz messages"
echo "pkg-config build: plugin and test ok"

# 3. find_package(steady) and steady_add_plugin
cmake -S "$here/evens" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$p" \
  -DCMAKE_C_FLAGS="$cflags" >/dev/null
cmake --build "$tmp/cm" >/dev/null
ctest --test-dir "$tmp/cm" --output-on-failure >/dev/null \
  || fail "find_package build: test failed"
[ -f "$tmp/cm/plugins/evens.so" ] || fail "steady_add_plugin put evens.so elsewhere"
echo "find_package build: plugin and test ok"

# 4. the plugin installed beside the SDK's own; the host finds it unasked
cmake --install "$tmp/cm" --prefix "$p" >/dev/null
[ -f "$p/lib/steady/plugins/evens.so" ] || fail "evens.so not installed"
cp "$here/evens/evens.yaml" "$tmp/graph.yaml"
(cd "$tmp" && env -u STEADY_PLUGIN_PATH "$p/bin/steady" run graph.yaml \
  >"$tmp/out.log" 2>&1) || { cat "$tmp/out.log"; fail "the graph failed"; }
# the logger's lines must be exactly fizzbuzz(0), fizzbuzz(2), ...
awk '
  function fb(v) {
    if (v % 15 == 0) return "FizzBuzz"
    if (v % 3 == 0) return "Fizz"
    if (v % 5 == 0) return "Buzz"
    return "Value(" v ")"
  }
  /\[logger\] Msg / { sub(/.*\[logger\] Msg /, "");
    if ($0 != fb(2 * n)) { printf "message %d is %s, want %s\n", n, $0, fb(2 * n); bad = 1; exit }
    n++ }
  END { if (bad) exit 1; if (n == 0) { print "no messages"; exit 1 }
        printf "%d messages, exactly fizzbuzz(0, 2, ..., %d)\n", n, 2 * (n - 1) }
' "$tmp/out.log" || { tail -20 "$tmp/out.log"; fail "wrong output"; }
grep -q "stopped cleanly" "$tmp/out.log" || fail "no clean stop"
echo "PASS"
