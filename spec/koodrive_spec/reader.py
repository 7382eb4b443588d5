"""The one reader of openapi.yaml: the emulator, the generator, the contract suite, the proxy
and the emulator's docs page read the spec through it, `$ref`s resolved, once.

The package ships the spec (a symlink to the repository's openapi.yaml that the wheel build
materialises); `Spec.packaged()` reads that copy. `Spec(document)` reads any other, such as a
changed copy in a test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

from koodrive_spec.behaviour import Behaviour, load
from koodrive_spec.document import SpecError, operation_parameters, operations_of, resolve


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter, its schema with every `$ref` inlined."""

    name: str
    location: str  # "path", "query" or "header"
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str
    parameters: tuple[Parameter, ...]
    security: tuple[frozenset[str], ...]  # the requirements, each a set of scheme names
    definition: Mapping[str, Any]
    # The JSON schema of its request body, every `$ref` inlined (None: it takes no body).
    body: Mapping[str, Any] | None = None
    body_required: bool = False

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


class Spec:
    """A spec document and what is read from it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    @classmethod
    def from_text(cls, text: str | bytes) -> Spec:
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, Mapping):
            raise SpecError("the spec is not a mapping")
        return cls(loaded)

    @staticmethod
    @cache
    def packaged() -> Spec:
        """The spec shipped inside the package, read once."""
        return Spec.from_text(spec_bytes())

    def resolve(self, value: Any) -> Any:
        return resolve(value, self.document)

    def inline(self, value: Any) -> Any:
        """`value` with every `$ref` in it, at any depth, replaced by what it points at."""
        value = self.resolve(value)
        if isinstance(value, Mapping):
            return {key: self.inline(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.inline(item) for item in value]
        return value

    @cached_property
    def operations(self) -> dict[str, Operation]:
        """Every operation, by operationId, in the order the spec lists them."""
        found = {}
        default_security = self.document.get("security", [])
        for path, method, path_item, raw in operations_of(self.document):
            parameters = tuple(
                Parameter(
                    resolved["name"],
                    resolved["in"],
                    bool(resolved.get("required", False)),
                    self.inline(resolved.get("schema", {})),
                )
                for resolved in operation_parameters(path_item, raw, self.document)
                if resolved.get("in") in ("path", "query", "header")
            )
            security = tuple(
                frozenset(requirement) for requirement in raw.get("security", default_security)
            )
            operation_id = str(raw["operationId"])
            request = self.resolve(raw.get("requestBody") or {})
            media = (request.get("content") or {}).get("application/json")
            found[operation_id] = Operation(
                operation_id,
                method.upper(),
                path,
                parameters,
                security,
                raw,
                body=None if media is None else self.inline(media.get("schema", {})),
                body_required=bool(request.get("required", False)),
            )
        return found

    @cached_property
    def behaviours(self) -> dict[str, Behaviour]:
        """Each operation's `x-koodrive-behaviour`; BehaviourError naming the field if wrong."""
        return load(self.document)

    def schema(self, name: str) -> Mapping[str, Any]:
        """A component schema by name, inlined."""
        schemas = (self.document.get("components") or {}).get("schemas") or {}
        if name not in schemas:
            raise KeyError(f"openapi.yaml has no schema {name!r}")
        found: Mapping[str, Any] = self.inline(schemas[name])
        return found

    def _json_response(self, operation_id: str, status: int) -> Mapping[str, Any]:
        """The application/json entry of an operation's response with `status` ({} if none)."""
        responses = self.operations[operation_id].definition.get("responses") or {}
        response = self.resolve(responses.get(str(status), {}))
        media: Mapping[str, Any] = (response.get("content") or {}).get("application/json") or {}
        return media

    def response_schema(self, operation_id: str, status: int) -> Mapping[str, Any]:
        """The JSON schema of an operation's response with `status`, inlined ({} if none)."""
        found: Mapping[str, Any] = self.inline(
            self._json_response(operation_id, status).get("schema", {})
        )
        return found

    def response_headers(self, operation_id: str) -> dict[int, dict[str, Mapping[str, Any]]]:
        """The headers each numbered response of an operation declares, by status, each
        header object inlined (its `schema` included)."""
        responses = self.operations[operation_id].definition.get("responses") or {}
        found: dict[int, dict[str, Mapping[str, Any]]] = {}
        for status, response in responses.items():
            if not str(status).isdigit():
                continue  # `default`, `4XX`: no one status
            headers = self.resolve(response).get("headers") or {}
            found[int(status)] = {str(name): self.inline(h) for name, h in headers.items()}
        return found

    def response_examples(self, operation_id: str, status: int) -> list[Mapping[str, Any]]:
        """The example bodies of an operation's response with `status` (objects only)."""
        media = self._json_response(operation_id, status)
        examples = (media.get("examples") or {}).values()
        found = [self.inline(example).get("value") for example in examples]
        if "example" in media:
            found.append(self.inline(media["example"]))
        return [example for example in found if isinstance(example, Mapping)]

    def request_examples(self, operation_id: str) -> list[Mapping[str, Any]]:
        """The example JSON request bodies of an operation (objects only)."""
        request = self.resolve(self.operations[operation_id].definition.get("requestBody") or {})
        media = (request.get("content") or {}).get("application/json") or {}
        found = [
            self.inline(example).get("value") for example in (media.get("examples") or {}).values()
        ]
        if "example" in media:
            found.append(self.inline(media["example"]))
        return [example for example in found if isinstance(example, Mapping)]

    def item_schema(self, operation_id: str) -> Mapping[str, Any]:
        """The schema of one listed item of an operation (its behaviour's `items` field)."""
        behaviour = self.behaviours.get(operation_id)
        if behaviour is None or behaviour.items is None:
            return {}
        body = self.response_schema(operation_id, behaviour.success.status)
        listed = (body.get("properties") or {}).get(behaviour.items) or {}
        items: Mapping[str, Any] = listed.get("items") or {}
        return items

    def header_schemes(self, header: str) -> frozenset[str]:
        """The security schemes that send `header` (apiKey, in the header; any case)."""
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        return frozenset(
            name
            for name, scheme in schemes.items()
            if scheme.get("type") == "apiKey"
            and scheme.get("in") == "header"
            and str(scheme.get("name", "")).lower() == header.lower()
        )

    def credential_headers(self, requirement: Iterable[str]) -> tuple[str, ...]:
        """The request headers a security requirement (scheme names) makes a request send,
        in the order of the spec's schemes: an apiKey's `name` where it goes in a header,
        `Authorization` for an http scheme (RFC 9110); none for a query or cookie key."""
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        wanted = set(requirement)
        found: list[str] = []
        for name, scheme in schemes.items():
            if name not in wanted or not isinstance(scheme, Mapping):
                continue
            if scheme.get("type") == "http":
                header = "Authorization"
            elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                header = str(scheme.get("name", ""))
            else:
                continue
            if header and header.lower() not in {known.lower() for known in found}:
                found.append(header)
        return tuple(found)

    def operation_ids(self) -> Sequence[str]:
        return tuple(self.operations)


@cache
def spec_bytes() -> bytes:
    return resources.files("koodrive_spec").joinpath("openapi.yaml").read_bytes()


def spec_document() -> Mapping[str, Any]:
    return Spec.packaged().document
