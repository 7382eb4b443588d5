"""The emulator's state and its rules, on SQLite, with no HTTP in sight.

The state is relational (schema: `_SCHEMA`, described in docs/emulator.md, "State"):

- `users`: every user the tenant knows, in the order they became known;
- `devices`: each user's devices, in the order they were bound;
- `groups`: each group once, with its owner, kind (`source_type`), icon and times;
- `memberships`: which users join which groups, with a role (0 owner, 1 administrator,
  2 member), a pin (`top`), when they joined and last changed, and a join `position`.

A position is given once and never again (not after a delete, not after a discarded
change), so it orders both a user's listing of groups (index `listing`: user, kind,
position) and a group's members (index `members`: group, position). Paging cursors hold a
position: adding or removing groups between two pages neither skips nor repeats a group
that existed throughout. The unfiltered `total` of a listing is kept as a count
(`listing_totals`, `groups.member_count`), so a page costs the same at a million groups.

Who may do what (members only; owner and administrators change a group and its members;
only the owner changes a role or deletes) and the limits (given by the caller, read from
the spec) are checked here, in the write itself, inside one transaction: a write that is
refused or fails changes nothing.

The database is in memory unless a file is given (`Backend(path=...)`, `koodrive-emulator
--state FILE`), then it survives restarts. `Backend.snapshot()` takes the whole state as
an immutable `BackendSnapshot` (the database's bytes) and `Backend.restore(snapshot)` puts
it back. A restore starts a new generation of the state, which the paging cursors carry: a
cursor issued before it is refused, never read against the other state.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from koodrive_spec.reader import Spec

from koodrive_emulator.encoding import Fragment, string_json
from koodrive_emulator.fixtures import (
    apply_fixtures,
    load_default_fixtures,
    load_fixtures_file,
)
from koodrive_emulator.models import (
    Device,
    Group,
    Member,
    Role,
    SourceType,
    User,
    format_epoch_ms,
)
from koodrive_emulator.records import device_fields, group_fields
from koodrive_emulator.synthetic import (
    member_count,
    synthetic_devices,
    synthetic_groups,
    synthetic_memberships,
)

_FIRST_GENERATED_ID = 1_900_000_000_000_000_000
# The spec's decision on a device bound without a name or an OS (x-koodrive-decisions, "A
# machine code bound twice"): listed with its machine code as its name, and this OS.
UNKNOWN_DEVICE_OS = "unknown"
# The tenant a state belongs to when its fixtures name none (the vendor's example's).
DEFAULT_TENANT_ID = "1"
_DIGITS = re.compile("[0-9]{1,32}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
# How many values read from the state (pages of groups, a user's devices, a read's answer
# as sent) are kept, for the same one asked for again before the state changes (a client
# polling its first page, a load test): a page of the largest size is some 40 KiB with
# its objects, 2.6 MiB in all.
_LISTINGS_KEPT = 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    ref INTEGER PRIMARY KEY,              -- the order users became known
    id TEXT NOT NULL UNIQUE,
    name TEXT, dept_id TEXT, dept_name TEXT, mobile TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    ref INTEGER PRIMARY KEY,              -- the order devices were bound
    user_ref INTEGER NOT NULL REFERENCES users(ref),
    device_id TEXT NOT NULL,
    machine_code TEXT NOT NULL,
    device_os TEXT NOT NULL,
    device_name TEXT NOT NULL,
    create_ms INTEGER NOT NULL,
    extra TEXT                            -- other fields the spec declares, JSON
);
CREATE INDEX IF NOT EXISTS devices_of_user ON devices(user_ref, ref);
CREATE TABLE IF NOT EXISTS groups (
    ref INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    group_name TEXT NOT NULL,
    owner_ref INTEGER NOT NULL REFERENCES users(ref),
    source_type INTEGER NOT NULL,
    icon_url TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    extra TEXT,                           -- other fields the spec declares, JSON
    member_count INTEGER NOT NULL         -- kept: a group's unfiltered total in O(1)
);
CREATE TABLE IF NOT EXISTS memberships (
    position INTEGER PRIMARY KEY,         -- join order, given once, never reused
    user_ref INTEGER NOT NULL REFERENCES users(ref),
    group_ref INTEGER NOT NULL REFERENCES groups(ref),
    source_type INTEGER NOT NULL,         -- the group's, copied for the listing's index
    role INTEGER NOT NULL,                -- 0 owner, 1 administrator, 2 member
    top INTEGER NOT NULL,                 -- 1 when the member pinned the group
    created_ms INTEGER NOT NULL,          -- when they joined
    updated_ms INTEGER NOT NULL           -- when their role or pin last changed
);
CREATE INDEX IF NOT EXISTS listing ON memberships(user_ref, source_type, position);
CREATE INDEX IF NOT EXISTS members ON memberships(group_ref, position);
CREATE TABLE IF NOT EXISTS listing_totals (
    user_ref INTEGER NOT NULL,
    source_type INTEGER NOT NULL,
    total INTEGER NOT NULL,               -- kept: a listing's unfiltered total in O(1)
    PRIMARY KEY (user_ref, source_type)
) WITHOUT ROWID;
"""

# A group row as the readers select it (with its owner's id), in Group's field order.
_GROUP_COLUMNS = (
    "g.id, g.group_name, o.id, g.created_ms, g.updated_ms, g.source_type, g.extra, g.icon_url"
)
_MEMBER_COLUMNS = (
    "u.id, m.role, m.top, m.created_ms, m.updated_ms, u.name, u.dept_id, u.dept_name, u.mobile"
)


class WriteRefused(Exception):
    """A write the state does not make; `str(error)` says why, safe to send."""


class RecordNotFound(WriteRefused):
    """The record is not one the user sees (or does not exist at all)."""


class Forbidden(WriteRefused):
    """The user sees the record, but their role does not let them make this change."""


class NotOwner(Forbidden):
    """The user sees the record but does not own it, and only its owner may change it."""


class InvalidWrite(WriteRefused):
    """A change the state refuses whoever asks (the spec's invalid request)."""


class LimitReached(InvalidWrite):
    """The user has as many records of the kind as one may have."""


_T = TypeVar("_T")


@dataclass(frozen=True)
class Slice(Generic[_T]):
    """What one page query finds: the records (with their positions), whether more follow,
    and how many match in all. The pager reads it; it knows nothing of groups."""

    items: list[tuple[int, _T]]
    has_more: bool
    total: int


