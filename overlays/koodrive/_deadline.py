"""Deadlines: when one attempt (`attempt_timeout`) or a whole call with its retries
(`total_timeout`) must be over, however slowly the server sends.

httpx's `timeout` bounds each phase on its own (connect, the pool wait, each read, each
write): a server that sends a byte a second never trips a 3-second read timeout. A
deadline is kept on top of it:

- each request goes out with every phase's timeout cut to the time left (`bounded`), and
  the body's reads get theirs cut again when the body starts;
- the body is checked against the deadline as each chunk arrives;
- the SDK's own sync client talks through a `DeadlineBackend` (`_transport.py`): each
  connect, TLS handshake, read and write on its sockets waits at most the time left when
  it starts, and none starts once the deadline passed. The response's head is read that
  way too, on a fresh connection or a pooled one, so no part of an answer can be dripped
  past the deadline; httpcore then closes the connection rather than pool it.
- sync, on an httpx client the user gave (its transport is theirs, and reads with the
  time left when the request went out), over HTTP/1.x, an `Alarm` shuts the connection's
  socket down when the deadline passes during the body: a read blocked on a dripping
  server returns at once, the connection is dropped rather than pooled, and the attempt
  fails with the timeout (a thread cannot be interrupted, and signals are the main
  thread's alone). One daemon thread rings every alarm, started with the first one.
  What such a client cannot cut off: a head sent a byte at a time (httpx gives no hold on
  the socket before the head is in; the deadline is checked as soon as the head is
  complete).

The async runner needs none of the last two: it cancels the attempt (`asyncio.timeout`),
and httpcore closes the connection.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

import httpcore
import httpx

from .errors import APITimeoutError

# The least timeout a phase is given: a phase that starts with (almost) nothing left
# fails at once as a timeout rather than with 0, which a socket takes for "never block".
_LEAST_PHASE_TIMEOUT: Final = 0.001
# Connections that serve one request at a time: shutting one down ends only this attempt.
# (An HTTP/2 connection multiplexes other calls' streams: it is never shut down.)
_ONE_REQUEST_AT_A_TIME: Final = frozenset({"HTTP/1.0", "HTTP/1.1"})


@dataclass(frozen=True)
class Deadline:
    """An instant on the monotonic clock, and the setting that put it there."""

    at: float  # time.monotonic() seconds
    setting: str  # "attempt_timeout" or "total_timeout"
    seconds: float  # the setting's value, for the error message

    @classmethod
    def after(cls, seconds: float | None, setting: str) -> Deadline | None:
        """`seconds` from now, or None for no deadline."""
        if seconds is None:
            return None
        return cls(time.monotonic() + seconds, setting, seconds)

    def remaining(self) -> float:
        """Seconds left (0 or less once it passed)."""
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0

    def bounded(self, timeout: httpx.Timeout) -> dict[str, float | None]:
        """httpx's per-phase timeouts (its `timeout` request extension), each cut to the
        time left."""
        left = max(self.remaining(), _LEAST_PHASE_TIMEOUT)
        return {
            phase: left if seconds is None else min(seconds, left)
            for phase, seconds in timeout.as_dict().items()
        }

    def error(self, request: httpx.Request | None, trace_id: str | None) -> APITimeoutError:
        return APITimeoutError(
            f"timed out ({self.setting}={self.seconds:g} s) calling {target(request)}",
            trace_id=trace_id,
        )


def earliest(first: Deadline | None, second: Deadline | None) -> Deadline | None:
    """The deadline that comes first (None: neither is set)."""
    if first is None:
        return second
    if second is None or first.at <= second.at:
        return first
    return second


def target(request: httpx.Request | None) -> str:
    """Where a request went: scheme, host and path (the query stays out of messages)."""
    if request is None:
        return "the API"
    return str(request.url.copy_with(query=None, fragment=None))


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync network backend, each operation on its streams kept to the deadline
    `deadline()` gives when the operation starts (None: no deadline, httpx's timeouts
    alone). An operation gets the least of its own timeout and the time left; with none
    left it fails at once, with the timeout error httpcore raises for that operation."""

    def __init__(
        self,
        deadline: Callable[[], Deadline | None],
        backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._deadline = deadline
        self._backend = httpcore.SyncBackend() if backend is None else backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within(self._deadline(), timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return KeptStream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within(self._deadline(), timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_unix_socket(path, timeout, socket_options)
        return KeptStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class KeptStream(httpcore.NetworkStream):
    """A network stream whose every operation keeps to the deadline (`DeadlineBackend`)."""

    __slots__ = ("_deadline", "_stream")

    def __init__(
        self, stream: httpcore.NetworkStream, deadline: Callable[[], Deadline | None]
    ) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = self._deadline()
        if deadline is not None:
            timeout = _within(deadline, timeout, httpcore.ReadTimeout)
        return self._stream.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            # httpcore writes nothing this way twice a bodiless request; nothing sent waits
            # for nothing, and the read that follows keeps the deadline.
            return
        deadline = self._deadline()
        if deadline is not None:
            timeout = _within(deadline, timeout, httpcore.WriteTimeout)
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within(self._deadline(), timeout, httpcore.ConnectTimeout)
        tls = self._stream.start_tls(ssl_context, server_hostname, timeout)
        return KeptStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


def _within(
    deadline: Deadline | None, timeout: float | None, late: type[httpcore.TimeoutException]
) -> float | None:
    """`timeout`, cut to the time `deadline` leaves; `late` raised if none is left."""
    if deadline is None:
        return timeout
    left = deadline.remaining()
    if left <= 0:
        raise late(f"{deadline.setting}={deadline.seconds:g} s passed")
    return left if timeout is None or timeout > left else timeout


class Alarm:
    """Shuts a response's connection down when a deadline passes (sync clients).

    `cancel()` before the connection can go back to the pool: after it returns, the alarm
    never touches the socket (ringing and cancelling take the same lock).
    """

    __slots__ = ("at", "sock")

    def __init__(self, sock: socket.socket, at: float) -> None:
        self.at = at
        self.sock: socket.socket | None = sock  # None once rung or cancelled

    @classmethod
    def set_for(cls, response: httpx.Response, deadline: Deadline | None) -> Alarm | None:
        """An alarm on `response`'s connection at `deadline`; None when there is no
        deadline, when the connection keeps it already (the SDK's own transport), or no
        socket the response has to itself (HTTP/2, a transport of one's own such as
        httpx.MockTransport): the chunks are still checked as they come."""
        if deadline is None or response.http_version not in _ONE_REQUEST_AT_A_TIME:
            return None
        stream = response.extensions.get("network_stream")
        if isinstance(stream, KeptStream):
            return None  # its reads wait no longer than the deadline
        sock = None if stream is None else stream.get_extra_info("socket")
        if not isinstance(sock, socket.socket):
            return None
        alarm = cls(sock, deadline.at)
        _watcher.add(alarm)
        return alarm

    def ring(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            # The plain socket's own shutdown, also for TLS: the reader's blocked read sees
            # the end of the stream, and the SSL object it reads through stays. OSError:
            # the socket was closed already.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        _watcher.cancel(self)


class _Watcher:
    """One daemon thread that rings each alarm when its time comes (a thread per alarm
    would cost every call a thread's start), started with the first alarm."""

    def __init__(self) -> None:
        self._lock = threading.Condition(threading.Lock())
        self._due: list[tuple[float, int, Alarm]] = []  # a heap, the next alarm first
        self._order = itertools.count()  # ties in time ring in the order they were set
        self._cancelled = 0  # cancelled alarms still in the heap
        self._thread: threading.Thread | None = None
        self._sleeps_until = math.inf  # when the thread wakes up next, unless notified

    def add(self, alarm: Alarm) -> None:
        with self._lock:
            heapq.heappush(self._due, (alarm.at, next(self._order), alarm))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="koodrive-deadlines", daemon=True
                )
                self._thread.start()
            elif alarm.at < self._sleeps_until:
                self._lock.notify()  # sooner than the thread would look again

    def cancel(self, alarm: Alarm) -> None:
        with self._lock:
            if alarm.sock is None:
                return  # rung already
            alarm.sock = None
            self._cancelled += 1
            # Most calls end well before their deadline: drop their alarms in bulk, so
            # that the heap holds about as many alarms as there are calls under way.
            if self._cancelled * 2 > len(self._due):
                self._due = [entry for entry in self._due if entry[2].sock is not None]
                heapq.heapify(self._due)
                self._cancelled = 0

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._due and self._due[0][2].sock is None:
                    heapq.heappop(self._due)
                    self._cancelled -= 1
                if not self._due:
                    self._sleeps_until = math.inf
                    self._lock.wait()
                    continue
                self._sleeps_until = self._due[0][0]
                left = self._sleeps_until - time.monotonic()
                if left > 0:
                    self._lock.wait(left)
                    continue
                heapq.heappop(self._due)[2].ring()


_watcher = _Watcher()


def _after_fork_in_child() -> None:
    # The parent's thread does not run in the child, and its lock may have been held.
    global _watcher  # one watcher per process
    _watcher = _Watcher()


os.register_at_fork(after_in_child=_after_fork_in_child)
