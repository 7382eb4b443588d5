"""The hand-written core the generated resources (`koodrive_resources`) call.

`scripts/regenerate` writes one method per operation of openapi.yaml around these pieces:
what is checked before a call is sent, what a parsed body must be, and how a page is read.
Everything per operation (its name, arguments, models, paging fields) is in the generated
code; everything shared is here.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx
from koodrive_client.types import UNSET, Response, Unset

from . import _shape
from ._call import UNSENT_TRACE_IDS, Call, Context, Operation, TraceIds
from ._events import current_attempt, parsed_body
from ._writes import Write
from .batches import BatchAnswerError, BatchResult, read_batch_answer
from .errors import InvalidArgumentError, MalformedResponseError
from .pagination import Page

# `Call`, `Operation` and `TraceIds` live in `_call.py`, below the runner (`Write` in
# `_writes.py`); the generated resources import them from here, with the rest of the core
# they call.
__all__ = [
    "UNSENT_TRACE_IDS",
    "Batch",
    "Call",
    "Operation",
    "Resource",
    "TraceIds",
    "Write",
    "batch_result",
    "checked_batch",
    "enum_argument",
    "expect",
    "omitted",
    "page_at",
    "page_of",
    "path_argument",
    "together",
    "tolerate_unparsed",
    "user_id_argument",
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


def together(first: object, first_name: str, second: object, second_name: str) -> None:
    """Two arguments the spec requires together (`dependentRequired`): both or neither."""
    if (first is None) != (second is None):
        given, missing = (first_name, second_name) if second is None else (second_name, first_name)
        raise InvalidArgumentError(
            f"{first_name} and {second_name} go together: {given} was given without {missing}"
        )


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


def page_at(
    operation: Operation, items: list[ItemT], total: object, offset: int, trace_id: str
) -> Page[ItemT]:
    """One page of an offset-paged listing, starting at `offset`; a total that is no count
    is malformed."""
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise MalformedResponseError(
            f"{operation.label}: {operation.total_field} must be a count (an integer >= 0); "
            f"got {total!r}",
            trace_id=trace_id,
        )
    current = current_attempt()
    response = current.response if current is not None else None
    return Page(
        items=items,
        total=total,
        next_cursor=None,
        trace_id=trace_id,
        request_id=current.info.request_id if current is not None else None,
        headers=response.headers if response is not None else httpx.Headers(),
        offset=offset,
    )


# --- user ids ------------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


def _digits(value: object, name: str, allowed: str) -> str:
    """`value`, an int or a string of digits, as its digits; else InvalidArgumentError."""
    if isinstance(value, int) and not isinstance(value, bool | enum.Enum):
        if value < 0:
            raise InvalidArgumentError(f"{name} must be {allowed}; got {value!r}")
        return str(value)
    if isinstance(value, str):
        if _DIGITS.fullmatch(value) and value.isascii():
            return value
        raise InvalidArgumentError(f"{name} must be {allowed}; got {value!r}")
    raise InvalidArgumentError(f"{name} must be {allowed}; got {type(value).__name__} {value!r}")


def user_id_argument(value: object, name: str, *, pattern: str) -> str:
    """A user id the spec sends as a string of digits (`pattern`), given as an int or a
    string of digits."""
    allowed = f"a user id: an int or a string of digits matching {pattern}"
    digits = _digits(value, name, allowed)
    if not re.fullmatch(pattern, digits):
        raise InvalidArgumentError(f"{name} must be {allowed}; got {value!r}")
    return digits


@dataclass(frozen=True)
class Batch:
    """A batch of members, as the spec declares it (`x-koodrive-behaviour` `membership`,
    the entries' schema): what it does, the ids it takes, and where its answer says how
    it went. Generated into each batch operation."""

    effect: str  # "add" or "remove"
    status_field: str  # the answer's field telling how the batch went: "status"
    failed_field: str  # the answer's field listing the users that failed: "failedList"
    min_items: int = 1
    max_items: int | None = None
    id_minimum: int = 0
    id_maximum: int | None = None

    def user_id_texts(self, values: Iterable[object], name: str) -> list[str]:
        """`user_ids()` for entries whose user field is a string of digits."""
        return [str(user) for user in self.user_ids(values, name)]

    def user_ids(self, values: Iterable[object], name: str) -> list[int]:
        """The users to send, each given as an int or a string of digits (duplicates
        dropped, the first kept), or InvalidArgumentError naming the argument and what it
        allows, before anything is sent."""
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise InvalidArgumentError(
                f"{name} must be a list of user ids (ints or strings of digits); got "
                f"{type(values).__name__} {values!r}"
            )
        bound = "" if self.id_maximum is None else f" to {self.id_maximum}"
        allowed = f"a user id: an int or a string of digits, {self.id_minimum}{bound}"
        sent: list[int] = []
        seen: set[int] = set()
        for index, value in enumerate(values):
            where = f"{name}[{index}]"
            number = int(_digits(value, where, allowed))
            if number < self.id_minimum or (
                self.id_maximum is not None and number > self.id_maximum
            ):
                raise InvalidArgumentError(f"{where} must be {allowed}; got {value!r}")
            if number not in seen:
                seen.add(number)
                sent.append(number)
        if len(sent) < self.min_items:
            raise InvalidArgumentError(
                f"{name} must name at least {self.min_items} user(s); got {len(sent)}"
            )
        if self.max_items is not None and len(sent) > self.max_items:
            raise InvalidArgumentError(
                f"{name} must name at most {self.max_items} users in one batch (the spec's "
                f"limit); got {len(sent)}: split them into several batches"
            )
        return sent


def tolerate_unparsed(error: Exception) -> None:
    """Inside a batch's send: the generated parsing failed (`failedList` absent, a status
    it does not know). Re-raise `error` unless the attempt holds a success answer, which
    `batch_result` then reads as the decisions allow."""
    current = current_attempt()
    if current is None or current.response is None or not current.response.is_success:
        raise error


def batch_result(
    operation: Operation, batch: Batch, user_ids: Iterable[int | str], trace_id: str
) -> BatchResult:
    """How the batch of the current attempt went, read from its answer's JSON; an answer
    that cannot be read is a WriteAppliedError (the batch was applied)."""
    current = current_attempt()
    response = current.response if current is not None else None
    headers = response.headers if response is not None else httpx.Headers()
    try:
        status, failed = read_batch_answer(
            current.body if current is not None else None,
            status_field=batch.status_field,
            failed_field=batch.failed_field,
        )
    except BatchAnswerError as error:
        problem = f"breaks the spec: it {error}"
        status_code = response.status_code if response is not None else None
        if operation.write is not None:
            raise operation.write.applied(
                operation.label,
                problem,
                trace_id=trace_id,
                status_code=status_code,
                headers=headers,
            ) from None
        raise MalformedResponseError(
            f"{operation.label}: {problem}",
            trace_id=trace_id,
            status_code=status_code,
            headers=headers,
        ) from None
    return BatchResult(
        status=status,
        failed_user_ids=failed,
        user_ids=tuple(str(user) for user in user_ids),
        effect=batch.effect,
        operation=operation.label,
        trace_id=trace_id,
        request_id=current.info.request_id if current is not None else None,
        headers=headers,
    )


def checked_batch(result: BatchResult, allow_failures: bool) -> BatchResult:
    """The result, or BatchMembersError when a user failed and failures are not allowed."""
    return result if allow_failures else result.raise_for_failures()
