"""The bodies the admin API takes and the errors it answers: one JSON value, declared as
`application/json` (a browser sends that cross-site only after a CORS preflight, which the
admin API never grants), with finite numbers only.

The size of a body is bounded before the admin API reads it: `limits.MAX_ADMIN_BODY_BYTES`
(413 past it).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class BadBody(ValueError):
    """A request body the admin API cannot use; `str(error)` says why, `status` how to
    answer (400, or 415 for a body not declared JSON)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def json_body(request: Request, shape: str) -> Any:
    """The request's body as JSON, or BadBody; `shape` tells what the body must be."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise BadBody("Content-Type must be application/json; " + shape, status=415)
    try:
        return json.loads(await request.body(), parse_constant=_no_constant)
    except BadBody:
        raise
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError among them
        raise BadBody(shape) from None


def error(message: str, status: int = 400) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def refused(problem: BadBody) -> Response:
    return error(str(problem), problem.status)


def _no_constant(name: str) -> object:
    # Python's json reads NaN and Infinity; as seconds they would mean "never answer".
    raise BadBody(f"{name} is not allowed: numbers must be finite")
