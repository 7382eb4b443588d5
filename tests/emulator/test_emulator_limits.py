"""What a request may cost: a deadline for its headers, a cap on its body, and the
gateway's JSON answer for requests HTTP itself refuses. Raw sockets on loopback."""

from __future__ import annotations

import contextlib
import json
import logging
import time

import pytest
from koodrive_emulator.app import GROUPS_PATH
from koodrive_emulator.limits import MAX_BODY_BYTES, MAX_HEAD_BYTES
from koodrive_emulator.testing import RunningEmulator, running_emulator

from tests.emulator.raw_http import (
    connect,
    raw_exchange,
    read_response,
    read_responses_until_closed,
    request_head,
)

QUERY = f"{GROUPS_PATH}?pageSize=10&pageCursor=&sourceType=0"


def _host(emulator: RunningEmulator) -> tuple[str, str]:
    return ("Host", emulator.base_url.removeprefix("http://"))


def test_a_body_declared_larger_than_the_cap_is_413_without_being_read(
    emulator: RunningEmulator,
) -> None:
    headers = [_host(emulator), ("Content-Length", str(50 * 1024 * 1024))]
    with connect(emulator.base_url) as sock:
        sock.sendall(request_head("GET", QUERY, headers))  # and not one byte of the body
        status, body = read_response(sock)
    assert status == 413
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0201"
    assert f"at most {MAX_BODY_BYTES} bytes" in document["error_msg"]


def test_a_chunked_body_past_the_cap_is_413(emulator: RunningEmulator) -> None:
    chunk = b"x" * 65536
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
    headers = [_host(emulator), ("Transfer-Encoding", "chunked")]
    with connect(emulator.base_url) as sock:
        sock.sendall(request_head("GET", QUERY, headers))
        # Answered and closed before the rest arrived: that is the point.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(framed)
        status, body = read_response(sock)
    assert status == 413
    assert json.loads(body)["error_code"] == "APIGW.0201"


def test_a_body_under_the_cap_reaches_the_operation(emulator: RunningEmulator) -> None:
    sent = b'{"groupName": "Ops", "sourceType": 0}'.ljust(1000)
    headers = [
        _host(emulator),
        *emulator.token_headers(with_user=True).items(),
        ("Content-Type", "application/json"),
        ("Content-Length", "1000"),
    ]
    status, body = raw_exchange(emulator.base_url, "POST", GROUPS_PATH, headers, sent)
    assert status == 200, body
    assert json.loads(body)["code"] == 0


def test_a_request_whose_headers_never_end_is_closed_after_the_deadline() -> None:
    with running_emulator(header_timeout=0.5) as emulator, connect(emulator.base_url) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        # A byte now and then does not push the deadline back.
        for _ in range(3):
            time.sleep(0.1)
            sock.sendall(b"X")
        assert sock.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 5


def test_a_connection_that_never_sends_a_byte_is_closed_after_the_deadline() -> None:
    with running_emulator(header_timeout=0.5) as emulator, connect(emulator.base_url) as sock:
        started = time.monotonic()
        assert sock.recv(100) == b""
        assert 0.4 < time.monotonic() - started < 5


