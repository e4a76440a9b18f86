#!/usr/bin/env bash
# tools/deps.sh - installs what building, running and testing steady needs on
# Debian 12, only what is missing. Sourced by tools/run.sh (build set) and
# tools/test.sh (build and test sets).
set -euo pipefail

# To build and run: compiler, CMake, libyaml for graphs, cmocka for the
# harness, libmicrohttpd and Graphviz for telemetry, the NATS C client for
# the plugins that carry channels between nodes and bridge to NATS.
STEADY_BUILD_PACKAGES=(build-essential cmake pkg-config libyaml-dev
  libcmocka-dev libmicrohttpd-dev libgraphviz-dev libnats-dev)
# To run graphs spread over nodes on one machine (tools/cluster.sh) and to
# test them: a NATS server with JetStream.
STEADY_NATS_PACKAGES=(nats-server)
# To test: promtool checks /metrics and the prometheus server scrapes a
# running graph (both in Debian's prometheus), headless Chromium the dashboard,
# clang-format the code's layout; and
# steady-bench's peers: Concurrency Kit (ck_ring), ZeroMQ and GStreamer
# (fakesrc, queue, identity and fakesink are core elements, shipped in
# libgstreamer1.0-0, which the -dev package pulls in).
# libFuzzer (tools/fuzz.sh and the fuzz stage of tools/test.sh) comes with
# Debian's clang in libclang-rt-14-dev.
STEADY_FUZZ_PACKAGES=(clang libclang-rt-14-dev)
STEADY_TEST_PACKAGES=(prometheus chromium libck-dev libzmq3-dev
  libgstreamer1.0-dev clang-format "${STEADY_FUZZ_PACKAGES[@]}"
  "${STEADY_NATS_PACKAGES[@]}")

# steady_install_deps [build] [test] [fuzz] [nats]: installs the named sets
# (default build and test, which includes fuzz).
steady_install_deps() {
  local sets=("$@") wanted=() missing=()
  [ ${#sets[@]} -eq 0 ] && sets=(build test)
  for s in "${sets[@]}"; do
    case "$s" in
      build) wanted+=("${STEADY_BUILD_PACKAGES[@]}") ;;
      test) wanted+=("${STEADY_TEST_PACKAGES[@]}") ;;
      fuzz) wanted+=("${STEADY_FUZZ_PACKAGES[@]}") ;;
      nats) wanted+=("${STEADY_NATS_PACKAGES[@]}") ;;
    esac
  done
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "steady: installing ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  # no recommends: prometheus and chromium would pull in exporters and desktop
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}
