"""Classify every difference between two OpenAPI documents as breaking or compatible.

The point of view is a team that upgrades the SDK generated from the spec: a change is
breaking when code or calls that worked with the old version can fail with the new one.
Three rules decide:

- Nothing a user can name may disappear: an operation, a parameter, a field, an enum
  value, a status code, a component schema (it is a model class of the generated client).
- What the client sends (parameters, request bodies) may widen but not narrow: a new
  required parameter or field, a narrower type, a raised minimum, a new pattern are
  breaking; removing a constraint is not.
- What the client receives (responses) may narrow but not widen: a field that may now be
  absent, a type, an enum or a bound that now admits more values is breaking (the old SDK
  raises on a new enum value; code written against the old bounds meets values it never
  saw); a tighter constraint is not.
- `format` is part of the type: where the generated client maps it to a Python type
  (`date-time` is `datetime`), any change of it changes the model and is breaking.

A change that leaves callers alone but takes something from the contract suite (a removed
or changed `links` entry its stateful phase follows) is reported in a class of its own,
`suite`: it needs no version bump, but a reviewer should see it.

Everything else that differs is reported too: documentation (descriptions, summaries,
examples, vendor extensions) as compatible, and any keyword this module does not model
as breaking, so that a human looks at it before it ships.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from patterns import Relation, relation

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
DOCUMENTATION_KEYS = frozenset({"description", "summary", "title", "example", "examples"})
# Keys whose changes cannot break a caller, whatever their value.
HARMLESS_KEYS = DOCUMENTATION_KEYS | {"deprecated", "externalDocs"}
# Raising one of these, or adding it, narrows what is accepted.
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
# Lowering one of these, or adding it, narrows what is accepted.
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
# Two of these cannot be ordered: a change of one is taken as narrowing and widening at once.
# (`pattern` is compared as a language, by patterns.relation.)
EXACT_CONSTRAINTS = ("multipleOf", "const")
# The formats openapi-python-client turns into a Python type of their own (others stay `str`).
TYPED_FORMATS = {"date-time": "datetime", "date": "date", "uuid": "UUID", "binary": "File"}
# A change to one of these puts other bytes on the wire for the same call.
SERIALIZATION_KEYS = frozenset({"style", "explode", "allowReserved", "allowEmptyValue", "encoding"})


class Severity(enum.StrEnum):
    BREAKING = "breaking"
    SUITE = "suite"  # compatible for callers; the contract suite loses something it follows
    COMPATIBLE = "compatible"


class Affected(enum.StrEnum):
    """Whom a breaking change breaks (what a reviewer tells the teams that upgrade)."""

    CALLERS = "callers of the operation"
    SENDERS = "callers that send this value"
    READERS = "code that reads this response (the SDK's models among them)"
    PYTHON = "Python code that names it in the SDK"
    SUITE = "the contract suite's stateful phase"
    REVIEW = "unknown: review it"


class Direction(enum.Enum):
    """Which way a schema travels, which decides whether widening or narrowing breaks."""

    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True)
class Change:
    severity: Severity
    location: str
    message: str
    affects: Affected | None = None  # set on breaking and suite changes
    documentation: bool = False  # a change of documentation only (a patch release)

    def __str__(self) -> str:
        return f"{self.severity:<10}  {self.location}: {self.message}"


class SpecError(ValueError):
    """A document is not an OpenAPI description this module can compare."""


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference from `old` to `new`, the breaking ones first."""
    for name, document in (("base", old), ("new", new)):
        if not isinstance(document, Mapping) or "openapi" not in document:
            raise SpecError(f"the {name} document is not an OpenAPI description (no `openapi` key)")
    changes = list(_Comparison(_Document(old), _Document(new)).run())
    order = list(Severity)
    return sorted(changes, key=lambda change: order.index(change.severity))


