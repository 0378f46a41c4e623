#!/usr/bin/env bash
# `make audit`: both lock files checked against the known vulnerabilities of PyPI packages (pip-audit, in its own
# environment .venv-audit so that the audited environments stay as locked). Exit 0: none found; 1: some found;
# 3: the vulnerability data cannot be reached from this machine (run it where it can: see docs/threat_model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
audit=.venv-audit/bin/pip-audit
if [ ! -x "$audit" ]; then
  .venv/bin/python -m venv .venv-audit
  .venv-audit/bin/python -m pip install -q --disable-pip-version-check --no-input "pip-audit==${DVC_PIP_AUDIT_VERSION:-2.10.1}" \
    2>&1 | grep -v "is ignored: it is neither" || true
fi
service="${DVC_AUDIT_SERVICE:-pypi}"  # or osv
run() { "$audit" --vulnerability-service "$service" --no-deps --disable-pip --progress-spinner off "$@"; }
# A pin with well-known advisories: when the service reports none for it, the data is not reachable from here.
probe="$(mktemp)"; trap 'rm -f "$probe"' EXIT
echo "jinja2==2.4.1" >"$probe"
if ! run -r "$probe" 2>&1 | grep -qE "Found [0-9]+ known vulnerabilit"; then
  echo "!! the vulnerability data ($service) cannot be reached from this machine: no audit was made." >&2
  echo "   Run 'make audit' on a machine with Internet access (DVC_AUDIT_SERVICE=osv to use the other database)." >&2
  exit 3
fi
status=0
for lock in requirements/api.lock requirements/rasa.lock; do
  echo "==> pip-audit $lock ($service)"
  run -r "$lock" || status=1
done
exit "$status"
