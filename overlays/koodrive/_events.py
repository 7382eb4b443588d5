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

    def request_id(self, response: httpx.Response) -> str | None:
        if self.request_id_header is None:
            return None
        return response.headers.get(self.request_id_header) or None

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
    received = _before_body(response, current)
    deadline = current.deadline
    alarm = None if deadline is None else Alarm.set_for(response, deadline)
    try:
        for chunk in response.iter_bytes():
            received.add(chunk)
            if deadline is not None:
                current.keep_deadline(response.request)
    finally:
        if alarm is not None:
            alarm.cancel()  # before close() can hand the connection back to the pool
        response.close()
    _after_body(response, current, received)


async def on_request_async(request: httpx.Request) -> None:
    on_request(request)


async def on_response_async(response: httpx.Response) -> None:
    current = _CURRENT.get()
    if current is None:
        return
    received = _before_body(response, current)
    deadline = current.deadline
    try:
        async for chunk in response.aiter_bytes():
            received.add(chunk)
            if deadline is not None:
                current.keep_deadline(response.request)
    finally:
        await response.aclose()
    _after_body(response, current, received)


def _before_body(response: httpx.Response, current: Attempt) -> _Received:
    """Before the body of a response to the SDK's `current` attempt is read: refuse it if
    it is too large or late already, and give its reads what is left of the deadline."""
    if current.deadline is not None:
        current.keep_deadline(response.request)
    limit = current.max_response_bytes
    _refuse_declared_size(response, limit)
    # httpcore takes the read timeout for the body from here when it starts reading it.
    response.request.extensions["timeout"] = current.timeouts()
    return _Received(response, limit)


def _after_body(response: httpx.Response, current: Attempt, received: _Received) -> None:
    # A body that ended past the deadline may be one the alarm cut short.
    if current.deadline is not None:
        current.keep_deadline(response.request)
    received.keep()
    _record_and_raise(response, current)


class _Received:
    """A body read under a cap, counted as decoded (decompressed) bytes.

    httpx decompresses chunk by chunk, each raw chunk (64 KiB at most from the network)
    in one go: a compressed bomb costs at most one chunk's inflation past the cap before
    reading stops, never the whole bomb.
    """

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self._response = response
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            self._chunks.clear()
            raise _too_large(self._response, self._limit, f"more than {self._limit} bytes")
        self._chunks.append(chunk)

    def keep(self) -> None:
        # What response.read() would have stored: later readers (the generated parser,
        # a user's hook) see the body as if httpx had read it.
        self._response._content = b"".join(self._chunks)


def _refuse_declared_size(response: httpx.Response, limit: int) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit and "Content-Encoding" not in response.headers:
        raise _too_large(response, limit, f"Content-Length {declared}")


def _too_large(response: httpx.Response, limit: int, what: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"HTTP {response.status_code} response from {response.request.url.path} is too large "
        f"({what}; max_response_bytes is {limit}); reading stopped",
        trace_id=response.request.headers.get(TRACE_ID_HEADER),
        status_code=response.status_code,
        limit=limit,
        headers=response.headers,
    )


def _unbind_stream(response: httpx.Response) -> None:
    """Let a read response be freed as soon as it is dropped, not at the next full GC.

    httpx's bound stream points back at its response (encode/httpx#3733), so every
    response, its page of JSON included, is a reference cycle that waits for the cyclic
    garbage collector; a long paging run piles pages up. The body is read and the stream
    closed by now (its elapsed time recorded), so a plain stream over the same bytes
    serves anyone who reads the response again.
    """
    response.stream = httpx.ByteStream(response.content)


def _record_and_raise(response: httpx.Response, current: Attempt) -> None:
    """For a read response of the SDK's `current` attempt: free it when dropped, keep it on
    the attempt, and raise the typed error it calls for."""
    _unbind_stream(response)
    current.response = response
    current.info.response = response
    current.info.request_id = current.request_id(response)
    current.body = parse_json(response.content)
    error = classify(response, current.body, request_id=current.info.request_id)
    if error is not None:
        raise error
    # A success is JSON: the generated parsing takes it from here rather than parse it again.
    response.extensions[PARSED_JSON] = current.body


def parsed_body(content: bytes) -> object:
    """The JSON of `content`: when it is the body of the current attempt's response, as the
    classifier already parsed it (a page is not parsed a third time), else parsed now."""
    current = _CURRENT.get()
    if current is not None and current.response is not None and current.response.content is content:
        return current.body
    return json.loads(content)
