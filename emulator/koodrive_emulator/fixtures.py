"""Seeding a Backend from a fixtures file (YAML or JSON); format in docs/emulator.md.

    users:
      - id: "1395476983395324033"
        devices:
          - {deviceName: Magic v3, deviceOS: android, createTime: "2025-09-15T06:14:48.630Z"}
        groups:
          - {groupName: Family, sourceType: 1}
        synthetic: {groups: 1000, devices: 3, seed: 7}

Field names are the API's. Every field but `deviceName` / `groupName` may be left out.
Errors name the offending entry, e.g. `users[0].groups[2].sourceType must be 0 or 1`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import yaml

from koodrive_emulator.models import Group, SourceType, parse_timestamp

if TYPE_CHECKING:
    from koodrive_emulator.records import RecordFields

T = TypeVar("T")
_TOP_KEYS = {"users", "tenantId"}
# A user's details, by their fixtures key: Backend.add_user's argument.
_USER_DETAILS = {"name": "name", "deptId": "dept_id", "deptName": "dept_name", "mobile": "mobile"}
_USER_KEYS = {"id", "devices", "groups", "synthetic", *_USER_DETAILS}
_DEVICE_KEYS = {"deviceId", "machineCode", "deviceOS", "deviceName", "createTime"}
_GROUP_KEYS = {
    "id",
    "groupName",
    "ownerId",
    "sourceType",
    "createdTime",
    "updatedTime",
    "iconUrl",
    "members",
}
_MEMBER_KEYS = {"userId", "role", "top", "createdTime", "updatedTime"}
_SYNTHETIC_KEYS = {"groups", "devices", "seed"}


class Seedable(Protocol):
    """What fixtures seed: a Backend (state.py, which loads fixtures through this module)."""

    @property
    def device_fields(self) -> RecordFields: ...
    @property
    def group_fields(self) -> RecordFields: ...
    def set_tenant(self, tenant_id: str) -> None: ...
    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        dept_id: str | None = None,
        dept_name: str | None = None,
        mobile: str | None = None,
    ) -> None: ...
    def add_device(
        self,
        user_id: str,
        *,
        device_name: str,
        device_os: str,
        machine_code: str | None,
        device_id: str | None,
        create_time: datetime | None,
        fields: Mapping[str, object] | None,
    ) -> object: ...
    def add_group(
        self,
        user_id: str,
        *,
        group_name: str,
        source_type: SourceType | int,
        group_id: str | None,
        owner_id: str | None,
        created_time: datetime | None,
        updated_time: datetime | None,
        fields: Mapping[str, object] | None,
        icon_url: str | None = None,
    ) -> Group: ...
    def put_member(
        self,
        group_id: str,
        user_id: str,
        *,
        role: int | None = None,
        top: bool = False,
        created_time: datetime | None = None,
        updated_time: datetime | None = None,
    ) -> object: ...
    def seed_synthetic(
        self, user_id: str, *, groups: int = 0, devices: int = 0, seed: int = 0
    ) -> None: ...


class FixtureError(ValueError):
    """A fixtures file that does not follow the documented format."""


def load_fixtures_file(backend: Seedable, path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FixtureError(f"cannot read fixtures file {path}: {error.strerror}") from None
    apply_fixtures(backend, parse_fixtures_text(text, source=str(path)), source=str(path))


def parse_fixtures_text(text: str, *, source: str) -> Any:
    try:
        if source.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)  # YAML is a superset of JSON: either works here
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise FixtureError(f"{source} is not valid YAML or JSON: {error}") from None


def load_default_fixtures(backend: Seedable) -> None:
    apply_fixtures(backend, _default_fixtures(), source="default fixtures")


@functools.cache
def _default_fixtures() -> Any:
    # Parsed once per process: every test's fresh Backend starts from it (it is only read).
    text = resources.files("koodrive_emulator").joinpath("data/default_fixtures.yaml")
    return parse_fixtures_text(text.read_text(encoding="utf-8"), source="default_fixtures.yaml")


def apply_fixtures(backend: Seedable, data: Any, *, source: str) -> None:
    """Check the shape of the whole document before seeding anything, then seed: the tenant,
    the users and their devices, the groups and memberships (in an order that keeps each
    user's listing and each group's members as the document gives them), the generated
    records last."""
    if not isinstance(data, Mapping) or set(data) - _TOP_KEYS:
        raise FixtureError(
            f"{source}: the top level must be a mapping with one key, 'users' (and, "
            "optionally, 'tenantId')"
        )
    users = data.get("users")
    if users is None:
        users = []
    if not isinstance(users, list):
        raise FixtureError(f"{source}: 'users' must be a list")
    tenant = _digits(data.get("tenantId"), f"{source}: tenantId")
    actions: list[Callable[[], object]] = []
    if tenant is not None:
        actions.append(functools.partial(backend.set_tenant, tenant))
    plan = _GroupsPlan(backend)
    generated: list[Callable[[], object]] = []
    for u, user in enumerate(users):
        where = f"{source}: users[{u}]"
        fields = _mapping(user, where, _USER_KEYS)
        user_id = _digits(fields.get("id"), f"{where}.id", required=True)
        assert user_id is not None
        details = {
            argument: _text(fields.get(key), f"{where}.{key}")
            for key, argument in _USER_DETAILS.items()
        }
        actions.append(functools.partial(backend.add_user, user_id, **details))
        for d, device in enumerate(_list(fields.get("devices"), f"{where}.devices")):
            actions.append(_device_action(backend, user_id, device, f"{where}.devices[{d}]"))
        for g, group in enumerate(_list(fields.get("groups"), f"{where}.groups")):
            plan.listed(user_id, group, f"{where}.groups[{g}]")
        if fields.get("synthetic") is not None:
            synthetic = _mapping(fields["synthetic"], f"{where}.synthetic", _SYNTHETIC_KEYS)
            counts = {
                key: _count(synthetic.get(key, 0), f"{where}.synthetic.{key}")
                for key in ("groups", "devices", "seed")
            }
            generated.append(functools.partial(backend.seed_synthetic, user_id, **counts))
    for action in [*actions, plan.seed, *generated]:
        try:
            action()
        except ValueError as error:
            raise FixtureError(f"{source}: {error}") from None


@dataclass
class _GroupEntry:
    """A group as the document gives it: its fields merged over every entry naming its id."""

    key: str  # its id, or a name of its own for a group given without one
    given: dict[str, Any]  # the fields given, by wire name, read
    where: str  # the first entry
    owner: str  # its owner: `ownerId`, else the user whose `groups` first lists it
    members: list[tuple[str, dict[str, Any]]] | None = None  # `members`, where given
    listers: list[str] = field(default_factory=list)  # the users whose `groups` list it


class _GroupsPlan:
    """The groups and memberships of a document, read whole before any is seeded, since a
    group's entries (and its members) may come under several users."""

    def __init__(self, backend: Seedable) -> None:
        self._backend = backend
        self._groups: dict[str, _GroupEntry] = {}
        self._mentions: dict[tuple[str, str], None] = {}  # memberships, as first named
        self._listings: dict[str, list[tuple[str, str]]] = {}

    def listed(self, user_id: str, value: Any, where: str) -> None:
        declared = self._backend.group_fields
        fields = _mapping(value, where, _GROUP_KEYS | declared.names)
        given: dict[str, Any] = {"fields": _declared(declared, fields, where)}
        given["groupName"] = _text(fields.get("groupName"), f"{where}.groupName", required=True)
        source_type = fields.get("sourceType", 0)
        if type(source_type) is not int or source_type not in (0, 1):
            raise FixtureError(f"{where}.sourceType must be 0 (group) or 1 (user group)")
        given["sourceType"] = source_type
        for key in ("id", "ownerId"):
            given[key] = _digits(fields.get(key), f"{where}.{key}")
        for key in ("createdTime", "updatedTime"):
            given[key] = _time(fields.get(key), f"{where}.{key}")
        given["iconUrl"] = _text(fields.get("iconUrl"), f"{where}.iconUrl")
        given = {key: value for key, value in given.items() if value not in (None, ())}
        key = given.get("id") or f"#{len(self._groups)}"
        entry = self._groups.get(key)
        if entry is None:
            entry = self._groups[key] = _GroupEntry(
                key, given, where, given.get("ownerId") or user_id
            )
            self._mentions[(entry.owner, key)] = None
        else:
            if user_id in entry.listers:
                raise FixtureError(f"{where}: user {user_id} already has a group with id {key}")
            differ = [k for k, v in given.items() if k in entry.given and entry.given[k] != v]
            if differ:
                raise FixtureError(
                    f"{where} gives group {key} with another {', '.join(differ)} than "
                    f"{entry.where.rsplit(': ', 1)[-1]} (a group is one record)"
                )
            entry.given.update(given)
        entry.listers.append(user_id)
        if fields.get("members") is not None:
            if entry.members is not None:
                raise FixtureError(f"{where}.members: group {key}'s members are given twice")
            entry.members = [
                _member(member, entry, f"{where}.members[{m}]")
                for m, member in enumerate(_list(fields["members"], f"{where}.members"))
            ]
            for member_id, _ in entry.members:
                self._mentions[(member_id, key)] = None
        self._mentions[(user_id, key)] = None
        self._listings.setdefault(user_id, []).append((user_id, key))

    def seed(self) -> None:
        """Every group and membership, each joined in an order that keeps both each user's
        listing and each group's members as given (`joined_order`)."""
        chains = list(self._listings.values())
        for entry in self._groups.values():
            # The owner first, then the members as `members` gives them, then the others
            # whose `groups` list the group; each once.
            members = dict.fromkeys(
                [entry.owner, *(member_id for member_id, _ in entry.members or []), *entry.listers]
            )
            chains.append([(member_id, entry.key) for member_id in members])
        seeded: dict[str, str] = {}  # the group's id, by key
        joined: set[tuple[str, str]] = set()
        for user_id, key in joined_order(list(self._mentions), chains):
            entry = self._groups[key]
            if (user_id, key) not in joined:
                given = entry.given
                group = self._backend.add_group(
                    user_id,
                    group_name=given["groupName"],
                    source_type=SourceType(given["sourceType"]),
                    group_id=seeded.get(key, given.get("id")),
                    owner_id=entry.owner,
                    created_time=given.get("createdTime"),
                    updated_time=given.get("updatedTime"),
                    fields=dict(given.get("fields", ())),
                    icon_url=given.get("iconUrl"),
                )
                seeded[key] = group.id
                joined.update({(user_id, key), (entry.owner, key)})
            details = dict(entry.members or []).get(user_id)
            if details:
                self._backend.put_member(seeded[key], user_id, **details)


