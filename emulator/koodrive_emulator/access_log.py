"""One log line per request: method, path, status, latency, trace id, request id.

Every response carries the request id in the spec's `request-id-header` (`X-Request-Id`),
as the vendor's gateway sends it: the id a support desk asks for is on the wire and in this
log alike. Only these are logged, never headers or the query string, so credentials (Authorization,
tokens someone puts in a query) cannot reach the log.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

from koodrive_spec.reader import Spec
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("koodrive_emulator.access")
REQUEST_ID_KEY = "koodrive.request_id"
# Request ids name requests, they guard nothing: drawn from a generator seeded from the
# system's randomness once, not by a system call on every request.
_request_ids = random.Random()
# The shipped spec's TraceId: a well-formed trace id is logged; anything else could forge
# log lines. An app serving another spec passes its own pattern.
_SHIPPED_TRACE_ID = str(Spec.packaged().schema("TraceId")["pattern"])


class AccessLog:
    def __init__(
        self,
        app: ASGIApp,
        *,
        trace_id_pattern: str = _SHIPPED_TRACE_ID,
        request_id_header: str | None = None,
        clock: Callable[[], datetime] | None = None,
        write_line: Callable[[str], None] | None = None,
    ) -> None:
        """`clock`: the `Date` of each response is its time, not the server's (which
        uvicorn stamps once a second, so up to a second late). `write_line`: where each
        line's message goes while the logger is enabled for INFO, instead of a record of
        the logger (a program that owns its output: the CLI's stderr)."""
        self.app = app
        self._clock = clock
        self._write_line = write_line
        self._trace_id = re.compile((trace_id_pattern or _SHIPPED_TRACE_ID).encode())
        self._request_id_header = (
            request_id_header.lower().encode("latin-1") if request_id_header else None
        )
        # The last `Date` made, and the second of the clock it is for: an HTTP date names
        # the second, and making one cost as much as the rest of the access log's work.
        self._dated: tuple[datetime | None, bytes] = (None, b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = f"{_request_ids.getrandbits(128):032x}"
        scope[REQUEST_ID_KEY] = request_id
        status = 0
        logged = False

        def log() -> None:
            nonlocal logged
            logged = True
            if not logger.isEnabledFor(logging.INFO):
                return
            message = (
                f"{scope['method']} {_path(scope)} {status} "
                f"{(time.perf_counter() - started) * 1000:.1f}ms "
                f"trace={_trace_id(scope, self._trace_id)} request_id={request_id}"
            )
            if self._write_line is not None:
                self._write_line(message)
                return
            # The record made here, not by logger.info: its search of the stack for the
            # caller's line was a third of the cost of a line, on every request.
            record = logger.makeRecord(
                logger.name, logging.INFO, __file__, 0, message, (), None, "AccessLog"
            )
            logger.handle(record)

        async def send_and_log(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                added = []
                if self._request_id_header is not None:
                    added.append((self._request_id_header, request_id.encode()))
                if self._clock is not None:
                    added.append((b"date", self._date(self._clock())))
                if added:
                    message = {**message, "headers": [*message.get("headers", ()), *added]}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Logged before the last byte leaves: a client that has its answer can
                # rely on the line being there (tests read the log right after).
                log()
            await send(message)

        try:
            await self.app(scope, receive, send_and_log)
        finally:
            if not logged:  # a response cut short, or a failure before the last byte
                log()

    def _date(self, now: datetime) -> bytes:
        """`now` as the `Date` header's value (the time of day to the second, in GMT)."""
        if now.tzinfo is not UTC:  # format_datetime's own answer (an error if not UTC)
            return format_datetime(now, usegmt=True).encode()
        second = now.replace(microsecond=0)
        dated_second, header = self._dated  # one read: another thread may set it meanwhile
        if second != dated_second:
            header = format_datetime(second, usegmt=True).encode()
            self._dated = (second, header)
        return header


def _path(scope: Scope) -> str:
    # raw_path is still percent-encoded: no control characters can forge a log line.
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("ascii", "backslashreplace")
    return str(scope["path"]).encode("ascii", "backslashreplace").decode()


def _trace_id(scope: Scope, well_formed: re.Pattern[bytes]) -> str:
    for name, value in scope["headers"]:
        if name == b"x-traceid":
            return value.decode() if well_formed.fullmatch(value) else "(malformed)"
    return "-"
