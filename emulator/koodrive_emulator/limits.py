"""What a request may cost the emulator: time to send its headers and its body, size of
its body.

The vendor's gateway lists 413 among its statuses; a gateway also drops a connection that
never finishes its request line and headers, or its body. Without these bounds one client
could hold a connection open forever (half-open, or one byte a minute) or make the emulator
read a body of any size. The answers are the gateway's JSON body, like every other refusal.

    HEADER_TIMEOUT     seconds from a connection's first byte (or its opening) to the end
                       of a request's headers; then the connection is closed
    BODY_TIMEOUT       seconds from the end of a request's headers to the end of its body;
                       then the request is answered 408 and the connection closed
    MAX_HEAD_BYTES     the longest request line and headers read; a longer one is answered
                       400 (the protocol, protocol.py, applies both of these)
    MAX_BODY_BYTES     the largest request body read; a larger one is answered 413
    MAX_ADMIN_BODY_BYTES  the same for the admin API (a whole state may be PUT), when the
                       app marks a request as one of its own (BODY_LIMIT_KEY in the scope)
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koodrive_emulator.access_log import REQUEST_ID_KEY
from koodrive_emulator.encoding import encode_json
from koodrive_emulator.responses import gateway_body

HEADER_TIMEOUT = 10.0
# The admin API's largest body (16 MiB) at about 5 Mbit/s: generous for a test's loopback.
BODY_TIMEOUT = 30.0
MAX_HEAD_BYTES = 16 * 1024  # what h11, and so this emulator before llhttp, allowed
MAX_BODY_BYTES = 1024 * 1024  # both operations take no body; 1 MiB is generous
# A state of about 100,000 groups as JSON; a larger one is seeded at start (--fixtures).
MAX_ADMIN_BODY_BYTES = 16 * 1024 * 1024
# The scope key by which the app gives one request another limit than `max_bytes`.
BODY_LIMIT_KEY = "koodrive.body_limit"
logger = logging.getLogger("koodrive_emulator.access")


# The scope key of the body BodyLimit read whole (a ReadBody).
READ_BODY_KEY = "koodrive.read_body"


class ReadBody:
    """A request's body as BodyLimit read it: an app may take it from the scope instead of
    receiving it again message by message (what Starlette's Request.body() does)."""

    __slots__ = ("_messages",)

    def __init__(self, messages: list[Message]) -> None:
        self._messages = messages

    def take(self) -> bytes:
        """The body; after it, the app's next receive() is the server's next message (a
        disconnect), as after receiving the body itself."""
        messages = self._messages[:]
        self._messages.clear()  # the very list the app's receive() replays from
        return b"".join(message.get("body", b"") for message in messages)


class BodyLimit:
    """Reads a request's body whole, up to MAX_BODY_BYTES, before the app sees it; a larger
    one (declared or sent) gets 413 with the gateway body, without being read further."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes: int = scope.get(BODY_LIMIT_KEY, self.max_bytes)
        if _declared_length(scope) > max_bytes:
            await self._too_large(scope, send, max_bytes)
            return
        received: list[Message] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > max_bytes:
                await self._too_large(scope, send, max_bytes)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        if received[-1]["type"] == "http.request":  # whole: not cut short by a disconnect
            scope[READ_BODY_KEY] = ReadBody(received)
        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, send: Send, max_bytes: int) -> None:
        message = f"Request entity too large: the body may be at most {max_bytes} bytes"
        request_id = scope.get(REQUEST_ID_KEY, "0" * 32)
        body = encode_json(gateway_body(413, request_id, message))
        await send(
            {"type": "http.response.start", "status": 413, "headers": closing_json_headers(body)}
        )
        await send({"type": "http.response.body", "body": body})


def closing_json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """A JSON answer's headers, the connection closed after it (the rest of the request is
    never read, so the connection cannot serve another)."""
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the parser refuses a malformed Content-Length before the app runs
    return 0
