"""What the suite reads from the spec about one operation, through the one spec reader
(`koodrive_spec`), once per run.

Schemathesis loads openapi.yaml; the behaviour extension and the parameter schemas are read
from that same document (`operation.schema.raw_schema`), so that what is checked and what
is fuzzed can never come from two files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from koodrive_spec.behaviour import Behaviour
from koodrive_spec.reader import Parameter, Spec

from contract_tests import wire
from contract_tests.types import Case, Operation
from contract_tests.wire import wire_text

_lock = threading.Lock()
_read: dict[int, tuple[Mapping[str, Any], Spec]] = {}


def spec_of(operation: Operation) -> Spec:
    document = operation.schema.raw_schema
    with _lock:
        cached = _read.get(id(document))
        if cached is None or cached[0] is not document:
            cached = (document, Spec(document))
            _read[id(document)] = cached
        return cached[1]


def _operation_id(operation: Operation) -> str:
    return str(operation.definition.raw.get("operationId"))


def behaviour_of(operation: Operation) -> Behaviour | None:
    return spec_of(operation).behaviours.get(_operation_id(operation))


def parameters_of(operation: Operation) -> tuple[Parameter, ...]:
    """The operation's path, query and header parameters, schemas inlined."""
    found = spec_of(operation).operations.get(_operation_id(operation))
    return found.parameters if found is not None else ()


def parameter_of(operation: Operation, name: str) -> Parameter | None:
    """The operation's parameter `name`, schema inlined, if it has one."""
    found = spec_of(operation).operations.get(_operation_id(operation))
    return found.parameter(name) if found is not None else None


def path_names(operation: Operation) -> frozenset[str]:
    """The names of the operation's path parameters."""
    return frozenset(p.name for p in parameters_of(operation) if p.location == "path")


def path_values(case: Case) -> dict[str, str]:
    """The case's path parameters as wire text."""
    return {name: wire_text(value) for name, value in (case.path_parameters or {}).items()}


def sent_values(case: Case, url: str) -> dict[str, str]:
    """What a request sent for each path and query parameter, as wire text (a query
    parameter sent twice: its first value)."""
    values = path_values(case)
    values.update({name: found[0] for name, found in wire.query_of(url).items()})
    return values
