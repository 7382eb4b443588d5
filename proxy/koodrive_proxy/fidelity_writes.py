"""The request bodies the fidelity score sends, and how it undoes what they made, each read
from the spec: a valid body (the request body's own example, the field a create answers
the existing record for made new), each required field left out, each field of the wrong
type, each enum field outside its list, each text field one past its `maxLength`; a record
id no side holds, for the path of an update or a delete; and the delete that undoes a create
(the write whose `x-koodrive-behaviour` deletes the same record, by the create's key).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from koodrive_spec.behaviour import Behaviour, Effect
from koodrive_spec.reader import Operation, Parameter, Spec

from koodrive_proxy.fidelity_requests import example_of

JSON_MEDIA_TYPE = "application/json"


def is_write(operation: Operation, behaviour: Behaviour | None) -> bool:
    """Whether sending it may change a side's data: a declared write, or any operation
    other than a read (GET, HEAD) the behaviour extension does not describe."""
    if behaviour is not None and behaviour.write is not None:
        return True
    return operation.method.upper() not in ("GET", "HEAD")


def _valid(schema: Mapping[str, Any], value: object) -> bool:
    return jsonschema.Draft202012Validator(dict(schema)).is_valid(value)


def valid_body(
    operation: Operation, behaviour: Behaviour | None, nonce: str
) -> dict[str, object] | None:
    """A body the operation takes: its first example, with the field that a create answers
    the existing record for (`same-record-for`) made new with `nonce`, so that no side's
    record is ever answered (and then undone), and its `marker` field naming the run
    (`koodrive-fidelity-<nonce>`); None when the spec gives no valid example."""
    if operation.body is None:
        return None
    media = ((operation.definition.get("requestBody") or {}).get("content") or {}).get(
        JSON_MEDIA_TYPE
    ) or {}
    found: object = media.get("example")
    examples = media.get("examples")
    if found is None and isinstance(examples, Mapping) and examples:
        first = next(iter(examples.values()))
        found = first.get("value") if isinstance(first, Mapping) else None
    if not isinstance(found, Mapping):
        return None
    body = dict(found)
    write = behaviour.write if behaviour is not None else None
    field = write.same_record_for if write is not None else None
    properties: Mapping[str, Any] = operation.body.get("properties") or {}
    if field is not None and field in properties:
        example = str(body.get(field, ""))
        fresh = next(
            (
                text
                for text in (f"{example}_{nonce}", f"{example}{nonce}", nonce)
                if _valid(properties[field], text)
            ),
            None,
        )
        if fresh is None:
            return None
        body[field] = fresh
    marker = write.marker if write is not None else None
    if marker is not None and marker in properties:
        named = f"koodrive-fidelity-{nonce}"  # what a run made, should its delete fail
        if _valid(properties[marker], named):
            body[marker] = named
    return body if _valid(operation.body, body) else None


@dataclass(frozen=True)
class BodyCase:
    name: str  # "body without groupName"
    body: bytes


def encoded(body: Mapping[str, object]) -> bytes:
    """As the SDK sends a body: compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def body_cases(operation: Operation, valid: Mapping[str, object]) -> Iterator[BodyCase]:
    """The invalid bodies made from `valid`, field by field of the body's schema."""
    schema = operation.body or {}
    properties: Mapping[str, Any] = schema.get("properties") or {}
    for name in schema.get("required") or []:
        yield BodyCase(
            f"body without {name}", encoded({k: v for k, v in valid.items() if k != name})
        )
    for name, field in properties.items():
        if not isinstance(field, Mapping):
            continue
        kind = field.get("type")
        wrong: object = 12345 if kind == "string" else "not-a-number"
        if kind not in ("object", "array", "boolean"):
            yield BodyCase(f"body {name} of the wrong type", encoded({**valid, name: wrong}))
        enum = field.get("enum")
        if isinstance(enum, list) and enum:
            yield BodyCase(f"body {name} not in its list", encoded({**valid, name: _outside(enum)}))
        high = field.get("maxLength")
        if kind == "string" and isinstance(high, int):
            too_long = {**valid, name: "a" * (high + 1)}
            yield BodyCase(f"body {name} of {high + 1} characters", encoded(too_long))


def _outside(enum: list[object]) -> object:
    """A value of the list's own JSON type that is not in it."""
    numbers = [value for value in enum if isinstance(value, int) and not isinstance(value, bool)]
    if len(numbers) == len(enum):
        return max(numbers) + 1
    return "not-a-listed-value"


def path_values(operation: Operation, behaviour: Behaviour | None) -> dict[str, str]:
    """A value for each path parameter: for the key of an update or a delete, and the group
    of a membership batch, a record id no side holds (the example's characters as zeros,
    when the schema takes it), so that no record (and no group's members) is changed; else
    the parameter's example."""
    write = behaviour.write if behaviour is not None else None
    membership = behaviour.membership if behaviour is not None else None
    keys = {write.key_parameter if write is not None else None}
    keys.add(membership.group if membership is not None else None)
    found = {}
    for parameter in operation.parameters:
        if parameter.location != "path":
            continue
        example = example_of(parameter) or ""
        if parameter.name in keys:
            found[parameter.name] = absent_key(parameter, example)
        else:
            found[parameter.name] = example
    return found


def absent_key(parameter: Parameter, example: str) -> str:
    zeros = "0" * max(len(example), 1)
    return zeros if _valid(parameter.schema, zeros) else example


@dataclass(frozen=True)
class Undo:
    """The delete that undoes a create: its operation and the path parameter it names the
    record by."""

    operation: Operation
    parameter: str


def undo_of(spec: Spec, operation_id: str) -> Undo | None:
    """For a create, the write that deletes the same record (by its key); None otherwise."""
    behaviour = spec.behaviours.get(operation_id)
    write = behaviour.write if behaviour is not None else None
    if write is None or write.effect is not Effect.CREATE:
        return None
    for other in spec.behaviours.values():
        found = other.write
        if (
            found is not None
            and found.effect is Effect.DELETE
            and found.record == write.record
            and found.key_parameter is not None
        ):
            return Undo(spec.operations[other.operation_id], found.key_parameter)
    return None
