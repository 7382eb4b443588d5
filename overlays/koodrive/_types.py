"""Small shared types: the NOT_GIVEN sentinel, timeouts, deadlines and the response size cap."""

from __future__ import annotations

import math
from typing import Final, Literal

import httpx

from .errors import ConfigurationError


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
# A page of 100 groups is about 40 KB; 32 MiB is far past any answer of the API and far
# short of what would hurt the caller's process.
DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
_PHASES = ("connect", "read", "write", "pool")


def as_httpx_timeout(timeout: Timeout) -> httpx.Timeout:
    """`timeout` as httpx's, each phase checked: seconds above 0 and finite, or None."""
    if isinstance(timeout, httpx.Timeout):
        for phase in _PHASES:
            _check_seconds(getattr(timeout, phase), f"timeout.{phase}")
        return timeout
    _check_seconds(timeout, "timeout")
    return httpx.Timeout(timeout)


def checked_deadline(value: float | None, name: str) -> float | None:
    """`value` if it can be the deadline `name` (`attempt_timeout`, `total_timeout`):
    seconds above 0 and finite, or None for none (checked at run time: it came from a
    caller whose types may not have been checked)."""
    _check_seconds(value, name)
    return value


def _check_seconds(value: object, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{name} must be a number of seconds or None, not {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(
            f"{name} must be a finite number of seconds above 0, or None for no limit; "
            f"got {value!r}"
        )


def checked_max_response_bytes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"max_response_bytes must be a whole number of bytes, 1 or more; got {value!r}"
        )
    return value
