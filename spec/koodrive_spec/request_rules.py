"""The request rules: path, query and header parameters and the JSON request body, read and
checked against their schemas in openapi.yaml.

Each parameter's schema (inlined by the spec reader) is checked with jsonschema-rs (the
validator schemathesis uses; a Rust one, fast enough for every request) after the text is
read as the schema's type, as a server reads a query string. A problem is told in
the vendor's style, from the schema itself: `pageSize must be an integer from 1 to 100`,
`sourceType must be 0 (groups) or 1 (user groups)`, `X-Traceid must be exactly 58 characters
from [0-9A-Za-z]`. Every problem of a request is reported at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from koodrive_spec.behaviour import Behaviour
from koodrive_spec.reader import Operation, Parameter

JSON_MEDIA_TYPE = "application/json"

# Longer digit strings are read as no integer: no schema here bounds one that long, and
# Python refuses to read more than 4300 digits.
_INTEGER = re.compile(r"-?[0-9]{1,12}")
# `^[class]{n}$`: a fixed length from one character class, told as such.
_FIXED_CLASS = re.compile(r"\^(\[[^\]]+\])\{([0-9]+)\}\$")


class ValidationError(Exception):
    """A request the rules refuse; `str(error)` is the service's `msg`, every problem told."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Verify parameters failed: " + "; ".join(self.problems))


def expectation(schema: Mapping[str, Any]) -> str:
    """What a value of `schema` must be, in words: "an integer from 1 to 100"."""
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        described = schema.get("x-enum-descriptions")
        words = (
            [f"{value} ({text})" for value, text in zip(enum, described, strict=False)]
            if isinstance(described, list) and len(described) == len(enum)
            else [str(value) for value in enum]
        )
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"an integer from {low} to {high}"
        if low is not None:
            return f"an integer of at least {low}"
        return f"an integer of at most {high}" if high is not None else "an integer"
    if kind == "string":
        title, examples = schema.get("title"), schema.get("examples")
        if isinstance(title, str) and isinstance(examples, list) and examples:
            return f"a {title} such as " + " or ".join(str(example) for example in examples)
        fixed = _FIXED_CLASS.fullmatch(str(schema.get("pattern", "")))
        if fixed is not None:
            return f"exactly {fixed.group(2)} characters from {fixed.group(1)}"
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None and high is not None:
            return f"exactly {low} characters" if low == high else f"{low} to {high} characters"
        if high is not None:
            return f"at most {high} characters"
        if low is not None:
            return f"at least {low} characters"
        if "pattern" in schema:
            return f"text matching {schema['pattern']}"
        return "text"
    return f"a valid {kind}" if isinstance(kind, str) else "a valid value"


def _hint(schema: Mapping[str, Any], told: str) -> str:
    """What to send, told after "is required": a list's values as "0 for groups, 1 for ..."."""
    enum, described = schema.get("enum"), schema.get("x-enum-descriptions")
    if isinstance(enum, list) and isinstance(described, list) and len(described) == len(enum):
        return ", ".join(f"{value} for {text}" for value, text in zip(enum, described, strict=True))
    return told


def _spellings(values: list[object]) -> dict[str, object]:
    spellings: dict[str, object] = {}
    for value in values:
        spellings.setdefault(str(value), value)
    return spellings


@dataclass(frozen=True)
class Rule:
    """One parameter: how to read it, check it and tell what it must be."""

    parameter: Parameter
    expectation: str
    missing_hint: str
    validator: jsonschema_rs.Draft202012Validator
    # What every request looks up, read from the schema once.
    header_name: str  # the name as ASGI gives headers: lower case
    enum: tuple[object, ...] | None
    integer: bool
    # Each value of the list by its spelling (the first, should two be spelled alike).
    enum_spellings: Mapping[str, object] | None = None

    @classmethod
    def of(cls, parameter: Parameter, behaviour: Behaviour | None) -> Rule:
        told = expectation(parameter.schema)
        hint = _hint(parameter.schema, told)
        paging = behaviour.cursor_paging if behaviour is not None else None
        if paging is not None and parameter.name == paging.cursor:
            first = "empty" if paging.first_cursor == "" else repr(paging.first_cursor)
            hint = f"{first} for the first page, then the previous {paging.next_cursor}"
        enum = parameter.schema.get("enum")
        return cls(
            parameter,
            told,
            hint,
            jsonschema_rs.Draft202012Validator(dict(parameter.schema)),
            header_name=parameter.name.lower(),
            enum=tuple(enum) if isinstance(enum, list) else None,
            integer=parameter.schema.get("type") == "integer",
            enum_spellings=_spellings(enum) if isinstance(enum, list) else None,
        )

    @property
    def name(self) -> str:
        return self.parameter.name

    def read(self, text: str) -> object:
        """`text` as the schema's type; unchanged when it does not read as one. A value of
        a list is read only in the list's own spelling (`01` is not `1`)."""
        if self.enum_spellings is not None:
            return self.enum_spellings.get(text, text)
        if self.integer and _INTEGER.fullmatch(text):
            return int(text)
        return text

    def is_valid(self, value: object) -> bool:
        return bool(self.validator.is_valid(value))

    def clamped(self, value: object) -> object:
        """An integer moved into the schema's bounds (the lenient-parameters fault)."""
        if not isinstance(value, int):
            return value
        low, high = self.parameter.schema.get("minimum"), self.parameter.schema.get("maximum")
        if isinstance(low, int):
            value = max(value, low)
        if isinstance(high, int):
            value = min(value, high)
        return value