GroupSlice = Slice[Group]
MemberSlice = Slice[Member]


@dataclass(frozen=True)
class BatchResult:
    """What a membership batch did: the users it could not add or remove (as their ids, in
    the order named, each once) of how many distinct users it named."""

    failed: tuple[str, ...]
    named: int

    @property
    def all_failed(self) -> bool:
        return len(self.failed) == self.named


@dataclass(frozen=True)
class BackendSnapshot:
    """The whole state of a Backend at one moment: the database's bytes, immutable."""

    data: bytes
    user_count: int
    device_count: int
    group_count: int
    next_position: int
    next_id: int

    def __repr__(self) -> str:
        return (
            f"BackendSnapshot(users={self.user_count}, devices={self.device_count}, "
            f"groups={self.group_count})"
        )

    def to_fixtures(self) -> dict[str, Any]:
        """The state as a fixtures document; see Backend.to_fixtures."""
        backend = Backend()
        backend.restore(self)
        return backend.to_fixtures()


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MILLISECOND


def _time(ms: int) -> datetime:
    return _EPOCH + ms * _MILLISECOND


def _extra_text(extra: tuple[tuple[str, object], ...]) -> str | None:
    return json.dumps(extra, ensure_ascii=False) if extra else None


def _extra(text: str | None) -> tuple[tuple[str, object], ...]:
    return tuple((name, value) for name, value in json.loads(text)) if text else ()


def _group(row: Sequence[Any]) -> Group:
    group_id, name, owner, created, updated, source_type, extra, icon = row
    return Group(
        id=group_id,
        group_name=name,
        owner_id=owner,
        created_time=_time(created),
        updated_time=_time(updated),
        source_type=SourceType(source_type),
        extra=_extra(extra),
        icon_url=icon,
    )


def _group_wire(row: Sequence[Any]) -> Fragment:
    """A group row as a listing sends it: `_group(row).wire()`, without the Group, its
    datetimes and the dict in between, which cost four fifths of a listed group's time."""
    group_id, name, owner, created, updated, _, extra, _ = row
    if extra:  # fields the spec declares beyond the modelled ones: the general way
        return _group(row).wire()
    # Group.to_json's fields in its order, each as its JSON encoder writes it.
    return Fragment(
        f'{{"id":{string_json(group_id)},"groupName":{string_json(name)},'
        f'"ownerId":{string_json(owner)},"createdTime":"{format_epoch_ms(created)}",'
        f'"updatedTime":"{format_epoch_ms(updated)}"}}'
    )


def _member(row: Sequence[Any]) -> Member:
    user_id, role, top, created, updated, name, dept_id, dept_name, mobile = row
    return Member(
        user_id=user_id,
        role=Role(role),
        top=bool(top),
        created_time=_time(created),
        updated_time=_time(updated),
        user_name=name,
        dept_id=dept_id,
        dept_name=dept_name,
        mobile=mobile,
    )


def _device(row: Sequence[Any]) -> Device:
    device_id, machine_code, device_os, device_name, created, extra = row
    return Device(
        device_id=device_id,
        machine_code=machine_code,
        device_os=device_os,
        device_name=device_name,
        create_time=_time(created),
        extra=_extra(extra),
    )


def _folded_contains(text: str | None, needle: str) -> bool:
    return text is not None and needle in text.casefold()


@dataclass(frozen=True)
class _Membership:
    position: int
    user_ref: int
    group_ref: int
    role: Role
    top: bool


@dataclass(frozen=True)
class _GroupRow:
    ref: int
    id: str
    owner_ref: int
    source_type: SourceType
    member_count: int


