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
from collections.abc import Callable

import attrs
import koodrive_client.models
from koodrive_client.types import Unset

_JUDGED_BEFORE = frozenset({"code"})  # normalised names


class ShapeError(Exception):
    """`str(error)` names the JSON path and what it should be."""


Checker = Callable[[object, object], None]  # (parsed value, its JSON); raises _Mismatch


class _Mismatch(Exception):
    """Raised where a value breaks its type; each enclosing field or item adds its part of
    the path on the way out, so a body that passes builds no path at all."""

    def __init__(self, expected: str, raw: object) -> None:
        super().__init__(expected)
        self.expected = expected
        self.raw = raw
        self.where: list[str] = []  # innermost first: "deviceId", "[0]", "data"

    def path(self) -> str:
        joined = ""
        for part in reversed(self.where):
            joined += part if part.startswith("[") or not joined else f".{part}"
        return joined


class _RawOnly:
    """Stands for the parsed value where there is none: the generated parsing failed."""


_RAW = _RawOnly()


def check(model: object, body: object) -> None:
    """Raise ShapeError unless `body` (the JSON `model` was parsed from) has, at every
    field `model`'s class declares, a value of the declared type."""
    _check(type(model), model, body)


def check_unparsed(model: type, body: object) -> None:
    """The same, for a body the generated `model.from_dict` could not parse: its JSON alone
    is held to the declared types, so the error names the field that made parsing fail."""
    _check(model, _RAW, body)


def _check(model: type, value: object, body: object) -> None:
    checker = _MODELS.get((model, True)) or _model_checker(model, top=True)
    try:
        checker(value, body)
    except _Mismatch as mismatch:
        where = mismatch.path() or "the body"
        raise ShapeError(
            f"{where} must be {mismatch.expected}, not {_kind(mismatch.raw)}"
        ) from None


# Each declared type, and each model, is turned into a checker once: the walk per body is
# isinstance tests only, not a reading of type hints.
_CHECKERS: dict[object, Checker] = {}
_TEXT: dict[Checker, str] = {}  # the checkers of text fields, and what they expect
_MODELS: dict[tuple[type, bool], Checker] = {}


def _checker(hint: object) -> Checker:
    known = _CHECKERS.get(hint)
    if known is None:
        known = _CHECKERS[hint] = _compiled(_without_unset(hint))
    return known


def _compiled(hint: object) -> Checker:
    if typing.get_origin(hint) is list:
        (item_hint,) = typing.get_args(hint)
        return _list_checker(item_hint)
    if not isinstance(hint, type):
        return _anything  # a type this walk does not know: left to the generated parsing
    if attrs.has(hint):
        model = hint
        resolved: Checker | None = None

        def check_model(value: object, raw: object) -> None:
            # Resolved when first called, not now: a model may contain itself.
            nonlocal resolved
            if resolved is None:
                resolved = _model_checker(model, top=False)
            resolved(value, raw)

        return check_model
    if issubclass(hint, enum.Enum):
        return _enum_checker(hint)
    expected = _JSON_KINDS.get(hint)
    if expected is None:
        return _anything
    return _kind_checker(hint, expected)


def _anything(value: object, raw: object) -> None:
    return None


def _list_checker(item_hint: object) -> Checker:
    item: Checker | None = None

    def check_list(value: object, raw: object) -> None:
        # The items' checker is resolved when first called, not now (a model may contain a
        # list of itself), and is a model's own: no call in between for every item.
        nonlocal item
        if item is None:
            item = _item_checker(item_hint)
        if not isinstance(raw, list) or not (value is _RAW or isinstance(value, list)):
            raise _Mismatch("a JSON array", raw)
        values = [_RAW] * len(raw) if value is _RAW else value
        assert isinstance(values, list)
        for index, (item_value, raw_item) in enumerate(zip(values, raw, strict=False)):
            try:
                item(item_value, raw_item)
            except _Mismatch as mismatch:
                mismatch.where.append(f"[{index}]")
                raise

    return check_list


def _item_checker(hint: object) -> Checker:
    bare = _without_unset(hint)
    if isinstance(bare, type) and attrs.has(bare):
        return _model_checker(bare, top=False)
    return _checker(hint)


