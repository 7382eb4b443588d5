from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
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

__all__ = ["conforms", "emulator", "http", "matches_schema", "serve_cli"]

EMULATOR_COMMAND = str(Path(sys.executable).with_name("koodrive-emulator"))


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


@dataclass
class CliEmulator:
    """A `koodrive-emulator` process, as users run it, that has announced its address."""

    base_url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def banner(self) -> str:
        return "".join(self.output)

    def stop(self) -> str:
        """Stop with Ctrl-C as a user would; the whole output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        assert self.process.stdout is not None
        self.output.append(self.process.stdout.read())
        self.process.wait(timeout=20)
        return "".join(self.output)


ServeCli = Callable[..., CliEmulator]


@pytest.fixture
def serve_cli() -> Iterator[ServeCli]:
    """`serve_cli("--flag", ...)`: a started `koodrive-emulator --port 0 ...`, killed at the
    end of the test if the test did not stop it."""
    started: list[subprocess.Popen[str]] = []

    def serve(*args: str, env: Mapping[str, str] | None = None) -> CliEmulator:
        process = subprocess.Popen(
            [EMULATOR_COMMAND, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        started.append(process)
        assert process.stdout is not None
        output: list[str] = []
        for line in process.stdout:
            output.append(line)
            if "listening on " in line:
                base_url = line.split("listening on ", 1)[1].strip()
                break
        else:
            raise AssertionError("the emulator did not start:\n" + "".join(output))
        # The banner's remaining lines are written at once, before any request is served.
        for line in process.stdout:
            output.append(line)
            if line.startswith("    app secret:"):
                break
        return CliEmulator(base_url, process, output)

    yield serve
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
