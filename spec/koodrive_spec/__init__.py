"""The spec layer: the one reader of openapi.yaml and of its `x-koodrive-*` extensions.

The emulator, the generator (`scripts/regenerate`), the contract suite, the proxy and the
emulator's docs page read the spec through this package and through nothing else. It ships
the spec it reads (`Spec.packaged()`), and imports nothing of the SDK, the emulator, the
contract suite or the proxy: data flows one way, out of it.

- `document`: the OpenAPI document as data, operations in order, local `$ref`s followed;
- `reader`: `Spec`, its `Operation`s and their `Parameter`s, `$ref`s inlined, read once;
- `behaviour`: the `x-koodrive-behaviour` and `x-koodrive-validity` extensions, their
  schemas and models, checked against the operations they describe;
- `request_rules`: what a request must be (its parameters and its JSON body), each refusal
  told from the failing constraint.
"""

from koodrive_spec.behaviour import (
    Behaviour,
    BehaviourError,
    Filter,
    Match,
    Paging,
    RecordTimes,
)
from koodrive_spec.document import SpecError
from koodrive_spec.reader import Operation, Parameter, Spec
from koodrive_spec.request_rules import (
    BodyRules,
    OperationRules,
    UnsupportedMediaType,
    ValidationError,
    expectation,
)

__all__ = [
    "Behaviour",
    "BehaviourError",
    "BodyRules",
    "Filter",
    "Match",
    "Operation",
    "OperationRules",
    "Paging",
    "Parameter",
    "RecordTimes",
    "Spec",
    "SpecError",
    "UnsupportedMediaType",
    "ValidationError",
    "expectation",
]
