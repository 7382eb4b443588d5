"""HTTP spoken by hand over a loopback socket, for requests no client library will send
(two Host lines, a body larger than it says) and for connections that stop half-way."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


def connect(base_url: str, timeout: float = 10.0) -> socket.socket:
    parts = urlsplit(base_url)
    return socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout)


def request_head(method: str, target: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket) -> tuple[int, str]:
    """Status and body of the one response on `sock` (the server closes or sends a length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a whole response head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, length = _status_and_length(head)
    while length is None or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body.decode("utf-8", errors="replace")


def raw_exchange(
    base_url: str,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes = b"",
) -> tuple[int, str]:
    with connect(base_url) as sock:
        sock.sendall(request_head(method, target, headers) + body)
        return read_response(sock)


def read_responses_until_closed(sock: socket.socket) -> list[tuple[int, str]]:
    """Every response on `sock` up to the server's close, in order (for pipelined requests,
    whose answers may arrive in one read)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    responses = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        status, length = _status_and_length(head)
        if length is None:
            raise ValueError(f"a pipelined response without Content-Length: {head!r}")
        responses.append((status, rest[:length].decode("utf-8", errors="replace")))
        data = rest[length:]
    return responses


def _status_and_length(head: bytes) -> tuple[int, int | None]:
    """A response head's status and its Content-Length, if it sends one."""
    status = int(head.split(b" ", 2)[1])
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")[1:]
            if line.lower().startswith(b"content-length:")
        ),
        None,
    )
    return status, length
