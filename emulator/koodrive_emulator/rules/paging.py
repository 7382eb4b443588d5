"""Cursor paging for any paged operation: opaque cursors signed with HMAC-SHA256.

A cursor holds the position of the last record returned, a page counter, a digest of
what it is bound to (the owner, and the parameters the operation's `x-koodrive-behaviour`
binds it to: for list-user-groups, sourceType and groupName), and the generation of the
state it was issued in (a reset or restore starts a new one, whose positions are others).
Altered or forged cursors fail the signature check; a cursor used with other parameters or
by another user fails the binding check, one from another generation the generation check.
All are reported as a bad cursor parameter, never answered with a wrong page.

The form is `after.page.binding.generation.signature`: decimal numbers, the 16 hex digits
of the binding, a decimal number and 22 URL-safe base64 characters of signature, read by
one strict pattern, so only the very spelling issued is a cursor (no padding, no leading
zeros, no spare bits).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from koodrive_spec.behaviour import CursorPaging, OffsetPaging
from koodrive_spec.request_rules import ValidationError

from koodrive_emulator.state import Slice

_T = TypeVar("_T")

_SALT = b"koodrive-emulator.page-cursor|"
_NUMBER = r"(0|[1-9][0-9]{0,17})"
# 16 signature bytes are 22 base64 characters whose last holds 4 spare bits: only the
# characters with those bits zero are a spelling the encoder makes.
_CURSOR = re.compile(
    rf"{_NUMBER}\.{_NUMBER}\.([0-9a-f]{{16}})\.{_NUMBER}\.([A-Za-z0-9_-]{{21}}[AQgw])"
)
# The length of a page when the spec's paging lets the server choose it (no page-size).
SERVER_PAGE_SIZE = 100
# How many cursor signatures a pager keeps (by the payload they sign) before it forgets them
# all: a cursor issued is read back soon, with the next page's request.
_SIGNATURES_KEPT = 4096


@dataclass
class PagingBehaviour:
    """Short pages on purpose: with probability `short_pages` a page holds fewer than
    `pageSize` groups (possibly none) although more follow, as the vendor warns may happen.
    Decisions derive from `seed` and the cursor, so the same request gets the same page."""

    short_pages: float = 0.0
    seed: int = 0

    def __setattr__(self, name: str, value: object) -> None:
        # Checked on every assignment: tests set `emulator.paging.short_pages` directly.
        if name == "short_pages" and not (isinstance(value, int | float) and 0.0 <= value < 1.0):
            raise ValueError("short_pages must be a probability from 0 up to (not including) 1")
        super().__setattr__(name, value)


@dataclass(frozen=True)
class Flaws:
    """Ways to page wrongly on purpose (the emulator's faults), each breaking one promise."""

    repeat_last_item: bool = False  # a page's last item comes again first on the next
    never_end: bool = False  # the last page has a next cursor (to an empty page, and on)
    ignore_page_size: bool = False  # pages as long as the largest page size allows
    restart_on_bad_cursor: bool = False  # a cursor that fails the signature: the first page
    unbound_cursor: bool = False  # a cursor is not checked against the filters it was issued for
    # Offset paging's own:
    unstable_total: bool = False  # total one more on every page after the first
    empty_later_pages: bool = False  # every page after the first empty, whatever total says


NO_FLAWS = Flaws()


@dataclass(frozen=True)
class Page(Generic[_T]):
    items: list[_T]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class _Position:
    after: int
    page_number: int
    generation: int = 0  # of the state the cursor was issued in (Backend.generation)


class Pager:
    """One cursor pager for every paged operation, driven by its `x-koodrive-behaviour`
    paging entry: which parameter carries the cursor, which bounds the page, and which ones
    a cursor is bound to. The handler gives it the owner and a query of the backend."""

    def __init__(self, secret: str | bytes) -> None:
        key = secret.encode() if isinstance(secret, str) else bytes(secret)
        # The key schedule and the salt, once: each cursor then costs one copy and a digest.
        self._mac = hmac.new(key, _SALT, hashlib.sha256)
        # Signatures made, by payload: the cursor a page issues is checked again when the
        # next page is asked for, and the same page asked again issues the same cursor.
        self._signatures: dict[str, str] = {}

    def page(
        self,
        paging: CursorPaging,
        *,
        owner: str,
        values: Mapping[str, object],
        find: Callable[[int, int], Slice[_T]],
        behaviour: PagingBehaviour,
        flaws: Flaws = NO_FLAWS,
        largest_page: int | None = None,  # the page size's maximum, for ignore_page_size
        generation: int = 0,
    ) -> Page[_T]:
        """The page `values` asks for: `find(after, limit)` returns up to `limit` records
        positioned after `after`. A cursor is bound to `owner` and the bound parameters, and
        read only in the `generation` of the state it was issued in."""
        cursor = values.get(paging.cursor, paging.first_cursor)
        page_size = (
            values.get(paging.page_size) if paging.page_size is not None else SERVER_PAGE_SIZE
        )
        if not isinstance(cursor, str) or not isinstance(page_size, int) or page_size < 1:
            raise TypeError("the cursor is text and the page size a positive integer, checked")
        binding = _binding(owner, [(name, values.get(name)) for name in paging.bound_to])
        try:
            position = self._decode(
                cursor, binding, paging, generation, check_binding=not flaws.unbound_cursor
            )
        except ValidationError:
            if not flaws.restart_on_bad_cursor:
                raise
            position = _Position(after=0, page_number=0, generation=generation)
        limit = (largest_page or page_size) if flaws.ignore_page_size else page_size
        if behaviour.short_pages:
            rng = random.Random(
                f"{behaviour.seed}|{binding}|{position.after}|{position.page_number}"
            )
            if rng.random() < behaviour.short_pages:
                limit = rng.randrange(page_size)
        found = find(position.after, limit)
        next_cursor = None
        if found.has_more or flaws.never_end:
            # One item back when the fault asks: the next page begins with this one's last.
            back = 2 if flaws.repeat_last_item and len(found.items) >= 2 else 1
            last = found.items[-back][0] if found.items else position.after
            next_cursor = self._encode(
                _Position(last, position.page_number + 1, generation), binding
            )
        return Page([item for _, item in found.items], found.total, next_cursor)

    def _encode(self, position: _Position, binding: str) -> str:
        payload = f"{position.after}.{position.page_number}.{binding}.{position.generation}"
        return f"{payload}.{self._signature(payload)}"

    def _signature(self, payload: str) -> str:
        signature = self._signatures.get(payload)
        if signature is None:
            mac = self._mac.copy()
            mac.update(payload.encode())
            signature = base64.urlsafe_b64encode(mac.digest()[:16]).rstrip(b"=").decode()
            if len(self._signatures) >= _SIGNATURES_KEPT:
                self._signatures = {}  # all forgotten at once: one rebinding, no race
            self._signatures[payload] = signature
        return signature

    def _decode(
        self,
        cursor: str,
        binding: str,
        paging: CursorPaging,
        generation: int,
        *,
        check_binding: bool = True,
    ) -> _Position:
        name, issued_as = paging.cursor, paging.next_cursor
        if cursor == paging.first_cursor:
            return _Position(after=0, page_number=0, generation=generation)
        parts = _CURSOR.fullmatch(cursor)
        if parts is None or not hmac.compare_digest(
            self._signature(cursor[: parts.start(5) - 1]), parts[5]
        ):
            raise ValidationError(
                [
                    f"{name} is not a cursor this server issued (altered, forged or from an "
                    f"earlier run); send the previous {issued_as} unchanged, or "
                    f"{_first(paging, article=False)} to start"
                ]
            )
        after, page_number, bound = int(parts[1]), int(parts[2]), parts[3]
        if int(parts[4]) != generation:
            raise ValidationError(
                [
                    f"{name} was issued before the emulator's state was reset or restored, and "
                    f"holds a place in the state of then; send {_first(paging)} {name} to start "
                    "again"
                ]
            )
        if check_binding and bound != binding:
            raise ValidationError(
                [
                    f"{name} was issued for another user or other filters; send the same "
                    f"{' and '.join(paging.bound_to)} as the first page, or {_first(paging)} "
                    f"{name}"
                ]
            )
        return _Position(after, page_number, generation)


def _binding(owner: str, bound: Sequence[tuple[str, object]]) -> str:
    """A digest of whose listing and of the bound parameters' values (absent apart from any
    value, a number apart from the same digits as text)."""
    return _digest(owner, tuple((name, type(value), value) for name, value in bound))


@functools.lru_cache(maxsize=4096)
def _digest(owner: str, bound: tuple[tuple[str, type, object], ...]) -> str:
    # Keyed by type as well: 1 and True are equal keys of a cache, and not the same value.
    key = json.dumps([owner, [[name, value] for name, _, value in bound]], ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _first(paging: CursorPaging, *, article: bool = True) -> str:
    """How to tell the first-page cursor: "an empty" (pageCursor), or "empty" alone."""
    if paging.first_cursor == "":
        return "an empty" if article else "empty"
    return repr(paging.first_cursor)


class OffsetPager:
    """One offset pager for every offset-paged operation, driven by its
    `x-koodrive-behaviour` paging entry (scheme `offset`): which parameter skips and which
    bounds the page. Nothing to sign: a page is named by its numbers, and promises no
    stability under change (a member removed between two pages shifts the later ones)."""

    def page(
        self,
        paging: OffsetPaging,
        *,
        values: Mapping[str, object],
        find: Callable[[int, int], Slice[_T]],
        flaws: Flaws = NO_FLAWS,
        largest_page: int | None = None,  # the limit's maximum, for ignore_page_size
    ) -> Page[_T]:
        """The page `values` asks for: `find(offset, limit)` returns up to `limit` records
        after the first `offset`, and how many there are. An offset at or past the total
        gives an empty page. `flaws`: the faults' ways to break that, each one promise."""
        offset, limit = values.get(paging.offset, 0), values.get(paging.limit)
        if not isinstance(offset, int) or not isinstance(limit, int) or offset < 0 or limit < 1:
            raise TypeError("the offset and limit are integers, checked against their schemas")
        if flaws.ignore_page_size and largest_page is not None:
            limit = largest_page
        if flaws.repeat_last_item and offset > 0:
            offset -= 1  # the page begins with the previous one's last item
        found = find(offset, limit)
        if flaws.never_end and offset >= found.total > 0:
            found = find(max(0, found.total - limit), limit)  # past the end: the last page
        items = [item for _, item in found.items]
        if flaws.empty_later_pages and offset > 0:
            items = []
        total = found.total + (1 if flaws.unstable_total and offset > 0 else 0)
        return Page(items, total, None)
