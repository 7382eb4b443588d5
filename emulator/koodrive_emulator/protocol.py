"""The HTTP/1.1 wire: uvicorn's httptools protocol (llhttp, C) with the gateway's manners.

llhttp is fast and strict, but leaves to the server what h11 did itself, and a gateway
does too. This protocol:

- refuses a request with no Host (HTTP/1.1 requires one) with 400, and one with two Host
  lines with 401, as every duplicated credential header is (a reader of one copy and a
  signer of the other would judge different requests);
- trims the spaces and tabs around a header value (llhttp keeps the trailing ones, and a
  padded credential would be refused);
- answers what the parser refuses (control characters, a broken request line, a
  Content-Length beside chunked, a malformed chunked body) with the gateway's JSON body
  naming the reason, never the bytes refused (a refused header line may hold a token);
  a body refused half-way is answered at once, its app told the client is gone, not left
  waiting for the rest;
- bounds a request's line and headers in time (HEADER_TIMEOUT, from the first byte) and in
  size (MAX_HEAD_BYTES), and its body in time (BODY_TIMEOUT, from the end of the headers;
  past it 408 and the close), where llhttp bounds none of these;
- implements one transfer coding, chunked, as RFC 9112 section 6 has it: another is 501
  (llhttp reads "gzip, chunked" as plain chunked), a Transfer-Encoding that does not end
  in chunked, or one in HTTP/1.0, is 400; both close the connection;
- lets the app reset a connection or hold a request unanswered (connection.py), for the
  connection-reset and hang faults, and closes a held one when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from koodrive_emulator.connection import CONTROL_KEY
from koodrive_emulator.encoding import encode_json
from koodrive_emulator.limits import (
    BODY_TIMEOUT,
    HEADER_TIMEOUT,
    MAX_HEAD_BYTES,
    closing_json_headers,
)
from koodrive_emulator.responses import gateway_body

logger = logging.getLogger("koodrive_emulator.access")
_NO_REQUEST_ID = "0" * 32
_TOO_LARGE = (
    400,
    f"Bad request: the request line and headers may be at most {MAX_HEAD_BYTES} bytes",
    "headers too large",
)
# The transfer codings HTTP has registered (IANA): named when refused. Another name is not
# echoed, as no refused bytes are.
_REGISTERED_CODINGS = frozenset(
    {b"compress", b"deflate", b"gzip", b"identity", b"trailers", b"x-compress", b"x-gzip"}
)


class _Refusal(Exception):
    """Raised in a parser callback: the request is answered `status` and the connection
    closed (llhttp wraps it in HttpParserCallbackError)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Control:
    """The ConnectionControl of one connection (connection.py)."""

    def __init__(self, protocol: GatewayHttpProtocol) -> None:
        self._protocol = protocol

    def reset(self) -> None:
        transport = self._protocol.transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger on, for 0 seconds: closing the socket sends RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    def hold(self) -> None:
        self._protocol.holding = True


