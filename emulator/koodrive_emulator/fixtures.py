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
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import yaml

from koodrive_emulator.models import SourceType, parse_timestamp

if TYPE_CHECKING:
    from koodrive_emulator.records import RecordFields

T = TypeVar("T")
_USER_KEYS = {"id", "devices", "groups", "synthetic"}
_DEVICE_KEYS = {"deviceId", "machineCode", "deviceOS", "deviceName", "createTime"}
_GROUP_KEYS = {"id", "groupName", "ownerId", "sourceType", "createdTime", "updatedTime"}
_SYNTHETIC_KEYS = {"groups", "devices", "seed"}


class Seedable(Protocol):
    """What fixtures seed: a Backend (state.py, which loads fixtures through this module)."""

    @property
    def device_fields(self) -> RecordFields: ...
    @property
    def group_fields(self) -> RecordFields: ...
    def add_user(self, user_id: str) -> None: ...
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
    """Check the shape of the whole document before seeding anything."""
    if not isinstance(data, Mapping) or set(data) - {"users"}:
        raise FixtureError(f"{source}: the top level must be a mapping with one key, 'users'")
    users = data.get("users")
    if users is None:
        users = []
    if not isinstance(users, list):
        raise FixtureError(f"{source}: 'users' must be a list")
    actions: list[Callable[[], object]] = []
    for u, user in enumerate(users):
        where = f"{source}: users[{u}]"
        fields = _mapping(user, where, _USER_KEYS)
        user_id = _digits(fields.get("id"), f"{where}.id", required=True)
        assert user_id is not None
        actions.append(functools.partial(backend.add_user, user_id))
        for d, device in enumerate(_list(fields.get("devices"), f"{where}.devices")):
            actions.append(_device_action(backend, user_id, device, f"{where}.devices[{d}]"))
        for g, group in enumerate(_list(fields.get("groups"), f"{where}.groups")):
            actions.append(_group_action(backend, user_id, group, f"{where}.groups[{g}]"))
        if fields.get("synthetic") is not None:
            synthetic = _mapping(fields["synthetic"], f"{where}.synthetic", _SYNTHETIC_KEYS)
            counts = {
                key: _count(synthetic.get(key, 0), f"{where}.synthetic.{key}")
                for key in ("groups", "devices", "seed")
            }
            actions.append(functools.partial(backend.seed_synthetic, user_id, **counts))
    for action in actions:
        try:
            action()
        except ValueError as error:
            raise FixtureError(f"{source}: {error}") from None


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


def _group_action(backend: Seedable, user_id: str, value: Any, where: str) -> Callable[[], object]:
    declared = backend.group_fields
    fields = _mapping(value, where, _GROUP_KEYS | declared.names)
    extra = _declared(declared, fields, where)
    name = _text(fields.get("groupName"), f"{where}.groupName", required=True)
    source_type = fields.get("sourceType", 0)
    if type(source_type) is not int or source_type not in (0, 1):
        raise FixtureError(f"{where}.sourceType must be 0 (group) or 1 (user group)")
    group_id = _digits(fields.get("id"), f"{where}.id")
    owner_id = _digits(fields.get("ownerId"), f"{where}.ownerId")
    created = _time(fields.get("createdTime"), f"{where}.createdTime")
    updated = _time(fields.get("updatedTime"), f"{where}.updatedTime")
    assert name is not None
    return lambda: backend.add_group(
        user_id,
        group_name=name,
        source_type=SourceType(source_type),
        group_id=group_id,
        owner_id=owner_id,
        created_time=created,
        updated_time=updated,
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
