"""The request journal: what the emulator received, for tests to look at afterwards
(WireMock's request journal, moto's recorded calls).

Every request to an operation of the spec, or to a path or method the emulator does not
serve, is recorded as a `JournalEntry`: what was sent (credentials redacted), which attempt
of its trace id it was, what authentication decided, which fault acted and what was
answered. The admin API's own requests, /docs and /openapi.yaml are not the API's traffic
and are not recorded. The journal keeps the last `size` entries and counts the ones it
dropped; `size` 0 turns it off.

    emulator.verify("listUserGroups", where={"pageSize": "100"}, count=1)

Nothing secret is kept: `Authorization` keeps its scheme, `AppId` and `SignedHeaders`, and
the token and `Signature=` become `[redacted]`; a query or header value that is one of the
emulator's tokens or app secrets is `[redacted]` too.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from koodrive.signing import REDACTED, redacted_header

from koodrive_emulator.models import format_timestamp

DEFAULT_JOURNAL_SIZE = 1000
# The most of a request body an entry keeps: a full journal of bodies near the 1 MiB limit
# would hold a gigabyte.
MAX_BODY_KEPT = 4096
NOTE_KEY = "koodrive.journal_note"  # the scope key of a request's RequestNote
# How a near miss is told: at most this many of them, the rest counted.
_NEAR_MISSES_SHOWN = 10

Where = Mapping[str, object] | Callable[["JournalEntry"], bool]


class AuthVerdict:
    """What authentication decided about a request (JournalEntry.auth)."""

    OK = "ok"
    REFUSED = "refused"  # JournalEntry.auth_error says why
    NOT_CHECKED = "not checked"  # a fault answered first, or the client left before


@dataclass
class RequestNote:
    """What the app found out about one request while serving it, for its journal entry."""

    operation: str | None = None
    query: list[tuple[str, str]] | None = None  # decoded pairs, once read
    auth: str | None = None  # an AuthVerdict; None: not a request to an operation
    auth_error: str | None = None
    fault: str | None = None
    body: bytes = b""  # the request body, once read
    # Record the request now (it will get no answer to wait for): set by the app.
    record_now: Callable[[], None] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class JournalEntry:
    """One request as received, and what became of it."""

    number: int  # 1 for the journal's first entry; never reused, even after a clear
    time: datetime  # by the emulator's clock, when the request arrived
    request_id: str  # the one gateway error bodies and the access log carry
    method: str
    path: str  # as sent, still percent-encoded
    operation: str | None  # the spec's operationId; None: a path or method not served
    query: tuple[tuple[str, str], ...]  # decoded name-value pairs, in the order sent
    headers: tuple[tuple[str, str], ...]  # lower-cased names, credentials redacted
    trace_id: str | None
    attempt: int | None  # 1 for the first request with its X-Traceid to its operation
    auth: str | None  # an AuthVerdict; None for a request to no operation
    auth_error: str | None  # why authentication refused it
    fault: str | None  # the kind of the fault that acted (a latency one counts too)
    status: int | None  # None: nothing was answered (a connection reset, say)
    # The request body as text (invalid UTF-8 replaced), its first MAX_BODY_KEPT characters
    # and secrets redacted; None when none was sent.
    body: str | None = None

    def parameter(self, name: str) -> str | None:
        """The value sent for `name`: the query parameter's first value, or else the header's
        (named in any case), or else the field's of a JSON object body (a string as it is,
        anything else as its JSON); None when not sent."""
        for key, value in self.query:
            if key == name:
                return value
        lowered = name.lower()
        for key, value in self.headers:
            if key == lowered:
                return value
        field = self.body_json().get(name, _ABSENT)
        if field is _ABSENT:
            return None
        return field if isinstance(field, str) else json.dumps(field, ensure_ascii=False)

    def body_json(self) -> dict[str, Any]:
        """The body's fields when it is a whole JSON object, else none."""
        if not self.body:
            return {}
        try:
            found = json.loads(self.body)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "time": format_timestamp(self.time),
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "query": [list(pair) for pair in self.query],
            "headers": [list(pair) for pair in self.headers],
            "trace_id": self.trace_id,
            "attempt": self.attempt,
            "auth": self.auth,
            "auth_error": self.auth_error,
            "fault": self.fault,
            "status": self.status,
            "body": self.body,
        }

    def __str__(self) -> str:
        query = "&".join(f"{name}={value}" for name, value in self.query)
        target = f"{self.path}?{query}" if query else self.path
        return f"#{self.number} {self.method} {target} -> {self.status}"


