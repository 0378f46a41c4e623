#!/usr/bin/env bash
# Create a virtual environment from a lock file: scripts/venv.sh PYTHON_VERSION DIR LOCKFILE
set -euo pipefail
version="$1"; dir="$2"; lock="$3"
python="$(dirname "$0")/find-python.sh"
py="$("$python" "$version")"
echo "==> $dir: Python $version ($py), packages from $lock"
[ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
# pip prints a warning for every missing optional local index; keep CI logs quiet but show real errors.
"$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored: it is neither" || true
"$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$lock" 2>&1 | grep -v "is ignored: it is neither" || true
"$dir/bin/python" -m pip check >/dev/null || { "$dir/bin/python" -m pip check; exit 1; }
touch "$dir/.installed"
