"""The request rules: path, query and header parameters, read and checked against their
schemas in openapi.yaml.

Each parameter's schema (inlined by the spec reader) is checked with jsonschema-rs (the
validator schemathesis uses; a Rust one, fast enough for every request) after the text is
read as the schema's type, as a server reads a query string. A problem is told in
the vendor's style, from the schema itself: `pageSize must be an integer from 1 to 100`,
`sourceType must be 0 (groups) or 1 (user groups)`, `X-Traceid must be exactly 58 characters
from [0-9A-Za-z]`. Every problem of a request is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from koodrive_spec.behaviour import Behaviour
from koodrive_spec.reader import Operation, Parameter

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

    @classmethod
    def of(cls, parameter: Parameter, behaviour: Behaviour | None) -> Rule:
        told = expectation(parameter.schema)
        hint = _hint(parameter.schema, told)
        paging = behaviour.paging if behaviour is not None else None
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
        )

    @property
    def name(self) -> str:
        return self.parameter.name

    def read(self, text: str) -> object:
        """`text` as the schema's type; unchanged when it does not read as one. A value of
        a list is read only in the list's own spelling (`01` is not `1`)."""
        if self.enum is not None:
            return next((value for value in self.enum if str(value) == text), text)
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
