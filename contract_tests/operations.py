"""What the suite reads from the spec about one operation, through the one spec reader
(`koodrive_emulator.spec`), once per run.

Schemathesis loads openapi.yaml; the behaviour extension and the parameter schemas are read
from that same document (`operation.schema.raw_schema`), so that what is checked and what
is fuzzed can never come from two files.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from koodrive_emulator.behaviour import Behaviour
from koodrive_emulator.spec import Parameter, Spec

from contract_tests.types import Operation

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
    """The operation's query and header parameters, schemas inlined."""
    found = spec_of(operation).operations.get(_operation_id(operation))
    return found.parameters if found is not None else ()
