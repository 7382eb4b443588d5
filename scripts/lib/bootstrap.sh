# Sourced by every script in scripts/: makes sure .venv holds the project (editable) and
# its pinned dev tools, then puts .venv/bin first on PATH. Re-installs only when
# pyproject.toml changed since the last install, or when the venv's editable install reads
# the project from another checkout (one moved or deleted, or a KOODRIVE_VENV made by
# another clone), so repeated runs start in a second.
# KOODRIVE_BOOTSTRAP_DRY_RUN=1: say what would be done (one line) and change nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${KOODRIVE_VENV:-$ROOT/.venv}"
STAMP="$VENV/.koodrive-installed"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
REASON=""
if [ ! -x "$VENV/bin/python" ]; then
  REASON="setting up $VENV"
elif [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  REASON="setting up $VENV (pyproject.toml changed since its last install)"
else
  # Where the venv imports the emulator from: found without running it (find_spec), a few
  # milliseconds. An editable install made in another checkout reads that checkout's code,
  # or nothing once it is gone (ModuleNotFoundError deep inside a run).
  FOUND="$("$VENV/bin/python" -c 'import importlib.util as u, os; s = u.find_spec("koodrive_emulator"); print(os.path.realpath(s.origin) if s and s.origin else "")' 2>/dev/null || true)"
  if [ "$FOUND" != "$(pwd -P)/emulator/koodrive_emulator/__init__.py" ]; then
    REASON="reinstalling into $VENV: its editable install reads ${FOUND:-a checkout that no longer exists}, not $ROOT"
  fi
fi
if [ -n "$REASON" ] && [ -n "${KOODRIVE_BOOTSTRAP_DRY_RUN:-}" ]; then
  echo "==> would be $REASON" >&2
elif [ -n "$REASON" ]; then
  echo "==> $REASON (Python $(python3 -c 'import sys; print(sys.version.split()[0])')): about a minute" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
  # One line per package as pip fetches it, so a first run is never a silent minute.
  "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -e . --group dev 2>&1 \
    | grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' \
    | sed -u -E 's/^Collecting ([^ ]+).*/    fetched \1/; s/^Successfully installed.*/    installed/' >&2
  echo "$WANT" > "$STAMP"
elif [ -n "${KOODRIVE_BOOTSTRAP_DRY_RUN:-}" ]; then
  echo "==> $VENV is up to date" >&2
fi
export PATH="$VENV/bin:$PATH"
export RUFF_NO_CACHE=true
