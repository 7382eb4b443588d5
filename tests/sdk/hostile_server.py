"""A small HTTP server on 127.0.0.1 that answers as a test tells it to: bombs, endless
bodies, loops, drips and wrong shapes the emulator is never made to send. Each response
is produced by `answer(path_and_query) -> Reply`, written raw to the socket. A request body
(by its Content-Length) is read and kept in `bodies`; `Reply(drop=True)` closes the
connection without answering, as a server that applied a write and then lost it does."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Bytes as they go out after the head; a generator may go on until the client leaves.
    body: Iterable[bytes] = ()
    content_length: int | None = None  # None: the body is sent chunked
    head_every: float = 0.0  # > 0: the head goes out a byte at a time, this many seconds apart
    drop: bool = False  # no answer at all: the connection is reset once the request is read


Answer = Callable[[str], Reply]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Each response goes out in pieces: without this, each waits for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.append(self.client_address)

    def handle(self) -> None:
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            target = line.split(b" ")[1].decode("latin-1") if b" " in line else "/"
            length = 0
            while (header := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            self.server.bodies.append(self.rfile.read(length) if length else b"")
            self.server.requests.append(target)
            reply = self.server.answer(target)
            if reply.drop:
                # SO_LINGER 0: the close is a reset (RST), nothing answered.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                return
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.server.hangups.append(target)  # the client left before the end
                return

    def _send(self, reply: Reply) -> None:
        head = [f"HTTP/1.1 {reply.status} X", *(f"{n}: {v}" for n, v in reply.headers)]
        head.append(
            "Transfer-Encoding: chunked"
            if reply.content_length is None
            else f"Content-Length: {reply.content_length}"
        )
        encoded = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if reply.head_every > 0:
            for piece in drip(encoded, reply.head_every):
                self.wfile.write(piece)
                self.wfile.flush()
        else:
            self.wfile.write(encoded)
        for chunk in reply.body:
            if reply.content_length is None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                self.wfile.write(chunk)
            self.wfile.flush()
        if reply.content_length is None:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.requests: list[str] = []
        self.connections: list[tuple[str, int]] = []
        self.hangups: list[str] = []
        self.bodies: list[bytes] = []


@dataclass
class Hostile:
    base_url: str
    requests: list[str]  # each request's path and query, as it came
    connections: list[tuple[str, int]]  # the client's address of each connection accepted
    hangups: list[str]  # requests whose client closed the connection before the reply ended
    bodies: list[bytes] = field(default_factory=list)  # each request's body, as it came


@contextmanager
def hostile_server(answer: Answer) -> Iterator[Hostile]:
    server = _Server(answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Hostile(
            f"http://{host!s}:{port}",
            server.requests,
            server.connections,
            server.hangups,
            server.bodies,
        )
    finally:
        server.shutdown()
        server.server_close()


def json_reply(body: bytes, status: int = 200) -> Reply:
    return Reply(status, [("Content-Type", "application/json")], [body], len(body))


def endless(chunk: bytes) -> Iterator[bytes]:
    while True:
        yield chunk


def drip(data: bytes, every: float) -> Iterator[bytes]:
    """`data` a byte at a time, each `every` seconds after the last: never long enough
    apart for a read timeout of more than `every` to fire."""
    for index in range(len(data)):
        time.sleep(every)
        yield data[index : index + 1]
