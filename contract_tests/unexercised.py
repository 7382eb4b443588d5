"""What a check found nothing to judge with, written next to the reports (`not-exercised.txt`)
so that the summary can say so under "Not exercised"."""

from __future__ import annotations

import threading
from pathlib import Path

from contract_tests.summary import NOT_EXERCISED


class Unexercised:
    """What a check found nothing to judge with (too little data on the target, a mode not
    configured), written next to the reports so that the summary can say so: a green run
    must not read as "checked" where nothing was."""

    def __init__(self, reports: Path | None) -> None:
        self._path = reports / NOT_EXERCISED if reports is not None else None
        self._lock = threading.Lock()

    def note(self, check: str, operation: str, reason: str) -> None:
        if self._path is None:
            return
        with self._lock, self._path.open("a", encoding="utf-8") as file:
            file.write(f"{check} on {operation}: {reason}\n")

    def retract(self, check: str, operation: str) -> None:
        """Take back what was noted for `check` on `operation` (it found something after all)."""
        if self._path is None:
            return
        prefix = f"{check} on {operation}: "
        with self._lock:
            if not self._path.exists():
                return
            lines = self._path.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if not line.startswith(prefix)]
            if len(kept) != len(lines):
                self._path.write_text("".join(kept), encoding="utf-8")
