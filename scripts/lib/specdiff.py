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
  absent or a type that now admits more values is breaking; a tighter constraint is not
  (the SDK's models do not change with it).

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

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
DOCUMENTATION_KEYS = frozenset({"description", "summary", "title", "example", "examples"})
# Keys whose changes cannot break a caller, whatever their value.
HARMLESS_KEYS = DOCUMENTATION_KEYS | {"deprecated", "externalDocs", "links"}
# Raising one of these, or adding it, narrows what is accepted.
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
# Lowering one of these, or adding it, narrows what is accepted.
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
# These cannot be ordered (two regular expressions are not comparable): any change narrows.
EXACT_CONSTRAINTS = ("pattern", "format", "multipleOf", "const")
# A change to one of these puts other bytes on the wire for the same call.
SERIALIZATION_KEYS = frozenset({"style", "explode", "allowReserved", "allowEmptyValue", "encoding"})


class Severity(enum.StrEnum):
    BREAKING = "breaking"
    COMPATIBLE = "compatible"


class Direction(enum.Enum):
    """Which way a schema travels, which decides whether widening or narrowing breaks."""

    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True)
class Change:
    severity: Severity
    location: str
    message: str

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
    return sorted(changes, key=lambda change: change.severity != Severity.BREAKING)


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
                yield _compatible(f"info.{key}", "changed")
        old_servers = [s.get("url") for s in self.old.root.get("servers", [])]
        new_servers = [s.get("url") for s in self.new.root.get("servers", [])]
        for url in old_servers:
            if url not in new_servers:
                yield _breaking("servers", f"server {url} removed")
        for url in new_servers:
            if url not in old_servers:
                yield _compatible("servers", f"server {url} added")
        if self.old.root.get("tags") != self.new.root.get("tags"):
            yield _compatible("tags", "tag documentation changed")
        handled = {"openapi", "info", "servers", "tags", "paths", "components", "security"}
        for key in sorted(self.old.root.keys() | self.new.root.keys()):
            if key not in handled and self.old.root.get(key) != self.new.root.get(key):
                yield _other_key(key, key)

    def _component_schemas(self) -> Iterator[Change]:
        """Each component schema is a model class of the generated client."""
        old = self.old.root.get("components", {}).get("schemas", {})
        new = self.new.root.get("components", {}).get("schemas", {})
        for name in old.keys() - new.keys():
            yield _breaking(f"components.schemas.{name}", "schema removed (a model class goes)")
        for name in new.keys() - old.keys():
            yield _compatible(f"components.schemas.{name}", "schema added")

    def _security_schemes(self) -> Iterator[Change]:
        old = self.old.root.get("components", {}).get("securitySchemes", {})
        new = self.new.root.get("components", {}).get("securitySchemes", {})
        for name in sorted(old.keys() | new.keys()):
            where = f"security scheme {name}"
            if name not in new:
                yield _breaking(where, "removed")
            elif name not in old:
                yield _compatible(where, "added")
            else:
                yield from _keyed_differences(where, old[name], new[name], handled=())

    def _paths(self) -> Iterator[Change]:
        old_ops = dict(self._operations(self.old))
        new_ops = dict(self._operations(self.new))
        for key in sorted(old_ops.keys() | new_ops.keys()):
            if key not in new_ops:
                yield _breaking(old_ops[key][0], "operation removed")
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
            )
        if sorted(old.get("tags", [])) != sorted(new.get("tags", [])):
            yield _breaking(
                where,
                f"tags {old.get('tags', [])} -> {new.get('tags', [])}"
                " (the generated function moves to another module)",
            )
        yield from self._parameters(where, old_parameters, new_parameters)
        yield from self._request_body(where, old.get("requestBody"), new.get("requestBody"))
        yield from self._responses(where, old.get("responses", {}), new.get("responses", {}))
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
                yield _breaking(here, "parameter removed")
                continue
            new_parameter = new_by_key[key]
            now_required = bool(new_parameter.get("required")) or location == "path"
            if key not in old_by_key:
                if now_required:
                    yield _breaking(here, "new required parameter")
                else:
                    yield _compatible(here, "new optional parameter")
                continue
            old_parameter = old_by_key[key]
            was_required = bool(old_parameter.get("required")) or location == "path"
            if now_required and not was_required:
                yield _breaking(here, "parameter became required")
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
                yield _breaking(here, "new required request body")
            else:
                yield _compatible(here, "new optional request body")
            return
        if new_body is None:
            yield _breaking(here, "request body removed")
            return
        if new_body.get("required") and not old_body.get("required"):
            yield _breaking(here, "request body became required")
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
                yield _breaking(here, "response status removed")
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
            yield from _keyed_differences(
                here, old_response, new_response, handled=("headers", "content")
            )

    def _headers(
        self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> Iterator[Change]:
        old_by_name = {name.lower(): value for name, value in old.items()}
        new_by_name = {name.lower(): value for name, value in new.items()}
        for name in sorted(old_by_name.keys() | new_by_name.keys()):
            here = f"{where} header {name}"
            if name not in new_by_name:
                yield _breaking(here, "response header removed")
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
                yield _breaking(here, "media type removed")
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
            yield _breaking(where, f"authentication option {_option_name(option)} removed")
        for option in sorted(new_options - old_options, key=sorted):
            yield _compatible(where, f"authentication option {_option_name(option)} added")

    # -- schemas --------------------------------------------------------------------

    def _schema(self, where: str, old: Any, new: Any, direction: Direction) -> Iterator[Change]:
        if old is None and new is None:
            return
        if old is None or new is None:
            yield _breaking(where, "schema removed" if new is None else "schema added")
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
        yield from _constraints(where, old, new, direction)
        yield from _default(where, old, new, direction)
        yield from self._properties(where, old, new, direction)
        yield from self._additional_properties(where, old, new, direction)
        yield from self._alternatives(where, old, new, direction)
        if "items" in old or "items" in new:
            yield from self._schema(f"{where}[]", old.get("items"), new.get("items"), direction)
        handled = (
            "type", "nullable", "enum", "x-enum-varnames", "default", "properties", "required",
            "additionalProperties", "items", "oneOf", "anyOf", "uniqueItems",
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
                yield _breaking(here, "field removed")
                continue
            if name not in old_properties:
                if direction is Direction.REQUEST and name in new_required:
                    yield _breaking(here, "new required field")
                else:
                    yield _compatible(here, "field added")
                continue
            was, now = name in old_required, name in new_required
            if was != now:
                # Sent: required is narrower. Received: optional is wider (may be absent).
                breaks = now if direction is Direction.REQUEST else was
                message = "field became required" if now else "field became optional"
                yield _classified(breaks, here, message)
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
                direction is Direction.REQUEST, where, "no longer accepts undeclared fields"
            )
        else:
            yield _classified(
                direction is Direction.REQUEST and before is True,
                where,
                "undeclared fields constrained" if before is True else "undeclared fields allowed",
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
                    direction is Direction.REQUEST, where, f"{keyword} alternative {key} removed"
                )
            for key in new_options.keys() - old_options.keys():
                yield _classified(
                    direction is Direction.RESPONSE, where, f"{keyword} alternative {key} added"
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
    yield _classified(breaks, where, f"type {_type_name(old_types)} -> {_type_name(new_types)}")


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
            direction is Direction.REQUEST, where, f"now restricted to the values {new_values}"
        )
    elif old_values is not None and new_values is None:
        # The SDK's enum type for it disappears in both directions.
        yield _breaking(where, f"no longer restricted to the values {old_values}")
    elif old_values is not None and new_values is not None:
        for value in old_values:
            if value not in new_values:
                yield _breaking(where, f"enum value {value!r} removed")
        for value in new_values:
            if value not in old_values:
                yield _compatible(where, f"enum value {value!r} added")
    if old.get("x-enum-varnames") != new.get("x-enum-varnames") and old_values and new_values:
        old_names = dict(zip(old_values, old.get("x-enum-varnames", []), strict=False))
        new_names = dict(zip(new_values, new.get("x-enum-varnames", []), strict=False))
        for value, name in old_names.items():
            if value in new_names and new_names[value] != name:
                yield _breaking(where, f"enum member {name} renamed to {new_names[value]}")


def _constraints(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    # Constraints on responses are not checked by the SDK and leave its models as they are.
    enforced = direction is Direction.REQUEST
    for key in (*LOWER_BOUNDS, *UPPER_BOUNDS, *EXACT_CONSTRAINTS, "uniqueItems"):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if after is None or after is False:
            yield _compatible(where, f"{key} {before!r} removed")
            continue
        narrowed = True
        if _is_number(before) and _is_number(after):
            narrowed = after > before if key in LOWER_BOUNDS else after < before
        message = f"{key} {after!r} added" if before is None else f"{key} {before!r} -> {after!r}"
        yield _classified(enforced and narrowed, where, message)


def _default(
    where: str, old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction
) -> Iterator[Change]:
    before, after = old.get("default"), new.get("default")
    if before != after:
        # The generated client sends the default when a caller leaves the argument out.
        yield _classified(direction is Direction.REQUEST, where, f"default {before!r} -> {after!r}")


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
        return _compatible(where, f"{key} changed")
    if key in SERIALIZATION_KEYS:
        return _breaking(where, f"{key} changed (the same call is serialised differently)")
    return _breaking(where, f"{key} changed (not classified by spec-diff: review it)")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _classified(breaks: bool, where: str, message: str) -> Change:
    return _breaking(where, message) if breaks else _compatible(where, message)


def _breaking(where: str, message: str) -> Change:
    return Change(Severity.BREAKING, where, message)


def _compatible(where: str, message: str) -> Change:
    return Change(Severity.COMPATIBLE, where, message)
