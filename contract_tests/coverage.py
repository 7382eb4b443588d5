"""Spec coverage: which parts of openapi.yaml the run exercised, computed from its traffic.

Per operation: the cases sent; each declared parameter sent, its length or value bounds met
at and just past each bound, its enum values; each field of the request body likewise (a
nested one named by its path, `roles[].userId`), each bound and enum value met by a value
of the field's own JSON type; the response statuses and headers documented and seen; and
each `links` entry followed (a later request carried a value the link reads
from an earlier response). Written as `coverage.json` next to the other reports and shown as
a table in the summary, with what was not covered: a green run that never sent `groupName`
at its bounds says so.

Computed here rather than with TraceCov: that tool's core is a closed binary under a licence
that forbids giving its output to third parties, which our users' CI reports may well do.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from koodrive_spec.reader import Operation, Spec

from contract_tests.summary import COVERAGE as COVERAGE_FILE
from contract_tests.types import Case

DIMENSIONS = (
    "operations",
    "parameters",
    "boundaries",
    "enum values",
    "body fields",
    "body boundaries",
    "body enum values",
    "statuses",
    "response headers",
    "links",
)


@dataclass(frozen=True)
class Link:
    name: str
    status: str
    target: str  # operationId
    # target parameter name -> JSON pointer into the source response's body
    from_body: Mapping[str, str]


@dataclass
class _Seen:
    cases: int = 0
    parameters: Counter[str] = field(default_factory=Counter)  # "query pageSize"
    lengths: dict[str, set[int]] = field(default_factory=dict)  # parameter -> lengths / values
    values: dict[str, set[str]] = field(default_factory=dict)  # parameter -> sent texts
    statuses: Counter[str] = field(default_factory=Counter)
    # Body fields, by path: how often sent, their string lengths, their values as JSON text.
    body_fields: Counter[str] = field(default_factory=Counter)  # "groupName"
    body_lengths: dict[str, set[int]] = field(default_factory=dict)
    body_values: dict[str, set[str]] = field(default_factory=dict)
    headers: Counter[str] = field(default_factory=Counter)  # "200 X-Traceid"
    links: Counter[str] = field(default_factory=Counter)  # "200 nextPage"


class SpecCoverage:
    """Collects what each response shows of the spec; thread-safe (two workers)."""

    def __init__(self, spec: Spec) -> None:
        self._spec = spec
        self._operations = {f"{op.method} {op.path}": op for op in spec.operations.values()}
        self._by_id = {op.operation_id: label for label, op in self._operations.items()}
        self._links = {label: list(_links(spec, op)) for label, op in self._operations.items()}
        self._seen = {label: _Seen() for label in self._operations}
        # (target operationId, parameter, value) a link offered -> (source, "status link")
        self._offered_by: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._lock = threading.Lock()

    def record(self, case: Case, status: int, headers: Mapping[str, Any], body: Any) -> None:
        label = f"{case.method.upper()} {case.operation.path}"
        operation = self._operations.get(label)
        if operation is None:
            return  # an undeclared method the coverage phase probed
        sent = dict(_sent(case, operation))
        with self._lock:
            seen = self._seen[label]
            seen.cases += 1
            for key, value in sent.items():
                seen.parameters[key] += 1
                seen.values.setdefault(key, set()).add(value)
                seen.lengths.setdefault(key, set()).add(len(value))
            if operation.body is not None and isinstance(case.body, Mapping):
                for path, field_value in _body_values(case.body, operation.body):
                    seen.body_fields[path] += 1
                    seen.body_values.setdefault(path, set()).add(_json_text(field_value))
                    if isinstance(field_value, str):
                        seen.body_lengths.setdefault(path, set()).add(len(field_value))
            for key, value in sent.items():
                source = self._offered_by.get((operation.operation_id, key, value))
                if source is not None:
                    self._seen[source[0]].links[source[1]] += 1
            seen.statuses[str(status)] += 1
            lowered = {name.lower() for name in headers}
            for name in _documented_headers(self._spec, operation, str(status)):
                if name.lower() in lowered:
                    seen.headers[f"{status} {name}"] += 1
            for link in self._links[label]:
                if link.status != str(status):
                    continue
                for parameter, pointer in link.from_body.items():
                    offered = _pointer(body, pointer)
                    target_label = self._by_id.get(link.target)
                    if not isinstance(offered, str | int) or str(offered) == "" or not target_label:
                        continue
                    target_key = _key_of(self._operations[target_label], parameter)
                    if target_key is not None:
                        entry = (link.target, target_key, str(offered))
                        self._offered_by[entry] = (label, f"{link.status} {link.name}")

    def record_answer(self, case: Case, status: int, headers: Mapping[str, Any]) -> None:
        """An answer that was no case's own (a throttling answer waited out before the case
        was sent again): its status and documented headers are seen, no case or parameter."""
        label = f"{case.method.upper()} {case.operation.path}"
        operation = self._operations.get(label)
        if operation is None:
            return
        with self._lock:
            seen = self._seen[label]
            seen.statuses[str(status)] += 1
            lowered = {name.lower() for name in headers}
            for name in _documented_headers(self._spec, operation, str(status)):
                if name.lower() in lowered:
                    seen.headers[f"{status} {name}"] += 1

    def report(self) -> dict[str, Any]:
        with self._lock:
            operations = [self._operation_report(label) for label in self._operations]
        return summed_up(operations, DIMENSIONS)

    def _operation_report(self, label: str) -> dict[str, Any]:
        operation, seen = self._operations[label], self._seen[label]
        items: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in DIMENSIONS}
        items["operations"][label] = _item(seen.cases, "never called")
        for parameter in operation.parameters:
            key = f"{parameter.location} {parameter.name}"
            items["parameters"][key] = _item(seen.parameters[key], f"{key} never sent")
            lengths, texts = seen.lengths.get(key, set()), seen.values.get(key, set())
            for bound, target, unit in _boundaries(parameter.schema):
                met = target in lengths if unit == "length" else str(target) in texts
                items["boundaries"][f"{key} {bound}"] = _item(int(met), f"{key} never sent {bound}")
            for value in parameter.schema.get("enum", []):
                text = str(value)
                items["enum values"][f"{key} = {text}"] = _item(
                    int(text in seen.values.get(key, set())), f"{key} never sent as {text}"
                )
        for path, schema in _body_fields(operation.body or {}):
            key = f"body {path}"
            items["body fields"][key] = _item(seen.body_fields[path], f"{key} never sent")
            lengths = seen.body_lengths.get(path, set())
            texts = seen.body_values.get(path, set())
            for bound, target, unit in _boundaries(schema):
                met = target in lengths if unit == "length" else _json_text(target) in texts
                items["body boundaries"][f"{key} {bound}"] = _item(
                    int(met), f"{key} never sent {bound}"
                )
            for value in schema.get("enum", []):
                text = _json_text(value)
                items["body enum values"][f"{key} = {text}"] = _item(
                    int(text in texts), f"{key} never sent as {text}"
                )
        for status in operation.definition.get("responses", {}):
            if status == "default":
                continue
            items["statuses"][status] = _item(seen.statuses[status], f"status {status} never seen")
            for name in _documented_headers(self._spec, operation, status):
                header = f"{status} {name}"
                items["response headers"][header] = _item(
                    seen.headers[header], f"header {name} never seen on a {status}"
                )
        for link in self._links[label]:
            name = f"{link.status} {link.name}"
            items["links"][name] = _item(seen.links[name], f"link {link.name} never followed")
        undocumented = sorted(set(seen.statuses) - set(items["statuses"]))
        return {
            "operation": label,
            "operationId": operation.operation_id,
            "cases": seen.cases,
            "undocumented_statuses": {status: seen.statuses[status] for status in undocumented},
            "items": items,
        }


def _item(count: int, gap: str) -> dict[str, Any]:
    return {"count": count, "covered": count > 0, "gap": gap}


def _boundaries(schema: Mapping[str, Any]) -> Iterator[tuple[str, int, str]]:
    """Each bound of a parameter, with the length (strings) or value (integers) at it and
    just past it, and which of the two it is."""
    kinds = _kinds(schema)
    if "string" in kinds:
        low, high, unit = schema.get("minLength"), schema.get("maxLength"), "length"
    elif "integer" in kinds:
        low, high, unit = schema.get("minimum"), schema.get("maximum"), "value"
    else:
        return
    if isinstance(low, int):
        yield f"at minimum {unit} {low}", low, unit
        if unit == "value" or low > 0:
            yield f"below minimum {unit} {low}", low - 1, unit
    if isinstance(high, int):
        yield f"at maximum {unit} {high}", high, unit
        yield f"above maximum {unit} {high}", high + 1, unit


def _sent(case: Case, operation: Operation) -> Iterator[tuple[str, str]]:
    """(`"query pageSize"`, the text sent) for each declared parameter the case carries."""
    containers = {
        "query": case.query or {},
        "path": case.path_parameters or {},
        "header": {name.lower(): value for name, value in (case.headers or {}).items()},
    }
    for parameter in operation.parameters:
        container = containers.get(parameter.location, {})
        name = parameter.name.lower() if parameter.location == "header" else parameter.name
        if name not in container or container[name] is None:
            continue
        value = container[name]
        text = (
            str(value).lower()
            if isinstance(value, bool)
            else str(value[0] if isinstance(value, list) and value else value)
        )
        yield f"{parameter.location} {parameter.name}", text


def _json_text(value: object) -> str:
    """A body value as JSON text: the integer 0 and the string "0" stay apart."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _kinds(schema: Mapping[str, Any]) -> set[str]:
    types = schema.get("type")
    return {types} if isinstance(types, str) else set(types or ())


