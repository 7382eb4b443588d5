"""openapi.yaml is a valid OpenAPI 3.1 document and every example in it obeys its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:koodrive:openapi"


def test_spec_passes_openapi_spec_validator(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"].startswith("3.1.")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Follow a non-schema $ref (responses, parameters, headers) to its pointer and target."""
    pointer = node["$ref"].removeprefix("#")
    target: Any = spec
    for token in pointer.strip("/").split("/"):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return pointer, target


def _operation_responses(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(operationId, status, pointer, response) with response $refs followed."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                pointer = f"/paths/{_escape(path)}/{method}/responses/{status}"
                if "$ref" in response:
                    pointer, response = _resolve(spec, response)
                yield operation["operationId"], status, pointer, response


def _examples(spec: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(where, pointer of the schema, example value) for every example in the spec."""
    for name, schema in spec["components"]["schemas"].items():
        for index, value in enumerate(schema.get("examples", [])):
            yield f"schema {name} example {index}", f"/components/schemas/{name}", value
        for prop, sub in schema.get("properties", {}).items():
            for index, value in enumerate(sub.get("examples", [])):
                pointer = f"/components/schemas/{name}/properties/{prop}"
                yield f"schema {name}.{prop} example {index}", pointer, value
    for name, parameter in spec["components"]["parameters"].items():
        for index, value in enumerate(parameter["schema"].get("examples", [])):
            yield (
                f"parameter {name} example {index}",
                f"/components/parameters/{name}/schema",
                value,
            )
    for _, _, pointer, response in _operation_responses(spec):
        for media_type, content in response.get("content", {}).items():
            schema_pointer = f"{pointer}/content/{_escape(media_type)}/schema"
            for name, example in content.get("examples", {}).items():
                yield f"{pointer} example {name}", schema_pointer, example["value"]


def _validator(spec: dict[str, Any], pointer: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=FormatChecker()
    )


def test_spec_has_examples_for_every_response_of_both_operations(spec: dict[str, Any]) -> None:
    documented = {
        (operation_id, status): [
            example
            for content in response.get("content", {}).values()
            for example in content.get("examples", {})
        ]
        for operation_id, status, _, response in _operation_responses(spec)
    }
    for operation_id in ["listBoundDevices", "listUserGroups"]:
        for status in ["200", "400", "401", "404", "429", "500", "502", "503", "504"]:
            assert documented.get((operation_id, status)), f"{operation_id} {status} has no example"


def test_every_example_validates_against_its_own_schema(spec: dict[str, Any]) -> None:
    failures = []
    for where, pointer, value in _examples(spec):
        errors = list(_validator(spec, pointer).iter_errors(value))
        failures += [f"{where}: {error.message}" for error in errors]
    assert failures == []


@pytest.mark.parametrize(
    ("pointer", "bad_value"),
    [
        ("/components/schemas/BoundDeviceEntity", {"deviceId": "1"}),
        ("/components/schemas/ListUserGroupsResponse", {"code": 0, "msg": "OK", "total": -1}),
        ("/components/schemas/SignatureTime", "2025113T070140Z"),
        ("/components/schemas/TraceId", "x" * 57),
        (
            "/components/schemas/ErrorBody",
            {
                "code": 1,
                "msg": "m",
                "error_code": "APIGW.0101",
                "error_msg": "e",
                "request_id": "r",
            },
        ),
        ("/components/schemas/Timestamp", "2025-09-15 06:14:48"),
    ],
)
def test_schemas_reject_what_they_must(spec: dict[str, Any], pointer: str, bad_value: Any) -> None:
    """The example check above can fail: the same validator rejects bad values."""
    assert list(_validator(spec, pointer).iter_errors(bad_value))
