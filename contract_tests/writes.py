"""The suite's writes: what it may send, what it created, and the checks of what the spec's
`write` behaviour promises.

The guard stands where the request is sent (`before_call`, every phase, the stateful one
included): a write is sent only when the run may write at all (`--allow-writes`, or an
emulator of its own), within its `--write-budget`, and only when the record it names is
one this run created. Schemathesis reuses path-parameter values it saw in any response
(4.17 and later), so a delete may be handed the id of a record someone else owns: the guard
refuses to send it (`WriteRefused`), whatever made the case.

Before that, `map_case` makes the cases honest, so that the guard has nothing to refuse in
an ordinary run: every name a write sets is marked with the run's marker (`kd-<run id>`),
a `same-record-for` field gets a value of the run's own, and a key names a record the run
created (one is created for it when none is free). `after_call` records what the target
created and removed, in the ledger as it happens, and keeps few records of the run alive
(a listing's `limit-per-owner` is not reached).

Per write response:

- `creates_listed_as_declared`: a create's record is in its listing (its partition, its
  creator's) with the fields it sent, and its times are now (within the clock tolerance);
- `updates_visible_as_declared`: an update's fields show in the listing;
- `deletes_removed_as_declared`: a deleted record leaves the listing, and a second delete
  gets the declared `not-found`;
- `refused_writes_change_nothing`: a write the target refused (a sample of negative cases)
  leaves the listing as it was;
- `owner_only_changes`: another user cannot change or delete a record our user owns: the
  declared `forbidden` or `not-found`, and the record unchanged.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemathesis
from koodrive_spec import Spec
from koodrive_spec.behaviour import Behaviour, Effect, Match, Write
from schemathesis.core.parameters import ParameterLocation
from schemathesis.transport.requests import RequestsTransport

from contract_tests import operations, wire
from contract_tests.credentials import AuthMode, Credentials
from contract_tests.probing import detached
from contract_tests.records import (
    WRITES_FILE,
    Client,
    Entry,
    Ledger,
    Marker,
    Reply,
    WriteSpec,
    valid,
)
from contract_tests.run_settings import REPORTS_VARIABLE, RunSettings
from contract_tests.summary import NOT_EXERCISED, PROMISES_HEADER
from contract_tests.types import Case
from contract_tests.wire import wire_text

# A run keeps at most this many of its records alive per listing and user, deleting the
# oldest: a listing's `limit-per-owner` is never reached by the run's own records.
KEEP_ALIVE = 8
# A record's time may differ from our clock by the clock tolerance and this much more (the
# request's own time on the wire, a server's rounding).
TIME_SLACK = 15
# Refused writes compared before and after, per operation (each costs two whole listings).
REFUSED_SAMPLES = 4
REFUSED_SAMPLES_LIVE = 2


class WriteRefused(RuntimeError):
    """The guard refused to send a write: nothing went to the target."""


class WriteBudgetSpent(WriteRefused):
    """The run's write budget is spent: no further write is sent."""


class OwnRecords:
    """The records this run created, which it may write to, and which are free to lend to a
    case (one case at a time: a delete and an update never share one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._alive: dict[tuple[str, str], list[str]] = {}
        self._lent: set[str] = set()
        self.created: dict[str, Entry] = {}  # every key the run created, removed or not

    def add(self, entry: Entry) -> bool:
        """Record a created key; whether it is new to the run."""
        with self._lock:
            fresh = entry.key not in self.created
            self.created.setdefault(entry.key, entry)
            alive = self._alive.setdefault((entry.listing, entry.user), [])
            if entry.key not in alive:
                alive.append(entry.key)
            return fresh

    def remove(self, key: str) -> Entry | None:
        with self._lock:
            entry = self.created.get(key)
            if entry is not None:
                alive = self._alive.get((entry.listing, entry.user), [])
                if key in alive:
                    alive.remove(key)
            self._lent.discard(key)
            return entry

    def lend(self, listing: str, user: str) -> str | None:
        with self._lock:
            for key in self._alive.get((listing, user), []):
                if key not in self._lent:
                    self._lent.add(key)
                    return key
            return None

    def lend_this(self, key: str) -> str | None:
        """`key` lent, when it is alive and free."""
        with self._lock:
            entry = self.created.get(key)
            alive = self._alive.get((entry.listing, entry.user), []) if entry else []
            if key in alive and key not in self._lent:
                self._lent.add(key)
                return key
            return None

    def any_of(self, listing: str, user: str) -> str | None:
        """One of the run's records of `listing` (alive or not, lent or not), if any."""
        with self._lock:
            alive = self._alive.get((listing, user), [])
            if alive:
                return alive[-1]
            return next(
                (k for k, e in self.created.items() if e.listing == listing and e.user == user),
                None,
            )

    def give_back(self, key: str) -> None:
        with self._lock:
            self._lent.discard(key)

    def lent(self) -> set[str]:
        with self._lock:
            return set(self._lent)

    def surplus(self, listing: str, user: str, keep: int) -> list[str]:
        """The oldest free records past `keep`, lent out now (to be deleted)."""
        with self._lock:
            free = [k for k in self._alive.get((listing, user), []) if k not in self._lent]
            extra = free[: max(0, len(free) - keep)]
            self._lent.update(extra)
            return extra

    def is_ours(self, key: str) -> bool:
        with self._lock:
            return key in self.created


