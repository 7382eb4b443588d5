"""Judge one exchange against openapi.yaml and its `x-koodrive-behaviour`: the request a
team's application sent, and the answer the target gave.

Every rule is read from the spec through the spec layer (`koodrive_spec`): the
operations, their parameters and their request bodies (checked by the same request rules
as the emulator's, `BodyRules` the body's, so the proxy and the emulator refuse the same
requests with the same words), the statuses and
body schemas of each response, the paging and the echoed headers of the behaviour
extension. Nothing about any one operation is written here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jsonschema
from koodrive_spec.behaviour import Behaviour
from koodrive_spec.reader import Operation, Spec
from koodrive_spec.request_rules import (
    OperationRules,
    UnsupportedMediaType,
    ValidationError,
    json_type,
)
from starlette.routing import compile_path

ALSO_SEEN_AS = "x-koodrive-also-seen-as"
_MAX_SCHEMA_ERRORS = 5  # per response: the first few say enough; the count says the rest
_EXCERPT = 120


class DeviationKind(StrEnum):
    """What can be wrong with an exchange, each a promise of the spec broken."""

    INVALID_REQUEST = "invalid-request"  # the request breaks a parameter or body rule
    UNKNOWN_OPERATION = "unknown-operation"  # no operation of the spec has this method and path
    UNDOCUMENTED_STATUS = "undocumented-status"  # a status the operation does not list
    NOT_JSON = "not-json"  # a body that is not the JSON documented (a gateway's HTML page)
    ALSO_SEEN_AS = "also-seen-as"  # a value of the other type the spec knows the vendor sends
    SCHEMA = "schema"  # a field missing, of the wrong type, or out of its bounds
    PAGE_TOO_LONG = "page-too-long"  # more items than the request's page size allows
    NOT_ECHOED = "not-echoed"  # an echoed header (X-Traceid) missing or changed


@dataclass(frozen=True)
class Deviation:
    kind: DeviationKind
    operation: str | None  # the operationId, None when no operation matched
    message: str  # one sentence naming the field and what the spec says

    @property
    def side(self) -> str:
        """Whose it is: the application's request, or the target's response."""
        request_side = (DeviationKind.INVALID_REQUEST, DeviationKind.UNKNOWN_OPERATION)
        return "request" if self.kind in request_side else "response"

    def to_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind.value,
            "side": self.side,
            "operation": self.operation,
            "message": self.message,
        }


def first_copies(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One value per lower-case name, each header's first copy: what the checks read, as
    the emulator reads a header sent more than once."""
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.lower(), value)
    return found


@dataclass(frozen=True)
class Matched:
    operation: Operation
    path_params: Mapping[str, str]


