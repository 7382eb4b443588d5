"""What one call is made of: its options, its operation, and the client it is made on.

The lowest layer of the call machinery: the runner (`_runner.py`) runs a `Call`, the
contexts (`_context.py`) pair the client's defaults with a runner, and the resources'
core (`_resource.py`) builds calls; none of them is imported here, so the three import
each other in one direction only.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import httpx
from koodrive_client import AuthenticatedClient
from koodrive_client.types import UNSET, Unset

from ._extras import NO_EXTRAS, ExtraHeaders, ExtraQuery, checked_extras
from ._types import (
    DEFAULT_MAX_RESPONSE_BYTES,
    NOT_GIVEN,
    NotGiven,
    Timeout,
    as_httpx_timeout,
    checked_deadline,
    checked_max_response_bytes,
)
from ._writes import Write
from .config import USER_ID, Settings
from .errors import ConfigurationError, InvalidArgumentError
from .retries import Backoff


@dataclass(frozen=True)
class CallOptions:
    """How a call is made: the client's defaults, overridden per call.

    `timeout` bounds each phase of a request (httpx's meaning); `attempt_timeout` one
    attempt in all, and `total_timeout` the whole call, its retries and their waits
    included (None: no such deadline).
    """

    timeout: httpx.Timeout
    max_retries: int
    backoff: Backoff
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    attempt_timeout: float | None = None
    total_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise InvalidArgumentError("max_retries must be >= 0")
        checked_max_response_bytes(self.max_response_bytes)
        checked_deadline(self.attempt_timeout, "attempt_timeout")
        checked_deadline(self.total_timeout, "total_timeout")

    def override(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        backoff: Backoff | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        attempt_timeout: float | NotGiven | None = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> CallOptions:
        changed = self
        if not isinstance(max_response_bytes, NotGiven):
            changed = replace(changed, max_response_bytes=max_response_bytes)
        if not isinstance(timeout, NotGiven):
            changed = replace(changed, timeout=as_httpx_timeout(timeout))
        if not isinstance(max_retries, NotGiven):
            changed = replace(changed, max_retries=max_retries)
        if not isinstance(backoff, NotGiven):
            changed = replace(changed, backoff=backoff)
        if not isinstance(attempt_timeout, NotGiven):
            changed = replace(changed, attempt_timeout=attempt_timeout)
        if not isinstance(total_timeout, NotGiven):
            changed = replace(changed, total_timeout=total_timeout)
        return changed


@dataclass(frozen=True)
class Context:
    """What the resources need from their client to make a call: the generated client,
    the defaults and the settings (`_context.py` adds the runner, sync or async)."""

    generated: AuthenticatedClient
    options: CallOptions
    settings: Settings

    @property
    def language(self) -> str | Unset:
        return UNSET if self.settings.language is None else self.settings.language


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
        attempt_timeout: float | NotGiven | None = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        if operation.acts_for_one_user and context.settings.user_id is None:
            raise ConfigurationError(
                f"{operation.label} acts for one user and needs X-User-Id: set {USER_ID} "
                "(or pass user_id= to the client)"
            )
        self.operation = operation
        self.options: CallOptions
        if (
            timeout is NOT_GIVEN
            and max_retries is NOT_GIVEN
            and attempt_timeout is NOT_GIVEN
            and total_timeout is NOT_GIVEN
        ):
            self.options = context.options  # most calls: the client's defaults, as they are
        else:
            self.options = context.options.override(
                timeout=timeout,
                max_retries=max_retries,
                attempt_timeout=attempt_timeout,
                total_timeout=total_timeout,
            )
        self._trace_id = None if trace_id is None else operation.trace_ids.checked(trace_id)
        self.extras = (
            NO_EXTRAS
            if not extra_headers and not extra_query
            else checked_extras(
                extra_headers,
                extra_query,
                owned_headers=operation.owned_headers,
                owned_query=operation.owned_query,
            )
        )

    @property
    def label(self) -> str:
        return self.operation.label

    def trace_id(self) -> str:
        """The caller's trace id for every request (each page), or a fresh one for each."""
        return self._trace_id or self.operation.trace_ids.new()
