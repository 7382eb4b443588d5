"""What the suite's writes need, read from the spec's `write` behaviour, shared by the hooks
(in schemathesis' process) and the runner (its cleanup, in its own process):

- `WriteSpec`: per listing (a write's `record`), the create and the delete that change it,
  and the item field that carries a run's marker;
- `Marker`: the run's marker, `kd-<run id>`, put in front of every name the run creates,
  within the marked field's schema;
- `Ledger`: a file of what the run created and removed, written as it happens (flushed and
  synced), so that a killed run can be cleaned later;
- `Client`: one authenticated request to any operation, by operationId, and a listing
  followed to its end: the suite's own requests for the writes and the cleanup.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jsonschema
import requests
from koodrive_spec import Spec
from koodrive_spec.behaviour import Behaviour, Effect, Match, Membership, Write

from contract_tests.credentials import AuthMode, Credentials
from contract_tests.request_auth import WireRequest, auth_headers, requirement_for

# Every run's marker: `kd-` and 8 hex digits (a field whose schema refuses `-` gets `kd_`).
ANY_RUN = re.compile(r"^kd[-_][0-9a-f]{8}[-_ ]")
THROTTLED = 429


# --- the spec ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    """A listing that writes change, and what the suite needs to create and remove its
    records."""

    listing: str  # the listing's operationId (a write's `record`)
    behaviour: Behaviour  # the listing's
    create: str | None  # the operationId of the write that creates its records
    delete: str | None  # the operationId of the write that deletes one
    marker_field: str | None  # the item field a create's `marker` sets
    owner_field: str | None  # the item field naming a record's owner


class WriteSpec:
    """The spec's writes, by operationId, and the listings they change."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        behaviours = spec.behaviours
        self.writes: dict[str, Behaviour] = {
            op: b for op, b in behaviours.items() if b.write is not None
        }
        # The batches that add users to a group or remove them (`membership`).
        self.memberships: dict[str, Behaviour] = {
            op: b for op, b in behaviours.items() if b.membership is not None
        }
        self.records: dict[str, RecordKind] = {}
        blocks = self._write_blocks()
        for listing in dict.fromkeys(w.record for w in blocks.values()):
            creates = [op for op, w in blocks.items() if _is(w, listing, Effect.CREATE)]
            deletes = [op for op, w in blocks.items() if _is(w, listing, Effect.DELETE)]
            create = creates[0] if creates else None
            marker_field = None
            owner_field = None
            for op in (*creates, *deletes):
                owner_field = owner_field or self.write(op).owner_field
            if create is not None:
                write = self.write(create)
                marker_field = dict(write.fields).get(write.marker or "")
            self.records[listing] = RecordKind(
                listing,
                behaviours[listing],
                create,
                deletes[0] if deletes else None,
                marker_field,
                owner_field,
            )

    def _write_blocks(self) -> dict[str, Write]:
        return {op: b.write for op, b in self.writes.items() if b.write is not None}

    def write(self, operation_id: str) -> Write:
        write = self.writes[operation_id].write
        assert write is not None
        return write

    def membership(self, operation_id: str) -> Membership:
        membership = self.memberships[operation_id].membership
        assert membership is not None
        return membership

    def group_of(self, operation_id: str) -> tuple[str, str] | None:
        """For an operation on one group: the path parameter naming the group and the
        listing that lists the groups (a batch's `group` and `joined`, a detail's `key` and
        listing, a write's key and record, a members listing's batch's); None otherwise."""
        behaviours = self.spec.behaviours
        found = behaviours.get(operation_id)
        if found is None:
            return None
        if found.membership is not None:
            return found.membership.group, found.membership.joined
        if found.detail_of is not None:
            return found.detail_of.key, found.detail_of.listing
        if found.write is not None and found.write.key_parameter is not None:
            return found.write.key_parameter, found.write.record
        for other in behaviours.values():
            if other.membership is not None and other.membership.members == operation_id:
                return other.membership.group, other.membership.joined
        return None

    def group_reads(self) -> dict[str, tuple[str, str]]:
        """The reads of one group (safe methods): operationId -> (parameter, listing)."""
        found = {}
        for operation_id, operation in self.spec.operations.items():
            if operation.method.lower() != "get" or operation_id in self.writes:
                continue
            group = self.group_of(operation_id)
            if group is not None:
                found[operation_id] = group
        return found

    def user_schema(self, operation_id: str) -> Mapping[str, Any]:
        """The schema of a batch entry's user field."""
        membership = self.membership(operation_id)
        schema: Any = self.spec.operations[operation_id].body or {}
        for part in membership.users.split("/")[1:]:
            schema = (schema.get("properties") or {}).get(part) or {}
        entry = schema.get("items") or {}
        found: Mapping[str, Any] = (entry.get("properties") or {}).get(membership.user_field) or {}
        return found

    def group_schema(self, operation_id: str) -> Mapping[str, Any]:
        """The schema of the path parameter naming an operation's group."""
        group = self.group_of(operation_id)
        parameter = self.spec.operations[operation_id].parameter(group[0]) if group else None
        return parameter.schema if parameter is not None else {}

    def not_users(self, operation_id: str) -> frozenset[str]:
        """The fields of a batch entry that name no user (its schema's, but the user field)."""
        membership = self.membership(operation_id)
        schema: Any = self.spec.operations[operation_id].body or {}
        for part in membership.users.split("/")[1:]:
            schema = (schema.get("properties") or {}).get(part) or {}
        declared = set((schema.get("items") or {}).get("properties") or {})
        return frozenset(declared - {membership.user_field})

    def batch_body(self, operation_id: str, users: list[str]) -> dict[str, Any]:
        """A batch's body naming `users`, each as its schema types a user."""
        membership = self.membership(operation_id)
        schema = self.user_schema(operation_id)
        entries = [{membership.user_field: as_user(user, schema)} for user in users]
        body: dict[str, Any] = {}
        place = body
        *parents, last = membership.users.split("/")[1:]
        for part in parents:
            place = place.setdefault(part, {})
        place[last] = entries
        return body

    def record_of(self, operation_id: str) -> RecordKind:
        return self.records[self.write(operation_id).record]

    def marked_fields(self, operation_id: str) -> list[str]:
        """The body fields of a write that carry the run's marker: a create's `marker`, and a
        field of any write that sets the item field the marker lives in (a rename)."""
        write = self.write(operation_id)
        record = self.record_of(operation_id)
        found = [write.marker] if write.marker else []
        found += [
            sent for sent, kept in write.fields if kept == record.marker_field and sent not in found
        ]
        return found

    def body_schema(self, operation_id: str, field: str) -> Mapping[str, Any]:
        body = self.spec.operations[operation_id].body or {}
        found: Mapping[str, Any] = (body.get("properties") or {}).get(field) or {}
        return found

    def key_schema(self, operation_id: str) -> Mapping[str, Any]:
        name = self.write(operation_id).key_parameter
        parameter = self.spec.operations[operation_id].parameter(name or "")
        return parameter.schema if parameter is not None else {}

    def partition_values(self, listing: str) -> list[dict[str, Any]]:
        """A query per value of each partitioning filter of a listing ([{}] if none)."""
        queries: list[dict[str, Any]] = []
        for filter_ in self.records[listing].behaviour.filters:
            if filter_.match is not Match.PARTITIONS:
                continue
            parameter = self.spec.operations[listing].parameter(filter_.parameter)
            values = parameter.schema.get("enum") if parameter is not None else None
            if isinstance(values, list):
                queries += [{filter_.parameter: value} for value in values]
        return queries or [{}]

    def example_body(self, operation_id: str) -> dict[str, Any] | None:
        examples = self.spec.request_examples(operation_id)
        return dict(examples[0]) if examples else None

    def time_fields(self, listing: str) -> list[str]:
        """The item fields that hold a moment (format date-time)."""
        properties = self.spec.item_schema(listing).get("properties") or {}
        return [
            name
            for name, schema in properties.items()
            if isinstance(schema, Mapping) and schema.get("format") == "date-time"
        ]