def _member(value: Any, group: _GroupEntry, where: str) -> tuple[str, dict[str, Any]]:
    """A `members` entry: the user, and the role, pin and times given for them."""
    fields = _mapping(value, where, _MEMBER_KEYS)
    user_id = _digits(fields.get("userId"), f"{where}.userId", required=True)
    assert user_id is not None
    details: dict[str, Any] = {}
    if "role" in fields:
        role = fields["role"]
        if type(role) is not int or role not in (0, 1, 2):
            raise FixtureError(f"{where}.role must be 0 (owner), 1 (administrator) or 2 (member)")
        if (role == 0) != (user_id == group.owner):
            raise FixtureError(f"{where}.role: the group's owner, and only its owner, has role 0")
        details["role"] = role
    if "top" in fields:
        top = fields["top"]
        if type(top) is not int or top not in (0, 1):
            raise FixtureError(f"{where}.top must be 0 (in order) or 1 (pinned)")
        details["top"] = bool(top)
    for key, argument in (("createdTime", "created_time"), ("updatedTime", "updated_time")):
        moment = _time(fields.get(key), f"{where}.{key}")
        if moment is not None:
            details[argument] = moment
    return user_id, details


def joined_order(
    mentions: Sequence[tuple[str, str]], chains: Iterable[Sequence[tuple[str, str]]]
) -> list[tuple[str, str]]:
    """An order of the memberships (user, group) `mentions` names, in which each chain's
    memberships come in the chain's order (a user's listing, a group's members), ties taken
    in the order mentioned. Where chains contradict each other, the earliest mention wins."""
    rank = {membership: index for index, membership in enumerate(mentions)}
    after: dict[tuple[str, str], list[tuple[str, str]]] = {m: [] for m in mentions}
    waiting = dict.fromkeys(mentions, 0)
    for chain in chains:
        for earlier, later in itertools.pairwise(chain):
            after[earlier].append(later)
            waiting[later] += 1
    ready = [rank[m] for m, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[tuple[str, str]] = []
    placed: set[tuple[str, str]] = set()
    while len(order) < len(mentions):
        if not ready:  # a contradiction: the earliest membership not placed yet goes next
            ready = [min(rank[m] for m in mentions if m not in placed)]
        membership = mentions[heapq.heappop(ready)]
        if membership in placed:
            continue
        placed.add(membership)
        order.append(membership)
        for later in after[membership]:
            waiting[later] -= 1
            if waiting[later] == 0 and later not in placed:
                heapq.heappush(ready, rank[later])
    return order


def _device_action(backend: Seedable, user_id: str, value: Any, where: str) -> Callable[[], object]:
    declared = backend.device_fields
    fields = _mapping(value, where, _DEVICE_KEYS | declared.names)
    extra = _declared(declared, fields, where)
    name = _text(fields.get("deviceName"), f"{where}.deviceName", required=True)
    os_name = _text(fields.get("deviceOS"), f"{where}.deviceOS") or "android"
    machine_code = _text(fields.get("machineCode"), f"{where}.machineCode")
    device_id = _digits(fields.get("deviceId"), f"{where}.deviceId")
    created = _time(fields.get("createTime"), f"{where}.createTime")
    assert name is not None
    return lambda: backend.add_device(
        user_id,
        device_name=name,
        device_os=os_name,
        machine_code=machine_code,
        device_id=device_id,
        create_time=created,
        fields=extra,
    )


def _declared(declared: RecordFields, fields: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The entry's fields beyond those modelled, each checked against its schema in the spec."""
    extra = {name: value for name, value in fields.items() if name in declared.names}
    try:
        declared.checked(extra, where)
    except ValueError as error:
        raise FixtureError(str(error)) from None
    return extra


def _mapping(value: Any, where: str, allowed: set[str] | frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FixtureError(f"{where} must be a mapping")
    unknown = sorted(str(key) for key in set(value) - allowed)
    if unknown:
        raise FixtureError(
            f"{where} has unknown keys {unknown}; allowed: {', '.join(sorted(allowed))}"
        )
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FixtureError(f"{where} must be a list")
    return value


def _text(value: Any, where: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise FixtureError(f"{where} is required")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise FixtureError(f"{where} must be a string")
    return str(value)


def _digits(value: Any, where: str, *, required: bool = False) -> str | None:
    # YAML reads an unquoted id as an integer; ids are exact either way.
    text = _text(value, where, required=required)
    if text is not None and not (text.isascii() and text.isdigit() and len(text) <= 32):
        raise FixtureError(f"{where} must be a string of 1 to 32 digits (quote it in YAML)")
    return text


def _count(value: Any, where: str) -> int:
    if type(value) is not int or value < 0:
        raise FixtureError(f"{where} must be a whole number, 0 or more")
    return value


def _time(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # YAML parses unquoted timestamps itself
        return parse_timestamp(value.isoformat())
    if not isinstance(value, str):
        raise FixtureError(f"{where} must be a UTC time like 2024-04-25T06:49:49.000Z")
    try:
        return parse_timestamp(value)
    except ValueError:
        raise FixtureError(f"{where} must be a UTC time like 2024-04-25T06:49:49.000Z") from None