class Validator:
    """The spec's rules, prepared once, applied to each exchange."""

    def __init__(self, spec: Spec | None = None) -> None:
        self.spec = spec or Spec.packaged()
        self._rules = {
            operation_id: OperationRules(operation, self.spec.behaviours.get(operation_id))
            for operation_id, operation in self.spec.operations.items()
        }
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
        self._routes = [
            (operation.method, compile_path(operation.path)[0], operation)
            for operation in self.spec.operations.values()
        ]

    def rules(self, operation_id: str) -> OperationRules:
        """The parameter rules of an operation, made once (the emulator's own)."""
        return self._rules[operation_id]

    def match(self, method: str, path: str) -> Matched | None:
        for wanted, pattern, operation in self._routes:
            found = pattern.match(path) if wanted == method.upper() else None
            if found is not None:
                return Matched(operation, found.groupdict())
        return None

    def check_request(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> tuple[Matched | None, list[Deviation]]:
        """The operation the request is for, and what is wrong with it: its parameters,
        then its body, each by the emulator's own rules (`BodyRules` for the body), so the
        proxy and the emulator refuse the same requests with the same words. `headers`: one
        value per lower-case name."""
        matched = self.match(method, path)
        if matched is None:
            return None, [
                Deviation(
                    DeviationKind.UNKNOWN_OPERATION,
                    None,
                    f"{method} {path} is no operation of the spec "
                    f"(it has {', '.join(self._described())})",
                )
            ]
        operation = matched.operation
        rules, path_params = self._rules[operation.operation_id], matched.path_params
        try:
            rules.body.check_media_type(headers.get("content-type"), body)
        except UnsupportedMediaType as error:  # the emulator's 415, its body unread
            return matched, [
                Deviation(DeviationKind.INVALID_REQUEST, operation.operation_id, str(error))
            ]
        problems: list[str] = []  # the parameters' problems, then the body's, as the emulator
        try:
            rules.parse(query, headers, path_params)
        except ValidationError as error:
            problems += error.problems
        try:
            rules.body.parse(body)
        except ValidationError as error:
            problems += error.problems
        if problems:
            return matched, [
                Deviation(
                    DeviationKind.INVALID_REQUEST,
                    operation.operation_id,
                    str(ValidationError(problems)),
                )
            ]
        return matched, []

    def check_response(
        self,
        operation: Operation,
        query: Sequence[tuple[str, str]],
        request_headers: Mapping[str, str],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> list[Deviation]:
        """What is wrong with the target's answer to a request for `operation`. `headers`:
        one value per lower-case name."""
        operation_id = operation.operation_id
        responses = operation.definition.get("responses") or {}
        declared = _declared_status(responses, status)
        if declared is None:
            listed = ", ".join(str(key) for key in responses)
            return [
                Deviation(
                    DeviationKind.UNDOCUMENTED_STATUS,
                    operation_id,
                    f"HTTP {status} is not a status of {operation_id} (the spec lists {listed})",
                )
            ]
        media = (self.spec.resolve(responses[declared]).get("content") or {}).get(
            "application/json"
        )
        if media is None:
            return []  # nothing documented to hold the body to
        content_type = headers.get("content-type", "")
        parsed = _json(body) if _is_json(content_type) else _NOT_JSON
        if parsed is _NOT_JSON:
            return [
                Deviation(
                    DeviationKind.NOT_JSON,
                    operation_id,
                    f"HTTP {status} body is not JSON ({content_type or 'no Content-Type'}, "
                    f"{len(body)} bytes: {_excerpt(body)})",
                )
            ]
        found = self._schema_deviations(
            operation_id, status, self._body_validator(operation_id, declared, media), parsed
        )
        behaviour = self.spec.behaviours.get(operation_id)
        if behaviour is not None and status == behaviour.success.status:
            found += _paging_deviations(behaviour, self._rules[operation_id], query, parsed)
            found += _echo_deviations(self._rules[operation_id], request_headers, headers)
        return found

    def _body_validator(
        self, operation_id: str, declared: str, media: Mapping[str, Any]
    ) -> jsonschema.protocols.Validator:
        """The validator of a response's body, by the key that documents it (`200`, `5XX`,
        `default`), made once."""
        key = (operation_id, declared)
        found = self._validators.get(key)
        if found is None:
            schema = self.spec.inline(media.get("schema", {}))
            found = self._validators[key] = jsonschema.Draft202012Validator(schema)
        return found

    def _schema_deviations(
        self,
        operation_id: str,
        status: int,
        validator: jsonschema.protocols.Validator,
        body: Any,
    ) -> list[Deviation]:
        found = []
        errors = sorted(
            validator.iter_errors(body),
            key=lambda error: list(error.absolute_path),
        )
        for error in errors[:_MAX_SCHEMA_ERRORS]:
            where = _json_path(error.absolute_path)
            seen_as = error.schema.get(ALSO_SEEN_AS) if isinstance(error.schema, Mapping) else None
            if (
                error.validator == "type"
                and seen_as is not None
                and json_type(error.instance) == seen_as
            ):
                found.append(
                    Deviation(
                        DeviationKind.ALSO_SEEN_AS,
                        operation_id,
                        f"HTTP {status} {where} is the {seen_as} {error.instance!r}: the spec "
                        f"takes {error.validator_value} ({ALSO_SEEN_AS}: {seen_as})",
                    )
                )
            else:
                found.append(
                    Deviation(
                        DeviationKind.SCHEMA,
                        operation_id,
                        f"HTTP {status} {where}: {_problem(error)}",
                    )
                )
        if len(errors) > _MAX_SCHEMA_ERRORS:
            found.append(
                Deviation(
                    DeviationKind.SCHEMA,
                    operation_id,
                    f"HTTP {status}: {len(errors) - _MAX_SCHEMA_ERRORS} more schema errors",
                )
            )
        return found

    def _described(self) -> list[str]:
        return [f"{op.method} {op.path}" for op in self.spec.operations.values()]


_NOT_JSON = object()


def _declared_status(responses: Mapping[str, Any], status: int) -> str | None:
    """The key of `responses` that documents `status`: itself, its range (`5XX`), `default`."""
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            return key
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", errors="replace")
    return repr(text) + ("..." if len(body) > _EXCERPT else "")


def _problem(error: jsonschema.ValidationError) -> str:
    """What is wrong, in words that name the expectation and not the whole value."""
    if error.validator == "type":
        return f"must be {_expected(error.validator_value)}, not {_a(json_type(error.instance))}"
    message = error.message
    return message if len(message) <= 200 else message[:200] + "..."


def _expected(types: object) -> str:
    if isinstance(types, list):
        return " or ".join(_a(str(kind)) for kind in types)
    return _a(str(types))


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _json_path(path: Sequence[object]) -> str:
    text = "body"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _paging_deviations(
    behaviour: Behaviour, rules: OperationRules, query: Sequence[tuple[str, str]], body: object
) -> list[Deviation]:
    paging = behaviour.paging
    items = behaviour.items_of(body)
    if paging is None or paging.page_size is None or items is None:
        return []
    sent = dict(query).get(paging.page_size)
    rule = rules.rule(paging.page_size)
    default = rule.parameter.schema.get("default") if rule is not None else None
    limit = int(sent) if sent is not None and sent.isdigit() else default
    if not isinstance(limit, int) or len(items) <= limit:
        return []
    return [
        Deviation(
            DeviationKind.PAGE_TOO_LONG,
            behaviour.operation_id,
            f"a page of {len(items)} {behaviour.items} for {paging.page_size}={limit}",
        )
    ]


def _echo_deviations(
    rules: OperationRules, request_headers: Mapping[str, str], response_headers: Mapping[str, str]
) -> list[Deviation]:
    """Each echoed header the request sent well formed must come back unchanged."""
    found = []
    for name, sent in rules.echoed(request_headers).items():
        got = response_headers.get(name.lower())
        if got != sent:
            problem = "none" if got is None else f"{got!r}"
            found.append(
                Deviation(
                    DeviationKind.NOT_ECHOED,
                    rules.operation.operation_id,
                    f"{name} {sent} was sent; the response echoes {problem}",
                )
            )
    return found