def _is(write: Write, listing: str, effect: Effect) -> bool:
    return write.record == listing and write.effect is effect


def as_user(user: str, schema: Mapping[str, Any]) -> object:
    """A user id (digits) as `schema` types it: a JSON integer where it says integer."""
    return int(user) if schema.get("type") == "integer" else user


def valid(value: object, schema: Mapping[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


# --- the marker --------------------------------------------------------------------------


class Marker:
    """`kd-<run id>`: what the run creates is named with it, so that its leftovers can be
    told from anyone else's records."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._count = 0
        self._lock = threading.Lock()

    def _prefixes(self) -> list[str]:
        return [f"kd-{self.run_id}-", f"kd_{self.run_id}_", f"kd-{self.run_id} "]

    def mark(self, value: object, schema: Mapping[str, Any]) -> str | None:
        """`value` with the run's marker in front, cut to the schema's length; None when no
        marked value is valid (then the field is left as it was)."""
        text = value if isinstance(value, str) else ""
        if self.is_ours(text):
            return text
        limit = schema.get("maxLength")
        for prefix in self._prefixes():
            for rest in (text, "x"):
                marked = prefix + rest
                if isinstance(limit, int):
                    marked = marked[:limit]
                if valid(marked, schema) and self.is_ours(marked):
                    return marked
        return None

    def unique(self, schema: Mapping[str, Any]) -> str | None:
        """A marked value no other request of the run sends (for a `same-record-for` field:
        a value that names no record the run did not create)."""
        with self._lock:
            self._count += 1
            count = self._count
        return self.mark(f"{count}{secrets.token_hex(3)}", schema)

    def is_ours(self, text: object) -> bool:
        return isinstance(text, str) and any(text.startswith(p) for p in self._prefixes())


def marked_by_any_run(text: object) -> bool:
    return isinstance(text, str) and bool(ANY_RUN.match(text + " "))


# --- the ledger --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A record the run created: which listing, its key, the user it belongs to."""

    listing: str
    key: str
    user: str


class Ledger:
    """One JSON object a line: `{"created": ...}` when the target answers a create,
    `{"removed": ...}` when a delete of it succeeds (or finds it gone)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _append(self, entry: Mapping[str, Any]) -> None:
        if self.path is None:
            return
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())

    def start(self, run_id: str, base_url: str) -> None:
        self._append({"run": run_id, "target": base_url, "at": datetime.now(UTC).isoformat()})

    def created(self, entry: Entry) -> None:
        self._append({"created": entry.__dict__})

    def removed(self, entry: Entry) -> None:
        self._append({"removed": entry.__dict__})

    def outstanding(self) -> list[Entry]:
        return outstanding(self.path) if self.path is not None else []


def outstanding(path: Path) -> list[Entry]:
    """The records a ledger file says were created and not removed, in the order created."""
    alive: dict[Entry, None] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        for kind in ("created", "removed"):
            raw = event.get(kind) if isinstance(event, dict) else None
            if isinstance(raw, dict):
                entry = Entry(str(raw["listing"]), str(raw["key"]), str(raw["user"]))
                if kind == "created":
                    alive[entry] = None
                else:
                    alive.pop(entry, None)
    return list(alive)


def target_of(path: Path) -> str | None:
    try:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        found = json.loads(first).get("target")
    except (OSError, IndexError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


# --- the client --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    curl: str

    def code(self) -> object:
        code = self.body.get("code") if isinstance(self.body, dict) else None
        if isinstance(code, str) and code.lstrip("-").isdigit():
            return int(code)
        return code


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class Client:
    """The suite's own requests to the target, by operationId, with fresh credentials and
    the run's rate limit."""

    def __init__(
        self,
        spec: Spec,
        base_url: str,
        credentials: Credentials,
        *,
        clock_tolerance: int = 0,
        rate_limit: str = "",
    ) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.early = timedelta(seconds=clock_tolerance)
        self._interval = 0.0
        if rate_limit:
            count, unit = rate_limit.split("/")
            self._interval = _UNITS[unit] / int(count)
        self._next = 0.0
        self._pace = threading.Lock()

    def _wait_turn(self) -> None:
        if not self._interval:
            return
        with self._pace:
            now = time.monotonic()
            wait = self._next - now
            self._next = max(now, self._next) + self._interval
        if wait > 0:
            time.sleep(wait)

    def mode_for(self, user_id: str | None) -> AuthMode | None:
        """App mode to act for another user (a token acts for its own only); else the first
        configured mode."""
        if user_id not in (None, self.credentials.user_id):
            return AuthMode.APP if AuthMode.APP in self.credentials.modes else None
        return self.credentials.modes[0] if self.credentials.modes else None

    def send(
        self,
        operation_id: str,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        body: object = None,
        user_id: str | None = None,
        mode: AuthMode | None = None,
    ) -> Reply:
        operation = self.spec.operations[operation_id]
        mode = mode or self.mode_for(user_id)
        if mode is None:
            raise ValueError(f"no credentials to act for user {user_id}")
        url = self.base_url + re.sub(
            r"\{([^}]+)\}", lambda m: quote(str((path or {})[m.group(1)]), safe=""), operation.path
        )
        if query:
            url += "?" + urlencode({k: _text(v) for k, v in query.items()})
        data = None
        headers = {}
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        requirement = requirement_for(mode, [list(r) for r in operation.security])
        response = None
        prepared = requests.Request(operation.method, url, headers=headers, data=data).prepare()
        for _ in range(4):
            prepared = requests.Request(operation.method, url, headers=headers, data=data).prepare()
            prepared.headers.update(
                auth_headers(
                    self.credentials,
                    requirement,
                    moment=datetime.now(UTC) - self.early,
                    request=WireRequest.from_prepared(prepared),
                    user_id=user_id,
                )
            )
            self._wait_turn()
            with requests.Session() as session:
                response = session.send(prepared, timeout=30, allow_redirects=False)
            if response.status_code != THROTTLED:
                break
            time.sleep(float(response.headers.get("Retry-After", "1") or 1))
        assert response is not None
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Reply(response.status_code, parsed, curl(prepared))

    def first_page_query(self, listing: str, partition: Mapping[str, Any]) -> dict[str, Any]:
        """The query of a listing's first page at its largest page size, with `partition`
        and a value for every other required query parameter."""
        behaviour = self.spec.behaviours[listing]
        paging = behaviour.cursor_paging
        offsets = behaviour.offset_paging
        query: dict[str, Any] = dict(partition)
        for parameter in self.spec.operations[listing].parameters:
            if parameter.location != "query" or parameter.name in query:
                continue
            if paging is not None and parameter.name == paging.cursor:
                query[parameter.name] = paging.first_cursor
            elif offsets is not None and parameter.name == offsets.offset:
                query[parameter.name] = 0
            elif behaviour.paging is not None and parameter.name == behaviour.paging.page_size:
                query[parameter.name] = parameter.schema.get("maximum", 10)
            elif parameter.required:
                schema = parameter.schema
                query[parameter.name] = schema.get(
                    "default", (schema.get("enum") or [schema.get("example", "")])[0]
                )
        return query

    def items(
        self,
        listing: str,
        *,
        user_id: str | None = None,
        partition: Mapping[str, Any] | None = None,
        narrow: Mapping[str, Any] | None = None,
        mode: AuthMode | None = None,
        max_pages: int = 200,
        path: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Mapping[str, Any]], list[Reply]] | None:
        """Every item of one listing, by key, and the pages read; None when a page fails.
        `path`: the listing's path parameters (a group's members: the group)."""
        behaviour = self.spec.behaviours[listing]
        paging = behaviour.cursor_paging
        offsets = behaviour.offset_paging
        query = {**self.first_page_query(listing, partition or {}), **(narrow or {})}
        found: dict[str, Mapping[str, Any]] = {}
        pages: list[Reply] = []
        for _ in range(max_pages):
            reply = self.send(listing, path=path, query=query, user_id=user_id, mode=mode)
            pages.append(reply)
            if reply.status != behaviour.success.status:
                return None
            items = behaviour.items_of(reply.body) or []
            for item in items:
                found.setdefault(behaviour.key_of(item), item)
            if offsets is not None:
                total = reply.body.get(offsets.total) if isinstance(reply.body, dict) else None
                offset = int(query[offsets.offset]) + int(query[offsets.limit])
                if not items or not isinstance(total, int) or offset >= total:
                    return found, pages
                query = {**query, offsets.offset: offset}
                continue
            cursor = reply.body.get(paging.next_cursor) if paging is not None else None
            if paging is None or not isinstance(cursor, str):
                return found, pages
            query = {**query, paging.cursor: cursor}
        return None

    def every_item(
        self, listing: str, *, user_id: str | None = None, mode: AuthMode | None = None
    ) -> dict[str, Mapping[str, Any]] | None:
        """The items of every partition of a listing, by key; None when a page fails."""
        found: dict[str, Mapping[str, Any]] = {}
        for partition in WriteSpec(self.spec).partition_values(listing):
            read = self.items(listing, user_id=user_id, partition=partition, mode=mode)
            if read is None:
                return None
            found.update(read[0])
        return found


_NOT_SHOWN = ("content-length", "user-agent", "accept", "accept-encoding", "connection")


def curl(prepared: requests.PreparedRequest) -> str:
    """A curl command for the request, the Authorization header as [Filtered]."""
    parts = [f"curl -X {prepared.method}"]
    for name, value in prepared.headers.items():
        shown = "[Filtered]" if name.lower() == "authorization" else _text(value)
        if name.lower() in _NOT_SHOWN:
            continue
        parts.append(f"-H '{name}: {shown}'")
    body = prepared.body
    if body:
        text = body.decode() if isinstance(body, bytes) else str(body)
        parts.append("-d '" + text.replace("'", "'\\''") + "'")
    parts.append(f"'{prepared.url}'")
    return " ".join(parts)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def delete_record(client: Client, kinds: WriteSpec, entry: Entry) -> Reply | None:
    """Delete one record the run created (None when its listing has no delete)."""
    kind = kinds.records.get(entry.listing)
    if kind is None or kind.delete is None:
        return None
    name = kinds.write(kind.delete).key_parameter or ""
    return client.send(kind.delete, path={name: entry.key}, user_id=entry.user)


def gone(reply: Reply, kinds: WriteSpec, operation_id: str) -> bool:
    """Whether a delete's answer says the record is gone now (deleted, or not found)."""
    behaviour = kinds.writes[operation_id]
    if reply.status == behaviour.success.status and reply.code() == behaviour.success.code:
        return True
    missing = behaviour.not_found
    return missing is not None and reply.status == missing.status and reply.code() == missing.code


def iter_ledgers(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(folder.glob("*.jsonl"))


LEFT = "(left)"  # a record found by the marker that could not be removed
WRITES_FILE = "writes.json"  # the guard's count, in the reports folder


def history(path: Path) -> list[Entry]:
    """Every record a ledger says the run created, in order."""
    found: dict[Entry, None] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            raw = json.loads(line).get("created")
        except (ValueError, AttributeError):
            continue
        if isinstance(raw, dict):
            found[Entry(str(raw["listing"]), str(raw["key"]), str(raw["user"]))] = None
    return list(found)


def remove_outstanding(client: Client, kinds: WriteSpec, path: Path) -> list[Entry]:
    """Delete every record the ledger holds as created and not removed; those left."""
    ledger = Ledger(path)
    left = []
    for entry in outstanding(path):
        kind = kinds.records.get(entry.listing)
        reply = delete_record(client, kinds, entry)
        removed = reply is not None and kind is not None and kind.delete is not None
        if removed and gone(reply, kinds, kind.delete):  # type: ignore[arg-type, union-attr]
            ledger.removed(entry)
            continue
        left.append(entry)
    return left


def sweep(client: Client, kinds: WriteSpec, users: list[str], is_marked: Any) -> list[str]:
    """Delete every record of `users` whose marker field `is_marked` (and, where records
    have an owner, that the user owns): what a run created and never recorded (a create
    answered after a kill). Each removed one as text; one it could not remove ends LEFT."""
    found = []
    for kind in kinds.records.values():
        if kind.marker_field is None or kind.delete is None:
            continue
        for user in users:
            if client.mode_for(user) is None:
                continue
            items = client.every_item(kind.listing, user_id=user)
            for key, item in (items or {}).items():
                if not is_marked(item.get(kind.marker_field)):
                    continue
                if kind.owner_field is not None and item.get(kind.owner_field) != user:
                    continue
                entry = Entry(kind.listing, key, user)
                reply = delete_record(client, kinds, entry)
                ok = reply is not None and gone(reply, kinds, kind.delete)
                name = item.get(kind.marker_field)
                found.append(f"{kind.listing} {key} {name!r}" + ("" if ok else f" {LEFT}"))
    return found


def budget_lines(path: Path, budget: int | None) -> list[str]:
    try:
        counts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        counts = {}
    spent = counts.get("spent", 0)
    refused = counts.get("refused", 0)
    lines = [
        f"  writes sent: {spent}"
        + (f" of a budget of {budget}" if budget is not None else "")
        + " (the suite's checks' included, the cleanup's not)"
    ]
    if refused:
        lines.append(
            f"  refused by the guard: {refused} (not sent: "
            + "; ".join(counts.get("reasons", [])[:3])
            + ")"
        )
    return lines