class GatewayHttpProtocol(HttpToolsProtocol):
    header_timeout: float = HEADER_TIMEOUT
    body_timeout: float = BODY_TIMEOUT

    @classmethod
    def with_header_timeout(cls, seconds: float) -> type[GatewayHttpProtocol]:
        """This protocol with another header deadline (uvicorn takes a class, not an object)."""
        return cls._with_deadline("header_timeout", seconds)

    @classmethod
    def with_body_timeout(cls, seconds: float) -> type[GatewayHttpProtocol]:
        """This protocol with another body deadline (uvicorn takes a class, not an object)."""
        return cls._with_deadline("body_timeout", seconds)

    @classmethod
    def _with_deadline(cls, name: str, seconds: float) -> type[GatewayHttpProtocol]:
        if not (0 < seconds < float("inf")):
            raise ValueError(f"{name} must be a positive, finite number of seconds")
        return type(cls.__name__, (cls,), {name: seconds})

    def __init__(self, config: Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._in_head = False  # between a message's first byte and the end of its headers
        # Bytes received since the last head or message ended: a bound on the memory a head
        # still being read can take (the parser keeps a header until its end), at most one
        # read past MAX_HEAD_BYTES.
        self._head_bytes = 0
        # The request line and headers parsed so far: the exact size of a head.
        self._head_size = 0
        # A refusal that waits for the responses already owed on this connection: it must
        # not overtake them (a client reads answers in the order it sent its requests).
        self._deferred: tuple[int, str, str] | None = None
        # Between the end of a request's headers and the end of its body: a refusal then
        # is that request's answer, not one more after it.
        self._in_body = False
        # The request before the current one: the last still owed an answer once the
        # current one is refused half-way through its body.
        self._previous_cycle: RequestResponseCycle | None = None
        self._control = _Control(self)
        # The current request is left unanswered on purpose (the hang fault).
        self.holding = False

    def shutdown(self) -> None:
        # A held request would keep the server waiting for the whole graceful-shutdown
        # term: its client gets the connection closed instead, at once.
        if self.holding:
            self.transport.close()
        super().shutdown()

    # --- the connection -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deferred is not None:
            return  # the parser has failed: what follows the refused bytes means nothing
        self._unset_keepalive_if_required()
        self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No protocol is switched to, and the parser reads nothing after an upgrade
            # request's head: it is answered as any other, then the connection is closed.
            if self.cycle is not None:
                self.cycle.keep_alive = False
        except httptools.HttpParserError as error:
            refusal = error.__context__
            if isinstance(refusal, _Refusal):
                self._refuse(refusal.status, refusal.message, refusal.message)
            elif refusal is not None:
                logger.warning("refused a request after %s in the parser's callback", refusal)
                self._refuse(400, "Bad request", type(refusal).__name__)
            else:
                self._refuse(400, f"Bad request: {error}", str(error))
            return
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES:
            self._refuse(*_TOO_LARGE)

    # --- the parser's callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[CONTROL_KEY] = self._control  # type: ignore[literal-required]
        self._in_head = True
        self._head_size = 0
        # The deadline runs from a request's first byte and is not pushed back by more
        # bytes (a byte a second never finishes).
        if self._header_timer is None:
            self._arm_header_timer()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)  # with ": " and CRLF
        super().on_header(name, value.strip(b" \t"))

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._cancel_header_timer()
        hosts = 0
        announces_body = False
        transfer_codings: list[bytes] = []
        for name, value in self.headers:
            if name == b"host":
                hosts += 1
            elif name == b"content-length":
                announces_body = True
            elif name == b"transfer-encoding":
                announces_body = True
                transfer_codings += value.split(b",")  # two lines are one list
        if hosts > 1:
            raise _Refusal(
                401,
                "Incorrect authentication information: the Host header is sent more than "
                "once; send it once.",
            )
        if hosts == 0 and self.parser.get_http_version() == "1.1":
            raise _Refusal(400, "Bad request: Missing mandatory Host: header")
        if transfer_codings:
            _check_transfer_codings(transfer_codings, self.parser.get_http_version())
        self._previous_cycle = self.cycle
        super().on_headers_complete()
        _send_head_with_body(self.cycle)
        self._in_body = True
        if announces_body:
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._in_body = False
        self._cancel_body_timer()
        self._head_bytes = 0
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._deferred is not None and self._owes_no_response():
            status, message, reason = self._deferred
            self._deferred = None
            self._refuse(status, message, reason)

    # --- refusals and deadlines -----------------------------------------------------------

    def _count_head(self, size: int) -> None:
        self._head_size += size
        if self._head_size > MAX_HEAD_BYTES:
            raise _Refusal(*_TOO_LARGE[:2])

    def _owes_no_response(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _refuse(self, status: int, message: str, reason: str) -> None:
        self._cancel_header_timer()
        self._cancel_body_timer()
        if self._in_body:
            self._in_body = False
            cycle = self.cycle
            if cycle.response_started and not cycle.response_complete:
                # The app is answering without the whole body: a refusal cannot go inside
                # its answer, so the answer is cut short by the close.
                logger.info("closed a connection mid-answer after its body failed (%s)", reason)
                self.transport.close()
                return
            if not cycle.response_started:
                self._abandon(cycle)
        if not self._owes_no_response():
            # Nothing more is read; the refusal follows the answers owed, then the close.
            self._deferred = (status, message, reason)
            self.flow.pause_reading()
            return
        logger.info("refused a request HTTP itself forbids (%s): answered %d", reason, status)
        body = encode_json(gateway_body(status, _NO_REQUEST_ID, message))
        status_line = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode("ascii")
        headers = b"".join(b"%s: %s\r\n" % pair for pair in closing_json_headers(body))
        self.transport.write(status_line + headers + b"\r\n" + body)
        self.transport.close()

    def _abandon(self, cycle: RequestResponseCycle) -> None:
        """The refusal answers `cycle` instead of its app: the app, waiting for the rest of
        the body or yet to start, is told the client is gone and what it sends is dropped."""
        cycle.disconnected = True
        cycle.message_event.set()
        # Still queued behind an earlier answer: uvicorn queues on the left.
        if self.pipeline and self.pipeline[0][0] is cycle:
            self.pipeline.popleft()
        self.cycle = self._previous_cycle  # type: ignore[assignment]

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_too_slow(self) -> None:
        self._body_timer = None
        if not self._in_body or self.transport.is_closing():
            return
        if self.flow.read_paused:
            # The server, not the client, has stopped reading (an earlier request is still
            # being answered, or its app has not taken the body read so far): the client
            # gets a new term.
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_too_slow)
            return
        self._refuse(
            408,
            f"Request timeout: the body must arrive whole within {self.body_timeout:g} s "
            "of the headers",
            f"a body not whole within {self.body_timeout:g} s",
        )

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self._owes_no_response():
            # A response is still being made (a slow operation, a latency fault): the
            # client is waiting, not stalling; the next request's head gets another term.
            self._arm_header_timer()
            return
        if not self.transport.is_closing() and (self._in_head or self.cycle is None):
            logger.info(
                "closed a connection that sent no whole request in %s s", self.header_timeout
            )
            self.transport.close()


