"""The human docs page at /docs, rendered once from openapi.yaml with Jinja2.

Everything it needs ships in the package (template, stylesheet): machines here have no
internet, so no CDN and no JavaScript UI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from koodrive_spec.reader import Spec
from markdown_it import MarkdownIt
from markupsafe import Markup

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    schema: str
    description: str


@dataclass
class Response:
    status: str
    description: str
    schema: str
    headers: list[str]
    examples: list[tuple[str, str]]


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    security: list[str]
    parameters: list[Parameter] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    request_body: str | None = None  # its JSON schema in one line; None: it takes no body
    request_body_required: bool = False
    request_examples: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Property:
    name: str
    required: bool
    schema: str
    description: str


@dataclass
class Schema:
    name: str
    summary: str
    description: str
    properties: list[Property]


class _Page:
    """What the page shows of the spec, read through the one spec reader."""

    def __init__(self, spec: Spec) -> None:
        self.document = spec.document
        self.resolve = spec.resolve

    def lookup(self, ref: str) -> Any:
        return self.resolve({"$ref": ref})

    def describe(self, schema: Any) -> str:
        """A one-line human summary of a schema: type and constraints."""
        if not isinstance(schema, dict):
            return ""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self.lookup(schema["$ref"])
            summary = "" if "properties" in target else self.describe(target)
            return f"{name} ({summary})" if summary else name
        if "oneOf" in schema:
            return " or ".join(self.describe(option) for option in schema["oneOf"])
        parts = [str(schema.get("type", "any"))]
        if schema.get("type") == "array":
            parts = [f"array of {self.describe(schema.get('items', {}))}"]
        if "enum" in schema:
            parts.append("one of " + ", ".join(json.dumps(v) for v in schema["enum"]))
        if "minimum" in schema or "maximum" in schema:
            parts.append(f"{schema.get('minimum', '…')} to {schema.get('maximum', '…')}")
        if "minLength" in schema or "maxLength" in schema:
            low, high = schema.get("minLength"), schema.get("maxLength")
            parts.append(
                f"{low} characters" if low == high else f"length {low or 0} to {high or '…'}"
            )
        if "pattern" in schema:
            parts.append(f"pattern {schema['pattern']}")
        if "format" in schema:
            parts.append(f"format {schema['format']}")
        if "default" in schema:
            parts.append(f"default {json.dumps(schema['default'])}")
        return ", ".join(parts)

    def operations(self) -> list[Operation]:
        found = []
        for path, item in self.document.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    found.append(self.operation(path, method, item[method]))
        return found

    def operation(self, path: str, method: str, raw: dict[str, Any]) -> Operation:
        security = raw.get("security", self.document.get("security", []))
        operation = Operation(
            method=method.upper(),
            path=path,
            operation_id=raw.get("operationId", ""),
            summary=raw.get("summary", ""),
            description=raw.get("description", ""),
            security=[" + ".join(requirement) for requirement in security],
        )
        for parameter in raw.get("parameters", []):
            parameter = self.resolve(parameter)
            operation.parameters.append(
                Parameter(
                    name=parameter["name"],
                    location=parameter["in"],
                    required=bool(parameter.get("required")),
                    schema=self.describe(parameter.get("schema")),
                    description=parameter.get("description", ""),
                )
            )
        request = self.resolve(raw.get("requestBody") or {})
        media = request.get("content", {}).get("application/json")
        if media is not None:
            operation.request_body = self.describe(media.get("schema"))
            operation.request_body_required = bool(request.get("required"))
            operation.request_examples = self.examples(media)
        for status, response in raw.get("responses", {}).items():
            response = self.resolve(response)
            content = response.get("content", {}).get("application/json", {})
            examples = self.examples(content)
            operation.responses.append(
                Response(
                    status=str(status),
                    description=response.get("description", ""),
                    schema=self.describe(content.get("schema")),
                    headers=list(response.get("headers", {})),
                    examples=examples,
                )
            )
        return operation

    def examples(self, media: dict[str, Any]) -> list[tuple[str, str]]:
        return [
            (name, json.dumps(self.resolve(example).get("value"), indent=2, ensure_ascii=False))
            for name, example in media.get("examples", {}).items()
        ]

    def schemas(self) -> list[Schema]:
        found = []
        for name, schema in self.document.get("components", {}).get("schemas", {}).items():
            required = set(schema.get("required", []))
            found.append(
                Schema(
                    name=name,
                    summary="" if "properties" in schema else self.describe(schema),
                    description=schema.get("description", ""),
                    properties=[
                        Property(
                            prop,
                            prop in required,
                            self.describe(value),
                            self.resolve(value).get("description", ""),
                        )
                        for prop, value in schema.get("properties", {}).items()
                    ],
                )
            )
        return found


@cache
def render_docs_page(served: Spec | None = None) -> str:
    """The /docs page of `served` (default: the shipped spec), rendered once per spec."""
    served = served or Spec.packaged()
    document = served.document
    spec = _Page(served)
    markdown = MarkdownIt("commonmark", {"html": False})  # the spec's raw HTML stays text
    environment = Environment(
        loader=PackageLoader("koodrive_emulator", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Safe: markdown-it escapes any raw HTML in the text ("html": False above).
    environment.filters["markdown"] = lambda text: Markup(markdown.render(text or ""))  # noqa: S704
    components = document.get("components", {})
    return environment.get_template("docs.html.j2").render(
        info=document.get("info", {}),
        servers=document.get("servers", []),
        decisions=document.get("info", {}).get("x-koodrive-decisions", []),
        security_schemes=components.get("securitySchemes", {}),
        operations=spec.operations(),
        schemas=spec.schemas(),
    )
