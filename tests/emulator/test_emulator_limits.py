"""What a request may cost: a deadline for its headers, a cap on its body, and the
gateway's JSON answer for requests HTTP itself refuses. Raw sockets on loopback."""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import time

import pytest
from koodrive_emulator.app import DEVICES_PATH, GROUPS_PATH
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
# Longer than any answer here takes, far shorter than a hang: a read past it fails the test.
WIRE_TIMEOUT = 3.0


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
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
            b"Content-Length: 1\r\n\r\n",
            "can't be present with transfer-encoding",
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


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"ZZZ\r\nabc\r\n0\r\n\r\n", "invalid character in chunk size"),
        (b"3;a=\x01b\r\nabc\r\n0\r\n\r\n", "invalid character in chunk extensions"),
        (b"3\r\nabcdef\r\n0\r\n\r\n", "expected lf after chunk data"),
    ],
    ids=["size-not-hex", "control-character-in-extension", "data-longer-than-size"],
)
def test_a_malformed_chunked_body_is_answered_at_once_and_closed(
    emulator: RunningEmulator, body: bytes, reason: str
) -> None:
    headers = [
        _host(emulator),
        *emulator.token_headers().items(),
        ("Transfer-Encoding", "chunked"),
    ]
    with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
        started = time.monotonic()
        sock.sendall(request_head("GET", QUERY, headers) + body)
        status, answer = read_response(sock)
        assert _closed_by_server(sock)
        assert time.monotonic() - started < WIRE_TIMEOUT
    assert status == 400, answer
    document = json.loads(answer)
    assert document["error_code"] == "APIGW.0201"
    assert reason in document["error_msg"].lower()
    # The operation was not served what came before the fault: its app was told the client
    # had gone (499, as the journal records a client that leaves), not left waiting.
    deadline = time.monotonic() + WIRE_TIMEOUT
    while not emulator.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [entry.status for entry in emulator.requests] == [499]


def test_a_malformed_body_after_a_pipelined_request_waits_for_its_answer(
    emulator: RunningEmulator,
) -> None:
    headers = [_host(emulator), *emulator.token_headers().items()]
    good = request_head("GET", QUERY, headers)
    chunked = request_head("GET", QUERY, [*headers, ("Transfer-Encoding", "chunked")])
    emulator.faults.latency(0.3, times=1)
    with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
        sock.sendall(good + chunked + b"ZZZ\r\n")
        (first, _), (second, body) = read_responses_until_closed(sock)
    assert (first, second) == (200, 400), body
    assert "invalid character in chunk size" in json.loads(body)["error_msg"].lower()


def test_a_body_that_stops_short_is_408_after_the_deadline() -> None:
    with running_emulator(body_timeout=0.5) as emulator:
        headers = [_host(emulator), *emulator.token_headers().items(), ("Content-Length", "10")]
        with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
            started = time.monotonic()
            sock.sendall(request_head("GET", QUERY, headers) + b"abc")  # 3 of 10 bytes
            status, body = read_response(sock)
            assert _closed_by_server(sock)
            assert 0.4 < time.monotonic() - started < WIRE_TIMEOUT
    assert status == 408, body
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0201"
    assert "within 0.5 s" in document["error_msg"]


def test_a_chunked_body_that_never_ends_is_408_however_it_drips() -> None:
    with running_emulator(body_timeout=0.5) as emulator:
        headers = [
            _host(emulator),
            *emulator.token_headers().items(),
            ("Transfer-Encoding", "chunked"),
        ]
        with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
            started = time.monotonic()
            sock.sendall(request_head("GET", QUERY, headers))
            # A chunk now and then does not push the deadline back.
            while not select.select([sock], [], [], 0.1)[0]:
                assert time.monotonic() - started < WIRE_TIMEOUT, "no answer to a dripping body"
                sock.sendall(b"1\r\nx\r\n")
            status, body = read_response(sock)
            assert _closed_by_server(sock)
    assert status == 408, body
    assert json.loads(body)["error_code"] == "APIGW.0201"


