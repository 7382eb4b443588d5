"""The exceptions the SDK raises, one class per kind of failure.

    KooDriveError
    ├── ConfigurationError            bad or contradictory settings (names the variable)
    ├── InvalidArgumentError          a bad argument to a method (names the argument)
    └── APIError                      something went wrong talking to the API
        ├── APIConnectionError        no (complete) response: refused, reset, cut short
        │   └── APITimeoutError
        ├── ResponseTooLargeError     a body past max_response_bytes (after decompression)
        ├── MalformedResponseError    a 2xx response whose body breaks the spec
        │   ├── PaginationError       a listing that would never end (cursor, offset)
        │   └── WriteAppliedError     a write the server applied, its answer unreadable
        ├── BatchMembersError         a batch of members in which a user failed
        │                             (koodrive.batches: it carries the BatchResult)
        └── APIStatusError            the server answered with an error
            ├── APIResultError        HTTP 2xx, but `code` is not 0
            ├── BadRequestError       400
            ├── AuthenticationError   401, or 400 with a gateway authentication body
            ├── NotFoundError         404
            ├── RateLimitError        429
            ├── ServerError           5xx
            └── GatewayError          the body is the API gateway's (`error_code` APIGW.xxxx)

A gateway error is both: `GatewayRateLimitError` is a `RateLimitError` and a `GatewayError`,
so `except RateLimitError` and `except GatewayError` both catch it. Messages never include
credentials: they are built from the status and the response body only.
"""

from __future__ import annotations

import httpx


class KooDriveError(Exception):
    """Base class of every exception the SDK raises on purpose."""


class ConfigurationError(KooDriveError, ValueError):
    """A setting is missing, malformed or contradicts another; the message names it."""


class InvalidArgumentError(KooDriveError, ValueError):
    """An argument to an SDK method is not allowed; the message names it and what is."""