def test_a_keep_alive_connection_serves_the_next_request_within_the_deadline() -> None:
    with running_emulator(header_timeout=0.5) as emulator, connect(emulator.base_url) as sock:
        headers = [_host(emulator), *emulator.token_headers().items()]
        for _ in range(3):
            time.sleep(0.3)  # longer in total than one deadline: each request has its own
            sock.sendall(request_head("GET", QUERY, headers))
            status, _ = read_response(sock)
            assert status == 200


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"GET / HTTP/1.1\r\nHo\x01st: x\r\n\r\n", "invalid header token"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Traceid: a\x01b\r\n\r\n", "invalid header value char"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Traceid: a\x00b\r\n\r\n", "invalid header value char"),
        (b"GET / HTTP/1.1\r\n\r\n", "Missing mandatory Host: header"),
        (b"NOT HTTP\r\n\r\n", "invalid method"),
        (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", "expected http/"),
        # Request smuggling: two lengths, or a length beside chunked.
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "duplicate content-length",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "can't be present with content-length",
        ),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", "whitespace"),  # folding
    ],
)
def test_what_http_refuses_gets_the_gateway_json_body(
    emulator: RunningEmulator, head: bytes, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with connect(emulator.base_url) as sock:
        sock.sendall(head)
        status, body = read_response(sock)
    assert status == 400
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0201"
    assert reason.lower() in document["error_msg"].lower()
    messages = [record.getMessage() for record in caplog.records]
    assert "Invalid HTTP request received." not in messages
    assert any("refused a request HTTP itself forbids" in m for m in messages)


def test_a_request_line_and_headers_past_the_cap_are_refused_without_being_read(
    emulator: RunningEmulator,
) -> None:
    with connect(emulator.base_url) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ")
        # A header that never ends: refused once past the cap, not read to the end.
        with contextlib.suppress(ConnectionError):
            for _ in range(64):
                sock.sendall(b"a" * 4096)
        status, body = read_response(sock)
    assert status == 400
    assert f"at most {MAX_HEAD_BYTES} bytes" in json.loads(body)["error_msg"]


def test_headers_just_under_the_cap_are_read(emulator: RunningEmulator) -> None:
    headers = [_host(emulator), *emulator.token_headers().items()]
    padding = MAX_HEAD_BYTES - len(request_head("GET", QUERY, headers)) - 100
    status, body = raw_exchange(
        emulator.base_url, "GET", QUERY, [*headers, ("X-Pad", "p" * padding)]
    )
    assert status == 200, body


@pytest.mark.parametrize("mode", ["token", "app"])
@pytest.mark.parametrize("padding", [" ", "\t", " \t ", "\t\t"])
def test_header_values_padded_with_spaces_or_tabs_are_read_trimmed(
    emulator: RunningEmulator, padding: str, mode: str
) -> None:
    path, _, query = QUERY.partition("?")
    trace_id = "T" * 58
    credentials = (
        emulator.token_headers(with_user=True)
        if mode == "token"
        else emulator.signed_headers(path, query)
    )
    sent = {"Host": _host(emulator)[1], **credentials, "X-Traceid": trace_id}
    headers = [(name, f"{padding}{value}{padding}") for name, value in sent.items()]
    with connect(emulator.base_url) as sock:
        sock.sendall(request_head("GET", QUERY, headers))
        status, body = read_response(sock)
    assert status == 200, body


def test_an_upgrade_request_is_answered_as_any_other(emulator: RunningEmulator) -> None:
    headers = [
        _host(emulator),
        *emulator.token_headers().items(),
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
    ]
    status, body = raw_exchange(emulator.base_url, "GET", QUERY, headers)
    assert status == 200, body


def test_an_http_1_0_request_needs_no_host(emulator: RunningEmulator) -> None:
    with connect(emulator.base_url) as sock:
        lines = [f"{name}: {value}" for name, value in emulator.token_headers().items()]
        sock.sendall(("\r\n".join([f"GET {QUERY} HTTP/1.0", *lines]) + "\r\n\r\n").encode())
        status, body = read_response(sock)
    assert status == 200, body


def test_a_refused_header_line_is_not_echoed_nor_logged(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret = "koodrive-dev-token-secret-part"
    with connect(emulator.base_url) as sock:
        sock.sendall(
            f"GET / HTTP/1.1\r\nHost: x\r\nAuthor ization: Bearer {secret}\r\n\r\n".encode()
        )
        status, body = read_response(sock)
    assert status == 400
    assert "secret-part" not in body
    assert "secret-part" not in caplog.text


def test_a_refusal_waits_for_the_answer_owed_to_an_earlier_request(
    emulator: RunningEmulator,
) -> None:
    good = request_head("GET", QUERY, [_host(emulator), *emulator.token_headers().items()])
    emulator.faults.latency(0.3, times=1)
    with connect(emulator.base_url) as sock:
        # Pipelined: a slow good request, then one the parser refuses.
        sock.sendall(good + b"GET / HTTP/1.1\r\nHo\x01st: x\r\n\r\n")
        (first, _), (second, body) = read_responses_until_closed(sock)
    assert (first, second) == (200, 400), body
    assert "invalid header token" in json.loads(body)["error_msg"].lower()


def test_an_upgrade_request_is_answered_and_its_connection_closed(
    emulator: RunningEmulator,
) -> None:
    headers = [
        _host(emulator),
        *emulator.token_headers().items(),
        ("Connection", "Upgrade"),
        ("Upgrade", "h2c"),
    ]
    with connect(emulator.base_url) as sock:
        sock.sendall(request_head("GET", QUERY, headers) + request_head("GET", QUERY, headers))
        status, _ = read_response(sock)
        assert status == 200
        # The parser reads nothing after an upgrade request: no second answer, a close.
        assert sock.recv(65536) == b""


def test_a_head_past_the_cap_in_one_read_is_refused(emulator: RunningEmulator) -> None:
    headers = [_host(emulator), *emulator.token_headers().items()]
    padding = MAX_HEAD_BYTES - len(request_head("GET", QUERY, headers)) + 100
    status, body = raw_exchange(
        emulator.base_url, "GET", QUERY, [*headers, ("X-Pad", "p" * padding)]
    )
    assert status == 400
    assert f"at most {MAX_HEAD_BYTES} bytes" in json.loads(body)["error_msg"]