class Guard:
    """Whether a write may be sent: writes allowed, budget left, and only to what the run
    created. Every write the run sends passes here, its own requests too."""

    def __init__(
        self,
        kinds: WriteSpec,
        own: OwnRecords,
        marker: Marker,
        settings: RunSettings,
        user: str = "",
    ) -> None:
        self.kinds = kinds
        self.own = own
        self.marker = marker
        self.allow = settings.allow_writes
        self.budget = settings.write_budget
        self.live = settings.live
        self.spent = 0
        self.refused = 0
        self.reasons: list[str] = []
        self.counts = settings_reports()
        # The users a live run may name in a batch: its own, and the second user it was
        # given (--other-user-id); never a user of the tenant who did not ask for it.
        self.users = run_users(user, settings)
        self._lock = threading.Lock()

    def _save(self) -> None:
        """The counts, for the runner's summary (written under the lock)."""
        if self.counts is None:
            return
        document = {"spent": self.spent, "refused": self.refused, "reasons": self.reasons}
        (self.counts / WRITES_FILE).write_text(json.dumps(document), encoding="utf-8")

    def _refuse(self, error: WriteRefused) -> WriteRefused:
        """Count a refusal (called under the lock)."""
        self.refused += 1
        reason = str(error)
        if reason not in self.reasons and len(self.reasons) < 20:
            self.reasons.append(reason)
        self._save()
        return error

    def spend(self, operation_id: str) -> None:
        with self._lock:
            if not self.allow:
                raise self._refuse(
                    WriteRefused(
                        f"{operation_id}: writes are off (a live target without --allow-writes)"
                    )
                )
            if self.budget is not None and self.spent >= self.budget:
                raise self._refuse(
                    WriteBudgetSpent(f"{operation_id}: the write budget of {self.budget} is spent")
                )
            self.spent += 1
            self._save()

    def admit(self, operation_id: str, path: Mapping[str, Any], body: object) -> None:
        """Raise WriteRefused unless a write with these values may be sent."""
        if operation_id in self.kinds.memberships:
            problem = self.batch_aimed_elsewhere(operation_id, path, body)
        elif operation_id in self.kinds.writes:
            write = self.kinds.write(operation_id)
            problem = self.aimed_elsewhere(operation_id, write, path, body)
        else:
            return
        if problem is not None:
            with self._lock:
                raise self._refuse(WriteRefused(f"{operation_id}: {problem}; not sent"))
        self.spend(operation_id)

    def could_send(self, operation_id: str, path: Mapping[str, Any], body: object) -> bool:
        """Whether `admit` would let the write through now (nothing spent)."""
        if operation_id not in self.kinds.writes and operation_id not in self.kinds.memberships:
            return True
        with self._lock:
            if not self.allow or (self.budget is not None and self.spent >= self.budget):
                return False
        if operation_id in self.kinds.memberships:
            return self.batch_aimed_elsewhere(operation_id, path, body) is None
        write = self.kinds.write(operation_id)
        return self.aimed_elsewhere(operation_id, write, path, body) is None

    def batch_aimed_elsewhere(
        self, operation_id: str, path: Mapping[str, Any], body: object
    ) -> str | None:
        """Why a batch would change a group the run did not create, or (live) name a user
        who is not one of the run's (None: it would not)."""
        name = self.kinds.membership(operation_id).group
        if name in path:
            value = wire_text(path[name])
            schema = self.kinds.group_schema(operation_id)
            if not self.own.is_ours(value) and (self.live or valid(value, schema)):
                return f"{name}={value} names a group this run did not create"
        if self.live:
            for named in user_values(body, self.kinds.not_users(operation_id)):
                if not _names_run_user(named, self.users):
                    return (
                        f"it names user {named!r}, not one of the run's users "
                        f"({', '.join(self.users)}; give a second one with --other-user-id)"
                    )
        return None

    def aimed_elsewhere(
        self, operation_id: str, write: Write, path: Mapping[str, Any], body: object
    ) -> str | None:
        """Why the write would touch a record the run did not create (None: it would not)."""
        name = write.key_parameter
        if name is not None and name in path:
            value = wire_text(path[name])
            if not self.own.is_ours(value) and (
                self.live or valid(value, self.kinds.key_schema(operation_id))
            ):
                return f"{name}={value} names a record this run did not create"
        field = write.same_record_for
        if field is not None and isinstance(body, Mapping) and field in body:
            value = body[field]
            if not self.marker.is_ours(value) and (
                self.live or valid(value, self.kinds.body_schema(operation_id, field))
            ):
                return (
                    f"{field}={value!r} may name an existing record (it does not carry this "
                    "run's marker)"
                )
        return None


class Problems(AssertionError):
    def __init__(self, operation: str, problems: list[str]) -> None:
        super().__init__(f"{operation} {PROMISES_HEADER}\n" + "\n".join(problems))


def _problem(text: str, *replies: Reply | str) -> str:
    curls = [r if isinstance(r, str) else r.curl for r in replies]
    return "- " + text + "".join(f"\n    {c}" for c in curls)


def _sent_body(response: schemathesis.Response) -> Any:
    body = response.request.body
    if not isinstance(body, (bytes, str)) or not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _header(response: schemathesis.Response, name: str) -> str | None:
    for key, value in response.request.headers.items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else value.decode("latin-1")
    return None


def _json(response: schemathesis.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _code(body: object) -> object:
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str) and code.lstrip("-").isdigit():
        return int(code)
    return code


def _is(expected: Any, status: int, code: object) -> bool:
    return expected is not None and status == expected.status and code == expected.code


def _moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


