"""Paging, defined once per scheme and walked by one pager, sync or async.

A listing pages by one of the spec's schemes (`x-koodrive-behaviour` `paging.scheme`);
the generator bakes which one, and the names its parameters and fields have, into each
paged method, which hands the pager a `fetch(position)` and the scheme. The pager holds
one page at a time; the scheme decides, page after page, where the next one starts and
when the listing has ended, and refuses a server that would make the walk go on forever.

- `CursorScheme`: follow `nextCursor` until it is absent. Pages may be short or empty
  before the end (the vendor says so): only a page without a `nextCursor` ends the list.
  A `nextCursor` already followed in this iteration (the one just sent, A → B → A, or an
  empty one, which means "start again"), or more empty pages in a row than any honest
  listing needs, is a `PaginationError`.
- `OffsetScheme`: skip `offset` items, take up to `limit`; `total` counts them all. The
  next page starts where this one's items end, so a short page skips nothing. The walk
  ends on an empty page, or once `offset` reaches `total`; a server whose `total` is too
  low (a full page past it) is followed until a short or empty page, one whose `total` is
  too high ends on the empty page it answers (and says so in the log). A page of nothing
  new (a server ignoring `offset`) or an offset past the parameter's maximum is a
  `PaginationError`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import httpx

from .errors import PaginationError

ItemT = TypeVar("ItemT")
PositionT = TypeVar("PositionT", str, int)
PositionT_co = TypeVar("PositionT_co", str, int, covariant=True)
logger = logging.getLogger("koodrive")


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page: its items, the server's `total`, the cursor of the next page (None: last,
    and always None for an offset-paged listing), the `offset` it starts at (None for a
    cursor-paged one), and what its response said of itself: the trace id sent, the
    gateway's request id, the headers."""

    items: list[ItemT]
    total: int
    next_cursor: str | None
    trace_id: str
    request_id: str | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers, repr=False, compare=False)
    offset: int | None = None


FIRST_PAGE = ""  # the spec's decision: the first request sends `pageCursor=` empty
# The vendor allows empty pages before the end, so some in a row are normal; this many
# is a server that hands out fresh cursors and never items.
MAX_EMPTY_PAGES_IN_A_ROW = 100


class Walk(Protocol[PositionT_co]):
    """One iteration's progress through a listing."""

    def after(self, page: Page[ItemT]) -> PositionT_co | None:
        """Where the page after `page` starts; None: `page` was the last."""


class PagingScheme(Protocol[PositionT]):
    """How a listing pages: where an iteration starts, and its walk from there."""

    def walk(self, start: PositionT) -> Walk[PositionT]: ...


@dataclass(frozen=True)
class CursorScheme:
    """Each page names the next by an opaque cursor; the first is requested with `first`."""

    first: str = FIRST_PAGE

    def walk(self, start: str) -> Walk[str]:
        return _CursorWalk(start, self.first)


