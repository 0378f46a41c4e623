#!/usr/bin/env bash
# Make sure Debian's Chromium is there for the browser tests (Playwright drives it; no browser is downloaded).
set -euo pipefail
browser="${DVC_CHROMIUM:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian chromium for the browser tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "!! $browser not found: install Debian's chromium (sudo apt-get install chromium) for the browser tests" >&2
exit 1