class APIError(KooDriveError):
    """A call to the API failed. `trace_id` is the `X-Traceid` sent: quote it to support."""

    def __init__(self, message: str, *, trace_id: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.trace_id = trace_id

    def __str__(self) -> str:
        return f"{self.message} [trace id: {self.trace_id or '-'}]"


class APIConnectionError(APIError):
    """No complete response: the connection failed, was reset, or the body was cut short.

    `request_sent` is False when the request provably never left the client: no connection
    could be made (refused, unreachable, a connect timeout) or none was free in the pool in
    time. Otherwise (reset, cut short, a read or write timeout) the server may have
    received it, and a write that is not safe to repeat may have been applied.
    """

    def __init__(self, message: str, *, trace_id: str | None, request_sent: bool = True) -> None:
        super().__init__(message, trace_id=trace_id)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """The call timed out (connecting, reading or writing)."""


class ResponseTooLargeError(APIError):
    """The response body grew past `max_response_bytes`, counted after decompression (a
    gzip bomb too): reading stopped there and the connection was closed."""

    def __init__(
        self,
        message: str,
        *,
        trace_id: str | None,
        status_code: int,
        limit: int,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message, trace_id=trace_id)
        self.status_code = status_code
        self.limit = limit
        self.headers = headers if headers is not None else httpx.Headers()


class MalformedResponseError(APIError):
    """A successful (2xx) response whose body does not follow the spec."""

    def __init__(
        self,
        message: str,
        *,
        trace_id: str | None,
        status_code: int | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message, trace_id=trace_id)
        self.status_code = status_code
        self.headers = headers if headers is not None else httpx.Headers()


class PaginationError(MalformedResponseError):
    """The server would make a listing never end: it sends back a cursor already followed,
    or pages of nothing new (an offset it ignores)."""


class WriteAppliedError(MalformedResponseError):
    """A write the server applied (HTTP 2xx, `code` 0) whose response breaks the spec, so
    the SDK cannot return its result (a create's body without `id`, say). The write WAS
    made: the SDK does not send it again, and calling it again may make it twice (a second
    group). `effect` is what it did: "create", "update" or "delete"."""

    def __init__(
        self,
        message: str,
        *,
        trace_id: str | None,
        effect: str,
        status_code: int | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message, trace_id=trace_id, status_code=status_code, headers=headers)
        self.effect = effect


class APIStatusError(APIError):
    """The server answered with an error status, or a 2xx whose `code` is not 0.

    `code` is the service's result code (an int) or the gateway's `error_code`
    (`"APIGW.0303"`); `request_id` is the gateway's request id, when the gateway answered.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | str | None,
        trace_id: str | None,
        request_id: str | None,
        headers: httpx.Headers,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, trace_id=trace_id)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.headers = headers
        self.retry_after = retry_after

    def __str__(self) -> str:
        code = "" if self.code is None else f" {self.code}"
        request = f", request id: {self.request_id}" if self.request_id else ""
        return (
            f"HTTP {self.status_code}{code}: {self.message} "
            f"[trace id: {self.trace_id or '-'}{request}]"
        )


class APIResultError(APIStatusError):
    """HTTP 2xx with a non-zero `code`: the service refused the call."""


class BadRequestError(APIStatusError):
    """400: a parameter or header is missing or invalid; the message names it."""


class AuthenticationError(APIStatusError):
    """401 (or 400 with a gateway authentication error): credentials missing or wrong."""


class NotFoundError(APIStatusError):
    """404: the gateway does not know the API (wrong base URL or path)."""


class RateLimitError(APIStatusError):
    """429: throttled; `retry_after` holds the seconds the server asked to wait."""


class ServerError(APIStatusError):
    """5xx: the service or the gateway failed."""


class GatewayError(APIStatusError):
    """The API gateway answered (`error_code` APIGW.xxxx in `code`, `request_id` set)."""


class GatewayBadRequestError(BadRequestError, GatewayError):
    pass


class GatewayAuthenticationError(AuthenticationError, GatewayError):
    pass


class GatewayNotFoundError(NotFoundError, GatewayError):
    pass


class GatewayRateLimitError(RateLimitError, GatewayError):
    pass


class GatewayServerError(ServerError, GatewayError):
    pass


_GATEWAY_VARIANTS: dict[type[APIStatusError], type[APIStatusError]] = {
    APIStatusError: GatewayError,
    BadRequestError: GatewayBadRequestError,
    AuthenticationError: GatewayAuthenticationError,
    NotFoundError: GatewayNotFoundError,
    RateLimitError: GatewayRateLimitError,
    ServerError: GatewayServerError,
}


def status_error_class(
    status_code: int, *, gateway_code: str | None = None
) -> type[APIStatusError]:
    """The exception class for an error response (`gateway_code` set for gateway bodies)."""
    kind: type[APIStatusError]
    if status_code == 401 or (status_code == 400 and _is_gateway_auth(gateway_code)):
        kind = AuthenticationError
    elif status_code == 400:
        kind = BadRequestError
    elif status_code == 404:
        kind = NotFoundError
    elif status_code == 429:
        kind = RateLimitError
    elif status_code >= 500:
        kind = ServerError
    elif 200 <= status_code < 300:
        kind = APIResultError
    else:
        kind = APIStatusError
    if gateway_code is None or kind is APIResultError:
        return kind
    return _GATEWAY_VARIANTS[kind]


def _is_gateway_auth(gateway_code: str | None) -> bool:
    # The gateway's authentication failures are APIGW.03xx (spec: x-koodrive-decisions),
    # except APIGW.0308, its throttling error.
    return (
        gateway_code is not None
        and gateway_code.startswith("APIGW.03")
        and gateway_code != "APIGW.0308"
    )


# The exceptions: `koodrive` re-exports exactly these. `status_error_class` stays public
# here by name, for the classifier and tests, but is no part of the top-level API.
__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResultError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "GatewayAuthenticationError",
    "GatewayBadRequestError",
    "GatewayError",
    "GatewayNotFoundError",
    "GatewayRateLimitError",
    "GatewayServerError",
    "InvalidArgumentError",
    "KooDriveError",
    "MalformedResponseError",
    "NotFoundError",
    "PaginationError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "WriteAppliedError",
]
