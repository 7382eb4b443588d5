"""Cursor paging: follow `nextCursor` until it is absent, holding one page at a time.

Pages may be short or empty before the end (the vendor says so): only a page without a
`nextCursor` ends the list. A server that hands back the very cursor it was sent would
loop forever; that is a `PaginationError` instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import PaginationError

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page: its items, the server's `total`, the cursor of the next page (None: last)."""

    items: list[ItemT]
    total: int
    next_cursor: str | None
    trace_id: str


FIRST_PAGE = ""  # the spec's decision: the first request sends `pageCursor=` empty


def _check_progress(page: Page[ItemT], cursor: str) -> str | None:
    if page.next_cursor is not None and page.next_cursor == cursor:
        raise PaginationError(
            "the server answered a page request with the same nextCursor it was sent; "
            "following it would never end",
            trace_id=page.trace_id,
        )
    return page.next_cursor


class SyncPager(Generic[ItemT]):
    """Iterate to get every item across pages; `.pages()` for the pages themselves.

    Nothing is fetched until iteration starts; each iteration starts from the first page.
    """

    def __init__(self, fetch: Callable[[str], Page[ItemT]], start: str = FIRST_PAGE) -> None:
        self._fetch = fetch
        self._start = start

    def pages(self) -> Iterator[Page[ItemT]]:
        cursor: str | None = self._start
        while cursor is not None:
            page = self._fetch(cursor)
            yield page
            cursor = _check_progress(page, cursor)
            del page  # let the page go before the next one is fetched

    def __iter__(self) -> Iterator[ItemT]:
        for page in self.pages():
            items = page.items
            del page
            yield from items
            del items


class AsyncPager(Generic[ItemT]):
    """`async for` every item across pages; `.pages()` for the pages themselves."""

    def __init__(
        self, fetch: Callable[[str], Awaitable[Page[ItemT]]], start: str = FIRST_PAGE
    ) -> None:
        self._fetch = fetch
        self._start = start

    async def pages(self) -> AsyncIterator[Page[ItemT]]:
        cursor: str | None = self._start
        while cursor is not None:
            page = await self._fetch(cursor)
            yield page
            cursor = _check_progress(page, cursor)
            del page

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.pages():
            items = page.items
            del page
            for item in items:
                yield item
            del items
