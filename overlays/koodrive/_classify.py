"""Decide from a whole response whether the call succeeded, before the generated code parses it.

The generated `_parse_response` calls `response.json()` and the models' `from_dict`
whatever the status, so a gateway's HTML 502 or an error body would escape as a
JSONDecodeError. Looking first turns every failure into the typed exception it is.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from .errors import APIError, MalformedResponseError, status_error_class

TRACE_ID_HEADER = "X-Traceid"
_EXCERPT = 120
_NOT_JSON = object()  # what parse_json returns for a body that is not JSON
_UNPARSED = object()


def classify(
    response: httpx.Response, body: object = _UNPARSED, *, request_id: str | None = None
) -> APIError | None:
    """The exception `response` (already read) calls for, or None when it is a success.

    `body` is `parse_json(response.content)` when the caller has it already; `request_id`
    is the one the response's header carries, used when an error body has none."""
    if body is _UNPARSED:
        body = parse_json(response.content)
    if response.is_success:
        # The common case, a result: decided without a header lookup.
        if type(body) is dict and body.get("code") == 0 and type(body["code"]) is int:
            return None
        return _check_success(response, body, _sent_trace_id(response), request_id)
    return _status_error(response, body, _sent_trace_id(response), request_id)


def _sent_trace_id(response: httpx.Response) -> str | None:
    """The X-Traceid the request carried (errors name it)."""
    trace_id: str | None = response.request.headers.get(TRACE_ID_HEADER)
    return trace_id


def unread_status_error(response: httpx.Response) -> APIError:
    """The exception for an error response nobody read: a user's response hook raised on
    its status (`raise_for_status()`) before the SDK's hook could. Typed from the status and
    headers alone, so the caller still gets the SDK's exception and retries still apply."""
    kind = status_error_class(response.status_code)
    return kind(
        f"HTTP {response.status_code} (a response hook raised before the body was read)",
        status_code=response.status_code,
        code=None,
        trace_id=response.request.headers.get(TRACE_ID_HEADER),
        request_id=None,
        headers=response.headers,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


def result_code(value: object) -> int | None:
    """`code` as an int: the spec's integer or the vendor's string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _check_success(
    response: httpx.Response, body: object, trace_id: str | None, request_id: str | None
) -> APIError | None:
    def malformed(problem: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"HTTP {response.status_code} response from {response.request.url.path} {problem}",
            trace_id=trace_id,
            status_code=response.status_code,
            headers=response.headers,
        )

    if body is _NOT_JSON:
        return malformed(f"is not JSON: {_excerpt(response)}")
    if not isinstance(body, dict):
        return malformed(f"is not a JSON object: {_excerpt(response)}")
    if "code" not in body:
        return malformed("lacks the required field 'code'")
    code = result_code(body["code"])
    if code is None:
        return malformed(f"has 'code' {body['code']!r}: expected an integer or a string of digits")
    if code == 0:
        return None
    return _status_error(response, body, trace_id, request_id)


def _status_error(
    response: httpx.Response, body: object, trace_id: str | None, header_request_id: str | None
) -> APIError:
    fields = body if isinstance(body, dict) else {}
    gateway_code = fields.get("error_code")
    if isinstance(gateway_code, str):
        message = fields.get("error_msg")
        request_id = fields.get("request_id")
        code: int | str | None = gateway_code
    else:
        gateway_code = None
        message = fields.get("msg")
        request_id = None
        raw_code = fields.get("code")
        code = result_code(raw_code) if raw_code is not None else None
    if not isinstance(message, str) or not message:
        message = (
            f"no error message ({_excerpt(response)})" if body is _NOT_JSON else "no error message"
        )
    kind = status_error_class(response.status_code, gateway_code=gateway_code)
    return kind(
        message,
        status_code=response.status_code,
        code=code,
        trace_id=trace_id,
        request_id=request_id if isinstance(request_id, str) and request_id else header_request_id,
        headers=response.headers,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: a number of seconds or an HTTP date; None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(seconds, 0.0)


def parse_json(content: bytes) -> object:
    try:
        body: object = json.loads(content)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError; nested deep
        return _NOT_JSON
    return body


def _excerpt(response: httpx.Response) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    text = response.content[:_EXCERPT].decode("utf-8", errors="replace")
    more = "..." if len(response.content) > _EXCERPT else ""
    return f"{kind}, {len(response.content)} bytes: {text!r}{more}"
