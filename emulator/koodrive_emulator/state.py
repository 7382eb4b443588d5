"""Per-user state (devices and groups), plain Python with no HTTP in sight.

Groups are kept in the order they were added (fixture order, then synthetic ones, then
those added through the API); each gets a position that never changes. Paging cursors hold
a position, so adding or removing groups between two pages neither skips nor repeats any
other group: a group added while a client pages appears in a later page of the same walk
when it matches the walk's filters.

`Backend.snapshot()` takes the whole state as an immutable `BackendSnapshot` that shares
the (frozen) records, and `Backend.restore(snapshot)` puts it back: cheap enough for an
emulator to keep its start state and reset to it. A restore starts a new generation of
the state, which the paging cursors carry: a cursor issued before it is refused, never
read against the other state.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from koodrive_spec.reader import Spec

from koodrive_emulator.fixtures import (
    FixtureError,
    apply_fixtures,
    load_default_fixtures,
    load_fixtures_file,
)
from koodrive_emulator.models import Device, Group, SourceType
from koodrive_emulator.records import device_fields, group_fields
from koodrive_emulator.synthetic import synthetic_devices, synthetic_groups

_FIRST_GENERATED_ID = 1_900_000_000_000_000_000
# The spec's decision on a device bound without a name or an OS (x-koodrive-decisions, "A
# machine code bound twice"): listed with its machine code as its name, and this OS.
UNKNOWN_DEVICE_OS = "unknown"
_DIGITS = re.compile("[0-9]{1,32}")


class WriteRefused(Exception):
    """A write the state does not make; `str(error)` says why, safe to send."""


class RecordNotFound(WriteRefused):
    """The record is not one the user sees (or does not exist at all)."""


class NotOwner(WriteRefused):
    """The user sees the record but does not own it, and only its owner may change it."""


class LimitReached(WriteRefused):
    """The user has as many records of the kind as one may have."""


@dataclass(frozen=True, slots=True)
class _Entry:
    position: int
    group: Group
    folded_name: str


@dataclass(slots=True)
class _GroupList:
    """Groups of one source type, by position; `positions` mirrors `entries` for bisect."""

    entries: list[_Entry] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)


@dataclass
class UserState:
    user_id: str
    devices: list[Device] = field(default_factory=list)
    groups: dict[SourceType, _GroupList] = field(
        default_factory=lambda: {kind: _GroupList() for kind in SourceType}
    )
    group_ids: set[str] = field(default_factory=set)


_T = TypeVar("_T")


@dataclass(frozen=True)
class Slice(Generic[_T]):
    """What one page query finds: the records (with their positions), whether more follow,
    and how many match in all. The pager reads it; it knows nothing of groups."""

    items: list[tuple[int, _T]]
    has_more: bool
    total: int


GroupSlice = Slice[Group]


@dataclass(frozen=True, slots=True)
class _UserSnapshot:
    user_id: str
    devices: tuple[Device, ...]
    groups: tuple[tuple[SourceType, tuple[_Entry, ...]], ...]


@dataclass(frozen=True)
class BackendSnapshot:
    """The whole state of a Backend at one moment. Immutable; it shares the records (frozen
    themselves) with the backend, so taking one costs a copy of the lists, not of the data."""

    users: tuple[_UserSnapshot, ...]
    next_position: int
    next_id: int

    @property
    def device_count(self) -> int:
        return sum(len(user.devices) for user in self.users)

    @property
    def group_count(self) -> int:
        return sum(len(entries) for user in self.users for _, entries in user.groups)

    def to_fixtures(self) -> dict[str, Any]:
        """The state as a fixtures document (docs/emulator.md, "Fixtures"; the API's field
        names): loading it gives the same users, devices and groups, in the same order, with
        their ids and times."""
        users = []
        for user in self.users:
            entries = sorted(
                (entry for _, kind in user.groups for entry in kind), key=lambda e: e.position
            )
            users.append(
                {
                    "id": user.user_id,
                    "devices": [device.to_json() for device in user.devices],
                    "groups": [
                        {**entry.group.to_json(), "sourceType": int(entry.group.source_type)}
                        for entry in entries
                    ],
                }
            )
        return {"users": users}


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Backend:
    """All users' devices and groups. Thread-safe: the server reads while tests seed."""

    def __init__(self, *, spec: Spec | None = None) -> None:
        """`spec`: the spec whose item schemas declare the fields records may carry beyond
        those modelled here (default: the one shipped)."""
        spec = spec or Spec.packaged()
        self._spec = spec
        self.group_fields = group_fields(spec)
        self.device_fields = device_fields(spec)
        self._lock = threading.RLock()
        self._users: dict[str, UserState] = {}
        self._positions = itertools.count(1)
        self._ids = itertools.count(_FIRST_GENERATED_ID)
        self._generation = 0

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

    def load_fixtures(self, path: str | Path) -> None:
        load_fixtures_file(self, Path(path))

    def load_fixtures_data(self, data: Any, *, source: str = "fixtures") -> None:
        """Seed from already-parsed fixtures (the mapping a fixtures file holds). All or
        nothing: on a FixtureError the state is as it was."""
        with self._lock:
            before = self.snapshot()
            try:
                apply_fixtures(self, data, source=source)
            except FixtureError:
                self._put_back(before)  # the same generation: nothing happened
                raise

    def replace_with_fixtures(self, data: Any, *, source: str = "fixtures") -> None:
        """Replace the whole state with already-parsed fixtures (a restore of what
        `to_fixtures` gave, say). On a FixtureError the state is as it was."""
        fresh = Backend(spec=self._spec)
        apply_fixtures(fresh, data, source=source)
        loaded = fresh.snapshot()
        with self._lock:
            # An automatic id given later must not be one the loaded records carry.
            ids = [
                int(record_id)
                for user in loaded.users
                for record_id in itertools.chain(
                    (d.device_id for d in user.devices),
                    (e.group.id for _, kind in user.groups for e in kind),
                )
            ]
            next_id = max([self._peek_id(), loaded.next_id, *(i + 1 for i in ids)])
            self.restore(BackendSnapshot(loaded.users, loaded.next_position, next_id))

    def to_fixtures(self) -> dict[str, Any]:
        """The whole state as a fixtures document; see BackendSnapshot.to_fixtures."""
        return self.snapshot().to_fixtures()

    # --- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> BackendSnapshot:
        """The whole state now, immutable (a copy of the lists; the records are shared)."""
        with self._lock:
            next_position = next(self._positions)
            self._positions = itertools.count(next_position)
            return BackendSnapshot(
                tuple(
                    _UserSnapshot(
                        state.user_id,
                        tuple(state.devices),
                        tuple((kind, tuple(state.groups[kind].entries)) for kind in SourceType),
                    )
                    for state in self._users.values()
                ),
                next_position,
                self._peek_id(),
            )

    def restore(self, snapshot: BackendSnapshot) -> None:
        """Put the state of `snapshot` back, whole. Paging cursors issued before are refused
        from now on (a new generation): they hold places in the state they were issued for."""
        with self._lock:
            self._put_back(snapshot)
            self._generation += 1

    @property
    def generation(self) -> int:
        """How many times the state was restored; the paging cursors carry it."""
        return self._generation

    def _put_back(self, snapshot: BackendSnapshot) -> None:
        users = {}
        for user in snapshot.users:
            state = UserState(user.user_id, list(user.devices))
            for kind, entries in user.groups:
                state.groups[kind] = _GroupList(list(entries), [e.position for e in entries])
                state.group_ids.update(e.group.id for e in entries)
            users[user.user_id] = state
        self._users = users
        self._positions = itertools.count(snapshot.next_position)
        self._ids = itertools.count(snapshot.next_id)

    def _peek_id(self) -> int:
        next_id = next(self._ids)
        self._ids = itertools.count(next_id)
        return next_id

    def seed_synthetic(
        self, user_id: str, *, groups: int = 0, devices: int = 0, seed: int = 0
    ) -> None:
        """Add `groups` and `devices` generated records to `user_id` (100,000 in about a second)."""
        with self._lock:
            first = next(self._ids)
            for device in synthetic_devices(devices, seed=seed, first_id=first):
                self._add_device(user_id, device)
            for group in synthetic_groups(user_id, groups, seed=seed, first_id=first + devices):
                self._add_group(user_id, group)
            # Later automatic ids must not collide with the generated ones.
            self._ids = itertools.count(first + devices + groups)

    # --- users ----------------------------------------------------------------------------

    def add_user(self, user_id: str) -> None:
        _check_user_id(user_id)
        with self._lock:
            self._user(user_id)

    def users(self) -> list[str]:
        with self._lock:
            return list(self._users)

    def has_user(self, user_id: str) -> bool:
        with self._lock:
            return user_id in self._users

    def _user(self, user_id: str) -> UserState:
        state = self._users.get(user_id)
        if state is None:
            state = self._users[user_id] = UserState(user_id)
        return state

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
        with self._lock:
            created = create_time or _now()
            device = Device(
                device_id=device_id or str(next(self._ids)),
                machine_code=machine_code or f"{created:%Y%m%d}",
                device_os=device_os,
                device_name=device_name,
                create_time=created,
                extra=extra,
            )
            if not _DIGITS.fullmatch(device.device_id):
                raise ValueError("device_id must be a string of digits")
            self._add_device(user_id, device)
            return device

    def _add_device(self, user_id: str, device: Device) -> None:
        self._user(user_id).devices.append(device)

    def remove_device(self, user_id: str, device_id: str) -> None:
        with self._lock:
            state = self._user(user_id)
            state.devices = [d for d in state.devices if d.device_id != device_id]

    def devices(self, user_id: str) -> list[Device]:
        """The user's devices; an unknown user simply has none."""
        with self._lock:
            state = self._users.get(user_id)
            return list(state.devices) if state else []

    # --- groups ---------------------------------------------------------------------------

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
    ) -> Group:
        """Append a group to the user's list (it sorts after every existing group).
        `fields`: any other field the spec declares for a group, by its wire name."""
        _check_user_id(user_id)
        extra = self.group_fields.checked(fields or {}, "fields")
        with self._lock:
            created = created_time or _now()
            group = Group(
                id=group_id or str(next(self._ids)),
                group_name=group_name,
                owner_id=owner_id or user_id,
                created_time=created,
                updated_time=updated_time or created,
                source_type=SourceType(source_type),
                extra=extra,
            )
            if not (_DIGITS.fullmatch(group.id) and _DIGITS.fullmatch(group.owner_id)):
                raise ValueError("group_id and owner_id must be strings of digits")
            self._add_group(user_id, group)
            return group

    def _add_group(self, user_id: str, group: Group) -> None:
        state = self._user(user_id)
        if group.id in state.group_ids:
            raise ValueError(f"user {user_id} already has a group with id {group.id}")
        position = next(self._positions)
        groups = state.groups[group.source_type]
        groups.entries.append(_Entry(position, group, group.group_name.casefold()))
        groups.positions.append(position)
        state.group_ids.add(group.id)

    def remove_group(self, user_id: str, group_id: str) -> None:
        with self._lock:
            state = self._users.get(user_id)
            if state is None or group_id not in state.group_ids:
                raise KeyError(f"user {user_id} has no group with id {group_id}")
            state.group_ids.discard(group_id)
            for groups in state.groups.values():
                kept = [e for e in groups.entries if e.group.id != group_id]
                groups.entries[:] = kept
                groups.positions[:] = [e.position for e in kept]

    def groups(
        self,
        user_id: str,
        source_type: SourceType | int | None = None,
        group_name: str | None = None,
    ) -> list[Group]:
        """The user's groups in list order, optionally filtered like the API filters."""
        kinds = list(SourceType) if source_type is None else [SourceType(source_type)]
        needle = group_name.casefold() if group_name is not None else None
        with self._lock:
            state = self._users.get(user_id)
            if state is None:
                return []
            entries = sorted(
                (e for kind in kinds for e in state.groups[kind].entries),
                key=lambda e: e.position,
            )
        return [e.group for e in entries if needle is None or needle in e.folded_name]

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
        """Up to `limit` matching groups positioned after `after`, plus whether more follow.
        `case_sensitive` plays a flawed server (a fault): the API compares without case."""
        needle = group_name.casefold() if group_name is not None else None
        with self._lock:
            state = self._users.get(user_id)
            if state is None:
                return GroupSlice([], has_more=False, total=0)
            groups = state.groups[source_type]
            start = bisect.bisect_right(groups.positions, after)
            if needle is None:
                chosen = groups.entries[start : start + limit]
                has_more = start + limit < len(groups.entries)
                total = len(groups.entries)
            elif case_sensitive:
                assert group_name is not None
                hits = [e for e in groups.entries if group_name in e.group.group_name]
                total = len(hits)
                matches = (e for e in hits if e.position > after)
                chosen = list(itertools.islice(matches, limit))
                has_more = next(matches, None) is not None
            else:
                total = sum(1 for e in groups.entries if needle in e.folded_name)
                matches = (e for e in groups.entries[start:] if needle in e.folded_name)
                chosen = list(itertools.islice(matches, limit))
                has_more = next(matches, None) is not None
        return GroupSlice([(e.position, e.group) for e in chosen], has_more, total)

    # --- writes (the API's) ---------------------------------------------------------------

    def create_group(
        self,
        user_id: str,
        *,
        group_name: str,
        source_type: SourceType | int,
        now: datetime,
        limit: int | None = None,
    ) -> Group:
        """A new group owned by `user_id`, in its listing, created and updated `now`;
        LimitReached when the user already joins `limit` groups."""
        with self._lock:
            state = self._users.get(user_id)
            joined = len(state.group_ids) if state is not None else 0
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
    ) -> Group:
        """Rename group `group_id` (and move it to `source_type`'s listing) in every listing
        that holds it, updated `now`; it keeps its place. RecordNotFound unless `user_id`
        sees it; NotOwner unless `user_id` owns it (`owner_only` False: a flawed server)."""
        with self._lock:
            group = self._changeable_group(user_id, group_id, owner_only=owner_only)
            changed = dataclasses.replace(
                group,
                group_name=group_name,
                source_type=SourceType(source_type),
                updated_time=_to_millisecond(now),
            )
            for state in self._holders(group_id):
                position = self._take_group(state, group_id)
                groups = state.groups[changed.source_type]
                at = bisect.bisect_left(groups.positions, position)
                groups.entries.insert(at, _Entry(position, changed, group_name.casefold()))
                groups.positions.insert(at, position)
                state.group_ids.add(group_id)
            return changed

    def delete_group(self, user_id: str, group_id: str, *, owner_only: bool = True) -> Group:
        """Remove group `group_id` from every listing; the group as it was. RecordNotFound
        unless `user_id` sees it; NotOwner unless `user_id` owns it (see update_group)."""
        with self._lock:
            group = self._changeable_group(user_id, group_id, owner_only=owner_only)
            for state in self._holders(group_id):
                self._take_group(state, group_id)
            return group

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
        with self._lock:
            state = self._user(user_id)
            for index, device in enumerate(state.devices):
                if device.machine_code == machine_code:
                    bound = dataclasses.replace(device, device_name=name, device_os=system)
                    state.devices[index] = bound
                    return bound
            return self.add_device(
                user_id,
                device_name=name,
                device_os=system,
                machine_code=machine_code,
                create_time=_to_millisecond(now),
            )

    def unbind_device(self, user_id: str, device_id: str) -> Device:
        """Remove the user's device `device_id`; the device as it was. RecordNotFound unless
        the user has it."""
        with self._lock:
            state = self._users.get(user_id)
            found = next(
                (d for d in (state.devices if state else []) if d.device_id == device_id), None
            )
            if state is None or found is None:
                raise RecordNotFound(f"user {user_id} has no device {device_id}")
            state.devices.remove(found)
            return found

    @contextmanager
    def changes_discarded(self) -> Iterator[None]:
        """Whatever the block changes is undone at its end (the records; ids and places given
        meanwhile stay used, and cursors stay valid): a server that answers a write it never
        makes (a fault)."""
        with self._lock:
            before = self.snapshot()
            try:
                yield
            finally:
                next_position, next_id = next(self._positions), self._peek_id()
                self._put_back(before)
                self._positions = itertools.count(next_position)
                self._ids = itertools.count(next_id)

    def _changeable_group(self, user_id: str, group_id: str, *, owner_only: bool) -> Group:
        state = self._users.get(user_id)
        group = None if state is None else _find_group(state, group_id)
        if group is None and not owner_only:
            # A server that checks no owner looks a group up by its id alone: any user may
            # change any group, one they do not see too.
            group = next(
                (
                    found
                    for other in self._holders(group_id)
                    if (found := _find_group(other, group_id))
                ),
                None,
            )
        if group is None:
            raise RecordNotFound(f"user {user_id} has no group {group_id}")
        if owner_only and group.owner_id != user_id:
            raise NotOwner(f"group {group_id} is owned by another user")
        return group

    def _holders(self, group_id: str) -> list[UserState]:
        """Every user whose listing holds the group."""
        return [state for state in self._users.values() if group_id in state.group_ids]

    @staticmethod
    def _take_group(state: UserState, group_id: str) -> int:
        """Remove the group from the user's listing; its position."""
        state.group_ids.discard(group_id)
        for groups in state.groups.values():
            for index, entry in enumerate(groups.entries):
                if entry.group.id == group_id:
                    del groups.entries[index]
                    del groups.positions[index]
                    return entry.position
        raise KeyError(group_id)

    def __repr__(self) -> str:
        with self._lock:
            return f"Backend(users={len(self._users)})"


def _find_group(state: UserState, group_id: str) -> Group | None:
    if group_id not in state.group_ids:
        return None
    return next(
        entry.group
        for groups in state.groups.values()
        for entry in groups.entries
        if entry.group.id == group_id
    )


def _to_millisecond(moment: datetime) -> datetime:
    """`moment` as the API keeps times: aware UTC, to the millisecond."""
    if moment.tzinfo is None:
        raise ValueError("a record's time must be an aware datetime")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _check_user_id(user_id: str) -> None:
    if not (isinstance(user_id, str) and _DIGITS.fullmatch(user_id)):
        raise ValueError("user_id must be a string of 1 to 32 digits")
