#!/usr/bin/env bash
# Make sure Debian's nginx is there for the deployment tests and the load script (run without root from a prefix).
set -euo pipefail
nginx="${DVC_NGINX:-/usr/sbin/nginx}"
[ -x "$nginx" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian nginx-light for the deployment tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
  exit 0
fi
echo "!! $nginx not found: install Debian's nginx (sudo apt-get install nginx-light) for the deployment tests" >&2
exit 1
