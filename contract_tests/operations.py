"""What the suite reads from the spec about one operation, read once per run.

Schemathesis loads openapi.yaml; the behaviour extension and the parameter schemas are read
from that same document (`operation.schema.raw_schema`), so that what is checked and what
is fuzzed can never come from two files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from contract_tests import behaviour, wire
from contract_tests.behaviour import Behaviour
from contract_tests.types import Operation

_lock = threading.Lock()
_loaded: dict[int, tuple[Mapping[str, Any], dict[str, Behaviour]]] = {}


def _behaviours(document: Mapping[str, Any]) -> dict[str, Behaviour]:
    with _lock:
        cached = _loaded.get(id(document))
        if cached is None or cached[0] is not document:
            cached = (document, behaviour.load(document))
            _loaded[id(document)] = cached
        return cached[1]


def behaviour_of(operation: Operation) -> Behaviour | None:
    operation_id = operation.definition.raw.get("operationId")
    return _behaviours(operation.schema.raw_schema).get(str(operation_id))


_parameters: dict[tuple[int, str], list[wire.Parameter]] = {}


def parameters_of(operation: Operation) -> list[wire.Parameter]:
    """The operation's query and header parameters, schemas inlined (read once per run)."""
    key = (id(operation.schema.raw_schema), operation.label)
    with _lock:
        if key not in _parameters:
            _parameters[key] = wire.parameters(
                operation.definition.raw, operation.schema.raw_schema
            )
        return _parameters[key]