class _Document:
    """A parsed document that can follow its local `$ref`s."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, node: Any) -> Any:
        seen: set[str] = set()
        while isinstance(node, Mapping) and "$ref" in node:
            reference = node["$ref"]
            if reference in seen:
                raise SpecError(f"$ref cycle through {reference}")
            seen.add(reference)
            target = self._pointer(reference)
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            # OpenAPI 3.1 lets a $ref carry its own description next to it.
            node = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
        return node

    def _pointer(self, reference: Any) -> Any:
        if not isinstance(reference, str) or not reference.startswith("#/"):
            raise SpecError(f"only local $refs (#/...) are supported, got {reference!r}")
        node: Any = self.root
        for token in reference[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or token not in node:
                raise SpecError(f"$ref {reference} points to nothing")
            node = node[token]
        return node

    def flatten(self, schema: Any) -> dict[str, Any]:
        """The schema with its `$ref`s followed and its `allOf` parts merged into one."""
        resolved = self.resolve(schema)
        if not isinstance(resolved, Mapping):
            return {}  # `true`/`false` schemas carry nothing this module compares
        merged = {key: value for key, value in resolved.items() if key != "allOf"}
        properties = dict(merged.get("properties", {}))
        required = list(merged.get("required", []))
        for part in resolved.get("allOf", []):
            flat = self.flatten(part)
            properties.update(flat.get("properties", {}))
            required += [name for name in flat.get("required", []) if name not in required]
            for key, value in flat.items():
                merged.setdefault(key, value)
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged


class _Comparison:
    def __init__(self, old: _Document, new: _Document) -> None:
        self.old = old
        self.new = new
        # The ($ref, $ref) pairs being compared further up: a recursive schema stops here.
        self._schemas_in_progress: set[tuple[str, str]] = set()
        # The response field of the operation being compared that carries its next cursor.
        self._next_cursor: str | None = None

    def run(self) -> Iterator[Change]:
        yield from self._metadata()
        yield from self._component_schemas()
        yield from self._security_schemes()
        yield from self._paths()

    # -- document level -------------------------------------------------------------

    def _metadata(self) -> Iterator[Change]:
        old_info = {k: v for k, v in self.old.root.get("info", {}).items() if k != "version"}
        new_info = {k: v for k, v in self.new.root.get("info", {}).items() if k != "version"}
        for key in sorted(old_info.keys() | new_info.keys()):
            if old_info.get(key) != new_info.get(key):
                yield _documentation(f"info.{key}", "changed")
        old_servers = [s.get("url") for s in self.old.root.get("servers", [])]
        new_servers = [s.get("url") for s in self.new.root.get("servers", [])]
        for url in old_servers:
            if url not in new_servers:
                yield _breaking("servers", f"server {url} removed", Affected.CALLERS)
        for url in new_servers:
            if url not in old_servers:
                yield _compatible("servers", f"server {url} added")
        if self.old.root.get("tags") != self.new.root.get("tags"):
            yield _documentation("tags", "tag documentation changed")
        handled = {"openapi", "info", "servers", "tags", "paths", "components", "security"}
        for key in sorted(self.old.root.keys() | self.new.root.keys()):
            if key not in handled and self.old.root.get(key) != self.new.root.get(key):
                yield _other_key(key, key)

    def _component_schemas(self) -> Iterator[Change]:
        """Each component schema is a model class of the generated client."""
        old = self.old.root.get("components", {}).get("schemas", {})
        new = self.new.root.get("components", {}).get("schemas", {})
        for name in old.keys() - new.keys():
            yield _breaking(
                f"components.schemas.{name}", "schema removed (a model class goes)", Affected.PYTHON
            )
        for name in new.keys() - old.keys():
            yield _compatible(f"components.schemas.{name}", "schema added")

    def _security_schemes(self) -> Iterator[Change]:
        old = self.old.root.get("components", {}).get("securitySchemes", {})
        new = self.new.root.get("components", {}).get("securitySchemes", {})
        for name in sorted(old.keys() | new.keys()):
            where = f"security scheme {name}"
            if name not in new:
                yield _breaking(where, "removed", Affected.CALLERS)
            elif name not in old:
                yield _compatible(where, "added")
            else:
                yield from _keyed_differences(where, old[name], new[name], handled=())

    def _paths(self) -> Iterator[Change]:
        old_ops = dict(self._operations(self.old))
        new_ops = dict(self._operations(self.new))
        for key in sorted(old_ops.keys() | new_ops.keys()):
            if key not in new_ops:
                yield _breaking(old_ops[key][0], "operation removed", Affected.CALLERS)
            elif key not in old_ops:
                yield _compatible(new_ops[key][0], "operation added")
            else:
                where, old_op, old_params = old_ops[key]
                _, new_op, new_params = new_ops[key]
                yield from self._operation(where, old_op, new_op, old_params, new_params)

    def _operations(
        self, document: _Document
    ) -> Iterator[tuple[tuple[str, str], tuple[str, dict[str, Any], list[Any]]]]:
        for path, item in document.root.get("paths", {}).items():
            item = document.resolve(item)
            # Renaming a path variable keeps the operation; its parameter is compared below.
            template = re.sub(r"\{[^}]*\}", "{}", path)
            for method in HTTP_METHODS:
                if method in item:
                    parameters = [*item.get("parameters", []), *item[method].get("parameters", [])]
                    value = (f"{method.upper()} {path}", item[method], parameters)
                    yield (template, method), value

    # -- operations -----------------------------------------------------------------

    def _operation(
        self,
        where: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        old_parameters: list[Any],
        new_parameters: list[Any],
    ) -> Iterator[Change]:
        if old.get("operationId") != new.get("operationId"):
            yield _breaking(
                where,
                f"operationId {old.get('operationId')!r} -> {new.get('operationId')!r}"
                " (the generated function is renamed)",
                Affected.PYTHON,
            )
        if sorted(old.get("tags", [])) != sorted(new.get("tags", [])):
            yield _breaking(
                where,
                f"tags {old.get('tags', [])} -> {new.get('tags', [])}"
                " (the generated function moves to another module)",
                Affected.PYTHON,
            )
        yield from self._parameters(where, old_parameters, new_parameters)
        yield from self._request_body(where, old.get("requestBody"), new.get("requestBody"))
        self._next_cursor = _next_cursor(old)
        yield from self._responses(where, old.get("responses", {}), new.get("responses", {}))
        self._next_cursor = None
        yield from self._security(where, old, new)
        handled = ("operationId", "tags", "parameters", "requestBody", "responses", "security")
        yield from _keyed_differences(where, old, new, handled)

    def _parameters(self, where: str, old: list[Any], new: list[Any]) -> Iterator[Change]:
        old_by_key = self._parameters_by_key(self.old, old)
        new_by_key = self._parameters_by_key(self.new, new)
        for key in sorted(old_by_key.keys() | new_by_key.keys()):
            location, name = key[0], (new_by_key.get(key) or old_by_key[key])["name"]
            here = f"{where} {location} parameter {name}"
            if key not in new_by_key:
                yield _breaking(here, "parameter removed", Affected.SENDERS)
                continue
            new_parameter = new_by_key[key]
            now_required = bool(new_parameter.get("required")) or location == "path"
            if key not in old_by_key:
                if now_required:
                    yield _breaking(here, "new required parameter", Affected.CALLERS)
                else:
                    yield _compatible(here, "new optional parameter")
                continue
            old_parameter = old_by_key[key]
            was_required = bool(old_parameter.get("required")) or location == "path"
            if now_required and not was_required:
                yield _breaking(here, "parameter became required", Affected.CALLERS)
            elif was_required and not now_required:
                yield _compatible(here, "parameter became optional")
            yield from self._schema(
                here, old_parameter.get("schema"), new_parameter.get("schema"), Direction.REQUEST
            )
            yield from self._content(
                here, old_parameter.get("content"), new_parameter.get("content"), Direction.REQUEST
            )
            handled = ("name", "in", "required", "schema", "content")
            yield from _keyed_differences(here, old_parameter, new_parameter, handled)

    @staticmethod
    def _parameters_by_key(
        document: _Document, parameters: list[Any]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        by_key: dict[tuple[str, str], dict[str, Any]] = {}
        for parameter in parameters:  # operation-level ones come last and win
            resolved = document.resolve(parameter)
            name, location = resolved["name"], resolved["in"]
            by_key[(location, name.lower() if location == "header" else name)] = resolved
        return by_key

    def _request_body(self, where: str, old: Any, new: Any) -> Iterator[Change]:
        here = f"{where} request body"
        old_body, new_body = self.old.resolve(old), self.new.resolve(new)
        if old_body is None and new_body is None:
            return
        if old_body is None:
            if new_body.get("required"):
                yield _breaking(here, "new required request body", Affected.CALLERS)
            else:
                yield _compatible(here, "new optional request body")
            return
        if new_body is None:
            yield _breaking(here, "request body removed", Affected.SENDERS)
            return
        if new_body.get("required") and not old_body.get("required"):
            yield _breaking(here, "request body became required", Affected.CALLERS)
        elif old_body.get("required") and not new_body.get("required"):
            yield _compatible(here, "request body became optional")
        yield from self._content(
            f"{where} request", old_body.get("content"), new_body.get("content"), Direction.REQUEST
        )
        yield from _keyed_differences(here, old_body, new_body, handled=("required", "content"))

    def _responses(
        self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> Iterator[Change]:
        for status in sorted(old.keys() | new.keys(), key=str):
            here = f"{where} response {status}"
            if status not in new:
                yield _breaking(here, "response status removed", Affected.READERS)
                continue
            if status not in old:
                yield _compatible(here, "response status added")
                continue
            old_response, new_response = (
                self.old.resolve(old[status]),
                self.new.resolve(new[status]),
            )
            yield from self._headers(
                here, old_response.get("headers", {}), new_response.get("headers", {})
            )
            yield from self._content(
                here, old_response.get("content"), new_response.get("content"), Direction.RESPONSE
            )
            yield from _links(here, old_response.get("links"), new_response.get("links"))
            yield from _keyed_differences(
                here, old_response, new_response, handled=("headers", "content", "links")
            )

    def _headers(
        self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> Iterator[Change]:
        old_by_name = {name.lower(): value for name, value in old.items()}
        new_by_name = {name.lower(): value for name, value in new.items()}
        for name in sorted(old_by_name.keys() | new_by_name.keys()):
            here = f"{where} header {name}"
            if name not in new_by_name:
                yield _breaking(here, "response header removed", Affected.READERS)
            elif name not in old_by_name:
                yield _compatible(here, "response header added")
            else:
                old_header = self.old.resolve(old_by_name[name])
                new_header = self.new.resolve(new_by_name[name])
                yield from self._schema(
                    here, old_header.get("schema"), new_header.get("schema"), Direction.RESPONSE
                )
                yield from _keyed_differences(here, old_header, new_header, handled=("schema",))

    def _content(self, where: str, old: Any, new: Any, direction: Direction) -> Iterator[Change]:
        old_media, new_media = old or {}, new or {}
        for media_type in sorted(old_media.keys() | new_media.keys()):
            here = f"{where} ({media_type})"
            if media_type not in new_media:
                yield _breaking(here, "media type removed", _audience(direction))
            elif media_type not in old_media:
                yield _compatible(here, "media type added")
            else:
                old_entry, new_entry = old_media[media_type], new_media[media_type]
                yield from self._schema(
                    f"{where} body", old_entry.get("schema"), new_entry.get("schema"), direction
                )
                yield from _keyed_differences(here, old_entry, new_entry, handled=("schema",))

    def _security(
        self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> Iterator[Change]:
        old_options = _security_options(old.get("security", self.old.root.get("security")))
        new_options = _security_options(new.get("security", self.new.root.get("security")))
        for option in sorted(old_options - new_options, key=sorted):
            yield _breaking(
                where, f"authentication option {_option_name(option)} removed", Affected.CALLERS
            )
        for option in sorted(new_options - old_options, key=sorted):
            yield _compatible(where, f"authentication option {_option_name(option)} added")

    # -- schemas --------------------------------------------------------------------

    def _schema(self, where: str, old: Any, new: Any, direction: Direction) -> Iterator[Change]:
        if old is None and new is None:
            return
        if old is None or new is None:
            message = "schema removed" if new is None else "schema added"
            yield _breaking(where, message, _audience(direction))
            return
        refs = (_ref_of(old), _ref_of(new))
        if refs[0] and refs[1]:
            if refs in self._schemas_in_progress:
                return
            self._schemas_in_progress.add((refs[0], refs[1]))
        try:
            yield from self._flat_schema(
                where, self.old.flatten(old), self.new.flatten(new), direction
            )
        finally:
            self._schemas_in_progress.discard((refs[0] or "", refs[1] or ""))

    def _flat_schema(
        self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[Change]:
        yield from _types(where, old, new, direction)
        yield from _enum(where, old, new, direction)
        yield from _format(where, old, new, direction)
        yield from _pattern(where, old, new, direction)
        cursor = self._next_cursor is not None and where.endswith(f" body.{self._next_cursor}")
        yield from _constraints(where, old, new, direction, paging_cursor=cursor)
        yield from _default(where, old, new, direction)
        yield from self._properties(where, old, new, direction)
        yield from self._additional_properties(where, old, new, direction)
        yield from self._alternatives(where, old, new, direction)
        if "items" in old or "items" in new:
            yield from self._schema(f"{where}[]", old.get("items"), new.get("items"), direction)
        handled = (
            "type", "nullable", "enum", "x-enum-varnames", "default", "properties", "required",
            "additionalProperties", "items", "oneOf", "anyOf", "uniqueItems", "format", "pattern",
            *LOWER_BOUNDS, *UPPER_BOUNDS, *EXACT_CONSTRAINTS,
        )  # fmt: skip
        yield from _keyed_differences(where, old, new, handled)

    def _properties(
        self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[Change]:
        old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(old_properties.keys() | new_properties.keys()):
            here = f"{where}.{name}"
            if name not in new_properties:
                yield _breaking(here, "field removed", _audience(direction))
                continue
            if name not in old_properties:
                if direction is Direction.REQUEST and name in new_required:
                    yield _breaking(here, "new required field", Affected.CALLERS)
                else:
                    yield _compatible(here, "field added")
                continue
            was, now = name in old_required, name in new_required
            if was != now:
                # Sent: required is narrower. Received: optional is wider (may be absent).
                breaks = now if direction is Direction.REQUEST else was
                message = "field became required" if now else "field became optional"
                yield _classified(breaks, here, message, _audience(direction))
            yield from self._schema(here, old_properties[name], new_properties[name], direction)

    def _additional_properties(
        self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[Change]:
        before = old.get("additionalProperties", True)
        after = new.get("additionalProperties", True)
        if before == after:
            return
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            yield from self._schema(f"{where}{{*}}", before, after, direction)
        elif after is False:
            yield _classified(
                direction is Direction.REQUEST,
                where,
                "no longer accepts undeclared fields",
                Affected.SENDERS,
            )
        else:
            yield _classified(
                direction is Direction.REQUEST and before is True,
                where,
                "undeclared fields constrained" if before is True else "undeclared fields allowed",
                Affected.SENDERS,
            )

    def _alternatives(
        self, where: str, old: dict[str, Any], new: dict[str, Any], direction: Direction
    ) -> Iterator[Change]:
        for keyword in ("oneOf", "anyOf"):
            old_options = _alternatives_by_key(old.get(keyword, []))
            new_options = _alternatives_by_key(new.get(keyword, []))
            for key in old_options.keys() - new_options.keys():
                # A request may no longer be sent in that shape; a response never arrives in it.
                yield _classified(
                    direction is Direction.REQUEST,
                    where,
                    f"{keyword} alternative {key} removed",
                    Affected.SENDERS,
                )
            for key in new_options.keys() - old_options.keys():
                yield _classified(
                    direction is Direction.RESPONSE,
                    where,
                    f"{keyword} alternative {key} added",
                    Affected.READERS,
                )
            for key in sorted(old_options.keys() & new_options.keys()):
                yield from self._schema(
                    f"{where}<{key}>", old_options[key], new_options[key], direction
                )


def _types(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    old_types, new_types = _type_set(old), _type_set(new)
    if old_types == new_types:
        return
    sent, received = (
        (old_types, new_types) if direction is Direction.REQUEST else (new_types, old_types)
    )
    # What was sent must still be accepted; what can now arrive must have arrived before.
    breaks = not all(_accepts(received, kind) for kind in sent)
    message = f"type {_type_name(old_types)} -> {_type_name(new_types)}"
    yield _classified(breaks, where, message, _audience(direction))


def _type_set(schema: Mapping[str, Any]) -> frozenset[str]:
    declared = schema.get("type")
    if declared is None:
        types = ALL_TYPES if "enum" not in schema and "const" not in schema else frozenset()
    elif isinstance(declared, str):
        types = frozenset({declared})
    else:
        types = frozenset(declared)
    return types | {"null"} if schema.get("nullable") is True else types


def _accepts(types: frozenset[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _type_name(types: frozenset[str]) -> str:
    if types == ALL_TYPES:
        return "any"
    return "|".join(sorted(types)) or "unspecified"


def _enum(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    old_values, new_values = old.get("enum"), new.get("enum")
    if old_values is None and new_values is not None:
        yield _classified(
            direction is Direction.REQUEST,
            where,
            f"now restricted to the values {new_values}",
            Affected.SENDERS,
        )
    elif old_values is not None and new_values is None:
        # The SDK's enum type for it disappears in both directions.
        yield _breaking(
            where, f"no longer restricted to the values {old_values}", _audience(direction)
        )
    elif old_values is not None and new_values is not None:
        for value in old_values:
            if value not in new_values:
                yield _breaking(where, f"enum value {value!r} removed", _audience(direction))
        for value in new_values:
            if value in old_values:
                continue
            if direction is Direction.RESPONSE:
                # The old SDK's enum type has no member for it: reading it raises ValueError.
                message = f"enum value {value!r} added (the old SDK raises ValueError on it)"
                yield _breaking(where, message, Affected.READERS)
            else:
                yield _compatible(where, f"enum value {value!r} added")
    if old.get("x-enum-varnames") != new.get("x-enum-varnames") and old_values and new_values:
        old_names = dict(zip(old_values, old.get("x-enum-varnames", []), strict=False))
        new_names = dict(zip(new_values, new.get("x-enum-varnames", []), strict=False))
        for value, name in old_names.items():
            if value in new_names and new_names[value] != name:
                message = f"enum member {name} renamed to {new_names[value]}"
                yield _breaking(where, message, Affected.PYTHON)


def _constraints(
    where: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    direction: Direction,
    *,
    paging_cursor: bool = False,
) -> Iterator[Change]:
    for key in (*LOWER_BOUNDS, *UPPER_BOUNDS, *EXACT_CONSTRAINTS, "uniqueItems"):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        message = _described(key, before, after)
        if after is None or after is False:
            narrowed, widened = False, True
        elif before is None or before is False:
            narrowed, widened = True, False
        elif _is_number(before) and _is_number(after):
            narrowed = after > before if key in LOWER_BOUNDS else after < before
            widened = not narrowed
        else:
            narrowed = widened = True
        yield _bounded(
            where,
            message,
            direction,
            narrowed=narrowed,
            widened=widened,
            paging_cursor=paging_cursor and key == "minLength",
        )


def _pattern(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    before, after = old.get("pattern"), new.get("pattern")
    if before == after:
        return
    message = _described("pattern", before, after)
    if after is None or before is None:
        yield _bounded(where, message, direction, narrowed=after is not None, widened=after is None)
        return
    found = relation(str(before), str(after))
    message += f" ({_PATTERN_RELATIONS[found]})"
    narrowed = found in (Relation.NARROWER, Relation.OTHER, Relation.UNKNOWN)
    widened = found in (Relation.WIDER, Relation.OTHER, Relation.UNKNOWN)
    yield _bounded(where, message, direction, narrowed=narrowed, widened=widened)


_PATTERN_RELATIONS = {
    Relation.EQUAL: "the same strings",
    Relation.WIDER: "accepts more strings",
    Relation.NARROWER: "accepts fewer strings",
    Relation.OTHER: "each accepts strings the other refuses",
    Relation.UNKNOWN: "spec-diff cannot compare these patterns: review it",
}


def _described(key: str, before: Any, after: Any) -> str:
    """`maxLength 128 -> 256`, `pattern '^a$' added`, `uniqueItems True removed`."""
    if after is None or after is False:
        return f"{key} {before!r} removed"
    if before is None or before is False:
        return f"{key} {after!r} added"
    return f"{key} {before!r} -> {after!r}"


def _bounded(
    where: str,
    message: str,
    direction: Direction,
    *,
    narrowed: bool,
    widened: bool,
    paging_cursor: bool = False,
) -> Change:
    """A changed constraint: what is sent may not narrow, what is received may not widen."""
    if direction is Direction.REQUEST:
        return _classified(narrowed, where, message, Affected.SENDERS)
    if widened and paging_cursor:
        message += " (an empty cursor would restart paging forever)"
    elif widened:
        message += " (values the old bounds excluded may now arrive)"
    return _classified(widened, where, message, Affected.READERS)


def _format(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    before, after = old.get("format"), new.get("format")
    if before == after:
        return
    message = _described("format", before, after)
    old_type, new_type = TYPED_FORMATS.get(str(before)), TYPED_FORMATS.get(str(after))
    if old_type != new_type:
        # The generated field or argument changes its Python type: breaking either way.
        message += f" (the generated type changes: {old_type or 'str'} -> {new_type or 'str'})"
        yield _breaking(where, message, Affected.PYTHON)
        return
    yield _bounded(
        where, message, direction, narrowed=after is not None, widened=before is not None
    )


def _default(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    before, after = old.get("default"), new.get("default")
    if before != after:
        # The generated client sends the default when a caller leaves the argument out.
        message = f"default {before!r} -> {after!r}"
        yield _classified(direction is Direction.REQUEST, where, message, Affected.CALLERS)


def _alternatives_by_key(alternatives: Sequence[Any]) -> dict[str, Any]:
    return {
        (_ref_of(option) or "").rsplit("/", 1)[-1] or f"#{index}": option
        for index, option in enumerate(alternatives)
    }


def _ref_of(node: Any) -> str | None:
    return node.get("$ref") if isinstance(node, Mapping) else None


def _security_options(requirements: Any) -> set[frozenset[str]]:
    if not requirements:
        return {frozenset()}  # no requirement at all: anonymous calls
    return {frozenset(requirement) for requirement in requirements}


def _option_name(option: frozenset[str]) -> str:
    return "+".join(sorted(option)) or "anonymous"


def _keyed_differences(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], handled: Sequence[str]
) -> Iterator[Change]:
    """The differences in keys the caller did not compare itself."""
    for key in sorted(old.keys() | new.keys()):
        if key not in handled and key != "$ref" and old.get(key) != new.get(key):
            yield _other_key(where, key)


def _other_key(where: str, key: str) -> Change:
    if key in HARMLESS_KEYS or key.startswith("x-"):
        return _documentation(where, f"{key} changed")
    if key in SERIALIZATION_KEYS:
        message = f"{key} changed (the same call is serialised differently)"
        return _breaking(where, message, Affected.CALLERS)
    return _breaking(where, f"{key} changed (not classified by spec-diff: review it)")


def _links(where: str, old: Any, new: Any) -> Iterator[Change]:
    """The contract suite's stateful phase walks the links: a lost one is a lost test path."""
    old_links, new_links = old or {}, new or {}
    for name in sorted(old_links.keys() | new_links.keys()):
        here = f"{where} link {name}"
        if name not in new_links:
            yield Change(
                Severity.SUITE,
                here,
                "link removed (the contract suite's stateful phase no longer follows it)",
                Affected.SUITE,
            )
        elif name not in old_links:
            yield _compatible(here, "link added")
        else:
            before = {k: v for k, v in old_links[name].items() if k != "description"}
            after = {k: v for k, v in new_links[name].items() if k != "description"}
            if before != after:
                message = "link changed (the stateful phase follows it differently)"
                yield Change(Severity.SUITE, here, message, Affected.SUITE)
            elif old_links[name] != new_links[name]:
                yield _documentation(here, "description changed")


def _next_cursor(operation: Mapping[str, Any]) -> str | None:
    """The response field that carries an operation's next cursor (x-koodrive-behaviour)."""
    behaviour = operation.get("x-koodrive-behaviour")
    paging = behaviour.get("paging") if isinstance(behaviour, Mapping) else None
    field = paging.get("next-cursor") if isinstance(paging, Mapping) else None
    return field if isinstance(field, str) else None


def _audience(direction: Direction) -> Affected:
    return Affected.SENDERS if direction is Direction.REQUEST else Affected.READERS


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _classified(
    breaks: bool, where: str, message: str, affects: Affected = Affected.REVIEW
) -> Change:
    return _breaking(where, message, affects) if breaks else _compatible(where, message)


def _breaking(where: str, message: str, affects: Affected = Affected.REVIEW) -> Change:
    return Change(Severity.BREAKING, where, message, affects)


def _compatible(where: str, message: str) -> Change:
    return Change(Severity.COMPATIBLE, where, message)


def _documentation(where: str, message: str) -> Change:
    return Change(Severity.COMPATIBLE, where, message, documentation=True)
