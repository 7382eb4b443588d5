"""Cursor paging over the Backend: opaque cursors signed with itsdangerous.

A cursor holds the position of the last group returned, a page counter, and a digest of
what it is bound to (user, sourceType, groupName). Altered or forged cursors fail the
signature check; a cursor used with other filters or by another user fails the binding
check. Both are reported as a bad `pageCursor`, never answered with a wrong page.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer

from koodrive_emulator.models import Group, SourceType
from koodrive_emulator.rules.validation import GroupsQuery, ValidationError
from koodrive_emulator.state import Backend

_SALT = "koodrive-emulator.page-cursor"


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
    case_sensitive_name: bool = False  # groupName compared with its letter case
    # A filter ignored when listing, while cursors stay bound to it as sent:
    ignore_group_name: bool = False
    ignore_source_type: bool = False  # groups of kind 0 whatever sourceType says


NO_FLAWS = Flaws()


@dataclass(frozen=True)
class Page:
    groups: list[Group]
    total: int
    next_cursor: str | None


@dataclass(frozen=True)
class _Position:
    after: int
    page_number: int


class Pager:
    def __init__(self, secret: str | bytes) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_SALT)

    def page(
        self,
        backend: Backend,
        user_id: str,
        query: GroupsQuery,
        behaviour: PagingBehaviour,
        flaws: Flaws = NO_FLAWS,
        *,
        largest_page: int | None = None,  # the page size's maximum, for ignore_page_size
    ) -> Page:
        binding = _binding(user_id, query)
        try:
            position = self._decode(
                query.page_cursor, binding, check_binding=not flaws.unbound_cursor
            )
        except ValidationError:
            if not flaws.restart_on_bad_cursor:
                raise
            position = _Position(after=0, page_number=0)
        limit = (largest_page or query.page_size) if flaws.ignore_page_size else query.page_size
        if behaviour.short_pages:
            rng = random.Random(
                f"{behaviour.seed}|{binding}|{position.after}|{position.page_number}"
            )
            if rng.random() < behaviour.short_pages:
                limit = rng.randrange(query.page_size)
        found = backend.find_groups(
            user_id,
            source_type=SourceType.GROUP if flaws.ignore_source_type else query.source_type,
            group_name=None if flaws.ignore_group_name else query.group_name,
            after=position.after,
            limit=limit,
            case_sensitive=flaws.case_sensitive_name,
        )
        next_cursor = None
        if found.has_more or flaws.never_end:
            # One item back when the fault asks: the next page begins with this one's last.
            back = 2 if flaws.repeat_last_item and len(found.groups) >= 2 else 1
            last = found.groups[-back][0] if found.groups else position.after
            next_cursor = self._encode(_Position(last, position.page_number + 1), binding)
        return Page([group for _, group in found.groups], found.total, next_cursor)

    def _encode(self, position: _Position, binding: str) -> str:
        token = self._serializer.dumps([position.after, position.page_number, binding])
        return token if isinstance(token, str) else token.decode()

    def _decode(self, cursor: str, binding: str, *, check_binding: bool = True) -> _Position:
        if cursor == "":
            return _Position(after=0, page_number=0)
        try:
            payload = self._serializer.loads(cursor)
        except BadData:
            raise ValidationError(
                [
                    "pageCursor is not a cursor this server issued (altered, forged or from "
                    "an earlier run); send the previous nextCursor unchanged, or empty to start"
                ]
            ) from None
        match payload:
            case [int(after), int(page_number), str(bound)] if after >= 0 and page_number >= 0:
                pass
            case _:
                raise ValidationError(["pageCursor is not a cursor this server issued"])
        # itsdangerous' base64 forgives extra padding, stray characters and the unused low
        # bits of the last one: only the very spelling issued is a cursor of ours.
        if self._encode(_Position(after, page_number), bound) != cursor:
            raise ValidationError(["pageCursor is not a cursor this server issued (altered)"])
        if check_binding and bound != binding:
            raise ValidationError(
                [
                    "pageCursor was issued for another user or other filters; send the same "
                    "sourceType and groupName as the first page, or an empty pageCursor"
                ]
            )
        return _Position(after, page_number)


def _binding(user_id: str, query: GroupsQuery) -> str:
    name = "" if query.group_name is None else "=" + query.group_name
    key = f"{user_id}\x00{int(query.source_type)}\x00{name}".encode()
    return hashlib.sha256(key).hexdigest()[:16]
