"""Faults switched on and off at run time, from Python or from `--fault` flags.

Faults are checked in the order they were added. For each request to an operation, every
matching `latency` fault adds its delay, and the first matching fault of any other kind
decides what goes wrong; only the faults that acted count against their `times`.

    faults.throttle(retry_after=1, times=2, operation="listUserGroups")
    faults.latency(0.2)                # every request, until removed
    faults.clear()
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

OPERATIONS = ("listBoundDevices", "listUserGroups")


class FaultKind(StrEnum):
    LATENCY = "latency"  # a delay before the normal response
    THROTTLE = "throttle"  # 429, gateway body APIGW.0308, Retry-After
    SERVER_ERROR = "server-error"  # 500, service body 13000500
    UNAVAILABLE = "unavailable"  # 503, gateway body APIGW.0203, Retry-After
    BAD_GATEWAY = "bad-gateway"  # 502, gateway body APIGW.0201
    GATEWAY_TIMEOUT = "gateway-timeout"  # 504, gateway body APIGW.0204
    CODE_AS_STRING = "code-as-string"  # the normal response with "code": "0" (a deviation)
    TRUNCATED = "truncated"  # the normal response cut short: Content-Length promises more
    # Contract-breaking, for proving a contract suite can fail:
    WRONG_TYPE = "wrong-type"  # 200 with a field of the wrong type (total as a string)
    MISSING_FIELD = "missing-field"  # 200 without a required field
    UNDOCUMENTED_500 = "undocumented-500"  # 500 with a body the spec does not describe


# Kinds that replace the response outright, as the gateway would, before authentication.
REPLACING_KINDS = frozenset(
    {
        FaultKind.THROTTLE,
        FaultKind.SERVER_ERROR,
        FaultKind.UNAVAILABLE,
        FaultKind.BAD_GATEWAY,
        FaultKind.GATEWAY_TIMEOUT,
        FaultKind.UNDOCUMENTED_500,
    }
)


@dataclass
class Fault:
    kind: FaultKind
    operation: str | None = None  # None: both operations
    times: int | None = None  # None: until removed; N: the next N matching requests
    retry_after: int = 1  # seconds, for throttle and unavailable
    seconds: float = 0.0  # for latency

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        if self.operation is not None and self.operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)} or None")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be 1 or more, or None for every request")
        if self.retry_after < 0:
            raise ValueError("retry_after must be 0 or more seconds")
        if self.seconds < 0:
            raise ValueError("seconds must be 0 or more")

    def matches(self, operation: str) -> bool:
        return self.operation is None or self.operation == operation


@dataclass(frozen=True)
class Triggered:
    """What the faults do to one request."""

    delay: float = 0.0
    fault: Fault | None = None


NO_FAULT = Triggered()


class Faults:
    """The active faults of one emulator; thread-safe (tests add, the server takes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: FaultKind | str,
        *,
        operation: str | None = None,
        times: int | None = None,
        retry_after: int = 1,
        seconds: float = 0.0,
    ) -> Fault:
        fault = Fault(FaultKind(kind), operation, times, retry_after, seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(
        self, seconds: float, *, operation: str | None = None, times: int | None = None
    ) -> Fault:
        return self.add(FaultKind.LATENCY, seconds=seconds, operation=operation, times=times)

    def throttle(
        self, *, retry_after: int = 1, operation: str | None = None, times: int | None = None
    ) -> Fault:
        return self.add(
            FaultKind.THROTTLE, retry_after=retry_after, operation=operation, times=times
        )

    def unavailable(
        self, *, retry_after: int = 1, operation: str | None = None, times: int | None = None
    ) -> Fault:
        return self.add(
            FaultKind.UNAVAILABLE, retry_after=retry_after, operation=operation, times=times
        )

    def server_error(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.SERVER_ERROR, operation=operation, times=times)

    def bad_gateway(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.BAD_GATEWAY, operation=operation, times=times)

    def gateway_timeout(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.GATEWAY_TIMEOUT, operation=operation, times=times)

    def code_as_string(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.CODE_AS_STRING, operation=operation, times=times)

    def truncated(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.TRUNCATED, operation=operation, times=times)

    def wrong_type(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.WRONG_TYPE, operation=operation, times=times)

    def missing_field(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.MISSING_FIELD, operation=operation, times=times)

    def undocumented_500(self, *, operation: str | None = None, times: int | None = None) -> Fault:
        return self.add(FaultKind.UNDOCUMENTED_500, operation=operation, times=times)

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, operation: str) -> Triggered:
        """Decide the faults of one request to `operation`, counting them down."""
        with self._lock:
            if not self._faults:
                return NO_FAULT
            delay = 0.0
            chosen: Fault | None = None
            used: list[Fault] = []
            for fault in self._faults:
                if not fault.matches(operation):
                    continue
                if fault.kind is FaultKind.LATENCY:
                    delay += fault.seconds
                    used.append(fault)
                elif chosen is None:
                    chosen = fault
                    used.append(fault)
            for fault in used:
                if fault.times is not None:
                    fault.times -= 1
            self._faults = [f for f in self._faults if f.times != 0]
            return Triggered(delay, chosen)

    def __repr__(self) -> str:
        return f"Faults({self.active()!r})"
