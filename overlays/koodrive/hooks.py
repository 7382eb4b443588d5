"""Hooks that know the call: for tracing spans, metrics and audit logs.

Give a client `hooks=[...]`: objects with any of the three methods of `CallHooks`. Each
attempt of each call (a retry is an attempt, each page of a listing is a call) gets one
`AttemptInfo`, the same object in its callbacks, so a hook can keep what it opened in
`before_request` (an OpenTelemetry span, say) in `attempt.state` and close it at the end:

    class Spans(CallHooks):
        def before_request(self, attempt: AttemptInfo) -> None:
            attempt.state["span"] = tracer.start_span(attempt.operation_id)

        def after_response(self, attempt: AttemptInfo) -> None:
            attempt.state.pop("span").end()

        def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
            span = attempt.state.pop("span")
            span.record_exception(error)
            span.end()

`before_request` runs once the request is signed, just before it is sent. Then exactly one
of the other two ends the attempt: `after_response` when it succeeded (its response is the
call's result), `on_error` when it failed (an error status, a broken connection, a timeout,
a malformed body; or the call was cancelled or interrupted), with the error the call
raises or retries on; `attempt.response` is the error response when one was read, and
`attempt.outcome` says whether a retry follows.
A hook runs in the caller's thread (or task); an exception it raises propagates to the
caller: a hook's bug is not hidden.

The request is the signed one: its `Authorization` header holds the token or signature.
Log what identifies it (`trace_id`, `request_id`), never its headers as they are
(`redacted_headers()` gives them with the credentials masked).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from .signing import redacted_header

__all__ = ["AttemptInfo", "CallHooks", "Outcome", "redacted_headers"]


class Outcome(enum.Enum):
    """How an attempt ended."""

    PENDING = "pending"  # not yet: the request is about to be sent
    SUCCESS = "success"  # the call's result came from this attempt
    RETRY = "retry"  # it failed and the call tries again
    FAILURE = "failure"  # it failed and the call raises


@dataclass(eq=False)
class AttemptInfo:
    """One attempt of one call, as the hooks see it."""

    operation_id: str  # the spec's operationId: "listUserGroups"
    label: str  # the SDK method: "user_groups.list()"
    attempt: int  # 1 for the first try, 2 for the first retry, ...
    trace_id: str  # the X-Traceid sent (the same on every attempt of a call)
    request: httpx.Request | None = None  # set before before_request
    response: httpx.Response | None = None  # set once one is read (an error status too)
    outcome: Outcome = Outcome.PENDING
    error: BaseException | None = None  # what made the attempt fail
    elapsed: float | None = None  # seconds from sending to the end of the attempt
    request_id: str | None = None  # the gateway's id of the request, when it sent one
    # Anything a hook wants to keep from one callback of this attempt to the next.
    state: dict[str, object] = field(default_factory=dict)

    @property
    def status_code(self) -> int | None:
        return None if self.response is None else self.response.status_code

    @property
    def will_retry(self) -> bool:
        return self.outcome is Outcome.RETRY

    def __repr__(self) -> str:
        # No request or response objects, whose headers hold credentials.
        return (
            f"AttemptInfo(operation_id={self.operation_id!r}, attempt={self.attempt}, "
            f"trace_id={self.trace_id!r}, outcome={self.outcome.value!r}, "
            f"status_code={self.status_code!r}, request_id={self.request_id!r})"
        )


class CallHooks:
    """What a hook may do: override any of the three; the others do nothing."""

    def before_request(self, attempt: AttemptInfo) -> None:
        """The request is signed and about to be sent (`attempt.request`)."""

    def after_response(self, attempt: AttemptInfo) -> None:
        """The attempt succeeded: `attempt.response` is the call's result."""

    def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
        """The attempt failed with `error`, a `KooDriveError` (or, when the call was
        cancelled or interrupted, that exception); `attempt.will_retry` says what comes next."""


def redacted_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """`headers` fit for a log: `koodrive.signing.redacted_header` applied to each (the
    `Authorization` value's token or signature masked, its scheme and app id kept; cookies,
    proxy credentials and headers named as secrets masked whole)."""
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else headers.items()
    return {name: redacted_header(name, value) for name, value in items}
