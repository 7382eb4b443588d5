"""Contains some shared types for properties"""

import json
from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, Generic, Literal, TypeVar

import httpx
from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


def json_content(value: Any) -> bytes:
    """A JSON request body as the SDK sends it: compact (no spaces) and UTF-8, NaN and
    infinities refused."""
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


# Where a reader that has parsed a response's JSON already leaves it on the response's
# extensions: the SDK's classifier parses every body before the models are built from it,
# and a body is not parsed twice. Only a body that is JSON is left there.
PARSED_JSON = "koodrive.parsed_json"


def response_json(response: httpx.Response) -> Any:
    """The response's JSON: as a reader left it parsed (PARSED_JSON), else `response.json()`."""
    try:
        return response.extensions[PARSED_JSON]
    except KeyError:
        return response.json()


__all__ = [
    "PARSED_JSON",
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "Response",
    "Unset",
    "json_content",
    "response_json",
]
