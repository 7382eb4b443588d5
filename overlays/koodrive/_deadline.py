"""Deadlines: when one attempt (`attempt_timeout`) or a whole call with its retries
(`total_timeout`) must be over, however slowly the server sends.

httpx's `timeout` bounds each phase on its own (connect, the pool wait, each read, each
write): a server that sends a byte a second never trips a 3-second read timeout. A
deadline is kept on top of it:

- each request goes out with every phase's timeout cut to the time left (`bounded`), and
  the body's reads get theirs cut again when the body starts;
- the body is checked against the deadline as each chunk arrives;
- sync, over HTTP/1.x, an `Alarm` shuts the connection's socket down when the deadline
  passes during the body: a read blocked on a dripping server returns at once, the
  connection is dropped rather than pooled, and the attempt fails with the timeout (a
  thread cannot be interrupted, and signals are the main thread's alone). One daemon
  thread rings every alarm. The async runner needs none: it cancels the attempt
  (`asyncio.timeout`), and httpcore closes the connection.

What the sync client cannot cut off: a server that sends the response's head (status line
and headers) a byte at a time. httpx gives no hold on the socket before the head is in, so
each read of the head waits at most what was left when the request went out, and the
deadline is checked as soon as the head is complete.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Final

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
        deadline, or no socket the response has to itself (HTTP/2, a transport of one's
        own such as httpx.MockTransport): the chunks are still checked as they come."""
        if deadline is None or response.http_version not in _ONE_REQUEST_AT_A_TIME:
            return None
        stream = response.extensions.get("network_stream")
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
