"""httpx event hooks: the per-call timeout on the way out, classification on the way back.

The generated functions take no timeout and parse before anyone can look at the status,
so the facade hands each attempt's settings to these hooks through a context variable
(set and reset around one generated call, in the caller's thread or task).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import httpx

from ._classify import classify


@dataclass
class Attempt:
    """One try of one call: its timeout, and the response once it arrives."""

    timeout: httpx.Timeout
    response: httpx.Response | None = None


_CURRENT: ContextVar[Attempt | None] = ContextVar("koodrive_attempt", default=None)


@contextmanager
def attempt(timeout: httpx.Timeout) -> Iterator[Attempt]:
    current = Attempt(timeout)
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


def in_sdk_call() -> bool:
    """Whether the SDK is making the request now (in this thread or task)."""
    return _CURRENT.get() is not None


def on_request(request: httpx.Request) -> None:
    current = _CURRENT.get()
    if current is not None:
        request.extensions["timeout"] = current.timeout.as_dict()


def on_response(response: httpx.Response) -> None:
    current = _CURRENT.get()
    if current is None:
        return  # a request of the user's own, on an httpx client given to the SDK
    response.read()
    _record_and_raise(response, current)


async def on_request_async(request: httpx.Request) -> None:
    on_request(request)


async def on_response_async(response: httpx.Response) -> None:
    current = _CURRENT.get()
    if current is None:
        return
    await response.aread()
    _record_and_raise(response, current)


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
    error = classify(response)
    if error is not None:
        raise error
