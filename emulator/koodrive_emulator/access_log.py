"""One log line per request: method, path, status, latency, trace id, request id.

Only these are logged, never headers or the query string, so credentials (Authorization,
tokens someone puts in a query) cannot reach the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("koodrive_emulator.access")
REQUEST_ID_KEY = "koodrive.request_id"
_TRACE_ID = re.compile(rb"[0-9A-Za-z]{58}")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        scope[REQUEST_ID_KEY] = request_id
        status = 0

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %d %.1fms trace=%s request_id=%s",
                scope["method"],
                _path(scope),
                status,
                elapsed_ms,
                _trace_id(scope),
                request_id,
            )


def _path(scope: Scope) -> str:
    # raw_path is still percent-encoded: no control characters can forge a log line.
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("ascii", "backslashreplace")
    return str(scope["path"]).encode("ascii", "backslashreplace").decode()


def _trace_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-traceid":
            return value.decode() if _TRACE_ID.fullmatch(value) else "(malformed)"
    return "-"
