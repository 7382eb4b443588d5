"""What a request may cost the emulator: time to send its headers, size of its body.

The vendor's gateway lists 413 among its statuses; a gateway also drops a connection that
never finishes its request line and headers. Without these bounds one client could hold
a connection open forever (half-open, or one byte a minute) or make the emulator read a
body of any size. Both answers are the gateway's JSON body, like every other refusal.

    HEADER_TIMEOUT     seconds from a connection's first byte (or its opening) to the end
                       of a request's headers; then the connection is closed
    MAX_BODY_BYTES     the largest request body read; a larger one is answered 413
"""

from __future__ import annotations

import asyncio
import logging
import re
from http import HTTPStatus
from typing import Any

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol

from koodrive_emulator.access_log import REQUEST_ID_KEY
from koodrive_emulator.responses import encode_json, gateway_body

HEADER_TIMEOUT = 10.0
MAX_BODY_BYTES = 1024 * 1024  # both operations take no body; 1 MiB is generous
_DUPLICATE_HOST = "multiple host"
_QUOTED_BYTES = re.compile(r":?\s*(bytearray\(|b['\"]).*$", re.DOTALL)
logger = logging.getLogger("koodrive_emulator.access")


class GatewayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers, and the
    gateway's JSON bodies (not uvicorn's text/plain) for requests HTTP itself refuses."""

    conn: _RecordingConnection
    header_timeout: float = HEADER_TIMEOUT

    @classmethod
    def with_header_timeout(cls, seconds: float) -> type[GatewayH11Protocol]:
        """This protocol with another header deadline (uvicorn takes a class, not an object)."""
        if not (0 < seconds < float("inf")):
            raise ValueError("header_timeout must be a positive, finite number of seconds")
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        limit = config.h11_max_incomplete_event_size
        self.conn = _RecordingConnection(
            h11.SERVER, DEFAULT_MAX_INCOMPLETE_EVENT_SIZE if limit is None else limit
        )
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._cancel_header_timer()
        elif self.conn.their_state is h11.IDLE:
            # Part of a request line or its headers: the deadline runs from the first byte
            # and is not pushed back by more bytes (a byte a second never finishes).
            if data and self._header_timer is None:
                self._arm_header_timer()
        else:
            self._cancel_header_timer()

    def send_400_response(self, msg: str) -> None:
        problem = self.conn.last_error
        if problem is not None and _DUPLICATE_HOST in problem.lower():
            # A second Host would let a reader of one copy and a signer of the other judge
            # different requests: refused like every duplicated credential header.
            status = 401
            message = (
                "Incorrect authentication information: the Host header is sent more than "
                "once; send it once."
            )
        else:
            status, message = 400, f"Bad request: {problem or msg}"
        # uvicorn has just logged "Invalid HTTP request received." with no detail; this says
        # what it was and that it was answered.
        logger.info("refused a request HTTP itself forbids (%s): answered %d", problem, status)
        self._send_gateway_error(status, message)

    def _send_gateway_error(self, status: int, message: str) -> None:
        body = encode_json(gateway_body(status, "0" * 32, message))
        headers = _closing_json_headers(body)
        for event in (
            h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            logger.info(
                "closed a connection that sent no whole request in %s s", self.header_timeout
            )
            self.transport.close()


class WithoutBareRefusals(logging.Filter):
    """Drops uvicorn's "Invalid HTTP request received." warning, which names no reason:
    GatewayH11Protocol logs the refusal with its reason instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Invalid HTTP request received."


class _RecordingConnection(h11.Connection):
    """An h11 connection that remembers why it last refused the peer's bytes, so the
    refusal can say so (uvicorn's handler is not told)."""

    last_error: str | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as error:
            self.last_error = _without_quoted_bytes(str(error))
            raise


def _without_quoted_bytes(reason: str) -> str:
    """h11's reason without the bytes it quotes: a refused header line may hold a token."""
    return _QUOTED_BYTES.sub("", reason).rstrip(" :") or "malformed request"


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
        if _declared_length(scope) > self.max_bytes:
            await self._too_large(scope, send)
            return
        received: list[Message] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        message = f"Request entity too large: the body may be at most {self.max_bytes} bytes"
        request_id = scope.get(REQUEST_ID_KEY, "0" * 32)
        body = encode_json(gateway_body(413, request_id, message))
        await send(
            {"type": "http.response.start", "status": 413, "headers": _closing_json_headers(body)}
        )
        await send({"type": "http.response.body", "body": body})


def _closing_json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
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
                return 0  # h11 refuses a malformed Content-Length before the app runs
    return 0