class Writes:
    """The run's write state and its hooks and checks."""

    def __init__(self, spec: Spec, credentials: Credentials, settings: RunSettings) -> None:
        self.spec = spec
        self.kinds = WriteSpec(spec)
        self.credentials = credentials
        self.settings = settings
        self.marker = Marker(settings.run_id or "00000000")
        self.own = OwnRecords()
        self.ledger = Ledger(Path(settings.ledger) if settings.ledger else None)
        self.guard = Guard(self.kinds, self.own, self.marker, settings, credentials.user_id)
        self.client = Client(
            spec,
            settings.base_url,
            credentials,
            clock_tolerance=settings.clock_tolerance,
            rate_limit=settings.rate_limit,
        )
        reports = settings_reports()
        self._unexercised = reports / NOT_EXERCISED if reports is not None else None
        self._note_lock = threading.Lock()
        self._snapshots: dict[str, dict[str, Mapping[str, Any]]] = {}
        self._sampled: dict[str, int] = {}
        self._owner_checked: set[str] = set()
        self._same: set[object] = set()  # `same-record-for` values sent so far
        self._admitted: set[str] = set()  # cases before_call let through, not yet sent
        self._stable: dict[str, dict[str, dict[str, Any]]] = {}  # listing -> key -> partition
        self.group_reads = self.kinds.group_reads()
        self._lock = threading.Lock()
        self.user = credentials.user_id

    # --- notes --------------------------------------------------------------------------

    def note(self, check: str, operation: str, reason: str) -> None:
        if self._unexercised is None:
            return
        with self._note_lock, self._unexercised.open("a", encoding="utf-8") as file:
            file.write(f"{check} on {operation}: {reason}\n")

    # --- the suite's own writes ---------------------------------------------------------

    def send_write(
        self,
        operation_id: str,
        *,
        path: Mapping[str, Any] | None = None,
        body: object = None,
        user_id: str | None = None,
    ) -> Reply:
        """One write of the suite's own, through the guard, recorded in the ledger."""
        self.guard.admit(operation_id, path or {}, body)
        reply = self.client.send(operation_id, path=path, body=body, user_id=user_id)
        self.record(operation_id, path or {}, reply.status, reply.body, user_id or self.user)
        return reply

    def record(
        self,
        operation_id: str,
        path: Mapping[str, Any],
        status: int,
        body: object,
        user: str,
    ) -> bool:
        """Record what a write's answer says it created or removed; whether it created a key
        new to the run."""
        behaviour = self.kinds.writes.get(operation_id)
        if behaviour is None or behaviour.write is None:
            return False
        write = behaviour.write
        success = status == behaviour.success.status and _code(body) == behaviour.success.code
        if write.effect is Effect.CREATE and success:
            key = write.key_in(body)
            if key is None:
                return False
            entry = Entry(write.record, key, user)
            fresh = self.own.add(entry)
            if fresh:
                self.ledger.created(entry)
            return fresh
        if write.key_parameter is not None and write.key_parameter in path:
            key = wire_text(path[write.key_parameter])
            if write.effect is Effect.DELETE and (
                success or _is(behaviour.not_found, status, _code(body))
            ):
                gone_entry = self.own.remove(key)
                if gone_entry is not None:
                    self.ledger.removed(gone_entry)
            else:
                self.own.give_back(key)
        return False

    def new_record(self, listing: str, user: str) -> str | None:
        """A record of the run's own in `listing`, created now from the create's example."""
        kind = self.kinds.records[listing]
        if kind.create is None:
            return None
        body = self.kinds.example_body(kind.create)
        if body is None:
            return None
        self.mark(kind.create, body)
        try:
            reply = self.send_write(kind.create, body=body, user_id=user)
        except WriteRefused:
            return None
        key = self.kinds.write(kind.create).key_in(reply.body)
        if key is None:
            return None
        return self.own.lend(listing, user) if self.own.is_ours(key) else None

    def tidy(self, listing: str, user: str) -> None:
        """Delete the run's oldest free records past KEEP_ALIVE."""
        kind = self.kinds.records[listing]
        if kind.delete is None:
            return
        name = self.kinds.write(kind.delete).key_parameter or ""
        for key in self.own.surplus(listing, user, KEEP_ALIVE):
            try:
                self.send_write(kind.delete, path={name: key}, user_id=user)
            except WriteRefused:
                self.own.give_back(key)
                return

    def mark(self, operation_id: str, body: dict[str, Any]) -> None:
        """Mark the names a write's body sets, and give a `same-record-for` field a value of
        the run's own; a value its schema refuses stays as it is (the case breaks it)."""
        for field in self.kinds.marked_fields(operation_id):
            if field in body:
                schema = self.kinds.body_schema(operation_id, field)
                if valid(body[field], schema):
                    marked = self.marker.mark(body[field], schema)
                    if marked is not None:
                        body[field] = marked
        same = self.kinds.write(operation_id).same_record_for
        if same is not None and same in body:
            schema = self.kinds.body_schema(operation_id, same)
            if valid(body[same], schema) and not self.marker.is_ours(body[same]):
                unique = self.marker.unique(schema)
                if unique is not None:
                    body[same] = unique

    # --- hooks ----------------------------------------------------------------------------

    def operation_id(self, case: Case) -> str:
        return str(case.operation.definition.raw.get("operationId"))

    def map_case(self, case: Case) -> Case:
        """Make a generated write case honest (no request is sent for it yet): its names
        marked, a `same-record-for` value of the run's own, a schema-valid key one of the
        run's records (the one it will be sent to is chosen when it is sent)."""
        operation_id = self.operation_id(case)
        if operation_id in self.kinds.memberships:
            return self.map_batch(operation_id, case)
        if operation_id in self.group_reads:
            return self.map_group_read(operation_id, case)
        if operation_id not in self.kinds.writes:
            return case
        write = self.kinds.write(operation_id)
        if isinstance(case.body, dict):
            self.mark(operation_id, case.body)
            self.unname_members(operation_id, case)
        name = write.key_parameter
        path = case.path_parameters
        if name is not None and path is not None and name in path:
            value = wire_text(path[name])
            if not self.own.is_ours(value) and valid(value, self.kinds.key_schema(operation_id)):
                key = self.own.any_of(write.record, self.user)
                if key is None:
                    key = self.new_record(write.record, self.user)
                    if key is not None:
                        self.own.give_back(key)
                if key is not None:
                    path[name] = key
        return case

    def unname_members(self, operation_id: str, case: Case) -> None:
        """A write naming a member of the group by a batch's user field (an update's
        `userId`, with the fields its schema makes depend on it: `role`) leaves them out
        when they are valid (a case breaking another field still breaks it): the run's
        groups have no member to name but their owner, whose role does not change, and
        live, a write names no user of the tenant's. A case breaking them keeps them.
        Judged on the fields, not on the case's metadata: reading that here revalidates it
        (schemathesis 4.32.5), and a positive case comes out "negative"."""
        body = case.body
        if not isinstance(body, dict):
            return
        schema = self.spec.operations[operation_id].body or {}
        properties = schema.get("properties") or {}
        dependent = schema.get("dependentRequired") or {}
        for field in {self.kinds.membership(op).user_field for op in self.kinds.memberships}:
            names = (field, *dependent.get(field, ()))
            if field in properties and all(
                name in body and valid(body[name], properties.get(name) or {}) for name in names
            ):
                for name in names:
                    body.pop(name)

    def map_batch(self, operation_id: str, case: Case) -> Case:
        """A batch goes to a group the run created (one is created when there is none);
        against a live API, every user it names is one of the run's (keep_case left out
        the cases where that cannot be)."""
        membership = self.kinds.membership(operation_id)
        path = case.path_parameters
        name = membership.group
        if path is not None and name in path:
            value = wire_text(path[name])
            schema = self.kinds.group_schema(operation_id)
            if not self.own.is_ours(value) and valid(value, schema):
                key = self.own.any_of(membership.joined, self.user)
                if key is None:
                    key = self.new_record(membership.joined, self.user)
                    if key is not None:
                        self.own.give_back(key)
                if key is not None:
                    path[name] = key
        if self.settings.live:
            name_run_users(
                case.body,
                self.guard.users,
                self.kinds.user_schema(operation_id),
                self.kinds.not_users(operation_id),
            )
        return case

    def stable_groups(self, listing: str) -> dict[str, dict[str, Any]]:
        """The groups our user joins that the run did not create (no case of the run
        deletes them), each with its partition, read once."""
        with self._lock:
            found = self._stable.get(listing)
        if found is None:
            found = {}
            for partition in self.kinds.partition_values(listing):
                read = self.client.items(listing, user_id=self.user, partition=partition)
                for key in (read or ({}, []))[0]:
                    if not self.own.is_ours(key):
                        found.setdefault(key, partition)
            with self._lock:
                found = self._stable.setdefault(listing, found)
        return found

    def map_group_read(self, operation_id: str, case: Case) -> Case:
        """A read of one group reads one our user joins and no case deletes (a schema-valid
        id otherwise names a group of no one's, or one another case may delete), of the
        partition the case asks for (its `sourceType`: a case about a value keeps it) where
        our user joins one, else sent with the group's own partition."""
        name, listing = self.group_reads[operation_id]
        path = case.path_parameters
        if path is None or name not in path:
            return case
        value = wire_text(path[name])
        if not valid(value, self.kinds.group_schema(operation_id)):
            return case
        stable = self.stable_groups(listing)
        if not stable:
            return case
        query = case.query if isinstance(case.query, dict) else {}
        operation = self.spec.operations[operation_id]
        asked: dict[str, str] = {}  # the partition values the case sends, valid, as wire text
        for parameter in next(iter(stable.values())):
            declared = operation.parameter(parameter)
            if declared is None or parameter not in query:
                continue
            text = wire_text(query[parameter])
            if not wire.problems([declared], {parameter: [text]}, {}):
                asked[parameter] = text

        def fits(key: str) -> bool:
            return all(wire_text(stable[key].get(k)) == v for k, v in asked.items())

        if value not in stable or not fits(value):
            value = next((key for key in stable if fits(key)), value if value in stable else "")
            value = value or next(iter(stable))
            path[name] = value
        for parameter in asked:
            query[parameter] = stable[value][parameter]
        return case

    def lend_group(self, case: Case, operation_id: str) -> None:
        """At send time: a batch goes to one of the run's groups alive and free, lent to
        this case until its answer (as lend_for does for a write)."""
        self._lend(case, operation_id, self.kinds.membership(operation_id).group)

    def lend_for(self, case: Case) -> None:
        """At send time: a write to one of the run's records goes to one alive and free
        (this very one if it is), lent to this case until its answer: a record deleted by
        an earlier case, or busy with another, is never sent a positive case. A key that is
        not the run's is left for the guard to refuse."""
        operation_id = self.operation_id(case)
        self._lend(case, operation_id, self.kinds.write(operation_id).key_parameter)

    def _lend(self, case: Case, operation_id: str, name: str | None) -> None:
        """The run's record that `case` names in its path parameter `name` swapped for one
        of the same listing and user that is alive and free (itself if it is, else a new
        one where the guard would let it be made), lent to the case."""
        path = case.path_parameters
        if name is None or path is None or name not in path:
            return
        value = wire_text(path[name])
        if not self.own.is_ours(value):
            return
        entry = self.own.created[value]
        key = self.own.lend_this(value) or self.own.lend(entry.listing, entry.user)
        if key is None and self.guard.could_send(operation_id, {}, None):
            key = self.new_record(entry.listing, entry.user)
        if key is not None:
            path[name] = key

    def keep_case(self, case: Case) -> bool:
        """Live: a write whose key (or `same-record-for` value) breaks its schema is not
        sent: it names no record of the run's, and a lenient server might read it as one
        that is someone else's. (A schema-valid one was made the run's by map_case.)"""
        operation_id = self.operation_id(case)
        if self.settings.live and operation_id in self.kinds.memberships:
            return self.keep_batch(operation_id, case)
        if not self.settings.live or operation_id not in self.kinds.writes:
            return True
        write = self.kinds.write(operation_id)
        name = write.key_parameter
        path = case.path_parameters or {}
        # filter_case runs before map_case: what map_case can make the run's is kept
        if name is not None and name in path:
            value = wire_text(path[name])
            if not self.own.is_ours(value) and not valid(
                value, self.kinds.key_schema(operation_id)
            ):
                return False
        same = write.same_record_for
        body = case.body
        if same is None or not isinstance(body, Mapping) or same not in body:
            return True
        given = body[same]
        return self.marker.is_ours(given) or valid(
            given, self.kinds.body_schema(operation_id, same)
        )

    def keep_batch(self, operation_id: str, case: Case) -> bool:
        """Live: a batch is sent only when it names a group map_case makes the run's and
        users map_case makes the run's (a copy is tried: nothing is changed here)."""
        name = self.kinds.membership(operation_id).group
        path = case.path_parameters or {}
        if name in path:
            value = wire_text(path[name])
            if not self.own.is_ours(value) and not valid(
                value, self.kinds.group_schema(operation_id)
            ):
                return False
        return name_run_users(
            copy.deepcopy(case.body),
            self.guard.users,
            self.kinds.user_schema(operation_id),
            self.kinds.not_users(operation_id),
        )

    def before_call(self, case: Case) -> None:
        operation_id = self.operation_id(case)
        if operation_id in self.group_reads:
            # Again at send time: an example's query is filled after the hooks that map it.
            self.map_group_read(operation_id, case)
            return
        if operation_id in self.kinds.memberships:
            self.lend_group(case, operation_id)
            self.guard.admit(operation_id, case.path_parameters or {}, case.body)
            with self._lock:
                self._admitted.add(case.id)
            return
        if operation_id not in self.kinds.writes:
            return
        self.lend_for(case)
        self.guard.admit(operation_id, case.path_parameters or {}, case.body)
        with self._lock:
            self._admitted.add(case.id)
        meta = case.meta
        if meta is None or not meta.generation.mode.is_negative:
            return
        limit = REFUSED_SAMPLES_LIVE if self.settings.live else REFUSED_SAMPLES
        with self._lock:
            taken = self._sampled.get(operation_id, 0)
            if taken >= limit or not meta.is_negative_at(ParameterLocation.BODY):
                return
            self._sampled[operation_id] = taken + 1
        listing = self.kinds.write(operation_id).record
        before = self.client.every_item(listing, user_id=self.user)
        if before is not None:
            self._snapshots[case.id] = before

    def at_send(self, case: Case) -> None:
        """Where schemathesis sends any request (its checks' own too, which no hook sees):
        a write before_call did not let through passes the guard here."""
        operation_id = self.operation_id(case)
        if operation_id not in self.kinds.writes and operation_id not in self.kinds.memberships:
            return
        with self._lock:
            if case.id in self._admitted:
                self._admitted.discard(case.id)
                return
        self.guard.admit(operation_id, case.path_parameters or {}, case.body)

    def after_call(self, case: Case, response: schemathesis.Response) -> None:
        operation_id = self.operation_id(case)
        if operation_id in self.kinds.memberships:
            name = self.kinds.membership(operation_id).group
            group = (case.path_parameters or {}).get(name)
            if group is not None:
                self.own.give_back(wire_text(group))
            return
        if operation_id not in self.kinds.writes:
            return
        user = _header(response, "X-User-Id") or self.user
        body = _json(response)
        self.record(operation_id, case.path_parameters or {}, response.status_code, body, user)
        write = self.kinds.write(operation_id)
        if write.effect is Effect.CREATE:
            self.tidy(write.record, user)

    # --- checks ---------------------------------------------------------------------------

    def _success(self, behaviour: Behaviour, response: schemathesis.Response) -> bool:
        return (
            response.status_code == behaviour.success.status
            and _code(_json(response)) == behaviour.success.code
        )

    def _partition(self, write: Write, sent: Mapping[str, Any]) -> dict[str, Any]:
        return {filtered: sent[field] for field, filtered in write.partition if field in sent}

    def _narrow(self, listing: str, write: Write, sent: Mapping[str, Any]) -> dict[str, Any]:
        """A text filter of the listing on a field the write set, with the value sent: the
        listing narrowed to the record (and few others)."""
        behaviour = self.kinds.records[listing].behaviour
        for field, kept in write.fields:
            for filter_ in behaviour.filters:
                if filter_.match is Match.CONTAINS_IGNORING_CASE and filter_.field == kept:
                    parameter = self.spec.operations[listing].parameter(filter_.parameter)
                    value = sent.get(field)
                    if (
                        parameter is not None
                        and isinstance(value, str)
                        and value.strip() == value
                        and valid(value, parameter.schema)
                    ):
                        return {filter_.parameter: value}
        return {}

    def _find(
        self,
        write: Write,
        user: str,
        partition: Mapping[str, Any],
        sent: Mapping[str, Any],
        key: str,
    ) -> tuple[Mapping[str, Any] | None, list[Reply]] | None:
        """The record `key` in its listing (narrowed by what was sent; the whole partition
        when not found so), and the pages read; None when the listing fails."""
        narrow = self._narrow(write.record, write, sent)
        for query in [narrow, {}] if narrow else [{}]:
            read = self.client.items(write.record, user_id=user, partition=partition, narrow=query)
            if read is None:
                return None
            if key in read[0]:
                return read[0][key], read[1]
        return None if read is None else (None, read[1])

    def _fields_differ(
        self, write: Write, sent: Mapping[str, Any], item: Mapping[str, Any]
    ) -> list[str]:
        return [
            f"{kept}={item.get(kept)!r}, sent {field}={sent[field]!r}"
            for field, kept in write.fields
            if field in sent and item.get(kept) != sent[field]
        ]

    def check_create(self, case: Case, response: schemathesis.Response, fresh: bool) -> list[str]:
        behaviour = self.kinds.writes[self.operation_id(case)]
        write = behaviour.write
        assert write is not None
        body = _json(response)
        key = write.key_in(body)
        if key is None:
            return [f"- a create answered success without its key at {write.key_response}"]
        sent = _sent_body(response)
        sent = sent if isinstance(sent, dict) else {}
        user = _header(response, "X-User-Id") or self.user
        partition = self._partition(write, sent)
        where = ", ".join(f"{k}={v}" for k, v in partition.items()) or "its listing"
        read = self._find(write, user, partition, sent, key)
        if read is None:
            return [f"- the listing {write.record} ({where}) could not be read after a create"]
        item, pages = read
        if item is None:
            return [
                _problem(
                    f"created record {key} is not in {write.record} of user {user} ({where}): "
                    "a created record is listed in its partition",
                    pages[0],
                )
            ]
        problems = []
        differ = self._fields_differ(write, sent, item)
        if differ:
            problems.append(
                _problem(
                    f"created record {key} is listed with {'; '.join(differ)}: a create "
                    "lists the fields it sent",
                    pages[0],
                )
            )
        if fresh:
            now = datetime.now(UTC)
            allowed = self.settings.clock_tolerance + TIME_SLACK
            for field in self.kinds.time_fields(write.record):
                moment = _moment(item.get(field))
                if moment is not None and abs((now - moment).total_seconds()) > allowed:
                    problems.append(
                        _problem(
                            f"created record {key} has {field}={item.get(field)}, "
                            f"{abs((now - moment).total_seconds()):.0f} s from now: a record's "
                            f"times are those of its write (within {allowed} s)",
                            pages[0],
                        )
                    )
        return problems

    def check_update(self, case: Case, response: schemathesis.Response) -> list[str]:
        operation_id = self.operation_id(case)
        write = self.kinds.write(operation_id)
        path = case.path_parameters or {}
        if write.key_parameter is None or write.key_parameter not in path:
            return []
        key = wire_text(path[write.key_parameter])
        sent = _sent_body(response)
        sent = sent if isinstance(sent, dict) else {}
        user = _header(response, "X-User-Id") or self.user
        partition = self._partition(write, sent)
        where = ", ".join(f"{k}={v}" for k, v in partition.items()) or "its listing"
        read = self._find(write, user, partition, sent, key)
        if read is None:
            return [f"- the listing {write.record} ({where}) could not be read after an update"]
        item, pages = read
        if item is None:
            return [
                _problem(
                    f"updated record {key} is not in {write.record} ({where}) after the "
                    "update answered success",
                    pages[0],
                )
            ]
        differ = self._fields_differ(write, sent, item)
        if differ:
            return [
                _problem(
                    f"updated record {key} is listed with {'; '.join(differ)}: an update "
                    "shows in the listing",
                    pages[0],
                )
            ]
        return []

    def check_delete(self, case: Case, response: schemathesis.Response) -> list[str]:
        operation_id = self.operation_id(case)
        behaviour = self.kinds.writes[operation_id]
        write = self.kinds.write(operation_id)
        path = case.path_parameters or {}
        if write.key_parameter is None or write.key_parameter not in path:
            return []
        key = wire_text(path[write.key_parameter])
        user = _header(response, "X-User-Id") or self.user
        problems = []
        for partition in self.kinds.partition_values(write.record):
            read = self.client.items(write.record, user_id=user, partition=partition)
            if read is not None and key in read[0]:
                problems.append(
                    _problem(
                        f"deleted record {key} is still in {write.record} "
                        f"({', '.join(f'{k}={v}' for k, v in partition.items()) or 'listed'}): "
                        "a deleted record leaves its listing",
                        read[1][0],
                    )
                )
                break
        missing = behaviour.not_found
        if missing is not None and self.own.is_ours(key):
            try:
                again = self.send_write(operation_id, path={write.key_parameter: key}, user_id=user)
            except WriteRefused as refused:
                self.note("deletes_removed_as_declared", case.operation.label, str(refused))
                return problems
            if not _is(missing, again.status, again.code()):
                problems.append(
                    _problem(
                        f"a second delete of record {key} answered {again.status} with code "
                        f"{again.code()!r}; the spec promises {missing.status} with code "
                        f"{missing.code} (not-found)",
                        again,
                    )
                )
        return problems

    def check_refused(self, case: Case, response: schemathesis.Response) -> list[str]:
        before = self._snapshots.pop(case.id, None)
        if before is None or not 400 <= response.status_code < 500:
            return []
        operation_id = self.operation_id(case)
        listing = self.kinds.write(operation_id).record
        after = self.client.every_item(listing, user_id=self.user)
        if after is None:
            return []
        own_key = None
        name = self.kinds.write(operation_id).key_parameter
        if name is not None and name in (case.path_parameters or {}):
            own_key = wire_text(case.path_parameters[name])
        changes = self._changes(before, after, own_key)
        if changes:
            time.sleep(1)  # a create of another case may not have been recorded yet
            again = self.client.every_item(listing, user_id=self.user)
            changes = self._changes(before, again, own_key) if again is not None else []
        if not changes:
            return []
        return [
            f"- a refused write (answered {response.status_code}) changed {listing}: "
            + "; ".join(changes[:3])
            + ": a refused request changes nothing"
        ]

    def _changes(
        self,
        before: Mapping[str, Mapping[str, Any]],
        after: Mapping[str, Mapping[str, Any]],
        own_key: str | None,
    ) -> list[str]:
        busy = self.own.lent() - ({own_key} if own_key else set())
        created = set(self.own.created)

        def others(key: str) -> bool:  # another case's doing, at the same time
            return key in busy or (key in created and key != own_key)

        changes = [f"record {k} added" for k in after.keys() - before.keys() if not others(k)]
        changes += [f"record {k} removed" for k in before.keys() - after.keys() if not others(k)]
        changes += [
            f"record {k} changed"
            for k in before.keys() & after.keys()
            if before[k] != after[k] and not others(k)
        ]
        return changes

    def check_owner(self, case: Case, response: schemathesis.Response) -> list[str]:
        operation_id = self.operation_id(case)
        behaviour = self.kinds.writes[operation_id]
        write = self.kinds.write(operation_id)
        label = case.operation.label
        if write.owner_field is None or write.effect is Effect.CREATE:
            return []
        if not self._success(behaviour, response):
            return []
        with self._lock:
            if operation_id in self._owner_checked:
                return []
            self._owner_checked.add(operation_id)
        other = self.settings.other_user_id
        if other is None:
            self.note("owner_only_changes", label, "needs a second user (--other-user-id)")
            return []
        if AuthMode.APP not in self.credentials.modes:
            self.note("owner_only_changes", label, "needs app mode (a token acts for one user)")
            return []
        kind = self.kinds.records[write.record]
        if kind.create is None:
            return []
        theirs = self.kinds.example_body(kind.create)
        if theirs is None:
            return []
        self.mark(kind.create, theirs)
        try:
            made = self.send_write(kind.create, body=theirs, user_id=other)
        except WriteRefused as refused:
            self.note("owner_only_changes", label, str(refused))
            return []
        key = self.kinds.write(kind.create).key_in(made.body)
        if key is None:
            self.note("owner_only_changes", label, f"user {other} could not create a record")
            return []
        self.own.lend(write.record, other)  # not free for another case
        sent = _sent_body(response)
        name = write.key_parameter or ""
        problems = []
        try:
            try:
                attempt = self.send_write(
                    operation_id, path={name: key}, body=sent, user_id=self.user
                )
            except WriteRefused as refused:
                self.note("owner_only_changes", label, str(refused))
                return []
            if not (
                _is(behaviour.forbidden, attempt.status, attempt.code())
                or _is(behaviour.not_found, attempt.status, attempt.code())
            ):
                problems.append(
                    _problem(
                        f"user {self.user} changed record {key} of user {other} "
                        f"(answered {attempt.status} with code {attempt.code()!r}); only its "
                        "owner may change it: the spec promises forbidden or not-found",
                        made,
                        attempt,
                    )
                )
            create_write = self.kinds.write(kind.create)
            read = self.client.items(
                write.record, user_id=other, partition=self._partition(create_write, theirs)
            )
            if read is not None:
                item = read[0].get(key)
                if item is None or self._fields_differ(create_write, theirs, item):
                    problems.append(
                        _problem(
                            f"record {key} of user {other} was "
                            f"{'deleted' if item is None else 'changed'} by user {self.user}: "
                            "only its owner may change it",
                            attempt,
                            read[1][0],
                        )
                    )
        finally:
            if kind.delete is not None and self.own.is_ours(key):
                delete_name = self.kinds.write(kind.delete).key_parameter or ""
                with contextlib.suppress(WriteRefused):
                    self.send_write(kind.delete, path={delete_name: key}, user_id=other)
        return problems

    def register(self) -> None:
        writes = self

        @schemathesis.hook("filter_case")
        def filter_case(context: schemathesis.HookContext, case: Case) -> bool:
            return writes.keep_case(case)

        @schemathesis.hook("map_case")
        def map_case(context: schemathesis.HookContext, case: Case) -> Case:
            return writes.map_case(case)

        @schemathesis.hook("before_add_examples")
        def before_add_examples(context: schemathesis.HookContext, examples: list[Case]) -> None:
            for case in examples:
                writes.map_case(case)

        @schemathesis.hook("before_call")
        def before_call(
            context: schemathesis.HookContext, case: Case, kwargs: dict[str, Any]
        ) -> None:
            writes.before_call(case)

        @schemathesis.hook("after_call")
        def after_call(
            context: schemathesis.HookContext, case: Case, response: schemathesis.Response
        ) -> None:
            writes.after_call(case, response)

        def per_write(
            name: str,
            effect: Effect | None,
            run: Callable[[Case, schemathesis.Response], list[str]],
            *,
            on_success: bool = True,
        ) -> None:
            def check(
                ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
            ) -> bool | None:
                operation_id = writes.operation_id(case)
                behaviour = writes.kinds.writes.get(operation_id)
                if behaviour is None or behaviour.write is None:
                    return None
                if effect is not None and behaviour.write.effect is not effect:
                    return None
                if on_success and not writes._success(behaviour, response):
                    return None
                problems = run(case, response)
                if problems:
                    raise Problems(case.operation.label, problems)
                return True

            check.__name__ = check.__qualname__ = name
            schemathesis.check(check)

        per_write(
            "creates_listed_as_declared",
            Effect.CREATE,
            lambda case, response: writes.check_create(
                case, response, writes.fresh(case, response)
            ),
        )
        per_write("updates_visible_as_declared", Effect.UPDATE, writes.check_update)
        per_write("deletes_removed_as_declared", Effect.DELETE, writes.check_delete)
        per_write("refused_writes_change_nothing", None, writes.check_refused, on_success=False)
        per_write("owner_only_changes", None, writes.check_owner)

    def fresh(self, case: Case, response: schemathesis.Response) -> bool:
        """Whether a create's answer is a record first seen now (not one a `same-record-for`
        value answered again): its times are judged then only."""
        write = self.kinds.write(self.operation_id(case))
        sent = _sent_body(response)
        if write.same_record_for is None or not isinstance(sent, dict):
            return True
        value = sent.get(write.same_record_for)
        with self._lock:
            first = value not in self._same
            self._same.add(value)
        return first


