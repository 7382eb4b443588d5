"""The hand-written core the generated resources (`koodrive_resources`) call.

`scripts/regenerate` writes one method per operation of openapi.yaml around these pieces:
what is checked before a call is sent, what a parsed body must be, and how a page is read.
Everything per operation (its name, arguments, models, paging fields) is in the generated
code; everything shared is here.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx
from koodrive_client.types import UNSET, Response, Unset

from . import _shape
from ._context import Context
from ._events import current_attempt, parsed_body
from ._extras import ExtraHeaders, ExtraQuery, checked_extras
from ._runner import CallOptions
from ._types import NotGiven, Timeout
from ._writes import Write
from .config import USER_ID
from .errors import ConfigurationError, InvalidArgumentError, MalformedResponseError
from .pagination import Page

ContextT = TypeVar("ContextT", bound=Context)
ModelT = TypeVar("ModelT")
ParsedT = TypeVar("ParsedT")
ItemT = TypeVar("ItemT")
EnumT = TypeVar("EnumT", bound=enum.Enum)
ValueT = TypeVar("ValueT")


@dataclass(frozen=True)
class TraceIds:
    """The spec's trace id header (`X-Traceid`) as the SDK makes and checks its values."""

    pattern: str  # the schema's pattern
    length: int  # the schema's fixed length
    told: str  # what a value must be, in words: "exactly 58 characters from [0-9A-Za-z]"

    def new(self) -> str:
        """A random value of the schema (hex digits, which the generator checked it allows)."""
        return secrets.token_hex((self.length + 1) // 2)[: self.length]

    def checked(self, value: str) -> str:
        if not re.fullmatch(self.pattern, value):
            raise InvalidArgumentError(f"trace_id must be {self.told}")
        return value


# An operation without a trace id header still gets one id per call, for logs and errors.
UNSENT_TRACE_IDS = TraceIds(pattern="^[0-9a-f]{32}$", length=32, told="32 hex digits")


@dataclass(frozen=True)
class Operation:
    """What the core needs to know of one operation: how errors and hooks name it, whether
    it acts for one user (every security requirement of the spec names `X-User-Id`), its
    trace id header's rule, and what of a request the SDK owns."""

    label: str  # "user_groups.list()"
    acts_for_one_user: bool
    operation_id: str = ""  # the spec's operationId: "listUserGroups"
    trace_ids: TraceIds = UNSENT_TRACE_IDS
    # A paged operation's response fields, by their names on the wire (for error messages).
    next_cursor_field: str = "nextCursor"
    total_field: str = "total"
    # The response header carrying the gateway's request id (the spec's request-id-header).
    request_id_header: str | None = None
    # What extra_headers may not set (lower-case name -> what sets it) and what extra_query
    # may not (parameter -> the argument that sets it): read from the spec.
    owned_headers: Mapping[str, str] = field(default_factory=dict)
    owned_query: Mapping[str, str] = field(default_factory=dict)
    # The generated model of the success body: a body it cannot parse is told by field.
    response_model: type | None = None
    # x-koodrive-behaviour safe-to-repeat: may it be sent again once an attempt may have
    # reached the server? Reads are; a write that is not is retried only when provably
    # unprocessed (retries.is_retryable).
    safe_to_repeat: bool = True
    write: Write | None = None  # what a write does, for its errors; None for a read


class Resource(Generic[ContextT]):
    """One resource's operations, made on the client's context (sync or async)."""

    def __init__(self, context: ContextT) -> None:
        self._context = context


class Call:
    """One call's options and trace ids, checked before anything is sent."""

    def __init__(
        self,
        context: Context,
        operation: Operation,
        *,
        timeout: Timeout | NotGiven,
        max_retries: int | NotGiven,
        trace_id: str | None,
        extra_headers: ExtraHeaders | None = None,
        extra_query: ExtraQuery | None = None,
    ) -> None:
        if operation.acts_for_one_user and context.settings.user_id is None:
            raise ConfigurationError(
                f"{operation.label} acts for one user and needs X-User-Id: set {USER_ID} "
                "(or pass user_id= to the client)"
            )
        self.operation = operation
        self.options: CallOptions = context.options.override(
            timeout=timeout, max_retries=max_retries
        )
        self._trace_id = None if trace_id is None else operation.trace_ids.checked(trace_id)
        self.extras = checked_extras(
            extra_headers,
            extra_query,
            owned_headers=operation.owned_headers,
            owned_query=operation.owned_query,
        )

    @property
    def label(self) -> str:
        return self.operation.label

    def trace_id(self) -> str:
        """The caller's trace id for every request (each page), or a fresh one for each."""
        return self._trace_id or self.operation.trace_ids.new()


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