class Backend:
    """All users, devices, groups and memberships. Thread-safe: the server reads while
    tests seed (one lock guards the one connection)."""

    def __init__(self, *, spec: Spec | None = None, path: str | Path | None = None) -> None:
        """`spec`: the spec whose item schemas declare the fields records may carry beyond
        those modelled here (default: the one shipped). `path`: a SQLite file holding the
        state, kept across runs (default: in memory)."""
        spec = spec or Spec.packaged()
        self._spec = spec
        self.group_fields = group_fields(spec)
        self.device_fields = device_fields(spec)
        self._lock = threading.RLock()
        self.path = None if path is None else Path(path)
        # Autocommit: every write is its own SAVEPOINT, released (committed) at its end.
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path),
            check_same_thread=False,
            isolation_level=None,
        )
        self._db.create_function("folded_contains", 2, _folded_contains, deterministic=True)
        self._db.executescript(_SCHEMA)
        self._depth = 0
        self._generation = 0
        self._next_position = int(self._meta("next_position", 1))
        self._next_id = int(self._meta("next_id", _FIRST_GENERATED_ID))
        self._user_refs: dict[str, int] = {}
        self._load_user_refs()
        # Values read from the state (listed_groups, listed_devices, the app's answers to
        # reads), by their query; emptied by every write, so a value kept is always the
        # state's now.
        self._listings: dict[tuple[object, ...], object] = {}

    # --- construction -------------------------------------------------------------------

    @classmethod
    def default(cls, *, spec: Spec | None = None) -> Backend:
        """The small data set embedded in the package (see docs/emulator.md)."""
        backend = cls(spec=spec)
        load_default_fixtures(backend)
        return backend

    @classmethod
    def from_fixtures(cls, path: str | Path) -> Backend:
        """A backend seeded from a fixtures file (YAML or JSON)."""
        backend = cls()
        backend.load_fixtures(path)
        return backend

    @property
    def is_empty(self) -> bool:
        """Whether the state holds no user at all (a new state file, say)."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is None

    def load_fixtures(self, path: str | Path) -> None:
        """Seed from a fixtures file. All or nothing: on a FixtureError nothing changed."""
        with self._transaction():
            load_fixtures_file(self, Path(path))

    def load_fixtures_data(self, data: Any, *, source: str = "fixtures") -> None:
        """Seed from already-parsed fixtures (the mapping a fixtures file holds). All or
        nothing: on a FixtureError the state is as it was."""
        with self._transaction():
            apply_fixtures(self, data, source=source)

    def replace_with_fixtures(self, data: Any, *, source: str = "fixtures") -> None:
        """Replace the whole state with already-parsed fixtures (a restore of what
        `to_fixtures` gave, say). On a FixtureError the state is as it was."""
        fresh = Backend(spec=self._spec)
        apply_fixtures(fresh, data, source=source)
        loaded = fresh.snapshot()
        with self._lock:
            # An automatic id given later must not be one the loaded records carry.
            ids = (
                int(record_id)
                for (record_id,) in fresh._db.execute(
                    "SELECT id FROM groups UNION ALL SELECT device_id FROM devices"
                )
            )
            next_id = max([self._next_id, loaded.next_id, *(i + 1 for i in ids)])
            self.restore(
                BackendSnapshot(
                    loaded.data,
                    loaded.user_count,
                    loaded.device_count,
                    loaded.group_count,
                    loaded.next_position,
                    next_id,
                )
            )
        fresh.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> BackendSnapshot:
        """The whole state now, immutable (the database's bytes)."""
        with self._lock:
            self._save_counters()
            users, devices, groups = self._db.execute(
                "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM devices), "
                "(SELECT coalesce(sum(total), 0) FROM listing_totals)"
            ).fetchone()
            return BackendSnapshot(
                self._db.serialize(),
                users,
                devices,
                groups,
                self._next_position,
                self._next_id,
            )

    def restore(self, snapshot: BackendSnapshot) -> None:
        """Put the state of `snapshot` back, whole. Paging cursors issued before are refused
        from now on (a new generation): they hold places in the state they were issued for."""
        with self._lock:
            source = sqlite3.connect(":memory:")
            try:
                source.deserialize(snapshot.data)
                source.backup(self._db)
            finally:
                source.close()
            self._next_position = snapshot.next_position
            self._next_id = snapshot.next_id
            self._save_counters()
            self._load_user_refs()
            self._listings.clear()
            self._generation += 1

    @property
    def generation(self) -> int:
        """How many times the state was restored; the paging cursors carry it."""
        return self._generation

    @contextmanager
    def changes_discarded(self) -> Iterator[None]:
        """Whatever the block changes is undone at its end (the records; ids and places given
        meanwhile stay used, and cursors stay valid): a server that answers a write it never
        makes (a fault)."""
        with self._lock:
            self._db.execute("SAVEPOINT discarded")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                self._db.execute("ROLLBACK TO discarded")
                self._db.execute("RELEASE discarded")
                self._save_counters()
                self._load_user_refs()
                self._listings.clear()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write: all of it or (on an exception) none of it. Nests (a savepoint)."""
        with self._lock:
            name = f"write{self._depth}"
            self._db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            # Whatever the write does (or undoes), the pages kept show the state before it.
            self._listings.clear()
            try:
                yield self._db
            except BaseException:
                self._depth -= 1
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
                self._load_user_refs()
                raise
            self._depth -= 1
            if self._depth == 0:
                self._save_counters()
            self._db.execute(f"RELEASE {name}")

    def _meta(self, key: str, default: object) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def _save_counters(self) -> None:
        # Ids and positions given stay used, a discarded change's too: kept with the state.
        self._db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('next_position', ?), ('next_id', ?)",
            (self._next_position, self._next_id),
        )

    def _load_user_refs(self) -> None:
        self._user_refs = dict(self._db.execute("SELECT id, ref FROM users"))

    def _take_positions(self, count: int = 1) -> int:
        first = self._next_position
        self._next_position += count
        return first

    def _take_ids(self, count: int = 1) -> int:
        first = self._next_id
        self._next_id += count
        return first

    # --- the tenant and its users -----------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        """The tenant (enterprise) every group belongs to."""
        with self._lock:
            return str(self._meta("tenant_id", DEFAULT_TENANT_ID))

    def set_tenant(self, tenant_id: str) -> None:
        if not (isinstance(tenant_id, str) and _DIGITS.fullmatch(tenant_id)):
            raise ValueError("tenantId must be a string of 1 to 32 digits")
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('tenant_id', ?)", (tenant_id,))

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        dept_id: str | None = None,
        dept_name: str | None = None,
        mobile: str | None = None,
    ) -> None:
        """Make `user_id` a user the tenant knows; the details given replace theirs."""
        _check_user_id(user_id)
        with self._transaction() as db:
            ref = self._user_ref(user_id)
            for column, value in (
                ("name", name),
                ("dept_id", dept_id),
                ("dept_name", dept_name),
                ("mobile", mobile),
            ):
                if value is not None:
                    db.execute(f"UPDATE users SET {column} = ? WHERE ref = ?", (value, ref))

    def users(self) -> list[str]:
        """The ids of the users the tenant knows, in the order they became known."""
        with self._lock:
            return [user_id for (user_id,) in self._db.execute("SELECT id FROM users ORDER BY ref")]

    def user(self, user_id: str) -> User | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, name, dept_id, dept_name, mobile FROM users WHERE id = ?", (user_id,)
            ).fetchone()
        return None if row is None else User(*row)

    def has_user(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._user_refs

    def _user_ref(self, user_id: str) -> int:
        """The user's row, made when the tenant does not know them yet (in a write)."""
        ref = self._user_refs.get(user_id)
        if ref is None:
            cursor = self._db.execute("INSERT INTO users (id) VALUES (?)", (user_id,))
            ref = self._user_refs[user_id] = int(cursor.lastrowid or 0)
        return ref

    # --- devices --------------------------------------------------------------------------

    def add_device(
        self,
        user_id: str,
        *,
        device_name: str,
        device_os: str = "android",
        machine_code: str | None = None,
        device_id: str | None = None,
        create_time: datetime | None = None,
        fields: Mapping[str, object] | None = None,
    ) -> Device:
        """`fields`: any other field the spec declares for a device, by its wire name."""
        _check_user_id(user_id)
        extra = self.device_fields.checked(fields or {}, "fields")
        with self._transaction():
            created = create_time or _now()
            device = Device(
                device_id=device_id or str(self._take_ids()),
                machine_code=machine_code or f"{created:%Y%m%d}",
                device_os=device_os,
                device_name=device_name,
                create_time=created,
                extra=extra,
            )
            if not _DIGITS.fullmatch(device.device_id):
                raise ValueError("device_id must be a string of digits")
            self._insert_devices(self._user_ref(user_id), [device])
            return device

    def _insert_devices(self, user_ref: int, devices: Iterable[Device]) -> None:
        self._db.executemany(
            "INSERT INTO devices (user_ref, device_id, machine_code, device_os, device_name, "
            "create_ms, extra) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    user_ref,
                    d.device_id,
                    d.machine_code,
                    d.device_os,
                    d.device_name,
                    _ms(d.create_time),
                    _extra_text(d.extra),
                )
                for d in devices
            ),
        )

    def remove_device(self, user_id: str, device_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM devices WHERE user_ref = ? AND device_id = ?",
                (self._user_refs.get(user_id), device_id),
            )

    def devices(self, user_id: str) -> list[Device]:
        """The user's devices; an unknown user simply has none."""
        with self._lock:
            rows = self._db.execute(
                "SELECT device_id, machine_code, device_os, device_name, create_ms, extra "
                "FROM devices WHERE user_ref = ? ORDER BY ref",
                (self._user_refs.get(user_id),),
            ).fetchall()
        return [_device(row) for row in rows]

    def listed_devices(self, user_id: str) -> list[Fragment]:
        """The user's devices as their listing sends them (each one's JSON text), kept
        until the state changes."""

        def find() -> list[Fragment]:
            return [device.wire() for device in self.devices(user_id)]

        return self.kept(("devices", user_id), find)

    def bind_device(
        self,
        user_id: str,
        *,
        machine_code: str,
        device_name: str | None,
        device_os: str | None,
        now: datetime,
    ) -> Device:
        """The user's device with `machine_code`, its name and OS set to those given: the one
        bound already (it keeps its id, place and time), or a new one created `now`."""
        name = device_name if device_name is not None else machine_code
        system = device_os if device_os is not None else UNKNOWN_DEVICE_OS
        with self._transaction() as db:
            user_ref = self._user_ref(user_id)
            row = db.execute(
                "SELECT ref FROM devices WHERE user_ref = ? AND machine_code = ? ORDER BY ref",
                (user_ref, machine_code),
            ).fetchone()
            if row is None:
                return self.add_device(
                    user_id,
                    device_name=name,
                    device_os=system,
                    machine_code=machine_code,
                    create_time=_to_millisecond(now),
                )
            db.execute(
                "UPDATE devices SET device_name = ?, device_os = ? WHERE ref = ?",
                (name, system, row[0]),
            )
            return _device(
                db.execute(
                    "SELECT device_id, machine_code, device_os, device_name, create_ms, extra "
                    "FROM devices WHERE ref = ?",
                    row,
                ).fetchone()
            )

    def unbind_device(self, user_id: str, device_id: str) -> Device:
        """Remove the user's device `device_id`; the device as it was. RecordNotFound unless
        the user has it."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT ref, device_id, machine_code, device_os, device_name, create_ms, extra "
                "FROM devices WHERE user_ref = ? AND device_id = ? ORDER BY ref",
                (self._user_refs.get(user_id), device_id),
            ).fetchone()
            if row is None:
                raise RecordNotFound(f"user {user_id} has no device {device_id}")
            db.execute("DELETE FROM devices WHERE ref = ?", (row[0],))
            return _device(row[1:])

    # --- groups: seeding ------------------------------------------------------------------

    def seed_synthetic(
        self, user_id: str, *, groups: int = 0, devices: int = 0, members: int = 0, seed: int = 0
    ) -> None:
        """Add `groups` and `devices` generated records to `user_id`, who owns the groups;
        `members`: that many memberships of generated users (named "Member 1", ...; role
        member) spread evenly over those groups (`synthetic.synthetic_memberships`)."""
        _check_user_id(user_id)
        users = member_count(members, groups)  # also refuses members without groups
        with self._transaction() as db:
            user_ref = self._user_ref(user_id)
            first = self._take_ids(devices + groups + users)
            self._insert_devices(user_ref, synthetic_devices(devices, seed=seed, first_id=first))
            (last_ref,) = db.execute("SELECT coalesce(max(ref), 0) FROM groups").fetchone()
            db.executemany(
                "INSERT INTO groups (ref, id, group_name, owner_ref, source_type, created_ms, "
                "updated_ms, member_count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                (
                    (
                        last_ref + 1 + index,
                        group.id,
                        group.group_name,
                        user_ref,
                        group.source_type,
                        _ms(group.created_time),
                        _ms(group.updated_time),
                    )
                    for index, group in enumerate(
                        synthetic_groups(user_id, groups, seed=seed, first_id=first + devices)
                    )
                ),
            )
            # Each generated group's one member, its owner, in the groups' order.
            first_position = self._take_positions(groups)
            db.execute(
                "INSERT INTO memberships (position, user_ref, group_ref, source_type, role, top, "
                "created_ms, updated_ms) SELECT ? + ref - ?, ?, ref, source_type, ?, 0, "
                "created_ms, created_ms FROM groups WHERE ref > ? ORDER BY ref",
                (first_position, last_ref + 1, user_ref, Role.OWNER, last_ref),
            )
            for source_type, count in db.execute(
                "SELECT source_type, count(*) FROM groups WHERE ref > ? GROUP BY source_type",
                (last_ref,),
            ).fetchall():
                self._count_listing(user_ref, source_type, count)
            if members:
                self._seed_members(members, groups, last_ref, first + devices + groups)

    def _seed_members(self, members: int, groups: int, last_ref: int, first_id: int) -> None:
        """`members` memberships of new users (ids from `first_id`) over the `groups` groups
        after `last_ref`, joined a second after each group was made, in one pass."""
        db = self._db
        refs = [
            self._user_ref(str(first_id + index)) for index in range(member_count(members, groups))
        ]
        db.executemany(
            "UPDATE users SET name = ? WHERE ref = ?",
            ((f"Member {index + 1}", ref) for index, ref in enumerate(refs)),
        )
        seeded = db.execute(
            "SELECT ref, source_type, created_ms + 1000 FROM groups WHERE ref > ? ORDER BY ref",
            (last_ref,),
        ).fetchall()
        first_position = self._take_positions(members)
        db.executemany(
            "INSERT INTO memberships VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            (
                (first_position + index, refs[member], *seeded[group][:2], Role.MEMBER)
                + (seeded[group][2],) * 2
                for index, (member, group) in enumerate(synthetic_memberships(members, groups))
            ),
        )
        db.execute(
            "UPDATE groups SET member_count = member_count + (SELECT count(*) FROM memberships "
            "m WHERE m.group_ref = groups.ref AND m.position >= ?) WHERE ref > ?",
            (first_position, last_ref),
        )
        for member_ref, source_type, count in db.execute(
            "SELECT user_ref, source_type, count(*) FROM memberships WHERE position >= ? "
            "GROUP BY user_ref, source_type",
            (first_position,),
        ).fetchall():
            self._count_listing(member_ref, source_type, count)

    def add_group(
        self,
        user_id: str,
        *,
        group_name: str,
        source_type: SourceType | int = SourceType.GROUP,
        group_id: str | None = None,
        owner_id: str | None = None,
        created_time: datetime | None = None,
        updated_time: datetime | None = None,
        fields: Mapping[str, object] | None = None,
        icon_url: str | None = None,
    ) -> Group:
        """Put a group in the user's listing (after every group there): a new group, whose
        owner (`owner_id`, default the user) joins it first, or, for a `group_id` that
        exists, that group, which the user joins. `fields`: any other field the spec
        declares for a group, by its wire name."""
        _check_user_id(user_id)
        extra = self.group_fields.checked(fields or {}, "fields")
        with self._transaction() as db:
            existing = None if group_id is None else self._group_row(group_id)
            if existing is not None:
                group = self._group(existing.ref)
                if self._membership(self._user_ref(user_id), existing.ref) is not None:
                    raise ValueError(f"user {user_id} already has a group with id {group_id}")
                given = {
                    "groupName": (group.group_name, group_name),
                    "sourceType": (group.source_type, SourceType(source_type)),
                    "ownerId": (group.owner_id, owner_id or group.owner_id),
                    "createdTime": (group.created_time, created_time or group.created_time),
                    "updatedTime": (group.updated_time, updated_time or group.updated_time),
                    "iconUrl": (group.icon_url, icon_url or group.icon_url),
                }
                differ = [name for name, (kept, sent) in given.items() if kept != sent]
                if differ:
                    raise ValueError(
                        f"group {group_id} is given twice with another {', '.join(differ)}"
                    )
                self._join(self._user_ref(user_id), existing, Role.MEMBER, group.created_time)
                return group
            created = created_time or _now()
            owner = owner_id or user_id
            new_id = group_id or str(self._take_ids())
            if not (_DIGITS.fullmatch(new_id) and _DIGITS.fullmatch(owner)):
                raise ValueError("group_id and owner_id must be strings of digits")
            owner_ref = self._user_ref(owner)
            cursor = db.execute(
                "INSERT INTO groups (id, group_name, owner_ref, source_type, icon_url, "
                "created_ms, updated_ms, extra, member_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    new_id,
                    group_name,
                    owner_ref,
                    SourceType(source_type),
                    icon_url,
                    _ms(created),
                    _ms(updated_time or created),
                    _extra_text(extra),
                ),
            )
            row = _GroupRow(
                int(cursor.lastrowid or 0), new_id, owner_ref, SourceType(source_type), 0
            )
            self._join(owner_ref, row, Role.OWNER, created)
            if owner != user_id:
                self._join(
                    self._user_ref(user_id), self._group_row_by_ref(row.ref), Role.MEMBER, created
                )
            return self._group(row.ref)

    def put_member(
        self,
        group_id: str,
        user_id: str,
        *,
        role: Role | int | None = None,
        top: bool = False,
        created_time: datetime | None = None,
        updated_time: datetime | None = None,
    ) -> Member:
        """Make `user_id` a member of group `group_id` (joining last, now or at
        `created_time`), or set the role, pin and times of the member they are. `role`:
        0 for the owner (and the owner only), else 1 or 2 (default)."""
        _check_user_id(user_id)
        with self._transaction() as db:
            group = self._group_row(group_id)
            if group is None:
                raise ValueError(f"there is no group {group_id}")
            user_ref = self._user_ref(user_id)
            is_owner = user_ref == group.owner_ref
            wanted = Role(role) if role is not None else (Role.OWNER if is_owner else Role.MEMBER)
            if (wanted is Role.OWNER) != is_owner:
                raise ValueError(
                    f"user {user_id} cannot have role {int(wanted)} in group {group_id}: "
                    "its owner, and only its owner, has role 0"
                )
            membership = self._membership(user_ref, group.ref)
            joined = created_time or _now()
            if membership is None:
                self._join(user_ref, group, wanted, joined)
                membership = self._membership(user_ref, group.ref)
                assert membership is not None
            changes: dict[str, object] = {"role": int(wanted), "top": int(top)}
            if created_time is not None:
                changes["created_ms"] = _ms(created_time)
            changes["updated_ms"] = _ms(updated_time or created_time or joined)
            db.execute(
                "UPDATE memberships SET "
                + ", ".join(f"{column} = ?" for column in changes)
                + " WHERE position = ?",
                (*changes.values(), membership.position),
            )
            return self._member(membership.position)

    def remove_group(self, user_id: str, group_id: str) -> None:
        """End the user's membership of the group (its owner's ends the group).
        KeyError when the user is no member of it."""
        with self._transaction():
            group = self._group_row(group_id)
            user_ref = self._user_refs.get(user_id)
            membership = (
                None if group is None or user_ref is None else self._membership(user_ref, group.ref)
            )
            if group is None or membership is None:
                raise KeyError(f"user {user_id} has no group with id {group_id}")
            if membership.role is Role.OWNER:
                self._delete_group(group)
            else:
                self._leave(membership, group)

    # --- groups: reads --------------------------------------------------------------------

    def groups(
        self,
        user_id: str,
        source_type: SourceType | int | None = None,
        group_name: str | None = None,
    ) -> list[Group]:
        """The user's groups in list order, optionally filtered like the API filters."""
        where, arguments = "m.user_ref = ?", [cast(object, self._user_refs.get(user_id))]
        if source_type is not None:
            where += " AND m.source_type = ?"
            arguments.append(int(source_type))
        if group_name is not None:
            where += " AND folded_contains(g.group_name, ?)"
            arguments.append(group_name.casefold())
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_GROUP_COLUMNS} FROM memberships m "
                "JOIN groups g ON g.ref = m.group_ref JOIN users o ON o.ref = g.owner_ref "
                f"WHERE {where} ORDER BY m.position",
                arguments,
            ).fetchall()
        return [_group(row) for row in rows]

    def find_groups(
        self,
        user_id: str,
        *,
        source_type: SourceType,
        group_name: str | None,
        after: int,
        limit: int,
        case_sensitive: bool = False,
    ) -> GroupSlice:
        """Up to `limit` matching groups the user joins positioned after `after`, plus
        whether more follow. `case_sensitive` plays a flawed server (a fault): the API
        compares without case."""
        with self._lock:
            return self._find_groups(
                _group, user_id, source_type, group_name, after, limit, case_sensitive
            )

    def listed_groups(
        self,
        user_id: str,
        *,
        source_type: SourceType,
        group_name: str | None,
        after: int,
        limit: int,
        case_sensitive: bool = False,
    ) -> Slice[Fragment]:
        """`find_groups`, each group as the listing sends it (its JSON text). The same page
        asked for again before the state changes is the one made then, not read and
        encoded again."""

        def find() -> Slice[Fragment]:
            return self._find_groups(
                _group_wire, user_id, source_type, group_name, after, limit, case_sensitive
            )

        key = ("groups", user_id, int(source_type), group_name, case_sensitive, after, limit)
        return self.kept(key, find)

    def kept(self, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
        """What `make` reads of the state, as kept by `key` since the last write (made or
        undone) or restore, or made now. `key` names everything else `make` depends on.
        Inside a write nothing is kept: its changes may yet be undone."""
        with self._lock:
            if self._depth:  # inside a write, whose changes may yet be undone: not kept
                return make()
            if key in self._listings:
                return cast(_T, self._listings[key])
            listing = make()
            if len(self._listings) >= _LISTINGS_KEPT:
                del self._listings[next(iter(self._listings))]  # the oldest
            self._listings[key] = listing
            return listing

    def _find_groups(
        self,
        make: Callable[[Sequence[Any]], _T],
        user_id: str,
        source_type: SourceType,
        group_name: str | None,
        after: int,
        limit: int,
        case_sensitive: bool,
    ) -> Slice[_T]:
        """The query of find_groups, each row made into a record by `make`; under the lock."""
        user_ref = self._user_refs.get(user_id)
        if user_ref is None:
            return Slice([], has_more=False, total=0)
        base = "FROM memberships m JOIN groups g ON g.ref = m.group_ref "
        where = "WHERE m.user_ref = ? AND m.source_type = ?"
        arguments: list[object] = [user_ref, int(source_type)]
        if group_name is not None:
            if case_sensitive:
                where += " AND instr(g.group_name, ?) > 0"
                arguments.append(group_name)
            else:
                where += " AND folded_contains(g.group_name, ?)"
                arguments.append(group_name.casefold())
            (total,) = self._db.execute(f"SELECT count(*) {base}{where}", arguments).fetchone()
        else:
            total = self._listing_total(user_ref, source_type)
        rows = self._db.execute(
            f"SELECT m.position, {_GROUP_COLUMNS} {base}JOIN users o ON o.ref = g.owner_ref "
            f"{where} AND m.position > ? ORDER BY m.position LIMIT ?",
            (*arguments, after, limit + 1),
        ).fetchall()
        items = [(row[0], make(row[1:])) for row in rows[:limit]]
        return Slice(items, len(rows) > limit, total)

    def group_detail(self, user_id: str, group_id: str, source_type: SourceType | int) -> Group:
        """The group, as a member reads it. RecordNotFound unless `user_id` is a member and
        the group is of `source_type` (groups are looked up among those of that kind)."""
        with self._lock:
            group, _ = self._as_member(user_id, group_id)
            if group.source_type != source_type:
                raise RecordNotFound(f"user {user_id} has no group {group_id} of that kind")
            return self._group(group.ref)

    def find_members(
        self,
        user_id: str,
        group_id: str,
        *,
        user_name: str | None,
        offset: int,
        limit: int,
    ) -> MemberSlice:
        """Up to `limit` members of the group after the first `offset`, in the order they
        joined (the owner first), and how many match in all; `user_name`: only those whose
        name contains it, ignoring case. RecordNotFound unless `user_id` is a member."""
        with self._lock:
            group, _ = self._as_member(user_id, group_id)
            base = "FROM memberships m JOIN users u ON u.ref = m.user_ref WHERE m.group_ref = ?"
            arguments: list[object] = [group.ref]
            if user_name is not None:
                base += " AND folded_contains(u.name, ?)"
                arguments.append(user_name.casefold())
                (total,) = self._db.execute(f"SELECT count(*) {base}", arguments).fetchone()
            else:
                total = group.member_count
            rows = self._db.execute(
                f"SELECT m.position, {_MEMBER_COLUMNS} {base} "
                "ORDER BY m.role != 0, m.position LIMIT ? OFFSET ?",
                (*arguments, limit + 1, offset),
            ).fetchall()
        items = [(row[0], _member(row[1:])) for row in rows[:limit]]
        return MemberSlice(items, len(rows) > limit, total)

    def members(self, group_id: str) -> list[Member]:
        """Every member of the group, in the order they joined (the owner first)."""
        with self._lock:
            group = self._group_row(group_id)
            if group is None:
                return []
            rows = self._db.execute(
                f"SELECT {_MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.ref = m.user_ref "
                "WHERE m.group_ref = ? ORDER BY m.role != 0, m.position",
                (group.ref,),
            ).fetchall()
        return [_member(row) for row in rows]

    # --- groups: the API's writes -----------------------------------------------------------

    def create_group(
        self,
        user_id: str,
        *,
        group_name: str,
        source_type: SourceType | int,
        now: datetime,
        limit: int | None = None,
    ) -> Group:
        """A new group owned by `user_id`, its one member, created and updated `now`;
        LimitReached when the user already joins `limit` groups."""
        with self._transaction():
            joined = self._joined(self._user_ref(user_id))
            if limit is not None and joined >= limit:
                raise LimitReached(
                    f"a user joins at most {limit} groups, and user {user_id} joins {joined}"
                )
            moment = _to_millisecond(now)
            return self.add_group(
                user_id,
                group_name=group_name,
                source_type=source_type,
                created_time=moment,
                updated_time=moment,
            )

    def update_group(
        self,
        user_id: str,
        group_id: str,
        *,
        group_name: str,
        source_type: SourceType | int,
        now: datetime,
        owner_only: bool = True,
        icon_url: str | None = None,
        top: bool | None = None,
        member_id: str | None = None,
        role: Role | int | None = None,
    ) -> Group:
        """Rename group `group_id`, set its kind (it moves to that listing, keeping its
        place in each) and, when given, its icon, the caller's pin (`top`) and the role of
        member `member_id`; the group updated `now`. RecordNotFound unless `user_id` is a
        member (and `member_id` too); Forbidden unless they are its owner or an
        administrator, and its owner to change a role (`owner_only` False: a flawed server
        that checks none of this)."""
        moment = _to_millisecond(now)
        with self._transaction() as db:
            caller: _Membership | None
            if owner_only:
                group, member = self._as_member(user_id, group_id)
                if member.role is Role.MEMBER:
                    raise Forbidden(
                        f"only the group's owner and administrators may modify group {group_id}"
                    )
                caller = member
            else:
                # A server that checks no role looks a group up by its id alone: any user may
                # change any group, one they are no member of too.
                found = self._group_row(group_id)
                if found is None:
                    raise RecordNotFound(f"there is no group {group_id}")
                group, caller = found, self._membership(self._user_ref(user_id), found.ref)
            target = None
            if member_id is not None and role is not None:
                target = self._membership(self._user_refs.get(member_id, -1), group.ref)
                if target is None:
                    raise RecordNotFound(f"user {member_id} is no member of group {group_id}")
                if owner_only and caller is not None and caller.role is not Role.OWNER:
                    raise Forbidden(f"only the group's owner may change a role in {group_id}")
                if target.role is Role.OWNER:
                    raise InvalidWrite(
                        f"user {member_id} owns group {group_id}: the owner's role is 0 and "
                        "does not change (a group has one owner)"
                    )
            kind = SourceType(source_type)
            db.execute(
                "UPDATE groups SET group_name = ?, source_type = ?, updated_ms = ?, "
                "icon_url = coalesce(?, icon_url) WHERE ref = ?",
                (group_name, kind, _ms(moment), icon_url, group.ref),
            )
            if kind != group.source_type:
                self._move(group, kind)
            if target is not None and role is not None and target.role != role:
                self._change_membership(target, "role", int(Role(role)), moment)
            if top is not None and caller is not None and caller.top != top:
                self._change_membership(caller, "top", int(top), moment)
            return self._group(group.ref)

    def delete_group(self, user_id: str, group_id: str, *, owner_only: bool = True) -> Group:
        """Delete group `group_id`, ending every membership; the group as it was.
        RecordNotFound unless `user_id` is a member; NotOwner unless they own it (see
        update_group)."""
        with self._transaction():
            if owner_only:
                group, caller = self._as_member(user_id, group_id)
                if caller.role is not Role.OWNER:
                    raise NotOwner(f"group {group_id} is owned by another user")
            else:
                found = self._group_row(group_id)
                if found is None:
                    raise RecordNotFound(f"there is no group {group_id}")
                group = found
            deleted = self._group(group.ref)
            self._delete_group(group)
            return deleted

    def add_members(
        self,
        user_id: str,
        group_id: str,
        user_ids: Sequence[str],
        *,
        now: datetime,
        limit_per_group: int | None,
        limit_per_user: int | None,
    ) -> BatchResult:
        """Add each of `user_ids` to the group as a member (role 2) joined `now`, in one
        transaction. A member already counts as added, unchanged. Fails (listed, nothing
        else changes for them): a user the tenant does not know, one who joins
        `limit_per_user` groups already, any once the group has `limit_per_group` members.
        RecordNotFound unless `user_id` is a member; Forbidden unless owner or
        administrator."""
        named = list(dict.fromkeys(user_ids))
        moment = _to_millisecond(now)
        failed = []
        with self._transaction():
            group, caller = self._as_member(user_id, group_id)
            if caller.role is Role.MEMBER:
                raise Forbidden(
                    f"only the group's owner and administrators may add members to {group_id}"
                )
            members = group.member_count
            for named_id in named:
                user_ref = self._user_refs.get(named_id)
                if user_ref is None:
                    failed.append(named_id)  # the tenant has no such user
                elif self._membership(user_ref, group.ref) is not None:
                    continue  # a member already: added, unchanged
                elif limit_per_group is not None and members >= limit_per_group:
                    failed.append(named_id)  # the group is full
                elif limit_per_user is not None and self._joined(user_ref) >= limit_per_user:
                    failed.append(named_id)  # the user joins as many groups as one may
                else:
                    self._join(user_ref, self._group_row_by_ref(group.ref), Role.MEMBER, moment)
                    members += 1
        return BatchResult(tuple(failed), len(named))

    def remove_members(self, user_id: str, group_id: str, user_ids: Sequence[str]) -> BatchResult:
        """Remove each of `user_ids` from the group, in one transaction. A user who is no
        member counts as removed. Fails (listed): a user the tenant does not know, the
        owner. RecordNotFound unless `user_id` is a member; Forbidden unless owner or
        administrator, or a member who names themself alone (leaving)."""
        named = list(dict.fromkeys(user_ids))
        failed = []
        with self._transaction():
            group, caller = self._as_member(user_id, group_id)
            if caller.role is Role.MEMBER and named != [user_id]:
                raise Forbidden(
                    f"only the group's owner and administrators may remove other members "
                    f"from {group_id}; a member may remove themself"
                )
            for named_id in named:
                user_ref = self._user_refs.get(named_id)
                membership = None if user_ref is None else self._membership(user_ref, group.ref)
                if user_ref is None:
                    failed.append(named_id)  # the tenant has no such user
                elif membership is None:
                    continue  # no member (any more): removed
                elif membership.role is Role.OWNER:
                    failed.append(named_id)  # the owner stays: delete the group instead
                else:
                    self._leave(membership, self._group_row_by_ref(group.ref))
        return BatchResult(tuple(failed), len(named))

    # --- groups: the rows -------------------------------------------------------------------

    def _group_row(self, group_id: str) -> _GroupRow | None:
        row = self._db.execute(
            "SELECT ref, id, owner_ref, source_type, member_count FROM groups WHERE id = ?",
            (group_id,),
        ).fetchone()
        return (
            None if row is None else _GroupRow(row[0], row[1], row[2], SourceType(row[3]), row[4])
        )

    def _group_row_by_ref(self, ref: int) -> _GroupRow:
        row = self._db.execute(
            "SELECT ref, id, owner_ref, source_type, member_count FROM groups WHERE ref = ?",
            (ref,),
        ).fetchone()
        return _GroupRow(row[0], row[1], row[2], SourceType(row[3]), row[4])

    def _group(self, ref: int) -> Group:
        return _group(
            self._db.execute(
                f"SELECT {_GROUP_COLUMNS} FROM groups g JOIN users o ON o.ref = g.owner_ref "
                "WHERE g.ref = ?",
                (ref,),
            ).fetchone()
        )

    def _member(self, position: int) -> Member:
        return _member(
            self._db.execute(
                f"SELECT {_MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.ref = m.user_ref "
                "WHERE m.position = ?",
                (position,),
            ).fetchone()
        )

    def _membership(self, user_ref: int | None, group_ref: int) -> _Membership | None:
        # The group's members (the `members` index, at most a group's capacity), not the
        # user's listing, which may hold a million groups.
        row = self._db.execute(
            "SELECT position, user_ref, group_ref, role, top FROM memberships "
            "WHERE group_ref = ? AND user_ref = ?",
            (group_ref, user_ref),
        ).fetchone()
        return (
            None if row is None else _Membership(row[0], row[1], row[2], Role(row[3]), bool(row[4]))
        )

    def _as_member(self, user_id: str, group_id: str) -> tuple[_GroupRow, _Membership]:
        """The group and the user's membership; RecordNotFound when they are no member (a
        group's existence is not disclosed to others)."""
        group = self._group_row(group_id)
        user_ref = self._user_refs.get(user_id)
        membership = (
            None if group is None or user_ref is None else self._membership(user_ref, group.ref)
        )
        if group is None or membership is None:
            raise RecordNotFound(f"user {user_id} has no group {group_id}")
        return group, membership

    def _joined(self, user_ref: int) -> int:
        (joined,) = self._db.execute(
            "SELECT coalesce(sum(total), 0) FROM listing_totals WHERE user_ref = ?", (user_ref,)
        ).fetchone()
        return int(joined)

    def _listing_total(self, user_ref: int, source_type: SourceType | int) -> int:
        row = self._db.execute(
            "SELECT total FROM listing_totals WHERE user_ref = ? AND source_type = ?",
            (user_ref, int(source_type)),
        ).fetchone()
        return 0 if row is None else int(row[0])

    def _count_listing(self, user_ref: int, source_type: SourceType | int, change: int) -> None:
        self._db.execute(
            "INSERT INTO listing_totals VALUES (?, ?, ?) "
            "ON CONFLICT (user_ref, source_type) DO UPDATE SET total = total + excluded.total",
            (user_ref, int(source_type), change),
        )

    def _join(self, user_ref: int, group: _GroupRow, role: Role, joined: datetime) -> None:
        at = _ms(joined)
        self._db.execute(
            "INSERT INTO memberships VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            (self._take_positions(), user_ref, group.ref, group.source_type, int(role), at, at),
        )
        self._db.execute(
            "UPDATE groups SET member_count = member_count + 1 WHERE ref = ?", (group.ref,)
        )
        self._count_listing(user_ref, group.source_type, 1)

    def _leave(self, membership: _Membership, group: _GroupRow) -> None:
        self._db.execute("DELETE FROM memberships WHERE position = ?", (membership.position,))
        self._db.execute(
            "UPDATE groups SET member_count = member_count - 1 WHERE ref = ?", (group.ref,)
        )
        self._count_listing(membership.user_ref, group.source_type, -1)

    def _delete_group(self, group: _GroupRow) -> None:
        for (user_ref,) in self._db.execute(
            "SELECT user_ref FROM memberships WHERE group_ref = ?", (group.ref,)
        ).fetchall():
            self._count_listing(user_ref, group.source_type, -1)
        self._db.execute("DELETE FROM memberships WHERE group_ref = ?", (group.ref,))
        self._db.execute("DELETE FROM groups WHERE ref = ?", (group.ref,))

    def _move(self, group: _GroupRow, kind: SourceType) -> None:
        """The group's memberships to the listings of `kind`, each keeping its position."""
        for (user_ref,) in self._db.execute(
            "SELECT user_ref FROM memberships WHERE group_ref = ?", (group.ref,)
        ).fetchall():
            self._count_listing(user_ref, group.source_type, -1)
            self._count_listing(user_ref, kind, 1)
        self._db.execute(
            "UPDATE memberships SET source_type = ? WHERE group_ref = ?", (kind, group.ref)
        )

    def _change_membership(
        self, membership: _Membership, column: str, value: int, moment: datetime
    ) -> None:
        assert column in ("role", "top")
        self._db.execute(
            f"UPDATE memberships SET {column} = ?, updated_ms = max(created_ms, ?) "
            "WHERE position = ?",
            (value, _ms(moment), membership.position),
        )

    # --- fixtures -----------------------------------------------------------------------

    def to_fixtures(self) -> dict[str, Any]:
        """The state as a fixtures document (docs/emulator.md, "Fixtures"; the API's field
        names): loading it gives the same tenant, users, devices, groups and memberships,
        each listing and each group's members in the same order, with their ids and times.
        Each user lists the groups they join; a group's entry under its owner holds its
        `members`."""
        with self._lock:
            users = [
                User(*row)
                for row in self._db.execute(
                    "SELECT id, name, dept_id, dept_name, mobile FROM users ORDER BY ref"
                )
            ]
            document: dict[str, Any] = {"tenantId": self.tenant_id, "users": []}
            for user in users:
                entry: dict[str, Any] = {"id": user.user_id, **user.details_json()}
                entry["devices"] = [device.to_json() for device in self.devices(user.user_id)]
                groups = []
                for group in self.groups(user.user_id):
                    listed = {**group.to_json(), "sourceType": int(group.source_type)}
                    if group.icon_url is not None:
                        listed["iconUrl"] = group.icon_url
                    if group.owner_id == user.user_id:
                        listed["members"] = [
                            member.fixture_json() for member in self.members(group.id)
                        ]
                    groups.append(listed)
                entry["groups"] = groups
                document["users"].append(entry)
            return document

    def __repr__(self) -> str:
        with self._lock:
            return f"Backend(users={len(self._user_refs)})"


def _to_millisecond(moment: datetime) -> datetime:
    """`moment` as the API keeps times: aware UTC, to the millisecond."""
    if moment.tzinfo is None:
        raise ValueError("a record's time must be an aware datetime")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _check_user_id(user_id: str) -> None:
    if not (isinstance(user_id, str) and _DIGITS.fullmatch(user_id)):
        raise ValueError("user_id must be a string of 1 to 32 digits")
