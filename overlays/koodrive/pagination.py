"""Cursor paging: follow `nextCursor` until it is absent, holding one page at a time.

Pages may be short or empty before the end (the vendor says so): only a page without a
`nextCursor` ends the list. A server that would make this loop forever is a
`PaginationError` instead: a `nextCursor` already followed in this iteration (the one just
sent, A → B → A, or an empty one, which means "start again"), or more empty pages in a
row than any honest listing needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from .errors import PaginationError

ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page: its items, the server's `total`, the cursor of the next page (None: last),
    and what its response said of itself: the trace id sent, the gateway's request id, the
    headers."""

    items: list[ItemT]
    total: int
    next_cursor: str | None
    trace_id: str
    request_id: str | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers, repr=False, compare=False)


FIRST_PAGE = ""  # the spec's decision: the first request sends `pageCursor=` empty
# The vendor allows empty pages before the end, so some in a row are normal; this many
# is a server that hands out fresh cursors and never items.
MAX_EMPTY_PAGES_IN_A_ROW = 100


class _Progress:
    """What one iteration has followed: every cursor, and the empty pages in a row."""

    def __init__(self, start: str) -> None:
        self._followed = {start, FIRST_PAGE}
        self._empty_in_a_row = 0
        self._pages = 0

    def next_cursor(self, page: Page[ItemT]) -> str | None:
        """The cursor to follow after `page` (None: it was the last), or PaginationError."""
        self._pages += 1
        self._empty_in_a_row = 0 if page.items else self._empty_in_a_row + 1
        cursor = page.next_cursor
        if cursor is None:
            return None
        if cursor in self._followed:
            again = (
                "an empty nextCursor (the first page again)"
                if cursor == FIRST_PAGE
                else "a nextCursor it had already sent"
            )
            raise PaginationError(
                f"page {self._pages} carries {again}; following it would never end",
                trace_id=page.trace_id,
            )
        if self._empty_in_a_row > MAX_EMPTY_PAGES_IN_A_ROW:
            raise PaginationError(
                f"{self._empty_in_a_row} empty pages in a row, each with a new nextCursor "
                f"(more than {MAX_EMPTY_PAGES_IN_A_ROW}); the listing does not end",
                trace_id=page.trace_id,
            )
        self._followed.add(cursor)
        return cursor


class SyncPager(Generic[ItemT]):
    """Iterate to get every item across pages; `.pages()` for the pages themselves.

    Nothing is fetched until iteration starts; each iteration starts from the first page.
    """

    def __init__(self, fetch: Callable[[str], Page[ItemT]], start: str = FIRST_PAGE) -> None:
        self._fetch = fetch
        self._start = start

    def first_page(self) -> Page[ItemT]:
        """The page iteration starts with (the first, or the one `cursor=` named)."""
        return self._fetch(self._start)

    def pages(self) -> Iterator[Page[ItemT]]:
        progress = _Progress(self._start)
        cursor: str | None = self._start
        while cursor is not None:
            page = self._fetch(cursor)
            yield page
            cursor = progress.next_cursor(page)
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

    async def first_page(self) -> Page[ItemT]:
        """The page iteration starts with (the first, or the one `cursor=` named)."""
        return await self._fetch(self._start)

    async def pages(self) -> AsyncIterator[Page[ItemT]]:
        progress = _Progress(self._start)
        cursor: str | None = self._start
        while cursor is not None:
            page = await self._fetch(cursor)
            yield page
            cursor = progress.next_cursor(page)
            del page

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.pages():
            items = page.items
            del page
            for item in items:
                yield item
            del items
