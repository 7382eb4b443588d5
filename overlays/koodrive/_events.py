"""httpx event hooks: the per-call timeout on the way out, classification on the way back.

The generated functions take no timeout and parse before anyone can look at the status,
so the facade hands each attempt's settings to these hooks through a context variable
(set and reset around one generated call, in the caller's thread or task). The same
attempt carries the call's extra headers and query, which the auth flow adds before it
signs, and the `AttemptInfo` the user's hooks (`koodrive.hooks`) see.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from koodrive_client.types import PARSED_JSON

from ._classify import TRACE_ID_HEADER, classify, parse_json
from ._deadline import Alarm, Deadline
from ._extras import NO_EXTRAS, Extras
from .errors import ResponseTooLargeError
from .hooks import AttemptInfo, CallHooks

if TYPE_CHECKING:
    from ._writes import Write


@dataclass
class Attempt:
    """One try of one call: its settings, what the hooks see of it, and the response once
    it arrives."""

    timeout: httpx.Timeout
    max_response_bytes: int
    info: AttemptInfo
    hooks: Sequence[CallHooks] = ()
    extras: Extras = NO_EXTRAS
    request_id_header: str | None = None
    response_model: type | None = None  # what a success body parses into
    write: Write | None = None  # what a write does (None for a read), for its errors
    response: httpx.Response | None = None
    body: object = None  # the response's JSON, parsed once, by the classifier
    started: float | None = None  # perf_counter() when the request left
    # When the attempt must be over: the earlier of its own and its call's (None: never).
    deadline: Deadline | None = None

    def timeouts(self) -> dict[str, float | None]:
        """httpx's per-phase timeouts for what is sent or read now: each cut to the time
        the deadline leaves."""
        if self.deadline is None:
            return self.timeout.as_dict()
        return self.deadline.bounded(self.timeout)

    def keep_deadline(self, request: httpx.Request | None) -> None:
        """APITimeoutError if the deadline passed."""
        if self.deadline is not None and self.deadline.passed():
            raise self.deadline.error(request, self.info.trace_id)


_CURRENT: ContextVar[Attempt | None] = ContextVar("koodrive_attempt", default=None)


class AttemptScope:
    """`with AttemptScope(current):` makes `current` the attempt under way in this thread or
    task until the block ends (a class, not a generator: it is entered on every call)."""

    __slots__ = ("_token", "current")

    def __init__(self, current: Attempt) -> None:
        self.current = current

    def __enter__(self) -> Attempt:
        self._token = _CURRENT.set(self.current)
        return self.current

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> None:
        _CURRENT.reset(self._token)


def in_sdk_call() -> bool:
    """Whether the SDK is making the request now (in this thread or task)."""
    return _CURRENT.get() is not None


def current_attempt() -> Attempt | None:
    return _CURRENT.get()


def current_deadline() -> Deadline | None:
    """The deadline of the attempt under way in this thread or task (None: none)."""
    current = _CURRENT.get()
    return None if current is None else current.deadline


def add_call_extras(request: httpx.Request) -> None:
    """Before signing: the current call's extra headers and query (none outside a call)."""
    current = _CURRENT.get()
    if current is not None and current.extras is not NO_EXTRAS:  # most calls add nothing
        current.extras.apply(request)


def on_request(request: httpx.Request) -> None:
    current = _CURRENT.get()
    if current is not None:
        request.extensions["timeout"] = current.timeouts()
        current.info.request = request
        for hook in current.hooks:
            hook.before_request(current.info)
        current.started = time.perf_counter()
        if current.deadline is not None:  # after before_request: on_error follows it
            current.keep_deadline(request)


def on_response(response: httpx.Response) -> None:
    current = _CURRENT.get()
    if current is None:
        return  # a request of the user's own, on an httpx client given to the SDK
    limit = _before_body(response, current)
    deadline = current.deadline
    alarm = None if deadline is None else Alarm.set_for(response, deadline)
    # The body is read here under the cap, not by a helper object: every call reads one.
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit, chunks)
            chunks.append(chunk)
            if deadline is not None:
                current.keep_deadline(response.request)
    finally:
        if alarm is not None:
            alarm.cancel()  # before close() can hand the connection back to the pool
        response.close()
    _after_body(response, current, chunks)