class _CursorWalk:
    """What one iteration has followed: every cursor, and the empty pages in a row."""

    def __init__(self, start: str, first: str) -> None:
        self._first = first
        self._followed = {start, first}
        self._empty_in_a_row = 0
        self._pages = 0

    def after(self, page: Page[ItemT]) -> str | None:
        self._pages += 1
        self._empty_in_a_row = 0 if page.items else self._empty_in_a_row + 1
        cursor = page.next_cursor
        if cursor is None:
            return None
        if cursor in self._followed:
            again = (
                "an empty nextCursor (the first page again)"
                if cursor == self._first
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


@dataclass(frozen=True)
class OffsetScheme:
    """Each page skips `offset` items and holds up to `limit`; `total` counts them all.

    `max_offset` is the largest offset the offset parameter takes (None: no bound);
    `key` names an item (its `item-key`), to tell a page of nothing new.
    """

    limit: int
    max_offset: int | None = None
    key: Callable[[object], Hashable] | None = None

    def walk(self, start: int) -> Walk[int]:
        return _OffsetWalk(start, self)


class _OffsetWalk:
    def __init__(self, start: int, scheme: OffsetScheme) -> None:
        self._offset = start
        self._scheme = scheme
        self._seen: set[Hashable] = set()
        self._pages = 0

    def after(self, page: Page[ItemT]) -> int | None:
        self._pages += 1
        scheme = self._scheme
        if not page.items:
            if self._offset < page.total:
                logger.info(
                    "an offset-paged listing ended on an empty page at offset %d although its "
                    "total says %d (items removed meanwhile, or a total that is off)",
                    self._offset,
                    page.total,
                )
            return None
        if scheme.key is not None:
            keys = [scheme.key(item) for item in page.items]
            if self._seen.issuperset(keys):
                raise PaginationError(
                    f"page {self._pages} (offset {self._offset}) holds only items of earlier "
                    "pages: the server ignores the offset, and following it would never end",
                    trace_id=page.trace_id,
                )
            self._seen.update(keys)
        self._offset += len(page.items)
        if self._offset == page.total:
            return None
        if self._offset > page.total and len(page.items) < scheme.limit:
            return None  # past a total that was too low, and now a short page: the end
        if scheme.max_offset is not None and self._offset > scheme.max_offset:
            raise PaginationError(
                f"page {self._pages} ends at offset {self._offset}, past the largest offset "
                f"the listing takes ({scheme.max_offset}); the listing does not end",
                trace_id=page.trace_id,
            )
        return self._offset


CURSOR = CursorScheme()


class _Walker(Generic[PositionT, ItemT]):
    """One listing's pages: `fetch(position)` gets one, `scheme` walks from `start`."""

    def __init__(
        self,
        fetch: Callable[[PositionT], Page[ItemT]],
        start: PositionT,
        scheme: PagingScheme[PositionT],
    ) -> None:
        self._fetch: Callable[[PositionT], Page[ItemT]] = fetch
        self._start: PositionT = start
        self._scheme: PagingScheme[PositionT] = scheme

    def first_page(self) -> Page[ItemT]:
        return self._fetch(self._start)

    def pages(self) -> Iterator[Page[ItemT]]:
        walk = self._scheme.walk(self._start)
        position: PositionT | None = self._start
        while position is not None:
            page = self._fetch(position)
            yield page
            position = walk.after(page)
            del page  # let the page go before the next one is fetched


class _AsyncWalker(Generic[PositionT, ItemT]):
    def __init__(
        self,
        fetch: Callable[[PositionT], Awaitable[Page[ItemT]]],
        start: PositionT,
        scheme: PagingScheme[PositionT],
    ) -> None:
        self._fetch: Callable[[PositionT], Awaitable[Page[ItemT]]] = fetch
        self._start: PositionT = start
        self._scheme: PagingScheme[PositionT] = scheme

    async def first_page(self) -> Page[ItemT]:
        return await self._fetch(self._start)

    async def pages(self) -> AsyncIterator[Page[ItemT]]:
        walk = self._scheme.walk(self._start)
        position: PositionT | None = self._start
        while position is not None:
            page = await self._fetch(position)
            yield page
            position = walk.after(page)
            del page


class _Pages(Protocol[ItemT]):
    def first_page(self) -> Page[ItemT]: ...
    def pages(self) -> Iterator[Page[ItemT]]: ...


class _AsyncPages(Protocol[ItemT]):
    async def first_page(self) -> Page[ItemT]: ...
    def pages(self) -> AsyncIterator[Page[ItemT]]: ...


class SyncPager(Generic[ItemT]):
    """Iterate to get every item across pages; `.pages()` for the pages themselves.

    Nothing is fetched until iteration starts; each iteration starts from the first page
    (or the position the method was given: `cursor=`, `offset=`). `fetch(cursor)` gets one
    page of a cursor-paged listing; `SyncPager.walking(fetch, start, scheme)` makes the
    pager of a listing paged by any scheme (`OffsetScheme`: `fetch(offset)`).
    """

    def __init__(
        self,
        fetch: Callable[[str], Page[ItemT]],
        start: str = FIRST_PAGE,
        scheme: PagingScheme[str] = CURSOR,
    ) -> None:
        self._listing: _Pages[ItemT] = _Walker(fetch, start, scheme)

    @classmethod
    def walking(
        cls,
        fetch: Callable[[PositionT], Page[ItemT]],
        start: PositionT,
        scheme: PagingScheme[PositionT],
    ) -> SyncPager[ItemT]:
        pager: SyncPager[ItemT] = cls.__new__(cls)
        pager._listing = _Walker(fetch, start, scheme)
        return pager

    def first_page(self) -> Page[ItemT]:
        """The page iteration starts with (the first, or the one `cursor=` named)."""
        return self._listing.first_page()

    def pages(self) -> Iterator[Page[ItemT]]:
        return self._listing.pages()

    def __iter__(self) -> Iterator[ItemT]:
        for page in self.pages():
            items = page.items
            del page
            yield from items
            del items


class AsyncPager(Generic[ItemT]):
    """`async for` every item across pages; `.pages()` for the pages themselves."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[Page[ItemT]]],
        start: str = FIRST_PAGE,
        scheme: PagingScheme[str] = CURSOR,
    ) -> None:
        self._listing: _AsyncPages[ItemT] = _AsyncWalker(fetch, start, scheme)

    @classmethod
    def walking(
        cls,
        fetch: Callable[[PositionT], Awaitable[Page[ItemT]]],
        start: PositionT,
        scheme: PagingScheme[PositionT],
    ) -> AsyncPager[ItemT]:
        pager: AsyncPager[ItemT] = cls.__new__(cls)
        pager._listing = _AsyncWalker(fetch, start, scheme)
        return pager

    async def first_page(self) -> Page[ItemT]:
        """The page iteration starts with (the first, or the one `cursor=` named)."""
        return await self._listing.first_page()

    def pages(self) -> AsyncIterator[Page[ItemT]]:
        return self._listing.pages()

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.pages():
            items = page.items
            del page
            for item in items:
                yield item
            del items
