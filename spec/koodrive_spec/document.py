"""An OpenAPI document as data: its operations in order, their parameters, and local
`$ref`s followed. Everything else in this package reads the document through these."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(ValueError):
    """The spec is malformed, or an extension names what the operation lacks; the message
    says where."""


def operations_of(
    document: Mapping[str, Any],
) -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    """Each operation that has an operationId, in the spec's order: its path, its method
    (lower case), its path item and its definition."""
    for path, path_item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = path_item.get(method)
            if isinstance(operation, Mapping) and "operationId" in operation:
                yield path, method, path_item, operation


def operation_parameters(
    path_item: Mapping[str, Any], operation: Mapping[str, Any], document: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """An operation's parameters, `$ref`s resolved: those of its path item, each replaced by
    the operation's own of the same name and location (OpenAPI's rule), then the rest of
    the operation's own."""
    own = [resolve(p, document) for p in operation.get("parameters", [])]
    keys = {(p.get("name"), p.get("in")) for p in own}
    shared = [resolve(p, document) for p in path_item.get("parameters", [])]
    return [p for p in shared if (p.get("name"), p.get("in")) not in keys] + own


def resolve(value: Any, document: Mapping[str, Any]) -> Any:
    """`value` with its local `$ref` followed (one level at a time, until none is left)."""
    seen: set[str] = set()
    while isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
        ref = value["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise SpecError(f"cannot follow $ref {ref!r}")
        seen.add(ref)
        value = _pointer(document, ref[2:].split("/"))
    return value


def _pointer(document: Mapping[str, Any], parts: Sequence[str]) -> Any:
    value: Any = document
    for part in parts:
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(value, Mapping) or key not in value:
            raise SpecError(f"$ref points at nothing: #/{'/'.join(parts)}")
        value = value[key]
    return value
