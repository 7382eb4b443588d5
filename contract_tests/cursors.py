"""Page cursors: only the server can make a valid non-empty one.

An operation's `x-koodrive-behaviour.cursor_paging` (openapi.yaml) names the cursor parameter, the
response field of the next cursor and the parameters a cursor is bound to. Any string the
cursor's schema allows is schema-valid, so schemathesis would send made-up cursors and
judge the documented 400 wrongly. These hooks keep cursors honest without narrowing the
fuzzing:

- every next cursor the server returns is remembered with the bound parameters of its
  request, as sent;
- a positive case's schema-valid cursor the server never issued becomes the first-page
  cursor (the only one a client can make up), and an issued cursor travels with the
  parameters it was issued for, as the spec's `nextPage` link means ("with the same filters");
- a negative case keeps a valid cursor unless the cursor is what it breaks: one it was not
  issued with becomes the first-page cursor, so that the 400 for a made-up cursor cannot
  hide whether the parameter under test is checked at all.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import schemathesis
from koodrive_spec.behaviour import CursorPaging

from contract_tests import operations, wire
from contract_tests.types import Case, Operation
from contract_tests.wire import wire_text

_Bound = tuple[tuple[str, str], ...]


class IssuedCursors:
    """The cursors the server issued during this run, with the bound parameters of each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bound: dict[tuple[str, str], _Bound] = {}

    def remember(self, operation: str, cursor: str, bound: _Bound) -> None:
        with self._lock:
            self._bound[(operation, cursor)] = bound

    def bound_of(self, operation: str, cursor: str) -> _Bound | None:
        """The bound parameters `cursor` was issued with, or None if it never was."""
        with self._lock:
            return self._bound.get((operation, cursor))


ISSUED = IssuedCursors()


def bound_values(paging: CursorPaging, query: Mapping[str, Any]) -> _Bound:
    """The bound parameters of a query (generated values or wire values) as wire text."""
    return tuple(
        (name, wire_text(query[name])) for name in paging.bound_to if query.get(name) is not None
    )


def paging_of(operation: Operation) -> CursorPaging | None:
    found = operations.behaviour_of(operation)
    return found.cursor_paging if found is not None else None


def _query(case: Case) -> dict[str, Any] | None:
    return case.query if isinstance(case.query, dict) else None


def _is_positive(case: Case) -> bool:
    return (
        case.meta is not None and case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    )


def _cursor_is_schema_valid(case: Case, paging: CursorPaging, cursor: object) -> bool:
    if not isinstance(cursor, str):
        return False  # a list or a number: a case built to break the cursor itself
    declared = operations.parameter_of(case.operation, paging.cursor)
    return not wire.problems(
        [declared] if declared is not None else [], {paging.cursor: [cursor]}, {}
    )


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: Case, response: schemathesis.Response
) -> None:
    paging = paging_of(case.operation)
    if paging is None or response.status_code != 200:
        return
    try:
        body = response.json()
    except ValueError:
        return
    cursor = body.get(paging.next_cursor) if isinstance(body, dict) else None
    if isinstance(cursor, str):
        sent = operations.sent_values(case, response.request.url or "")
        ISSUED.remember(case.operation.label, cursor, bound_values(paging, sent))


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: Case) -> Case:
    paging = paging_of(case.operation)
    query = _query(case)
    if paging is None or query is None or paging.cursor not in query:
        return case
    cursor = query[paging.cursor]
    if not _cursor_is_schema_valid(case, paging, cursor) or cursor == paging.first_cursor:
        return case
    bound = ISSUED.bound_of(case.operation.label, cursor)
    if _is_positive(case):
        if bound is None:
            query[paging.cursor] = paging.first_cursor
            return case
        # The cursor's own parameters, in the path or the query, as it was issued for.
        in_path = operations.path_names(case.operation)
        for name in paging.bound_to:
            if name not in in_path:
                query.pop(name, None)
        for name, value in bound:
            if name in in_path:
                case.path_parameters[name] = value
            else:
                query[name] = value
        return case
    # A negative case: whatever it breaks, it is not the (schema-valid) cursor.
    given = {**operations.path_values(case), **query}
    if bound is None or bound != bound_values(paging, given):
        query[paging.cursor] = paging.first_cursor
    return case
