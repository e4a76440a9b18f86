#!/usr/bin/env bash
# tools/deps.sh - installs what building and testing steady needs on Debian 12,
# only what is missing. Sourced by tools/run.sh and tools/test.sh.
set -euo pipefail

STEADY_DEB_PACKAGES=(build-essential cmake pkg-config libyaml-dev libcmocka-dev
  # telemetry: HTTP server, and Graphviz to draw the live graph
  libmicrohttpd-dev libgraphviz-dev
  # telemetry tests: promtool checks /metrics, headless Chromium the dashboard
  prometheus chromium)
# steady-bench's peers: Concurrency Kit (ck_ring), ZeroMQ and GStreamer
# (fakesrc, queue, identity and fakesink are core elements, shipped in
# libgstreamer1.0-0, which the -dev package pulls in)
STEADY_DEB_PACKAGES+=(libck-dev libzmq3-dev libgstreamer1.0-dev)

steady_install_deps() {
  local missing=()
  for p in "${STEADY_DEB_PACKAGES[@]}"; do
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
