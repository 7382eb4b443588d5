"""Raw responses: `client.<resource>.with_raw_response.<method>(...)`, as in openai-python.

The same method, the same checks and retries, but the answer is a `RawResponse`: the
status, the headers, the trace id sent and the gateway's request id of the attempt that
succeeded, with `.parse()` for the typed result. A paged method's raw call fetches one
page (the first, or the one `cursor=` names) and parses to that `Page`.

An error is raised as usual (its `.headers` and `.request_id` are on the exception).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

import httpx

from .pagination import AsyncPager, Page, SyncPager

if TYPE_CHECKING:
    from ._events import Attempt

P = ParamSpec("P")
T = TypeVar("T")
ItemT = TypeVar("ItemT")


@dataclass(frozen=True, repr=False)
class RawResponse(Generic[T]):
    """One successful response of one call, and its typed result."""

    http_response: httpx.Response
    operation_id: str
    trace_id: str  # the X-Traceid sent
    request_id: str | None  # the gateway's request id, when the response carries one
    retries_taken: int
    _parsed: T

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def elapsed(self) -> timedelta:
        return self.http_response.elapsed

    def parse(self) -> T:
        """The typed result the method returns (for a paged method: the page)."""
        return self._parsed

    def __repr__(self) -> str:
        return (
            f"RawResponse(operation_id={self.operation_id!r}, status_code={self.status_code}, "
            f"trace_id={self.trace_id!r}, request_id={self.request_id!r}, "
            f"retries_taken={self.retries_taken})"
        )


@dataclass
class _Captured:
    response: httpx.Response | None = None
    operation_id: str = ""
    trace_id: str = ""
    request_id: str | None = None
    retries_taken: int = 0

    def result(self, parsed: T) -> RawResponse[T]:
        if self.response is None:  # the method returned without a successful attempt
            raise RuntimeError("no response was received for the raw call")
        return RawResponse(
            self.response,
            self.operation_id,
            self.trace_id,
            self.request_id,
            self.retries_taken,
            parsed,
        )


_CAPTURING: ContextVar[_Captured | None] = ContextVar("koodrive_raw_response", default=None)


@contextmanager
def _capturing() -> Iterator[_Captured]:
    captured = _Captured()
    token = _CAPTURING.set(captured)
    try:
        yield captured
    finally:
        _CAPTURING.reset(token)


def record_success(current: Attempt) -> None:
    """Keep the succeeding attempt's response for a raw call in progress (if any)."""
    captured = _CAPTURING.get()
    if captured is None or current.response is None:
        return
    info = current.info
    captured.response = current.response
    captured.operation_id = info.operation_id
    captured.trace_id = info.trace_id
    captured.request_id = info.request_id
    captured.retries_taken = info.attempt - 1


def raw(method: Callable[P, T]) -> Callable[P, RawResponse[T]]:
    """`method` answering with its raw response."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        with _capturing() as captured:
            result = method(*args, **kwargs)
        return captured.result(result)

    return call


def raw_async(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        with _capturing() as captured:
            result = await method(*args, **kwargs)
        return captured.result(result)

    return call


def raw_page(method: Callable[P, SyncPager[ItemT]]) -> Callable[P, RawResponse[Page[ItemT]]]:
    """A paged `method` fetching one page, answering with its raw response."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[Page[ItemT]]:
        pager = method(*args, **kwargs)
        with _capturing() as captured:
            page = pager.first_page()
        return captured.result(page)

    return call


def raw_page_async(
    method: Callable[P, AsyncPager[ItemT]],
) -> Callable[P, Awaitable[RawResponse[Page[ItemT]]]]:
    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[Page[ItemT]]:
        pager = method(*args, **kwargs)
        with _capturing() as captured:
            page = await pager.first_page()
        return captured.result(page)

    return call