class _Received:
    """A request recorded, its entry not made yet: made when the journal is read, its
    header lines read then (redacted with the `secrets` of the time it was recorded)."""

    __slots__ = ("attempt", "number", "raw_headers", "request", "secrets")

    def __init__(
        self,
        number: int,
        attempt: int | None,
        # The entry's other fields: time, request id, method, path, operation, query, trace
        # id, auth, auth error, fault, status, body.
        request: tuple[Any, ...],
        raw_headers: tuple[tuple[bytes, bytes], ...],
        secrets: Collection[str],
    ) -> None:
        self.number = number
        self.attempt = attempt
        self.request = request
        self.raw_headers = raw_headers
        self.secrets = secrets

    def entry(self) -> JournalEntry:
        (time, request_id, method, path, operation, query, trace_id) = self.request[:7]
        (auth, auth_error, fault, status, body) = self.request[7:]
        return JournalEntry(
            number=self.number,
            time=time,
            request_id=request_id,
            method=method,
            path=path,
            operation=operation,
            query=query,
            headers=redacted_headers(self.raw_headers, self.secrets),
            trace_id=trace_id,
            attempt=self.attempt,
            auth=auth,
            auth_error=auth_error,
            fault=fault,
            status=status,
            body=body,
        )


class Journal:
    """The last `size` requests received (0: none are kept). Thread-safe: the server
    records while a test reads."""

    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("journal size must be a whole number, 0 or more (0: off)")
        self.size = size
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry | _Received] = deque(maxlen=size or None)
        self._numbers = 0
        self._dropped = 0
        # Requests seen per (operation, trace id), for `attempt`: as many keys as entries
        # kept at most, since each key has an entry of its own.
        self._attempts: OrderedDict[tuple[str | None, str], int] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    @property
    def dropped(self) -> int:
        """How many entries were pushed out by newer ones since the last clear."""
        with self._lock:
            return self._dropped

    def record(
        self,
        *,
        time: datetime,
        request_id: str,
        method: str,
        path: str,
        query: Iterable[tuple[str, str]],
        raw_headers: Iterable[tuple[bytes, bytes]],
        note: RequestNote,
        status: int | None,
        secrets: Collection[str] = (),
    ) -> None:
        """Keep one request; `secrets`: values to redact wherever they appear whole (kept
        as given: pass a collection that does not change, such as Credentials.secrets()).

        Its entry is made when the journal is first read: every request is recorded, few
        entries are ever read, and reading the header lines into redacted text was most of
        the cost of recording. What the entry holds is decided now all the same."""
        if not self.size:
            return
        raw = tuple(raw_headers)
        trace_id = _trace_id(raw, secrets)
        pairs = tuple((name, REDACTED if value in secrets else value) for name, value in query)
        body = _kept_body(note.body, secrets)
        with self._lock:
            attempt = None
            if trace_id is not None:
                key = (note.operation, trace_id)
                attempt = self._attempts.pop(key, 0) + 1
                self._attempts[key] = attempt
                if len(self._attempts) > self.size:
                    self._attempts.popitem(last=False)
            self._numbers += 1
            request = (
                time,
                request_id,
                method,
                path,
                note.operation,
                pairs,
                trace_id,
                note.auth,
                note.auth_error,
                note.fault,
                status,
                body,
            )
            entry = _Received(self._numbers, attempt, request, raw, secrets)
            if len(self._entries) == self.size:
                self._dropped += 1
            self._entries.append(entry)

    def entries(self, operation: str | None = None) -> list[JournalEntry]:
        """The kept entries, oldest first; with `operation`, that operation's only."""
        with self._lock:
            if any(type(kept) is _Received for kept in self._entries):
                self._entries = deque(
                    [kept.entry() if type(kept) is _Received else kept for kept in self._entries],
                    maxlen=self._entries.maxlen,
                )
            kept = cast(list[JournalEntry], list(self._entries))
        return kept if operation is None else [e for e in kept if e.operation == operation]

    def clear(self) -> int:
        """Forget every entry (and the trace ids seen); how many were kept."""
        with self._lock:
            cleared = len(self._entries)
            self._entries.clear()
            self._attempts.clear()
            self._dropped = 0
            return cleared

    def verify(
        self,
        operation: str,
        *,
        count: int | None = None,
        where: Where | None = None,
        operations: Collection[str] | None = None,
    ) -> list[JournalEntry]:
        """The entries of `operation` that match `where`; AssertionError explaining the near
        misses unless there are `count` of them (None: at least one).

        `where`: parameter name -> value as sent (see JournalEntry.parameter; numbers are
        compared as their text), or a predicate over an entry. `operations`: the known
        operation ids, to refuse a misspelt one.
        """
        if operations is not None and operation not in operations:
            raise ValueError(f"operation must be one of {', '.join(operations)}")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise ValueError("count must be a whole number, 0 or more, or None for at least one")
        if count is not None and count < 0:
            raise ValueError("count must be a whole number, 0 or more, or None for at least one")
        kept = self.entries()
        candidates = [e for e in kept if e.operation == operation]
        test = _matcher(where)
        matched = [e for e in candidates if not test(e)]
        if (len(matched) >= 1) if count is None else (len(matched) == count):
            return matched
        wanted = "at least 1" if count is None else str(count)
        noun = "request" if count == 1 or count is None else "requests"
        described = _described(where)
        message = f"expected {wanted} {operation} {noun}{described}; got {len(matched)}"
        if matched:
            message += ": " + ", ".join(f"#{e.number}" for e in matched)
        message += "."
        misses = [(e, test(e)) for e in candidates if test(e)]
        if misses:
            shown = "; ".join(f"#{e.number} {why}" for e, why in misses[:_NEAR_MISSES_SHOWN])
            more = len(misses) - _NEAR_MISSES_SHOWN
            message += f" Near misses: {shown}" + (f"; and {more} more" if more > 0 else "")
        elif not candidates:
            message += " " + self._instead(kept, operation)
        raise AssertionError(message)

    def _instead(self, kept: list[JournalEntry], operation: str) -> str:
        if not self.size:
            return "The journal is off (journal size 0): nothing is recorded."
        dropped = self.dropped
        lost = f" ({dropped} older entries were dropped)" if dropped else ""
        if not kept:
            return f"No request was received at all{lost}."
        calls: dict[str, int] = {}
        for entry in kept:
            name = entry.operation or f"no operation ({entry.method} {entry.path})"
            calls[name] = calls.get(name, 0) + 1
        listed = ", ".join(f"{name} ({n})" for name, n in calls.items())
        return f"No {operation} request was received{lost}; received instead: {listed}."


