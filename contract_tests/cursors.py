"""Page cursors: only the server can make a valid non-empty one.

`pageCursor` is an opaque string (maxLength 1024) that the server issues as `nextCursor`,
bound to the filters it was issued for; the spec documents a 400 for a forged cursor or one
used with other filters. Any string up to 1024 characters is schema-valid, so schemathesis
would send made-up cursors as positive data and report the documented 400 as "schema-valid
request rejected". These hooks keep the cursors honest without narrowing the fuzzing:

- every `nextCursor` the server returns is remembered with the filters of its request;
- a schema-valid cursor the server never issued becomes the empty one (the first page,
  the only valid cursor a client can make up), and an issued cursor travels with the
  filters it was issued for, as the spec's `nextPage` link means ("with the same filters").

Negative cases are left untouched: whatever makes them invalid must still be sent.
"""

from __future__ import annotations

import threading
from typing import Any

import schemathesis

from contract_tests.types import Case

CURSOR = "pageCursor"
NEXT_CURSOR = "nextCursor"
MAX_LENGTH = 1024  # openapi.yaml: pageCursor.maxLength
BOUND_FILTERS = ("sourceType", "groupName")  # a cursor is bound to these (openapi.yaml)

_Filters = tuple[tuple[str, Any], ...]


class IssuedCursors:
    """The cursors the server issued during this run, with the filters of each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._filters: dict[str, _Filters] = {}

    def remember(self, cursor: str, query: dict[str, Any]) -> None:
        filters = tuple((name, query[name]) for name in BOUND_FILTERS if name in query)
        with self._lock:
            self._filters[cursor] = filters

    def filters_of(self, cursor: str) -> _Filters | None:
        with self._lock:
            return self._filters.get(cursor)


ISSUED = IssuedCursors()


def _query(case: Case) -> dict[str, Any] | None:
    return case.query if isinstance(case.query, dict) else None


def _is_positive(case: Case) -> bool:
    return (
        case.meta is not None and case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    )


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: Case, response: schemathesis.Response
) -> None:
    query = _query(case)
    if query is None or CURSOR not in query or response.status_code != 200:
        return
    try:
        body = response.json()
    except ValueError:
        return
    cursor = body.get(NEXT_CURSOR) if isinstance(body, dict) else None
    if isinstance(cursor, str):
        ISSUED.remember(cursor, query)


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Case) -> Case:
    query = _query(case) if _is_positive(case) else None
    cursor = query.get(CURSOR) if query is not None else None
    if query is None or not isinstance(cursor, str) or not cursor or len(cursor) > MAX_LENGTH:
        return case
    filters = ISSUED.filters_of(cursor)
    if filters is None:
        query[CURSOR] = ""
        return case
    for name in BOUND_FILTERS:
        query.pop(name, None)
    query.update(filters)
    return case
