"""JSON as the emulator sends it: compact UTF-8, records embedded as their text.

A page of twenty groups is mostly the groups' own text. Each listed group's text is made
straight from its row (state.Backend.listed_groups, which keeps a page so made until the
state changes), and a body joins those texts: a fraction of encoding every page whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class Fragment:
    """JSON text encoded once (a stored record's wire form) and embedded as it is in every
    body that carries it. Not a str: json.dumps refuses it rather than quote it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Fragment({self.text!r})"


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# A str as JSON text, quoted, exactly as the encoder above writes it (its own C function).
string_json: Callable[[str], str] = json.encoder.encode_basestring
_string = string_json


def fragment(record: dict[str, Any]) -> Fragment:
    """A record of plain JSON values (no Fragments) as a Fragment, encoded by json's C
    encoder."""
    return Fragment(_encode(record))


def encode_json(body: Any) -> bytes:
    """`body` as compact UTF-8 JSON, its Fragments embedded as they were encoded."""
    return _text(body).encode()


def _text(value: Any) -> str:
    # Exact types, not isinstance: a bool is an int, and a str subclass may not be plain.
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is Fragment:
        return value.text  # type: ignore[no-any-return]
    if kind is dict:
        return "{" + ",".join([f"{_string(str(k))}:{_text(v)}" for k, v in value.items()]) + "}"
    if kind is list:
        texts = [item.text if type(item) is Fragment else _text(item) for item in value]
        return "[" + ",".join(texts) + "]"
    return _encode(value)