def _send_head_with_body(cycle: RequestResponseCycle) -> None:
    """The response of `cycle` goes out with its head (status line and headers) and the
    first bytes of its body in one write: one system call and one segment an answer, not
    two. A head with no body (HEAD, 204) goes when the response completes."""
    transport = _HeadWithBody(cycle.transport)
    completed = cycle.on_response

    def on_response() -> None:
        transport.flush()
        completed()

    cycle.transport = transport  # type: ignore[assignment]
    cycle.on_response = on_response


class _HeadWithBody:
    """A connection's transport for one response: its first write (the head) is held until
    the next one, or until the response completes or the connection is closed. An interim
    response (100 Continue) is not the head: it goes at once. Anything else is the
    connection's own."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held = b""
        self._wrote_head = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held:
            data, self._held = self._held + data, b""
        elif not self._wrote_head and not bytes(data[:10]).startswith(b"HTTP/1.1 1"):
            self._wrote_head = True
            self._held = bytes(data)
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _check_transfer_codings(elements: list[bytes], http_version: str) -> None:
    """Raises the refusal of a Transfer-Encoding this server cannot read a body by."""
    if http_version == "1.0":
        # An HTTP/1.0 hop may have passed chunks on without reading them: the framing
        # cannot be trusted (RFC 9112 6.1).
        raise _Refusal(400, "Bad request: Transfer-Encoding in HTTP/1.0; send Content-Length")
    # Names are case-insensitive, and an empty list element counts for nothing.
    codings = [coding for element in elements if (coding := element.strip(b" \t").lower())]
    if not codings or codings[-1] != b"chunked" or codings.count(b"chunked") > 1:
        # Where the body ends cannot be known (RFC 9112 6.3): nothing after it can be read.
        raise _Refusal(
            400, "Bad request: Transfer-Encoding must end in chunked, once and without parameters"
        )
    if len(codings) > 1:
        names = [coding.split(b";", 1)[0].rstrip(b" \t") for coding in codings[:-1]]
        named = [name.decode("ascii") for name in names if name in _REGISTERED_CODINGS]
        if len(named) < len(names):
            named.append("an unregistered one")
        refused = list(dict.fromkeys(named))
        raise _Refusal(
            501,
            f"Not implemented: the transfer coding{'s' if len(refused) > 1 else ''} "
            f"{', '.join(refused)}; only chunked is implemented: send the body chunked, or "
            "with Content-Length",
        )
