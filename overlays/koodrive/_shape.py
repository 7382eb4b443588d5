"""Check a parsed success body against the types its generated model declares.

The generated `from_dict` trusts the JSON: a `deviceId` that is a number stays a number,
`data: {}` iterates as an empty list, a group `id` that is a list is kept as one. Each
would reach the caller as a success. The generated models carry the spec's types as
annotations, so this walk reads them (not a copy of the spec) and compares them with the
JSON the model was parsed from, naming the first field that breaks them by its JSON path.
"""

from __future__ import annotations

import datetime
import enum
import sys
import types
import typing

import attrs
import koodrive_client.models
from koodrive_client.types import Unset

# `code` is judged before parsing (the vendor also writes it as a string of digits).
_JUDGED_BEFORE = frozenset({"code"})


class ShapeError(Exception):
    """`str(error)` names the JSON path and what it should be."""


def check(model: object, body: object, path: str = "") -> None:
    """Raise ShapeError unless `body` (the JSON `model` was parsed from) has, at every
    field `model`'s class declares, a value of the declared type."""
    if not isinstance(body, dict):
        raise ShapeError(f"{path or 'the body'} must be a JSON object")
    keys = {_normalised(key): key for key in body}
    for name, normalised, hint in _fields(type(model)):
        key = keys.get(normalised)
        if key is None or (not path and key in _JUDGED_BEFORE):
            continue  # absent: required fields already failed in from_dict
        _check_value(getattr(model, name), body[key], hint, f"{path}{key}")


def _check_value(value: object, raw: object, hint: object, path: str) -> None:
    hint = _without_unset(hint)
    origin = typing.get_origin(hint)
    if origin is list:
        if not isinstance(raw, list) or not isinstance(value, list):
            raise ShapeError(f"{path} must be a JSON array, not {_kind(raw)}")
        (item_hint,) = typing.get_args(hint)
        for index, (item, raw_item) in enumerate(zip(value, raw, strict=False)):
            _check_value(item, raw_item, item_hint, f"{path}[{index}]")
        return
    if not isinstance(hint, type):
        return  # a type this walk does not know: left to the generated parsing
    if attrs.has(hint):
        check(value, raw, f"{path}.")
        return
    if issubclass(hint, enum.Enum):
        if isinstance(value, hint) and type(raw) is type(value.value):
            return
        allowed = ", ".join(repr(member.value) for member in hint)
        raise ShapeError(f"{path} must be one of {allowed}, not {_kind(raw)}")
    expected = _JSON_KINDS.get(hint)
    if expected is None or _is_json_kind(raw, hint):
        return
    raise ShapeError(f"{path} must be {expected}, not {_kind(raw)}")


_JSON_KINDS: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    datetime.datetime: "a date-time string",
    datetime.date: "a date string",
}


def _is_json_kind(raw: object, hint: type) -> bool:
    if hint is int:
        return isinstance(raw, int) and not isinstance(raw, bool)
    if hint is float:
        return isinstance(raw, int | float) and not isinstance(raw, bool)
    if hint in (datetime.datetime, datetime.date):
        return isinstance(raw, str)
    return isinstance(raw, hint)


def _without_unset(hint: object) -> object:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        kept = [arg for arg in typing.get_args(hint) if arg not in (Unset, type(None))]
        if len(kept) == 1:
            return kept[0]
    return hint


_FIELDS: dict[type, tuple[tuple[str, str, object], ...]] = {}


def _fields(model: type) -> tuple[tuple[str, str, object], ...]:
    """The declared fields of a generated model (name, its normalised form, type), resolved
    once per model."""
    known = _FIELDS.get(model)
    if known is None:
        hints = typing.get_type_hints(model, globalns=_generated_namespace(model))
        known = _FIELDS[model] = tuple(
            (field.name, _normalised(field.name), hints[field.name])
            for field in attrs.fields(model)
            if field.name != "additional_properties"
        )
    return known


def _generated_namespace(model: type) -> dict[str, object]:
    # The generated modules import their models' neighbours only under TYPE_CHECKING.
    return {**vars(koodrive_client.models), **vars(sys.modules[model.__module__])}


def _normalised(name: str) -> str:
    # openapi-python-client turns `deviceOS` into `device_os`: compare without case or `_`.
    return name.replace("_", "").lower()


def _kind(raw: object) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, int | float):
        return f"the number {raw!r}"
    if isinstance(raw, str):
        return "a string"
    if isinstance(raw, list):
        return "an array"
    if isinstance(raw, dict):
        return "an object"
    return type(raw).__name__