def _body_fields(
    schema: Mapping[str, Any], at: str = ""
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each field a body's (inlined) schema declares, by its path, with its schema: a nested
    object's fields after it (`owner.id`), an array's items' fields as `roles[].userId`."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, field_schema in properties.items():
        if not isinstance(field_schema, Mapping):
            continue
        path = f"{at}.{name}" if at else str(name)
        yield path, field_schema
        items = field_schema.get("items")
        if "object" in _kinds(field_schema):
            yield from _body_fields(field_schema, path)
        elif "array" in _kinds(field_schema) and isinstance(items, Mapping):
            yield from _body_fields(items, path + "[]")


def _body_values(
    body: Mapping[str, Any], schema: Mapping[str, Any], at: str = ""
) -> Iterator[tuple[str, object]]:
    """(path, value) for each declared field the body holds, as `_body_fields` names them:
    each item's of an array."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return
    for name, value in body.items():
        field_schema = properties.get(name)
        if not isinstance(field_schema, Mapping):
            continue  # a field the schema does not declare is no coverage of it
        path = f"{at}.{name}" if at else str(name)
        yield path, value
        items = field_schema.get("items")
        if isinstance(value, Mapping) and "object" in _kinds(field_schema):
            yield from _body_values(value, field_schema, path)
        elif isinstance(value, list) and isinstance(items, Mapping):
            for item in value:
                if isinstance(item, Mapping):
                    yield from _body_values(item, items, path + "[]")


def _key_of(operation: Operation, parameter: str) -> str | None:
    found = operation.parameter(parameter)
    return f"{found.location} {found.name}" if found is not None else None


def _documented_headers(spec: Spec, operation: Operation, status: str) -> list[str]:
    response = spec.resolve(operation.definition.get("responses", {}).get(status, {}))
    return list(response.get("headers", {})) if isinstance(response, Mapping) else []


def _links(spec: Spec, operation: Operation) -> Iterator[Link]:
    for status, response in operation.definition.get("responses", {}).items():
        resolved = spec.resolve(response)
        for name, link in (resolved.get("links") or {}).items():
            from_body = {
                parameter: expression.removeprefix("$response.body#")
                for parameter, expression in (link.get("parameters") or {}).items()
                if isinstance(expression, str) and expression.startswith("$response.body#")
            }
            if "operationId" in link:
                yield Link(name, str(status), link["operationId"], from_body)


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def register(spec_path: Path, reports: Path | None) -> SpecCoverage:
    """The check that collects coverage and writes it at the end of the run; it never fails.
    The coverage it collects, to be told of answers no check sees (`record_answer`)."""
    coverage = SpecCoverage(Spec.from_text(spec_path.read_bytes()))

    @schemathesis.check
    class spec_coverage:
        """Records what each response exercised of openapi.yaml (reports/coverage.json)."""

        def after_response(
            self,
            ctx: schemathesis.CheckContext,
            response: schemathesis.Response,
            case: Case,
        ) -> bool | None:
            try:
                body = response.json()
            except ValueError:
                body = None
            coverage.record(case, response.status_code, response.headers, body)
            return None

        def after_run(self, ctx: schemathesis.CheckContext) -> None:
            if reports is not None:
                text = json.dumps(coverage.report(), indent=2)
                (reports / COVERAGE_FILE).write_text(text + "\n", encoding="utf-8")

    return coverage


def summed_up(operations: list[dict[str, Any]], dimensions: Iterable[str]) -> dict[str, Any]:
    """The coverage report of `operations`, whose items are each marked `covered`: per
    dimension, the items covered and the items in all, then every gap by name."""
    totals: dict[str, list[int]] = {name: [0, 0] for name in dimensions}
    uncovered: list[str] = []
    for entry in operations:
        for dimension, items in entry["items"].items():
            counts = totals.setdefault(dimension, [0, 0])
            counts[0] += sum(1 for item in items.values() if item["covered"])
            counts[1] += len(items)
            uncovered += [
                f"{entry['operation']}: {item['gap']}"
                for item in items.values()
                if not item["covered"]
            ]
    return {"totals": totals, "uncovered": uncovered, "operations": operations}