def _enum_checker(kind: type[enum.Enum]) -> Checker:
    allowed = "one of " + ", ".join(repr(member.value) for member in kind)

    def check_enum(value: object, raw: object) -> None:
        if value is _RAW:
            if not any(type(raw) is type(m.value) and raw == m.value for m in kind):
                raise _Mismatch(allowed, raw)
            return
        if not (isinstance(value, kind) and type(raw) is type(value.value)):
            raise _Mismatch(allowed, raw)

    return check_enum


def _kind_checker(hint: type, expected: str) -> Checker:
    if hint is str or hint in (datetime.datetime, datetime.date):

        def check_text(value: object, raw: object) -> None:
            if not isinstance(raw, str):
                raise _Mismatch(expected, raw)

        _TEXT[check_text] = expected
        return check_text

    def check_kind(value: object, raw: object) -> None:
        if not _is_json_kind(raw, hint):
            raise _Mismatch(expected, raw)

    return check_kind


def _model_checker(model: type, *, top: bool) -> Checker:
    known = _MODELS.get((model, top))
    if known is not None:
        return known
    # A text field's check is made here, without a call or reading the parsed value (the
    # most common field: what the field's checker would do, inline).
    fields = [
        (name, normalised, checker, _TEXT.get(checker))
        for name, normalised, hint in _fields(model)
        # `code` is judged before parsing, at the top (the vendor also sends it as digits).
        if not (top and normalised in _JUDGED_BEFORE)
        for checker in (_checker(hint),)
    ]

    def walk(value: object, raw: dict[str, object]) -> None:
        keys = _json_keys(raw)
        for name, normalised, field, text in fields:
            key = keys.get(normalised)
            if key is None:
                continue  # absent: required fields already failed in from_dict
            item = raw[key]
            if text is not None and isinstance(item, str):
                continue
            try:
                field(_RAW if value is _RAW else getattr(value, name), item)
            except _Mismatch as mismatch:
                mismatch.where.append(key)
                raise

    # What `walk` does for one set of keys, worked out once for it: the keys of the text
    # fields present, then the other fields present, in their order. A body whose text fields
    # are all text passes or fails as `walk` would; any other is walked, to name the first
    # field in order that breaks its type.
    plans: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[tuple[str, str, Checker], ...]]]
    plans = {}

    def plan(
        raw: dict[str, object],
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str, Checker], ...]]:
        spelled = tuple(raw)
        known = plans.get(spelled)
        if known is None:
            keys = _json_keys(raw)
            present = [(keys[n], name, field, text) for name, n, field, text in fields if n in keys]
            known = (
                tuple(key for key, _, _, text in present if text is not None),
                tuple((key, name, field) for key, name, field, text in present if text is None),
            )
            if len(raw) <= _MOST_CACHED_KEYS:  # as _json_keys: a body of ever new keys is bounded
                if len(plans) > 256:
                    plans.clear()
                plans[spelled] = known
        return known

    def check_fields(value: object, raw: object) -> None:
        if not isinstance(raw, dict):
            raise _Mismatch("a JSON object", raw)
        known = plans.get(tuple(raw))
        texts, others = plan(raw) if known is None else known
        for key in texts:
            if not isinstance(raw[key], str):
                walk(value, raw)
                return
        for key, name, field in others:
            try:
                field(_RAW if value is _RAW else getattr(value, name), raw[key])
            except _Mismatch as mismatch:
                mismatch.where.append(key)
                raise

    _MODELS[(model, top)] = check_fields
    return check_fields


_KEYS: dict[tuple[str, ...], dict[str, str]] = {}
_MOST_CACHED_KEYS = 32


def _json_keys(raw: dict[str, object]) -> dict[str, str]:
    """A JSON object's keys by their normalised form; the bodies of one API repeat a few
    sets of keys, so each set is normalised once (and a body of ever new keys is bounded)."""
    if len(raw) > _MOST_CACHED_KEYS:  # no schema here has so many: not kept
        return {_normalised(key): key for key in raw}
    spelled = tuple(raw)
    known = _KEYS.get(spelled)
    if known is None:
        if len(_KEYS) > 256:
            _KEYS.clear()
        known = _KEYS[spelled] = {_normalised(key): key for key in spelled}
    return known


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
