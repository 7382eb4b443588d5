"""The emulator's notion of "now", injectable so tests can pin the X-Date window."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """System UTC time unless frozen; `freeze`, `advance` and `unfreeze` are for tests."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        if frozen_at is not None:
            self.freeze(frozen_at)

    def now(self) -> datetime:
        # One read of one attribute needs no lock (a reference is replaced whole): a
        # request asks the time several times.
        frozen = self._frozen_at
        return frozen if frozen is not None else datetime.now(UTC)

    def freeze(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("Clock.freeze needs an aware datetime (e.g. tzinfo=UTC)")
        with self._lock:
            self._frozen_at = moment.astimezone(UTC)

    def advance(self, seconds: float) -> None:
        """Move a frozen clock forward (or back, with a negative number)."""
        with self._lock:
            if self._frozen_at is None:
                raise RuntimeError("Clock.advance needs a frozen clock: call freeze() first")
            self._frozen_at += timedelta(seconds=seconds)

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen_at = None

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def __repr__(self) -> str:
        return f"Clock(frozen_at={self._frozen_at!r})"
