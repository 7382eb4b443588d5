"""Whether a request, as it went on the wire, breaks a parameter's schema, and which.

Schemathesis knows which constraint a negative case was generated to break, but hooks and
serialization change what is sent (a query string has no types; the cursor hook swaps
cursors), and its own check excuses some cases it cannot judge (docs/contract.md,
"An upstream bug"). The judge here reads the request as the server does: the query string
decoded, each value read as its schema's type, header values trimmed; then each declared
query and header parameter is validated against its schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
from koodrive_spec.reader import Parameter

_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def query_of(url: str) -> dict[str, list[str]]:
    """Each query parameter's values, decoded as the server decodes them."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return values


def wire_text(value: object) -> str:
    """A parameter's value as it goes on the wire (a list: its first value)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def problems(
    declared: Sequence[Parameter],
    query: Mapping[str, Sequence[str]],
    headers: Mapping[str, str],
    path: Mapping[str, object] | None = None,
) -> list[str]:
    """What in the request breaks a parameter's schema, one line per parameter, e.g.
    "pageSize=101: 101 is greater than the maximum of 100"."""
    found = []
    lowered = {name.lower(): value for name, value in headers.items()}
    for parameter in declared:
        if parameter.location == "query":
            sent = list(query.get(parameter.name, ()))
        elif parameter.location == "path":
            segment = (path or {}).get(parameter.name)
            sent = [] if segment is None else [wire_text(segment)]
        else:
            header = lowered.get(parameter.name.lower())
            sent = [] if header is None else [header.strip(" \t")]
        if not sent:
            if parameter.required:
                found.append(f"{parameter.name} missing: it is required")
            continue
        if _declared_type(parameter.schema) == "array":
            items = parameter.schema.get("items")
            typed: object = [
                _typed(text, items if isinstance(items, Mapping) else {}) for text in sent
            ]
        elif len(sent) > 1:
            found.append(f"{parameter.name} sent {len(sent)} times: it takes one value")
            continue
        else:
            typed = _typed(sent[0], parameter.schema)
        error = jsonschema.exceptions.best_match(
            _validator(_key(parameter.schema)).iter_errors(typed)
        )
        if error is not None:
            found.append(f"{parameter.name}={sent[0]!r}: {error.message}")
    return found


def _typed(text: str, schema: Mapping[str, Any]) -> object:
    """`text` read as the schema's type, as a server reads a query value; unchanged if it
    does not read as one (then the type check reports it)."""
    kind = _declared_type(schema)
    if kind == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _declared_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # ["integer", "null"]: a query value reads as the first
        kind = next((name for name in kind if name != "null"), None)
    if isinstance(kind, str):
        return kind
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, int) for v in enum):
        return "integer"
    return None


def _key(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True)


@lru_cache(maxsize=64)
def _validator(schema_key: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(schema_key))
