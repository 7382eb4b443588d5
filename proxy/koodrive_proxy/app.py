"""The proxy as an ASGI application: each request of a team's application is judged,
re-signed for the target, forwarded, its answer judged too, and both kept.

    application --> proxy (127.0.0.1) --> target (the live API, or an emulator)
                      |  validation.py: the request, then the response, against the spec
                      |  forwarding.py: a new Host, a new signature
                      `- capture.py: the HAR entry and the drift counts

Without `strict` every answer is passed on as the target gave it, with the header
`X-Koodrive-Proxy-Deviations` counting what was wrong. With `strict` a deviation is an
error, for CI: a request that breaks the spec is answered 400 and never forwarded, a
response that breaks it is answered 502. Both bodies have the gateway's shape
(`error_code`, `error_msg`, `request_id`), so clients treat them as errors, and list the
deviations. The proxy's own pages are `GET /_proxy/drift` and `GET /_proxy/capture.har`:
the drift report and the capture so far.

Bytes go through as bytes: the path, the query and header values are never re-encoded, so
a value in any encoding reaches the target (and the client) as it was sent.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from koodrive._types import DEFAULT_MAX_RESPONSE_BYTES
from koodrive.config import AppCredentials
from koodrive.signing import query_pairs
from koodrive_emulator.limits import MAX_BODY_BYTES
from starlette.types import Message, Receive, Scope, Send

from koodrive_proxy.capture import Exchange, Recorder
from koodrive_proxy.forwarding import (
    ResignError,
    base_url,
    forwarded_headers,
    returned_headers,
)
from koodrive_proxy.validation import Deviation, Validator, first_copies

DEVIATIONS_HEADER = "X-Koodrive-Proxy-Deviations"
PROXY_ERROR_CODE = "KOODRIVE.PROXY"
# The proxy's own pages (never forwarded): what it has seen so far.
OWN_PAGES: dict[str, Callable[[Recorder], dict[str, Any]]] = {
    "/_proxy/drift": Recorder.drift,
    "/_proxy/capture.har": Recorder.har,
}
_TOO_LARGE = object()  # what _read_body gives for a body over the limit
_GONE = object()  # ... and for a client that left before its body ended


class _TooLarge(Exception):
    pass


@dataclass(frozen=True)
class ProxySettings:
    target: str  # the target's base URL: https://intl.myhuaweicloud-koodrive.com
    credentials: AppCredentials | None = None
    strict: bool = False
    timeout: float = 30.0


class ProxyApp:
    def __init__(
        self,
        settings: ProxySettings,
        *,
        validator: Validator | None = None,
        recorder: Recorder | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_exchange: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.settings = settings
        self.validator = validator or Validator()
        self.recorder = recorder or Recorder()
        self._clock = clock
        self._on_exchange = on_exchange
        self._target = httpx.URL(base_url(settings.target))
        self._target_host = self._target.netloc.decode("ascii")
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # Made on first use, in the server's event loop; closed at its shutdown (lifespan).
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.timeout, follow_redirects=False, trust_env=False
            )
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        if body is _GONE:
            return  # the client left: nothing is forwarded, nothing answered
        if not isinstance(body, bytes):
            await _answer(send, 413, _gateway_error(f"request body over {MAX_BODY_BYTES} bytes"))
            return
        if scope["method"] == "GET" and scope["path"] in OWN_PAGES:
            await _answer(send, 200, OWN_PAGES[scope["path"]](self.recorder))
            return
        await self._exchange(scope, body, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _exchange(self, scope: Scope, body: bytes, send: Send) -> None:
        started = self._clock()
        began = time.perf_counter()
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        raw_query: bytes = scope["query_string"]
        # Latin-1 maps each byte to one character and back: nothing is lost or re-encoded.
        path, query = raw_path.decode("latin-1"), raw_query.decode("latin-1")
        incoming = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope["headers"]]
        first = first_copies(incoming)
        pairs = query_pairs(query)
        matched, deviations = self.validator.check_request(
            method, scope["path"], pairs, first, body
        )
        target_path = raw_path + (b"?" + raw_query if raw_query else b"")
        url = self._target.copy_with(raw_path=target_path)
        shown_url = str(url)
        operation = matched.operation.operation_id if matched is not None else None

        def keep(
            status: int,
            headers: list[tuple[str, str]],
            answer: bytes,
            sent: list[tuple[str, str]],
            *,
            by_proxy: bool,
        ) -> None:
            exchange = Exchange(
                started,
                method,
                shown_url,
                sent,
                body,
                status,
                headers,
                answer,
                (time.perf_counter() - began) * 1000,
                operation,
                tuple(deviations),
                answered_by_proxy=by_proxy,
            )
            self.recorder.add(exchange)
            if self._on_exchange is not None:
                self._on_exchange(exchange)

        async def refuse(status: int, answer: dict[str, Any], sent: list[tuple[str, str]]) -> None:
            keep(status, [], json.dumps(answer).encode(), sent, by_proxy=True)
            await _answer(send, status, answer, deviations=len(deviations))

        if deviations and self.settings.strict:
            await refuse(400, _deviation_error(deviations, "the request breaks the spec"), incoming)
            return
        try:
            outgoing = forwarded_headers(
                incoming,
                method=method,
                path=path,
                query=query,
                target_host=self._target_host,
                credentials=self.settings.credentials,
                now=self._clock(),
                body=body,
            )
        except ResignError as error:
            await refuse(502, _gateway_error(str(error)), incoming)
            return
        try:
            status, raw_headers, answer_body = await self._forward(method, url, outgoing, body)
        except _TooLarge:
            problem = f"the target's response is over {DEFAULT_MAX_RESPONSE_BYTES} bytes"
            await refuse(502, _gateway_error(problem), outgoing)
            return
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            problem = f"the target {self.settings.target} failed: {type(error).__name__}: {error}"
            await refuse(502, _gateway_error(problem), outgoing)
            return
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw_headers]
        if matched is not None:
            deviations += self.validator.check_response(
                matched.operation, pairs, first, status, first_copies(headers), answer_body
            )
        keep(status, headers, answer_body, outgoing, by_proxy=False)
        if deviations and self.settings.strict:
            await _answer(
                send,
                502,
                _deviation_error(deviations, f"the target's HTTP {status} breaks the spec"),
                deviations=len(deviations),
            )
            return
        passed = [
            *returned_headers(raw_headers),
            (DEVIATIONS_HEADER.encode(), b"%d" % len(deviations)),
        ]
        await _send_raw(send, status, passed, answer_body)

    async def _forward(
        self, method: str, url: httpx.URL, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sent = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]
        request = self._http().build_request(method, url, headers=sent, content=body)
        response = await self._http().send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > DEFAULT_MAX_RESPONSE_BYTES:
                    raise _TooLarge
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response.status_code, list(response.headers.raw), b"".join(chunks)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _read_body(receive: Receive) -> bytes | object:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return _GONE
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return _TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _gateway_error(message: str) -> dict[str, Any]:
    return {
        "error_code": PROXY_ERROR_CODE,
        "error_msg": message,
        "request_id": secrets.token_hex(16),
    }


def _deviation_error(deviations: list[Deviation], what: str) -> dict[str, Any]:
    listed = "; ".join(deviation.message for deviation in deviations)
    return {
        **_gateway_error(f"koodrive-proxy --strict: {what}: {listed}"),
        "deviations": [deviation.to_json() for deviation in deviations],
    }


async def _answer(send: Send, status: int, body: dict[str, Any], *, deviations: int = 0) -> None:
    headers = [(b"content-type", b"application/json")]
    if deviations:
        headers.append((DEVIATIONS_HEADER.encode(), b"%d" % deviations))
    await _send_raw(send, status, headers, json.dumps(body).encode())


async def _send_raw(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    raw = [(name.lower(), value) for name, value in headers]
    raw.append((b"content-length", b"%d" % len(body)))
    start: Message = {"type": "http.response.start", "status": status, "headers": raw}
    await send(start)
    await send({"type": "http.response.body", "body": body})
