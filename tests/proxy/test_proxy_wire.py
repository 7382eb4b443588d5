"""koodrive-proxy's own HTTP wire, on the emulator's server class: what it refuses before
anything is forwarded. Raw sockets on 127.0.0.1, each read bounded by WIRE_TIMEOUT."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from koodrive_emulator.app import GROUPS_PATH
from koodrive_emulator.server import EmulatorServer
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.app import ProxyApp, ProxySettings
from koodrive_proxy.server import ProxyServer, running_proxy

from tests.emulator.raw_http import connect, read_response, request_head

QUERY = f"{GROUPS_PATH}?pageSize=10&pageCursor=&sourceType=0"
# Longer than any answer here takes, far shorter than a hang: a read past it fails the test.
WIRE_TIMEOUT = 3.0


@pytest.fixture
def live() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def proxy(live: RunningEmulator) -> Iterator[ProxyServer]:
    with running_proxy(live.base_url) as server:
        yield server


def _headers(live: RunningEmulator, proxy: ProxyServer) -> list[tuple[str, str]]:
    return [("Host", proxy.base_url.removeprefix("http://")), *live.token_headers().items()]


def _exchange(proxy: ProxyServer, data: bytes) -> tuple[int, str, float]:
    """Status, body and seconds taken of the one answer to `data`, the server's close seen."""
    with connect(proxy.base_url, timeout=WIRE_TIMEOUT) as sock:
        started = time.monotonic()
        sock.sendall(data)
        status, body = read_response(sock)
        try:
            closed = sock.recv(65536) == b""
        except ConnectionResetError:
            closed = True
        assert closed, "the connection was left open after the refusal"
        return status, body, time.monotonic() - started


def _nothing_forwarded(live: RunningEmulator) -> bool:
    time.sleep(0.2)  # what the proxy would have forwarded by now
    return live.requests == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"ZZZ\r\nabc\r\n0\r\n\r\n", "invalid character in chunk size"),
        (b"3;a=\x01b\r\nabc\r\n0\r\n\r\n", "invalid character in chunk extensions"),
    ],
    ids=["size-not-hex", "control-character-in-extension"],
)
def test_a_malformed_chunked_body_is_answered_at_once_and_not_forwarded(
    live: RunningEmulator, proxy: ProxyServer, body: bytes, reason: str
) -> None:
    head = request_head("GET", QUERY, [*_headers(live, proxy), ("Transfer-Encoding", "chunked")])
    status, answer, took = _exchange(proxy, head + body)
    assert status == 400, answer
    document = json.loads(answer)
    assert document["error_code"] == "APIGW.0201"
    assert reason in document["error_msg"].lower()
    assert took < WIRE_TIMEOUT
    assert _nothing_forwarded(live)


def test_a_body_that_stops_short_is_408_after_the_deadline(live: RunningEmulator) -> None:
    # proxy_server's own arguments, with a short body deadline.
    app = ProxyApp(ProxySettings(live.base_url))
    server = EmulatorServer(app, lifespan="on", name="koodrive-proxy", body_timeout=0.5)
    with server as proxy:
        head = request_head("GET", QUERY, [*_headers(live, proxy), ("Content-Length", "10")])
        status, answer, took = _exchange(proxy, head + b"abc")  # 3 of 10 bytes
    assert status == 408, answer
    assert json.loads(answer)["error_code"] == "APIGW.0201"
    assert 0.4 < took < WIRE_TIMEOUT
    assert _nothing_forwarded(live)


@pytest.mark.parametrize(
    ("transfer_encodings", "status"),
    [
        (["gzip, chunked"], 501),
        (["gzip", "chunked"], 501),
        (["gzip"], 400),
    ],
)
def test_a_transfer_coding_not_implemented_is_refused_and_not_forwarded(
    live: RunningEmulator, proxy: ProxyServer, transfer_encodings: list[str], status: int
) -> None:
    headers = [
        *_headers(live, proxy),
        *(("Transfer-Encoding", value) for value in transfer_encodings),
    ]
    answered, answer, took = _exchange(
        proxy, request_head("GET", QUERY, headers) + b"3\r\nabc\r\n0\r\n\r\n"
    )
    assert answered == status, answer
    assert json.loads(answer)["error_code"] == "APIGW.0201"
    assert took < WIRE_TIMEOUT
    assert _nothing_forwarded(live)
