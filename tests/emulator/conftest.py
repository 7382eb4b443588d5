from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from koodrive_emulator.pytest_plugin import emulator
from koodrive_emulator.testing import RunningEmulator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["conforms", "emulator", "http", "matches_schema"]


@pytest.fixture
def http(emulator: RunningEmulator) -> Iterator[httpx.Client]:
    """A plain HTTP client on the emulator: tests here speak raw HTTP, not the SDK."""
    with httpx.Client(base_url=emulator.base_url, timeout=10) as client:
        yield client


SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
SPEC_URI = "urn:koodrive:openapi"
Conforms = Callable[[str, httpx.Response], None]
MatchesSchema = Callable[[Any, str], None]


@cache
def _spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = DRAFT202012.create_resource(_spec())
    with_spec: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return with_spec


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validate(instance: Any, pointer: str) -> None:
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{pointer}"},
        registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(instance)


def _check(path: str, response: httpx.Response) -> None:
    """Raise jsonschema.ValidationError (or AssertionError) unless `response` is one the
    spec documents for GET `path`: status, content type, body schema, header schemas."""
    responses = _spec()["paths"][path]["get"]["responses"]
    status = str(response.status_code)
    assert status in responses, f"status {status} is not documented for {path}"
    pointer = _pointer("paths", path, "get", "responses", status)
    described = responses[status]
    if "$ref" in described:
        pointer = described["$ref"].lstrip("#/")
        described = _registry().resolver().lookup(f"{SPEC_URI}#/{pointer}").contents
    assert response.headers["content-type"].startswith("application/json")
    _validate(response.json(), f"{pointer}/content/application~1json/schema")
    for name, header in described.get("headers", {}).items():
        if name not in response.headers:
            assert not header.get("required"), f"required header {name} is missing"
            continue
        value: Any = response.headers[name]
        if name == "Retry-After":
            value = int(value)
        schema_ref = header.get("$ref", "").lstrip("#/") or f"{pointer}/headers/{name}"
        _validate(value, f"{schema_ref}/schema")


@pytest.fixture
def conforms() -> Conforms:
    """`conforms(path, response)`: the response is one openapi.yaml documents."""
    return _check


@pytest.fixture
def matches_schema() -> MatchesSchema:
    """`matches_schema(value, "components/schemas/TraceId")`."""
    return _validate