def run_users(user: str, settings: RunSettings) -> tuple[str, ...]:
    """The users a run's batches may name against a live API: its own, and the second user
    it was given (--other-user-id); never a made-up one, nor one who did not ask for it."""
    return tuple(dict.fromkeys(found for found in (user, settings.other_user_id) if found))


def _could_name_a_user(value: object) -> bool:
    """Whether a lenient server might read `value` as a user id: a number 0 or more, or a
    string of digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value >= 0
    return isinstance(value, str) and value.isdigit()


def user_values(body: object, not_users: frozenset[str] = frozenset()) -> list[object]:
    """Every value of a batch body a server might read as a user id, wherever it is (the
    2024 `userIds` form too), but under the entry fields that name no user (`not_users`)."""
    found: list[object] = []

    def walk(value: object) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                if key not in not_users:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif _could_name_a_user(value):
            found.append(value)

    walk(body)
    return found


def _names_run_user(value: object, users: tuple[str, ...]) -> bool:
    if isinstance(value, float):
        return False  # a 19-digit id is no float: a server rounding it names someone else
    return wire_text(value) in users


def name_run_users(
    body: object, users: tuple[str, ...], schema: Mapping[str, Any], not_users: frozenset[str]
) -> bool:
    """Live: each value of a batch body a server might read as a user id becomes one of the
    run's `users`, in its JSON type (an integer the user schema allows, or digits); False
    when one cannot be (a float, an integer out of the schema's range): do not send it."""
    turn = [0]

    def next_user() -> str:
        user = users[turn[0] % len(users)]
        turn[0] += 1
        return user

    def fix(value: object) -> tuple[bool, object]:
        if not _could_name_a_user(value):
            return True, value
        if isinstance(value, str):
            return True, next_user()
        if isinstance(value, int) and valid(value, schema):
            return True, int(next_user())
        return False, value

    def walk(value: object) -> bool:
        if isinstance(value, dict):
            for key in list(value):
                if key in not_users:
                    continue
                ok, value[key] = fix(value[key])
                if not ok or not walk(value[key]):
                    return False
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                ok, value[index] = fix(inner)
                if not ok or not walk(value[index]):
                    return False
        return True

    if not users:
        return not user_values(body, not_users)
    ok, fixed = fix(body)
    return ok and fixed is body and walk(body)


def settings_reports() -> Path | None:
    found = os.environ.get(REPORTS_VARIABLE)
    return Path(found) if found else None


def register(credentials: Credentials, settings: RunSettings, spec_path: Path) -> Writes:
    writes = Writes(Spec.from_text(spec_path.read_bytes()), credentials, settings)
    writes.register()
    ACTIVE[:] = [writes]
    _guard_transport()
    return writes


def _guard_transport() -> None:
    """Put the guard in schemathesis' transport, which every request it sends goes through:
    the probes of its own checks (`ignored_auth`, `missing_required_header`) are sent there
    without `before_call`. Done once per process."""
    transport = RequestsTransport
    if getattr(transport.send, "_guarded", False):
        return
    original = transport.send

    def send(self: RequestsTransport, case: Case, **kwargs: Any) -> schemathesis.Response:
        if ACTIVE:
            ACTIVE[0].at_send(case)
        return original(self, case, **kwargs)

    send._guarded = True  # type: ignore[attr-defined]
    transport.send = send  # type: ignore[method-assign]


def is_write(case: Case) -> bool:
    """A write or a batch of members: what the guard must see."""
    behaviour = operations.behaviour_of(case.operation)
    return behaviour is not None and (
        behaviour.write is not None or behaviour.membership is not None
    )


ACTIVE: list[Writes] = []  # the run's, once registered (one per schemathesis process)


def ready_again(case: Case) -> Case:
    """`case` to send again with credentials computed now (an app signature covers the
    path): a write whose record is gone or busy goes to another of the run's records, alive
    and free, so that `before_call` leaves its path, and the signature, as they are."""
    if not is_write(case) or not ACTIVE:
        return case
    writes = ACTIVE[0]
    operation_id = writes.operation_id(case)
    if operation_id in writes.kinds.memberships:
        name: str | None = writes.kinds.membership(operation_id).group
    else:
        name = writes.kinds.write(operation_id).key_parameter
    path = case.path_parameters or {}
    if name is None or name not in path or not writes.own.is_ours(wire_text(path[name])):
        return case
    entry = writes.own.created[wire_text(path[name])]
    key = writes.own.lend_this(entry.key) or writes.own.lend(entry.listing, entry.user)
    if key is None:
        key = writes.new_record(entry.listing, entry.user)
    if key is None:
        return case
    writes.own.give_back(key)  # lent again when sent
    return detached(case, query={**(case.query or {}), name: key})


def admit_unhooked(case: Case) -> None:
    """The guard, for a write sent past schemathesis' hooks (WriteRefused: do not send)."""
    if is_write(case) and ACTIVE:
        writes = ACTIVE[0]
        writes.guard.admit(writes.operation_id(case), case.path_parameters or {}, case.body)


def may_send_again(case: Case) -> bool:
    """Whether a probe of `case` may be sent again: a read always; a write when the guard
    would let it through (sent, it goes to a record of the run's that is alive and free:
    a delete sent again deletes another of the run's records)."""
    if not is_write(case) or not ACTIVE:
        return True
    writes = ACTIVE[0]
    return writes.guard.could_send(writes.operation_id(case), case.path_parameters or {}, case.body)
