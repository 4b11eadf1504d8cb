#!/usr/bin/env bash
# Install everything the library and its full test suite need on a fresh Debian machine
# (Python 3.11+, root). Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The print tests measure pages in A4: without a metric-compatible sans-serif (Arial's
# metrics) Chromium falls back to a wider font and the pages run longer.
[ -d /usr/share/fonts/truetype/liberation ] || need_apt+=(fonts-liberation)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install the Debian packages: ${need_apt[*]} (sudo apt-get install ${need_apt[*]})" >&2
  fi
fi

extras="${PATHWAYS_EXTRAS:-test}"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".[${extras}]"