async def on_request_async(request: httpx.Request) -> None:
    on_request(request)


async def on_response_async(response: httpx.Response) -> None:
    current = _CURRENT.get()
    if current is None:
        return
    limit = _before_body(response, current)
    deadline = current.deadline
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(response, limit, chunks)
            chunks.append(chunk)
            if deadline is not None:
                current.keep_deadline(response.request)
    finally:
        await response.aclose()
    _after_body(response, current, chunks)


# A body is read under a cap (`max_response_bytes`), counted as decoded (decompressed)
# bytes. httpx decompresses chunk by chunk, each raw chunk (64 KiB at most from the
# network) in one go: a compressed bomb costs at most one chunk's inflation past the cap
# before reading stops, never the whole bomb.


def _before_body(response: httpx.Response, current: Attempt) -> int:
    """Before the body of a response to the SDK's `current` attempt is read: refuse it if
    it is too large or late already, and give its reads what is left of the deadline. The
    cap on the body's size, in bytes."""
    if current.deadline is not None:
        current.keep_deadline(response.request)
    limit = current.max_response_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit and "Content-Encoding" not in response.headers:
        raise _too_large(response, limit, None, f"Content-Length {declared}")
    # httpcore takes the read timeout for the body from here when it starts reading it.
    response.request.extensions["timeout"] = current.timeouts()
    return limit


def _after_body(response: httpx.Response, current: Attempt, chunks: list[bytes]) -> None:
    """For a read response of the SDK's `current` attempt: keep its body as httpx would,
    free it when dropped, keep it on the attempt, and raise the typed error it calls for."""
    # A body that ended past the deadline may be one the alarm cut short.
    if current.deadline is not None:
        current.keep_deadline(response.request)
    # What response.read() would have stored: later readers (the generated parser, a
    # user's hook) see the body as if httpx had read it.
    content = response._content = b"".join(chunks)
    # Let the response be freed as soon as it is dropped, not at the next full GC: httpx's
    # bound stream points back at its response (encode/httpx#3733), so every response, its
    # page of JSON included, is a reference cycle that waits for the cyclic garbage
    # collector; a long paging run piles pages up. The body is read and the stream closed
    # by now (its elapsed time recorded), so a plain stream over the same bytes serves
    # anyone who reads the response again.
    response.stream = httpx.ByteStream(content)
    current.response = response
    info = current.info
    info.response = response
    header = current.request_id_header
    info.request_id = None if header is None else response.headers.get(header) or None
    current.body = parse_json(content)
    error = classify(response, current.body, request_id=info.request_id)
    if error is not None:
        raise error
    # A success is JSON: the generated parsing takes it from here rather than parse it again.
    response.extensions[PARSED_JSON] = current.body


def _too_large(
    response: httpx.Response, limit: int, chunks: list[bytes] | None, what: str = ""
) -> ResponseTooLargeError:
    if chunks is not None:
        chunks.clear()  # what was read goes now, not when the error and its frames do
        what = f"more than {limit} bytes"
    return ResponseTooLargeError(
        f"HTTP {response.status_code} response from {response.request.url.path} is too large "
        f"({what}; max_response_bytes is {limit}); reading stopped",
        trace_id=response.request.headers.get(TRACE_ID_HEADER),
        status_code=response.status_code,
        limit=limit,
        headers=response.headers,
    )


def parsed_body(content: bytes) -> object:
    """The JSON of `content`: when it is the body of the current attempt's response, as the
    classifier already parsed it (a page is not parsed a third time), else parsed now."""
    current = _CURRENT.get()
    if current is not None and current.response is not None and current.response.content is content:
        return current.body
    return json.loads(content)