def _matcher(where: Where | None) -> Callable[[JournalEntry], str]:
    """A test of an entry: '' when it matches, else what differs."""
    if where is None:
        return lambda entry: ""
    if callable(where):
        predicate = where
        return lambda entry: "" if predicate(entry) else f"{_sent(entry)} (not matched)"
    wanted = {name: _as_sent(value) for name, value in where.items()}

    def differences(entry: JournalEntry) -> str:
        found = []
        for name, value in wanted.items():
            sent = entry.parameter(name)
            if sent != value:
                shown = f"{name} absent" if sent is None else f"{name}={sent}"
                found.append(f"{shown} (wanted {value})")
        return ", ".join(found)

    return differences


def _as_sent(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


_ABSENT = object()


def _kept_body(raw: bytes, secrets: Collection[str]) -> str | None:
    if not raw:
        return None
    # Redacted whole before it is cut: a secret across the cut would otherwise leave a part.
    text = raw.decode("utf-8", errors="replace")
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text[:MAX_BODY_KEPT]


def _described(where: Where | None) -> str:
    if where is None:
        return ""
    if callable(where):
        name = getattr(where, "__name__", "")
        return " matching the predicate" if name in ("", "<lambda>") else f" matching {name}"
    return " with " + " and ".join(f"{name}={_as_sent(value)}" for name, value in where.items())


def _sent(entry: JournalEntry) -> str:
    return "&".join(f"{name}={value}" for name, value in entry.query) or "(no query)"


def _trace_id(raw_headers: Iterable[tuple[bytes, bytes]], secrets: Collection[str]) -> str | None:
    """The first X-Traceid's value as `redacted_headers` gives it; None when none was sent."""
    for raw_name, raw_value in raw_headers:
        # ASCII lower-casing: no other byte of a Latin-1 name lowers to one of "x-traceid".
        if raw_name.lower() == b"x-traceid":
            return redacted_header("x-traceid", raw_value.decode("latin-1"), secrets)
    return None


def redacted_headers(
    raw_headers: Iterable[tuple[bytes, bytes]], secrets: Collection[str] = ()
) -> tuple[tuple[str, str], ...]:
    """Header lines as received, with every credential `[redacted]`: by the SDK's one rule
    (`koodrive.signing.redacted_header`), and any value that is one of `secrets` whole."""
    headers = []
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers.append((name, redacted_header(name, value, secrets)))
    return tuple(headers)
