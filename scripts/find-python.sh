#!/usr/bin/env bash
# Print a path to a Python interpreter of the wanted minor version (e.g. 3.10), found via PATH or pyenv.
set -euo pipefail
want="${1:?usage: find-python.sh 3.10}"
for cand in "python$want" python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$want'" >/dev/null 2>&1; then
    command -v "$cand"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for dir in "$(pyenv root)"/versions/"$want"*; do
    if [ -x "$dir/bin/python$want" ]; then echo "$dir/bin/python$want"; exit 0; fi
  done
fi
echo "Python $want not found: install it (e.g. 'pyenv install $want') and retry." >&2
exit 1
