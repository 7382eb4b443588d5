"""Small shared types: the NOT_GIVEN sentinel and timeouts."""

from __future__ import annotations

from typing import Final, Literal

import httpx


class NotGiven:
    """Marks an argument left out, where None means something (e.g. "no timeout")."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Timeout = float | httpx.Timeout | None
"""Seconds for every phase, an `httpx.Timeout` per phase, or None for no limit."""

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2


def as_httpx_timeout(timeout: Timeout) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
