"""The hand-written core the generated resources (`koodrive_resources`) call.

`scripts/regenerate` writes one method per operation of openapi.yaml around these pieces:
what is checked before a call is sent, what a parsed body must be, and how a page is read.
Everything per operation (its name, arguments, models, paging fields) is in the generated
code; everything shared is here.
"""

from __future__ import annotations

import enum
from typing import Generic, TypeVar

import httpx
from koodrive_client.types import UNSET, Response, Unset

from . import _shape
from ._call import UNSENT_TRACE_IDS, Call, Context, Operation, TraceIds
from ._events import current_attempt, parsed_body
from ._writes import Write
from .errors import InvalidArgumentError, MalformedResponseError
from .pagination import Page

# `Call`, `Operation` and `TraceIds` live in `_call.py`, below the runner (`Write` in
# `_writes.py`); the generated resources import them from here, with the rest of the core
# they call.
__all__ = [
    "UNSENT_TRACE_IDS",
    "Call",
    "Operation",
    "Resource",
    "TraceIds",
    "Write",
    "enum_argument",
    "expect",
    "omitted",
    "page_of",
    "path_argument",
]

ContextT = TypeVar("ContextT", bound=Context)
ModelT = TypeVar("ModelT")
ParsedT = TypeVar("ParsedT")
ItemT = TypeVar("ItemT")
EnumT = TypeVar("EnumT", bound=enum.Enum)
ValueT = TypeVar("ValueT")


class Resource(Generic[ContextT]):
    """One resource's operations, made on the client's context (sync or async)."""

    def __init__(self, context: ContextT) -> None:
        self._context = context


def enum_argument(kind: type[EnumT], value: object, name: str) -> EnumT:
    """`value` as a member of `kind` (a member or its value), or InvalidArgumentError
    naming the argument and every allowed value."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(f"{member.value} ({kind.__name__}.{member.name})" for member in kind)
        raise InvalidArgumentError(f"{name} must be one of {allowed}; got {value!r}") from None


def path_argument(value: str, name: str) -> None:
    """A path segment of text must name something: an empty one, `.` or `..` would send the
    request to another path (clients and proxies resolve dot segments)."""
    if value in ("", ".", ".."):
        raise InvalidArgumentError(f"{name} must be a path segment, not {value!r}")


def omitted(value: ValueT | None) -> ValueT | Unset:
    """An optional argument left out (None) is not sent at all."""
    return UNSET if value is None else value


def expect(
    response: Response[ParsedT], model: type[ModelT], operation: Operation, trace_id: str
) -> ModelT:
    """The parsed body as `model`; a 2xx the spec does not document, or a body that breaks
    its schema, is malformed."""
    parsed = response.parsed
    status = int(response.status_code)
    if not isinstance(parsed, model):
        raise _malformed(
            operation,
            response,
            trace_id,
            f"HTTP {status} is not a success status the spec documents",
            written=f"has HTTP {status}, a success status the spec does not document",
        )
    try:
        _shape.check(parsed, parsed_body(response.content))
    except _shape.ShapeError as error:
        raise _malformed(
            operation,
            response,
            trace_id,
            f"HTTP {status} response breaks the spec: {error}",
            written=f"breaks the spec: {error}",
        ) from None
    return parsed


def _malformed(
    operation: Operation, response: Response[ParsedT], trace_id: str, problem: str, *, written: str
) -> MalformedResponseError:
    """A success answer the SDK cannot read; for a write, one saying it WAS applied (what
    the response `written` then)."""
    status = int(response.status_code)
    headers = httpx.Headers(response.headers)
    if operation.write is not None:
        return operation.write.applied(
            operation.label, written, trace_id=trace_id, status_code=status, headers=headers
        )
    return MalformedResponseError(
        f"{operation.label}: {problem}", trace_id=trace_id, status_code=status, headers=headers
    )


def page_of(
    operation: Operation,
    items: list[ItemT],
    total: object,
    next_cursor: object,
    trace_id: str,
) -> Page[ItemT]:
    """One page, from the fields the spec's paging names; a cursor that could not be
    followed, or a total that is no count, is malformed."""

    def malformed(problem: str) -> MalformedResponseError:
        return MalformedResponseError(f"{operation.label}: {problem}", trace_id=trace_id)

    if isinstance(next_cursor, Unset):
        cursor = None
    elif isinstance(next_cursor, str) and next_cursor:
        cursor = next_cursor
    else:
        raise malformed(
            f"{operation.next_cursor_field} must be a non-empty string when present; "
            f"got {next_cursor!r}"
        )
    if not isinstance(total, int) or isinstance(total, bool):
        raise malformed(f"{operation.total_field} must be an integer; got {total!r}")
    # The response the page came in (none when a page is made outside a call).
    current = current_attempt()
    response = current.response if current is not None else None
    return Page(
        items=items,
        total=total,
        next_cursor=cursor,
        trace_id=trace_id,
        request_id=current.info.request_id if current is not None else None,
        headers=response.headers if response is not None else httpx.Headers(),
    )