def test_a_body_sent_slowly_within_the_deadline_is_served() -> None:
    with running_emulator(body_timeout=3.0) as emulator:
        headers = [
            _host(emulator),
            *emulator.token_headers(with_user=True).items(),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(BIND_BODY))),
        ]
        with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
            sock.sendall(request_head("POST", DEVICES_PATH, headers))
            for byte in BIND_BODY:
                time.sleep(0.05)  # about a second in all, well within the deadline
                sock.sendall(bytes([byte]))
            status, body = read_response(sock)
    assert status == 200, body


@pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan")])
def test_a_body_deadline_must_be_positive_and_finite(seconds: float) -> None:
    with pytest.raises(ValueError, match="body_timeout"), running_emulator(body_timeout=seconds):
        pass


CHUNKED_BODY = b"3\r\nabc\r\n0\r\n\r\n"
# A body an operation takes (a bind), for the framings that must still be read.
BIND_BODY = b'{"machineCode":"wire_1"}'
CHUNKED_BIND_BODY = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BIND_BODY), BIND_BODY)


@pytest.mark.parametrize(
    ("transfer_encodings", "named"),
    [
        (["gzip, chunked"], "gzip"),
        (["gzip", "chunked"], "gzip"),  # two lines are one list (RFC 9110 section 5.3)
        (["GZip ,\tChunked"], "gzip"),
        (["identity, chunked"], "identity"),
        (["deflate;q=1, gzip, chunked"], "deflate, gzip"),
        (["x-private, chunked"], "unregistered"),
    ],
)
def test_a_transfer_coding_not_implemented_is_501(
    emulator: RunningEmulator, transfer_encodings: list[str], named: str
) -> None:
    headers = [
        _host(emulator),
        *emulator.token_headers().items(),
        *(("Transfer-Encoding", value) for value in transfer_encodings),
    ]
    with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
        sock.sendall(request_head("GET", QUERY, headers) + CHUNKED_BODY)
        status, body = read_response(sock)
        assert _closed_by_server(sock)
    assert status == 501, body
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0201"
    assert named in document["error_msg"]
    assert "x-private" not in document["error_msg"]  # what is not registered is not echoed
    assert emulator.requests == []  # refused before any operation saw it


@pytest.mark.parametrize(
    ("transfer_encodings", "version"),
    [
        (["gzip"], "HTTP/1.1"),  # the body's end cannot be found (RFC 9112 section 6.3)
        (["identity"], "HTTP/1.1"),
        (["chunked;ext=1"], "HTTP/1.1"),  # chunked takes no parameters
        (["chunked"], "HTTP/1.0"),  # HTTP/1.0 framing is faulty with it (section 6.1)
    ],
)
def test_a_transfer_encoding_that_does_not_end_in_chunked_is_400(
    emulator: RunningEmulator, transfer_encodings: list[str], version: str
) -> None:
    headers = [
        _host(emulator),
        *emulator.token_headers().items(),
        *(("Transfer-Encoding", value) for value in transfer_encodings),
    ]
    head = request_head("GET", QUERY, headers).replace(b"HTTP/1.1\r\n", f"{version}\r\n".encode())
    with connect(emulator.base_url, timeout=WIRE_TIMEOUT) as sock:
        sock.sendall(head + CHUNKED_BODY)
        status, body = read_response(sock)
        assert _closed_by_server(sock)
    assert status == 400, body
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0201"
    assert "transfer-encoding" in document["error_msg"].lower()
    assert emulator.requests == []


@pytest.mark.parametrize("transfer_encoding", ["chunked", "Chunked", "CHUNKED", ", chunked"])
def test_chunked_alone_is_read_whatever_its_case(
    emulator: RunningEmulator, transfer_encoding: str
) -> None:
    headers = [
        _host(emulator),
        *emulator.token_headers(with_user=True).items(),
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", transfer_encoding),
    ]
    status, body = raw_exchange(emulator.base_url, "POST", DEVICES_PATH, headers, CHUNKED_BIND_BODY)
    assert status == 200, body
