"""What the resources share: their base class, and checks on what the generated parsing
returned."""

from __future__ import annotations

from typing import Generic, TypeVar

import httpx
from koodrive_client.types import Response

from .. import _shape
from .._context import Context
from .._hooks import parsed_body
from ..config import USER_ID
from ..errors import ConfigurationError, MalformedResponseError

ModelT = TypeVar("ModelT")
ParsedT = TypeVar("ParsedT")
ContextT = TypeVar("ContextT", bound=Context)


class Resource(Generic[ContextT]):
    """One tag's operations, made on the client's context (sync or async)."""

    def __init__(self, context: ContextT) -> None:
        self._context = context


def expect(
    response: Response[ParsedT], model: type[ModelT], operation: str, trace_id: str
) -> ModelT:
    """The parsed body as `model`; a 2xx the spec does not document is malformed."""
    parsed = response.parsed
    if not isinstance(parsed, model):
        raise MalformedResponseError(
            f"{operation}: HTTP {int(response.status_code)} is not a success status the spec "
            f"documents (200)",
            trace_id=trace_id,
            status_code=int(response.status_code),
            headers=httpx.Headers(response.headers),
        )
    try:
        _shape.check(parsed, parsed_body(response.content))
    except _shape.ShapeError as error:
        raise MalformedResponseError(
            f"{operation}: HTTP {int(response.status_code)} response breaks the spec: {error}",
            trace_id=trace_id,
            status_code=int(response.status_code),
            headers=httpx.Headers(response.headers),
        ) from None
    return parsed


def require_user_id(user_id: str | None, operation: str) -> str:
    if user_id is None:
        raise ConfigurationError(
            f"{operation} acts for one user and needs X-User-Id: set {USER_ID} "
            "(or pass user_id= to the client)"
        )
    return user_id
