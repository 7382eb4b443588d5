"""Run one call: a trace id, then attempts with retries, every failure made typed.

Retries live here, around the generated call, and not in a transport: each attempt goes
through httpx's auth flow again, so it is signed afresh with a new `X-Date` (and a body's
hash recomputed over the bytes sent). Each attempt ends here too: its outcome is decided,
the user's hooks told, and the response kept for a raw call (`with_raw_response`). A write
that is not safe to repeat is retried only when provably unprocessed (`retries.py`).

The deadlines start here: the call's (`total_timeout`) when it starts, each attempt's
(`attempt_timeout`) when that attempt starts; an attempt keeps to the earlier of the two
(`_deadline.py`), and no retry is made whose wait would end past the call's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import httpx

from . import _shape
from ._call import Call, CallOptions
from ._classify import unread_status_error
from ._deadline import Deadline, earliest, target
from ._events import Attempt, AttemptScope
from ._response import record_success
from ._writes import add_note
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    KooDriveError,
    MalformedResponseError,
)
from .hooks import AttemptInfo, CallHooks, Outcome
from .retries import is_retryable, never_processed, retry_after_of

__all__ = ["AsyncRunner", "CallOptions", "SyncRunner"]

T = TypeVar("T")
logger = logging.getLogger("koodrive")


class _Runner:
    """What both runners share: the hooks, and how one attempt begins and ends."""

    def __init__(self, hooks: Sequence[CallHooks]) -> None:
        self.hooks = tuple(hooks)

    def _attempt(self, call: Call, number: int, trace_id: str, total: Deadline | None) -> Attempt:
        operation = call.operation
        options = call.options
        own = (
            None
            if options.attempt_timeout is None
            else Deadline.after(options.attempt_timeout, "attempt_timeout")
        )
        return Attempt(
            options.timeout,
            options.max_response_bytes,
            AttemptInfo(operation.operation_id, operation.label, number, trace_id),
            hooks=self.hooks,
            extras=call.extras,
            request_id_header=operation.request_id_header,
            response_model=operation.response_model,
            write=operation.write,
            deadline=total if own is None else earliest(total, own),
        )

    def _failed(
        self,
        call: Call,
        current: Attempt,
        error: APIError,
        retry: int,
        total: Deadline | None,
        earlier: APIError | None,
    ) -> float | None:
        """The wait before the next attempt, or None: the call raises `error`. `earlier` is
        the last failure of this call after which the request may have been processed."""
        operation = call.operation
        delay = _retry_delay(
            call.label, error, retry, call.options, total, operation.safe_to_repeat
        )
        write = operation.write
        if delay is None and write is not None:
            if not operation.safe_to_repeat and is_retryable(error) and not never_processed(error):
                add_note(error, write.not_retried(call.label))
            gone = write.gone_after_retry(error, earlier) if earlier is not None else None
            if gone is not None:
                add_note(error, gone)
        _finish(current, Outcome.FAILURE if delay is None else Outcome.RETRY, error)
        return delay


class SyncRunner(_Runner):
    def __init__(self, sleep: Callable[[float], None], hooks: Sequence[CallHooks] = ()) -> None:
        super().__init__(hooks)
        self._sleep = sleep

    def run(self, call: Call, send: Callable[[str], T]) -> T:
        trace_id = call.trace_id()
        seconds = call.options.total_timeout
        total = None if seconds is None else Deadline.after(seconds, "total_timeout")
        retry = 0
        earlier: APIError | None = None
        while True:
            current = self._attempt(call, retry + 1, trace_id, total)
            try:
                with _TypedFailures(current, trace_id):
                    result = send(trace_id)
            except APIError as error:
                delay = self._failed(call, current, error, retry, total, earlier)
                if delay is None:
                    raise
                earlier = earlier if never_processed(error) else error
            except BaseException as error:  # cancelled, interrupted, or a bug: it propagates
                _abandoned(current, error)
                raise
            else:
                _finish(current, Outcome.SUCCESS)
                record_success(current)
                return result
            self._sleep(delay)
            retry += 1


class AsyncRunner(_Runner):
    def __init__(
        self, sleep: Callable[[float], Awaitable[None]], hooks: Sequence[CallHooks] = ()
    ) -> None:
        super().__init__(hooks)
        self._sleep = sleep

    async def run(self, call: Call, send: Callable[[str], Awaitable[T]]) -> T:
        trace_id = call.trace_id()
        seconds = call.options.total_timeout
        total = None if seconds is None else Deadline.after(seconds, "total_timeout")
        retry = 0
        earlier: APIError | None = None
        while True:
            current = self._attempt(call, retry + 1, trace_id, total)
            try:
                with _TypedFailures(current, trace_id):
                    sent = send(trace_id)
                    result = await (sent if current.deadline is None else _within(current, sent))
            except APIError as error:
                delay = self._failed(call, current, error, retry, total, earlier)
                if delay is None:
                    raise
                earlier = earlier if never_processed(error) else error
            except BaseException as error:  # cancelled, interrupted, or a bug: it propagates
                _abandoned(current, error)
                raise
            else:
                _finish(current, Outcome.SUCCESS)
                record_success(current)
                return result
            await self._sleep(delay)
            retry += 1


async def _within(current: Attempt, sent: Awaitable[T]) -> T:
    """`sent` awaited, and cancelled when the attempt's deadline passes: then the attempt
    fails with APITimeoutError (httpcore closes the connection it was using)."""
    deadline = current.deadline
    if deadline is None:
        return await sent
    scope = asyncio.timeout(deadline.remaining())
    try:
        async with scope:
            return await sent
    except TimeoutError:
        if not scope.expired():
            raise  # not ours: let _TypedFailures and the caller judge it
        raise deadline.error(current.info.request, current.info.trace_id) from None


def _abandoned(current: Attempt, error: BaseException) -> None:
    """An attempt that ends in no API error (a cancellation, an interrupt, a bug): the
    hooks told of its start are told of its end too, so that what they opened is closed."""
    if current.info.request is not None:
        _finish(current, Outcome.FAILURE, error)


def _finish(current: Attempt, outcome: Outcome, error: BaseException | None = None) -> None:
    """End the attempt for the hooks: after_response when it succeeded, on_error when it
    failed (with the error response, if one was read); exactly one of the two."""
    info = current.info
    info.outcome = outcome
    info.error = error
    if current.started is not None:
        info.elapsed = time.perf_counter() - current.started
    for hook in current.hooks:
        if error is None:
            hook.after_response(info)
        else:
            hook.on_error(info, error)


class _TypedFailures(AttemptScope):
    """Around one attempt, sync or async: the attempt under way while it lasts, and what
    httpx or the generated parsing raises leaves as the SDK's exception for it (the
    original as its cause); anything else as it was."""

    __slots__ = ("_trace_id",)

    def __init__(self, current: Attempt, trace_id: str) -> None:
        self.current = current  # AttemptScope's, set here: one call fewer on every attempt
        self._trace_id = trace_id

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        try:
            if isinstance(exc, Exception):
                error = _typed(exc, self._trace_id, self.current)
                if error is not None:
                    raise error from exc
        finally:
            super().__exit__(kind, exc, traceback)


def _typed(exc: Exception, trace_id: str, current: Attempt) -> APIError | None:
    """The SDK exception for what httpx or the generated parsing raised; None: leave it."""
    if isinstance(exc, KooDriveError):
        return None
    if isinstance(exc, httpx.HTTPStatusError):
        return unread_status_error(exc.response)
    # Failures before a connection carried the request: it provably never left the client.
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    deadline = current.deadline
    if isinstance(exc, httpx.RequestError) and deadline is not None and deadline.passed():
        # A phase timeout cut to the deadline, or a read the deadline's alarm ended.
        timed_out = deadline.error(current.info.request, trace_id)
        timed_out.request_sent = sent
        return timed_out
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"timed out ({type(exc).__name__}) calling {_target(exc)}",
            trace_id=trace_id,
            request_sent=sent,
        )
    if isinstance(exc, httpx.RequestError):  # transport failures, undecodable bodies
        return APIConnectionError(
            f"connection to {_target(exc)} failed ({type(exc).__name__}: {exc})",
            trace_id=trace_id,
            request_sent=sent,
        )
    response = current.response
    if response is None or not isinstance(exc, KeyError | TypeError | ValueError):
        return None  # raised before any response: a bug or bad input, not the server's fault
    problem = (
        f"lacks the required field {exc.args[0]!r}"
        if isinstance(exc, KeyError) and exc.args
        else _unparsed(current) or f"does not match the spec ({type(exc).__name__}: {exc})"
    )
    if current.write is not None and response.is_success:
        return current.write.applied(
            current.info.label,
            problem,
            trace_id=trace_id,
            status_code=response.status_code,
            headers=response.headers,
        )
    return MalformedResponseError(
        f"HTTP {response.status_code} response from {response.request.url.path} {problem}",
        trace_id=trace_id,
        status_code=response.status_code,
        headers=response.headers,
    )


def _unparsed(current: Attempt) -> str | None:
    """What in the body made the generated parsing fail, by field, when the success model
    is known and the body is JSON; None otherwise."""
    if current.response_model is None or not current.response or not current.response.is_success:
        return None
    try:
        _shape.check_unparsed(current.response_model, current.body)
    except _shape.ShapeError as error:
        return f"breaks the spec: {error}"
    return None


def _target(exc: httpx.RequestError) -> str:
    """Where the failed request went: scheme, host and path (the query stays out)."""
    try:
        request = exc.request
    except RuntimeError:  # an error raised without its request
        return target(None)
    return target(request)


def _retry_delay(
    operation: str,
    error: APIError,
    retry: int,
    options: CallOptions,
    total: Deadline | None,
    safe_to_repeat: bool,
) -> float | None:
    if retry >= options.max_retries or not is_retryable(error, safe_to_repeat=safe_to_repeat):
        return None
    delay = options.backoff.delay(retry, retry_after_of(error))
    if total is not None and delay >= total.remaining():
        # The wait would end past the call's deadline: the error the call got, now.
        logger.info(
            "%s failed: %s; no retry within total_timeout=%g s (%.2f s left, the wait is %.2f s)",
            operation,
            error,
            total.seconds,
            max(total.remaining(), 0.0),
            delay,
        )
        return None
    # The error's text carries status, code, message and trace id; never headers.
    logger.info(
        "%s failed: %s; retry %d of %d in %.2f s",
        operation,
        error,
        retry + 1,
        options.max_retries,
        delay,
    )
    return delay
