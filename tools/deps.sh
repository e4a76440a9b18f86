#!/usr/bin/env bash
# tools/deps.sh - installs what building and testing steady needs on Debian 12,
# only what is missing. Sourced by tools/run.sh and tools/test.sh.
set -euo pipefail

STEADY_DEB_PACKAGES=(build-essential cmake pkg-config libyaml-dev libcmocka-dev)

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
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
