"""When to retry a failed call, and how long to wait first."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    InvalidArgumentError,
    RateLimitError,
    ServerError,
)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, capped; `Retry-After` wins, capped too.

    The n-th retry (from 0) waits a random time in [0, min(maximum, initial * 2**n)],
    unless the server said how long to wait: then `Retry-After`, at most `max_retry_after`.
    """

    initial: float = 0.5
    maximum: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        for name in ("initial", "maximum", "max_retry_after"):
            if getattr(self, name) < 0:
                raise InvalidArgumentError(f"Backoff.{name} must be >= 0")

    def delay(
        self, retry: int, retry_after: float | None, uniform: Callable[[], float] = random.random
    ) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return uniform() * min(self.maximum, self.initial * 2.0**retry)


def is_retryable(error: APIError) -> bool:
    """Connection failures, timeouts, 429 and 5xx are worth another try; other 4xx never."""
    return isinstance(error, APIConnectionError | RateLimitError | ServerError)


def retry_after_of(error: APIError) -> float | None:
    return error.retry_after if isinstance(error, APIStatusError) else None
