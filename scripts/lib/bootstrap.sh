# Sourced by every script in scripts/: makes sure .venv holds the project (editable) and
# its pinned dev tools, then puts .venv/bin first on PATH. Re-installs only when
# pyproject.toml changed since the last install, so repeated runs start in a second.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${KOODRIVE_VENV:-$ROOT/.venv}"
STAMP="$VENV/.koodrive-installed"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "==> setting up $VENV (Python $(python3 -c 'import sys; print(sys.version.split()[0])')): once, about a minute" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
  # One line per package as pip fetches it, so a first run is never a silent minute.
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -e . --group dev 2>&1 \
    | grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' \
    | sed -u -E 's/^Collecting ([^ ]+).*/    fetched \1/; s/^Successfully installed.*/    installed/' >&2
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export RUFF_NO_CACHE=true