class OperationRules:
    """The parameter rules of one operation."""

    def __init__(
        self,
        operation: Operation,
        behaviour: Behaviour | None,
        success_schema: Mapping[str, Any] | None = None,
    ) -> None:
        self.operation = operation
        self.behaviour = behaviour
        # The success body's schema: the field faults pick their field from it.
        self.success_schema = success_schema or {}
        # Headers first, then the path: a request's problems are told in that order.
        order = {"header": 0, "path": 1, "query": 2}
        ordered = sorted(operation.parameters, key=lambda p: order[p.location])
        self.rules = tuple(Rule.of(p, behaviour) for p in ordered)
        self.body = BodyRules(operation)
        # Each paged request asks for its page size's maximum: read from the schemas once.
        self._largest = {
            rule.name: high
            for rule in self.rules
            for high in [rule.parameter.schema.get("maximum")]
            if isinstance(high, int)
        }
        echoed = {name.lower() for name in behaviour.echoed_headers} if behaviour else set()
        self._echoed = tuple(
            rule
            for rule in self.rules
            if rule.parameter.location == "header" and rule.name.lower() in echoed
        )

    def rule(self, name: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.name == name), None)

    def largest(self, name: str) -> int | None:
        """The schema's maximum of integer parameter `name`, if it has one."""
        return self._largest.get(name)

    def parse(
        self,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        path: Mapping[str, str] | None = None,
        *,
        lenient: bool = False,
    ) -> dict[str, object]:
        """The request's parameter values, read as their types; ValidationError naming each
        bad one otherwise. `lenient` plays a flawed server (a fault): integers out of bounds
        are clamped, and a missing required parameter with a list of values takes the first."""
        given: dict[str, list[str]] = {}
        for name, text in query:
            given.setdefault(name, []).append(text)
        values: dict[str, object] = {}
        problems = []
        for rule in self.rules:
            name, location = rule.parameter.name, rule.parameter.location
            if location == "query":
                sent = given.get(name)
            elif location == "path":
                segment = (path or {}).get(name)
                sent = None if segment is None else [segment]
            else:
                header = headers.get(rule.header_name)
                sent = None if header is None else [header]
            if sent is None:
                if lenient and rule.parameter.required and rule.enum:
                    values[name] = rule.enum[0]
                elif rule.parameter.required:
                    problems.append(f"{name} is required ({rule.missing_hint})")
                continue
            if len(sent) > 1:
                problems.append(f"{name} must be given once")
                continue
            value: object = rule.read(sent[0])
            if lenient:
                value = rule.clamped(value)
            if not rule.is_valid(value):
                problems.append(f"{name} must be {rule.expectation}")
                continue
            values[name] = value
        if problems:
            raise ValidationError(problems)
        return values

    def echoed(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The echoed headers the request sent well formed (only those are sent back)."""
        found = {}
        for rule in self._echoed:
            value = headers.get(rule.header_name)
            if value is not None and rule.is_valid(value):
                found[rule.name] = value
        return found


class UnsupportedMediaType(Exception):
    """A body sent as another media type than JSON; `str(error)` is the service's `msg`."""


# What a number of an integer field may be: the vendor's service reads a 64-bit integer.
_INT64 = (-(2**63), 2**63 - 1)
# Longer digit strings are read as a float (infinite, so refused), never as an int: Python
# refuses to read more than 4300 digits, and no field here holds a number that long.
_MAX_INTEGER_DIGITS = 20


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _not_json(constant: str) -> object:
    # Python reads NaN and Infinity, which JSON has not.
    raise ValueError(f"{constant} is not a JSON value")


def _integer(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= _MAX_INTEGER_DIGITS else float(text)


def _path(parts: Sequence[str | int]) -> str:
    """`amendModRoles[0].userId`: how a message names a place in the body."""
    told = ""
    for part in parts:
        if isinstance(part, int):
            told += f"[{part}]"
        else:
            told += f".{part}" if told else part
    return told


def json_type(value: object) -> str:
    """The JSON Schema type a parsed JSON value has (`integer` apart from `number`)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "null"


def _kind(value: object) -> str:
    """`value`'s JSON type with its article, as a refusal tells it (any number a number)."""
    kind = json_type(value)
    if kind in ("integer", "number"):
        return "a number"
    return kind if kind == "null" else f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class BodyRules:
    """The JSON request body of one operation (or its absence), checked against the body's
    schema with jsonschema-rs; each refusal names the field by its path and tells what the
    schema allows there. Every problem of a body is reported at once."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.schema: Mapping[str, Any] | None = operation.body
        self.required = operation.body_required
        self._validator = (
            None if self.schema is None else jsonschema_rs.Draft202012Validator(dict(self.schema))
        )
        self._leaf_validators: dict[int, jsonschema_rs.Draft202012Validator] = {}

    @property
    def takes_body(self) -> bool:
        return self.schema is not None

    def check_media_type(self, content_type: str | None, raw: bytes) -> None:
        """UnsupportedMediaType unless the body is sent as JSON; no Content-Type at all is
        read as JSON (the vendor's default)."""
        if not raw or content_type is None or self.schema is None:
            return
        media = content_type.split(";", 1)[0].strip().lower()
        if media != JSON_MEDIA_TYPE:
            raise UnsupportedMediaType(
                f"Verify parameters failed: Content-Type must be {JSON_MEDIA_TYPE}, "
                f"not {media or 'empty'}"
            )

    def parse(self, raw: bytes) -> dict[str, object]:
        """The body's values, integers read as integers; ValidationError naming each problem
        otherwise (a body where none is taken, bytes that are no JSON, a wrong field)."""
        if self.schema is None:
            if raw:
                raise ValidationError(
                    [
                        f"{self.operation.operation_id} takes no request body "
                        f"({len(raw)} bytes sent); send none"
                    ]
                )
            return {}
        if not raw:
            if self.required:
                fields = ", ".join(self._properties(self.schema)) or "its fields"
                raise ValidationError([f"the request body is required (a JSON object: {fields})"])
            return {}
        body = self._decoded(raw)
        if not isinstance(body, dict):
            raise ValidationError([f"the request body must be a JSON object, not {_kind(body)}"])
        problems = self._problems(body, self.schema, [])
        assert self._validator is not None
        if not problems and not self._validator.is_valid(body):
            # A constraint the walk does not tell (none in today's spec): jsonschema-rs's own.
            problems = [
                f"{_path(error.instance_path) or 'the request body'}: {error.message}"
                for error in self._validator.iter_errors(body)
            ]
        if problems:
            raise ValidationError(problems)
        return body

    def valid_fields(self, raw: bytes) -> dict[str, object]:
        """The fields of a (refused) body that are right on their own: none when it is no
        JSON object. What a flawed server would still act on (a fault)."""
        try:
            body = self._decoded(raw)
        except ValidationError:
            return {}
        if not isinstance(body, dict) or self.schema is None:
            return {}
        properties: Mapping[str, Any] = self.schema.get("properties") or {}
        kept: dict[str, object] = {}
        for name, value in body.items():
            schema = properties.get(name)
            if schema is None:
                continue
            read = _as_integer(value) if schema.get("type") == "integer" else value
            if not self._problems(read, schema, [name]):
                kept[name] = read
        return kept

    def _decoded(self, raw: bytes) -> object:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(
                [
                    f"the request body is not UTF-8 (byte 0x{raw[error.start]:02x} at "
                    f"position {error.start})"
                ]
            ) from None
        try:
            return json.loads(
                text,
                object_pairs_hook=_no_duplicates,
                parse_constant=_not_json,
                parse_int=_integer,
            )
        except _DuplicateKey as error:
            raise ValidationError(
                [f"{error.key} is given twice in the request body; give it once"]
            ) from None
        except json.JSONDecodeError as error:
            raise ValidationError(
                [
                    f"the request body is not valid JSON: {error.msg} at line {error.lineno}, "
                    f"column {error.colno} (character {error.pos})"
                ]
            ) from None
        except ValueError as error:
            raise ValidationError([f"the request body is not valid JSON: {error}"]) from None

    @staticmethod
    def _properties(schema: Mapping[str, Any]) -> list[str]:
        properties = schema.get("properties")
        return list(properties) if isinstance(properties, Mapping) else []

    def _problems(self, value: object, schema: Mapping[str, Any], at: list[str | int]) -> list[str]:
        """What is wrong with `value` at `at`, told from `schema`; integral numbers of an
        integer field are read as int in place."""
        kind = schema.get("type")
        if kind == "object" and isinstance(value, dict):
            return self._object_problems(value, schema, at)
        if kind == "array" and isinstance(value, list):
            items = schema.get("items")
            problems = []
            for index, item in enumerate(value):
                if isinstance(items, Mapping):
                    problems += self._problems(item, items, [*at, index])
            # The array's own constraints (its length), once its items are right.
            return problems or self._leaf_problems(value, schema, at)
        return self._leaf_problems(value, schema, at)

    def _object_problems(
        self, value: dict[str, object], schema: Mapping[str, Any], at: list[str | int]
    ) -> list[str]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        problems = []
        for name in schema.get("required") or []:
            if name not in value:
                told = _hint(properties.get(name) or {}, expectation(properties.get(name) or {}))
                problems.append(f"{_path([*at, name])} is required ({told})")
        dependent: Mapping[str, Any] = schema.get("dependentRequired") or {}
        for name, needed in dependent.items():
            if name in value:
                problems += [
                    f"{_path([*at, other])} is required when {_path([*at, name])} is given"
                    for other in needed
                    if other not in value
                ]
        for name in list(value):
            field_schema = properties.get(name)
            if field_schema is None:
                if schema.get("additionalProperties") is False:
                    allowed = ", ".join(properties) or "none"
                    owner = _path(at) or "the request body"
                    problems.append(
                        f"{_path([*at, name])} is not a field of {owner} (fields: {allowed})"
                    )
                continue
            if field_schema.get("type") == "integer":
                value[name] = _as_integer(value[name])
            problems += self._problems(value[name], field_schema, [*at, name])
        return problems

    def _leaf_problems(
        self, value: object, schema: Mapping[str, Any], at: list[str | int]
    ) -> list[str]:
        # The inlined schema's parts live as long as these rules: their ids are stable keys.
        key = id(schema)
        validator = self._leaf_validators.get(key)
        if validator is None:
            validator = self._leaf_validators[key] = jsonschema_rs.Draft202012Validator(
                dict(schema)
            )
        if _integer_out_of_range(value, schema):
            fits = "" if "enum" in schema else " that fits in 64 bits"
            return [f"{_path(at)} must be {_told(schema, value)}{fits}"]
        if validator.is_valid(value):
            return []
        return [f"{_path(at)} must be {_told(schema, value)}"]


def _integer_out_of_range(value: object, schema: Mapping[str, Any]) -> bool:
    """A JSON integer of a numeric field that the vendor's service could not read."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return schema.get("type") == "integer" and not _INT64[0] <= value <= _INT64[1]


def _as_integer(value: object) -> object:
    """An integral JSON number of an integer field (`1.0`, `1e2`) as an int; else as sent."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A schema's `pattern` told in words, for refusals (openapi.yaml's GroupName has one).
PATTERN_IN_WORDS = "x-koodrive-pattern-in-words"


def _told(schema: Mapping[str, Any], value: object) -> str:
    """What `value` must be to satisfy `schema`: `expectation()`, plus the constraint it
    fails when that says nothing of it (a pattern, values it must not be)."""
    enum = schema.get("enum")
    if isinstance(enum, list) and all(isinstance(item, str) for item in enum):
        # A body's strings are told quoted: `top` is the string "1", never the number 1.
        quoted = [json.dumps(item) for item in enum]
        return expectation({**schema, "enum": quoted})
    kind = schema.get("type")
    if kind in _CONTAINERS and enum is None:
        return _container(schema)
    told = expectation(schema)
    if not isinstance(value, str) or kind != "string" or enum is not None:
        return told
    excluded = (schema.get("not") or {}).get("enum")
    if isinstance(excluded, list) and value in excluded:
        return f"{told}, not " + " or ".join(json.dumps(item) for item in excluded)
    pattern = schema.get("pattern")
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    fits = len(value) >= low and (high is None or len(value) <= high)
    if (
        isinstance(pattern, str)
        and fits
        and pattern not in told
        and not _FIXED_CLASS.fullmatch(pattern)
    ):
        # A pattern a person cannot read at a glance carries its meaning in words.
        said = schema.get(PATTERN_IN_WORDS)
        return f"{told}, {said}" if isinstance(said, str) else f"{told} matching {pattern}"
    return told


_CONTAINERS = ("object", "array", "boolean", "number")


def _container(schema: Mapping[str, Any]) -> str:
    """What a value of a type `expectation()` does not tell must be."""
    kind = schema.get("type")
    if kind == "object":
        fields = list(schema.get("properties") or {})
        return "an object" + (f" (fields: {', '.join(fields)})" if fields else "")
    if kind == "array":
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None and high is not None:
            return f"an array of {low} to {high} items"
        if low is not None:
            return f"an array of at least {low} items"
        return f"an array of at most {high} items" if high is not None else "an array"
    return "true or false" if kind == "boolean" else "a number"
