"""When to retry a failed call, and how long to wait first.

A read, and a write the spec declares safe to repeat (`x-koodrive-behaviour`
`safe-to-repeat: true`), is retried after a connection error, a timeout, 429 or 5xx. A
write that is not safe to repeat (a create: the vendor has no idempotency key) is retried
only when it provably was not processed: the request never left the client (no
connection could be made, none was free in the pool), or the API gateway throttled it
(429 with the gateway's body: refused before the service saw it). A 5xx, `Retry-After` or
not, a 429 of another body, a reset or a read timeout may follow a write that was
applied: it is raised, never sent again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    GatewayError,
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


def is_retryable(error: APIError, *, safe_to_repeat: bool = True) -> bool:
    """Connection failures, timeouts, 429 and 5xx are worth another try; other 4xx never.
    An operation not safe to repeat only when the error proves it was not processed."""
    if not isinstance(error, APIConnectionError | RateLimitError | ServerError):
        return False
    return safe_to_repeat or never_processed(error)


def never_processed(error: APIError) -> bool:
    """The request provably had no effect: it never left the client, or the API gateway
    throttled it before the service saw it."""
    if isinstance(error, APIConnectionError):
        return not error.request_sent
    return isinstance(error, RateLimitError) and isinstance(error, GatewayError)


def retry_after_of(error: APIError) -> float | None:
    return error.retry_after if isinstance(error, APIStatusError) else None
