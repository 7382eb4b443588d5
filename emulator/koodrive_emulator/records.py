"""The fields a record may carry beyond those the emulator models, read from the spec.

A group or a device holds the fields the emulator gives meaning to (ids, names, times) as
attributes; any other field its item schema in openapi.yaml declares is kept as sent and
returned in every response. A field added to the spec can be seeded from fixtures or the
Python API at once, checked against its schema, with no code.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import jsonschema_rs
from koodrive_spec import Spec
from koodrive_spec.request_rules import expectation

# The operation that lists each kind of record (the handlers serve them from the Backend):
# what a fixtures file's `groups` and `devices` are, read back from a capture too.
RECORD_OPERATIONS = {"groups": "listUserGroups", "devices": "listBoundDevices"}
GROUP_FIELDS_MODELLED = frozenset({"id", "groupName", "ownerId", "createdTime", "updatedTime"})
DEVICE_FIELDS_MODELLED = frozenset(
    {"deviceId", "machineCode", "deviceOS", "deviceName", "createTime"}
)


class RecordFields:
    """The declared fields of one kind of record that the emulator keeps as sent."""

    def __init__(self, kind: str, item_schema: Mapping[str, Any], modelled: frozenset[str]) -> None:
        self.kind = kind
        properties = item_schema.get("properties") or {}
        self._schemas = {
            name: schema for name, schema in properties.items() if name not in modelled
        }
        self._validators = {
            name: jsonschema_rs.Draft202012Validator(dict(schema))
            for name, schema in self._schemas.items()
        }

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._schemas)

    def checked(self, fields: Mapping[str, object], where: str) -> tuple[tuple[str, object], ...]:
        """`fields` as a record keeps them; ValueError naming the first bad one otherwise."""
        for name, value in fields.items():
            if name not in self._schemas:
                declared = ", ".join(sorted(self._schemas)) or "none"
                raise ValueError(
                    f"{where}.{name} is not a field the spec declares for a {self.kind} "
                    f"beyond those the emulator models (declared: {declared})"
                )
            if not self._validators[name].is_valid(value):
                raise ValueError(f"{where}.{name} must be {expectation(self._schemas[name])}")
        # A copy: a record is frozen, and must not change when the caller's value does.
        return tuple((name, copy.deepcopy(value)) for name, value in fields.items())


def group_fields(spec: Spec) -> RecordFields:
    return RecordFields(
        "group", spec.item_schema(RECORD_OPERATIONS["groups"]), GROUP_FIELDS_MODELLED
    )


def device_fields(spec: Spec) -> RecordFields:
    return RecordFields(
        "device", spec.item_schema(RECORD_OPERATIONS["devices"]), DEVICE_FIELDS_MODELLED
    )
