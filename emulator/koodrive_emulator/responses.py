"""The bodies the emulator answers with: success, service errors and gateway errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from koodrive_emulator.connection import CONTROL_KEY, ConnectionControl

PARAMETER_ERROR = 13000102
INTERNAL_ERROR = 13000500
# The emulator's own, never the vendor's: an operation of the spec it has no handler for.
NOT_IMPLEMENTED = 13000501

# The vendor names the statuses a gateway adds (404, 413, 429, ...) but not every code;
# 400, 408, 413 and 501 take the code of Huawei API Gateway's request errors, APIGW.0201.
GATEWAY_ERRORS: dict[int, tuple[str, str]] = {
    400: ("APIGW.0201", "Bad request"),
    401: ("APIGW.0303", "Incorrect authentication information"),
    404: ("APIGW.0101", "The API does not exist or has not been published in the environment"),
    408: ("APIGW.0201", "Request timeout"),
    413: ("APIGW.0201", "Request entity too large"),
    501: ("APIGW.0201", "Not implemented"),
    429: ("APIGW.0308", "The throttling threshold has been reached"),
    502: ("APIGW.0201", "Bad gateway"),
    503: ("APIGW.0203", "Service unavailable"),
    504: ("APIGW.0204", "Backend timeout"),
}


# What nginx, a common proxy in front of an API gateway, answers when its upstream fails.
PROXY_502_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def gateway_body(status: int, request_id: str, message: str | None = None) -> dict[str, Any]:
    code, default_message = GATEWAY_ERRORS[status]
    return {"error_code": code, "error_msg": message or default_message, "request_id": request_id}


def service_body(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "msg": message}


class JSONBytesResponse(Response):
    """A JSON body already encoded. Every operation answers with one, so its headers are
    made here directly: what Starlette's general init_headers makes of them, at a fraction
    of its cost."""

    media_type = "application/json"

    def __init__(
        self, content: bytes, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status_code = status_code
        self.body = content
        self.background = None
        self.raw_headers = [
            *(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in (headers or {}).items()
            ),
            (b"content-length", b"%d" % len(content)),
            (b"content-type", b"application/json"),
        ]


class TruncatedResponse(Response):
    """Promises the whole body in Content-Length, sends half, then lets the server close
    the connection: what a client sees when a response is cut short in transit."""

    media_type = "application/json"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send(
            {
                "type": "http.response.body",
                "body": self.body[: len(self.body) // 2],
                "more_body": True,
            }
        )


class UnansweredResponse(Response):
    """No response at all: the connection reset (`reset`), or the request held unanswered
    until the client leaves or the server stops. `before` runs first (the journal records
    the request then, since nothing will be sent)."""

    def __init__(self, *, reset: bool, before: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.reset = reset
        self.before = before

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.before is not None:
            self.before()
        control: ConnectionControl | None = scope.get(CONTROL_KEY)
        if control is None and self.reset:
            raise RuntimeError(
                "the connection-reset fault needs the emulator's own server "
                "(koodrive_emulator.server, the CLI): this one gives no way to reset"
            )
        if control is not None:
            if self.reset:
                control.reset()
            else:
                control.hold()
        # Until the connection is gone: at once after a reset; for a held request, when the
        # client gives up or the server stops (the protocol then closes it).
        while (await receive())["type"] != "http.disconnect":
            pass
