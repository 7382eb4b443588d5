"""Faults switched on and off at run time, from Python or from `--fault` flags.

Faults are checked in the order they were added. For each request to an operation, every
matching `latency` fault adds its delay, and the first matching fault of any other kind
decides what goes wrong; only the faults that acted count against their `times`.

Chaos: a fault with a `probability` below 1 acts on that share of the requests it matches
(one that does not act neither counts against `times` nor stops a later fault from
acting), and a latency may be drawn from a `distribution`. The draws come from one
`random.Random` per Faults, seeded (`Faults(seed=...)`, `--chaos-seed`), so that the same
requests in the same order meet the same faults.

    faults.throttle(retry_after=1, times=2, operation="listUserGroups")
    faults.latency(0.2)                # every request, until removed
    faults.throttle(probability=0.3)   # about 30% of the requests
    faults.latency(0.05, distribution="uniform", max_seconds=0.2)
    faults.clear()
"""

from __future__ import annotations

import functools
import math
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from koodrive_spec.behaviour import Effect, Write
from koodrive_spec.reader import Spec

from koodrive_emulator.fault_kinds import FaultKind as FaultKind
from koodrive_emulator.handlers import HANDLER_FLAWS

_T = TypeVar("_T")

# The spec's operationIds: a fault targets one of them, or every operation.
OPERATIONS = Spec.packaged().operation_ids()


class Distribution(StrEnum):
    """How a latency fault's delay is drawn."""

    FIXED = "fixed"  # `seconds` every time
    UNIFORM = "uniform"  # between `seconds` and `max_seconds`
    EXPONENTIAL = "exponential"  # mean `seconds`, capped at `max_seconds` (if given)


# Kinds that replace the response outright, as the gateway would, before authentication.
REPLACING_KINDS = frozenset(
    {
        FaultKind.THROTTLE,
        FaultKind.THROTTLE_PAGES,
        FaultKind.THROTTLE_HTTP_DATE,
        FaultKind.SERVER_ERROR,
        FaultKind.UNAVAILABLE,
        FaultKind.BAD_GATEWAY,
        FaultKind.GATEWAY_TIMEOUT,
        FaultKind.UNDOCUMENTED_500,
        FaultKind.GATEWAY_AUTH_400,
        FaultKind.HTML_502,
        FaultKind.CONNECTION_RESET,
        FaultKind.HANG,
    }
)
# Kinds that act on a listing's later pages only (a request that sends a cursor).
_LATER_PAGES_ONLY = frozenset({FaultKind.REPEAT_CURSOR, FaultKind.THROTTLE_PAGES})
# The replacing kinds that answer nothing at all.
UNANSWERED_KINDS = frozenset({FaultKind.CONNECTION_RESET, FaultKind.HANG})

# Kinds that concern some operations only, read from the spec: paging faults act on every
# operation whose x-koodrive-behaviour declares cursor paging, filter-404 on those with a text
# filter, the record-time kinds on those declaring record times (updated-before-created:
# both of them); the rest are flaws of one handler (handlers.py).
PAGING_KINDS = frozenset(
    {
        FaultKind.REPEAT_CURSOR,
        FaultKind.THROTTLE_PAGES,
        FaultKind.REPEAT_ITEM,
        FaultKind.NEVER_END,
        FaultKind.WRONG_TOTAL,
        FaultKind.IGNORE_PAGE_SIZE,
        FaultKind.FORGED_CURSOR_RESTARTS,
        FaultKind.UNBOUND_CURSOR,
    }
)


# Kinds that act on writes, each on the writes it can break, read from their `write`.
_WRITE_KINDS: dict[FaultKind, Callable[[Spec, str, Write], bool]] = {
    FaultKind.APPLY_THEN_DROP: lambda spec, op, write: True,
    FaultKind.ACK_WITHOUT_APPLY: lambda spec, op, write: True,
    FaultKind.CREATE_NOT_LISTED: lambda spec, op, write: write.effect is Effect.CREATE,
    FaultKind.UPDATE_NOT_VISIBLE: lambda spec, op, write: write.effect is Effect.UPDATE,
    FaultKind.DELETE_NOT_REMOVED: lambda spec, op, write: write.effect is Effect.DELETE,
    FaultKind.REFUSED_WRITE_APPLIED: lambda spec, op, write: spec.operations[op].body is not None,
    FaultKind.OWNER_NOT_ENFORCED: lambda spec, op, write: (
        write.owner_field is not None and write.effect is not Effect.CREATE
    ),
    # A delete that answers only `code` and `msg`: one that answers the record deleted has
    # none to give for a record that is gone.
    FaultKind.SECOND_DELETE_SUCCEEDS: lambda spec, op, write: (
        write.effect is Effect.DELETE and not _answers_a_record(spec, op)
    ),
    FaultKind.WRONG_RECORD_TIME: lambda spec, op, write: write.effect is not Effect.DELETE,
}
WRITE_KINDS = frozenset(_WRITE_KINDS)
# Kinds that act on the member batches too (their `membership`): a success answered, the
# change never made, or made and the connection reset.
MEMBERSHIP_KINDS = frozenset({FaultKind.APPLY_THEN_DROP, FaultKind.ACK_WITHOUT_APPLY})
# The paging kinds both pagers play (the offset pager's way: handlers.offset_page).
BOTH_PAGERS_KINDS = frozenset(
    {FaultKind.REPEAT_ITEM, FaultKind.NEVER_END, FaultKind.WRONG_TOTAL, FaultKind.IGNORE_PAGE_SIZE}
)
# Kinds of offset paging only (the scheme's own way to break its promises).
OFFSET_PAGING_KINDS = frozenset({FaultKind.UNSTABLE_TOTAL, FaultKind.EMPTY_LATER_PAGES})


def _answers_a_record(spec: Spec, operation: str) -> bool:
    success = spec.behaviours[operation].success.status
    properties = spec.response_schema(operation, success).get("properties") or {}
    return any(schema.get("type") == "object" for schema in properties.values())


@functools.cache
def _spec_targets(spec: Spec, kind: FaultKind) -> tuple[str, ...] | None:
    behaviours = spec.behaviours
    if kind in PAGING_KINDS:
        if kind in BOTH_PAGERS_KINDS:  # the cursor pager and the offset pager play them
            return tuple(op for op, b in behaviours.items() if b.paging is not None)
        # The cursor pager plays them: an offset-paged listing has no cursor to break.
        return tuple(op for op, b in behaviours.items() if b.cursor_paging is not None)
    if kind in OFFSET_PAGING_KINDS:
        return tuple(op for op, b in behaviours.items() if b.offset_paging is not None)
    if kind is FaultKind.FILTER_404:
        return tuple(op for op, b in behaviours.items() if b.text_filters)
    if kind is FaultKind.MEMBERS_ONLY_NOT_ENFORCED:
        return tuple(op for op, b in behaviours.items() if b.members_only)
    acts_on = _WRITE_KINDS.get(kind)
    if acts_on is not None:
        return tuple(
            op
            for op, b in behaviours.items()
            if (b.write is not None and acts_on(spec, op, b.write))
            or (b.membership is not None and kind in MEMBERSHIP_KINDS)
        )
    if kind is FaultKind.FUTURE_RECORD_TIME:
        return tuple(op for op, b in behaviours.items() if b.record_times is not None)
    if kind is FaultKind.UPDATED_BEFORE_CREATED:
        return tuple(
            op
            for op, b in behaviours.items()
            if b.record_times is not None
            and None not in (b.record_times.created, b.record_times.updated)
        )
    return None


def _only_for(kind: FaultKind, spec: Spec) -> tuple[str, ...] | None:
    """The operations of `spec` a fault of `kind` can act on (None: every one)."""
    handlers = HANDLER_FLAWS.get(kind)
    return tuple(sorted(handlers)) if handlers else _spec_targets(spec, kind)


def check_targets(fault: Fault, spec: Spec) -> None:
    """ValueError unless `fault` targets an operation of `spec` it can act on."""
    operations = spec.operation_ids()
    if fault.operation is not None and fault.operation not in operations:
        raise ValueError(f"operation must be one of {', '.join(operations)} or None")
    only = _only_for(fault.kind, spec)
    if only is not None and fault.operation is not None and fault.operation not in only:
        listed = ", ".join(only[:-1]) + " and " + only[-1] if len(only) > 1 else "".join(only)
        raise ValueError(f"{fault.kind} applies to {listed} only")


# The vendor's parameter error, the service error it is most likely to send with a 200.
DEFAULT_RESULT_CODE = 13000102
DEFAULT_RESULT_MSG = "Verify parameters failed."


@dataclass
class Fault:
    kind: FaultKind
    operation: str | None = None  # None: every operation
    times: int | None = None  # None: until removed; N: the next N matching requests
    retry_after: int = 1  # seconds, for throttle, throttle-pages, throttle-http-date, unavailable
    seconds: float = 0.0  # for latency
    code: int = DEFAULT_RESULT_CODE  # for result-error
    msg: str = DEFAULT_RESULT_MSG  # for result-error
    probability: float = 1.0  # the share of matching requests it acts on, 0 < p <= 1
    distribution: Distribution = Distribution.FIXED  # for latency: how the delay is drawn
    max_seconds: float | None = None  # for uniform (required) and exponential (a cap)

    def __post_init__(self) -> None:
        # Which operations it may target is the spec's to say: Faults.add checks it.
        self.kind = FaultKind(self.kind)
        if self.times is not None and self.times < 1:
            raise ValueError("times must be 1 or more, or None for every request")
        if self.retry_after < 0:
            raise ValueError("retry_after must be 0 or more seconds")
        if not math.isfinite(self.seconds) or self.seconds < 0:
            # JSON's 1e400 is infinity: a latency that never ends would hang every request.
            raise ValueError("seconds must be a finite number, 0 or more")
        if isinstance(self.code, bool) or not isinstance(self.code, int) or self.code == 0:
            raise ValueError("code must be a non-zero integer (0 means success)")
        if not isinstance(self.msg, str):
            raise ValueError("msg must be a string")
        if not (_is_number(self.probability) and 0.0 < self.probability <= 1.0):
            raise ValueError("probability must be a number greater than 0 and at most 1")
        self._check_distribution()

    def _check_distribution(self) -> None:
        self.distribution = as_distribution(self.distribution)
        if self.distribution is Distribution.FIXED:
            if self.max_seconds is not None:
                raise ValueError(
                    "max_seconds applies to the uniform and exponential distributions of "
                    "latency only"
                )
            return
        if self.kind is not FaultKind.LATENCY:
            raise ValueError(f"distribution applies to latency only ({self.kind} has none)")
        if self.max_seconds is not None and not (
            _is_number(self.max_seconds) and self.max_seconds >= self.seconds
        ):
            raise ValueError(
                f"max_seconds must be a finite number of seconds, at least seconds ({self.seconds})"
            )
        if self.distribution is Distribution.UNIFORM and self.max_seconds is None:
            raise ValueError("max_seconds is required for the uniform distribution (its top)")
        if self.distribution is Distribution.EXPONENTIAL and self.seconds <= 0:
            raise ValueError(
                "seconds must be more than 0 for the exponential distribution (its mean)"
            )

    def delay(self, draw: random.Random) -> float:
        """The seconds this latency fault waits on one request."""
        top = self.max_seconds
        match self.distribution:
            case Distribution.UNIFORM:
                assert top is not None
                return draw.uniform(self.seconds, top)
            case Distribution.EXPONENTIAL:
                drawn = draw.expovariate(1.0 / self.seconds)
                return drawn if top is None else min(drawn, top)
            case _:
                return self.seconds

    def matches(self, operation: str, spec: Spec, *, cursor_sent: bool = False) -> bool:
        only = _only_for(self.kind, spec)
        if only is not None and operation not in only:
            return False
        if self.kind in _LATER_PAGES_ONLY and not cursor_sent:
            return False  # a first page has no cursor: the fault waits for a later one
        return self.operation is None or self.operation == operation


_DISTRIBUTIONS = ", ".join(d.value for d in Distribution)
_DISTRIBUTION_NAMES = frozenset(d.value for d in Distribution)


def as_distribution(value: object) -> Distribution:
    """`value` as a Distribution; ValueError naming the allowed ones otherwise."""
    if isinstance(value, str) and value in _DISTRIBUTION_NAMES:
        return Distribution(value)
    raise ValueError(f"distribution must be one of {_DISTRIBUTIONS}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# The options a fault takes by name (CLI `--fault`, the admin API) and what each must be.
FAULT_OPTIONS: dict[str, str] = {
    "operation": f"one of {', '.join(OPERATIONS)}",
    "times": "a whole number, 1 or more",
    "retry_after": "a whole number of seconds, 0 or more",
    "seconds": "a number of seconds, 0 or more",
    "code": "a non-zero whole number",
    "msg": "a string",
    "probability": "a number greater than 0 and at most 1",
    "distribution": f"one of {_DISTRIBUTIONS}",
    "max_seconds": "a number of seconds, at least seconds",
}


def fault_from_options(kind: str, options: Mapping[str, object], spec: Spec | None = None) -> Fault:
    """A Fault of `spec` (default: the shipped one) from a kind name and named options;
    ValueError naming the field otherwise."""
    try:
        fault_kind = FaultKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise ValueError(f"kind must be one of: {kinds}") from None
    unknown = sorted(set(options) - set(FAULT_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r}; options: {', '.join(FAULT_OPTIONS)}")
    seconds = _option(options, "seconds", (int, float), 0.0)
    max_seconds = _option(options, "max_seconds", (int, float), None)
    fault = Fault(
        fault_kind,
        operation=_option(options, "operation", str, None),
        times=_option(options, "times", int, None),
        retry_after=_option(options, "retry_after", int, 1),
        seconds=float(seconds),
        code=_option(options, "code", int, DEFAULT_RESULT_CODE),
        msg=_option(options, "msg", str, DEFAULT_RESULT_MSG),
        probability=float(_option(options, "probability", (int, float), 1.0)),
        distribution=as_distribution(options.get("distribution", Distribution.FIXED.value)),
        max_seconds=None if max_seconds is None else float(max_seconds),
    )
    check_targets(fault, spec or Spec.packaged())
    return fault


def _option(
    options: Mapping[str, object],
    name: str,
    types: type[_T] | tuple[type[_T], ...],
    default: _T,
) -> _T:
    value = options.get(name, default)
    if value is None and default is None:
        return default
    # bool is an int to Python, never to a caller writing `"times": true`.
    if isinstance(value, bool) or not isinstance(value, types):
        raise ValueError(f"{name} must be {FAULT_OPTIONS[name]}")
    return value


@dataclass(frozen=True)
class Triggered:
    """What the faults do to one request."""

    delay: float = 0.0
    fault: Fault | None = None


NO_FAULT = Triggered()


class Faults:
    """The active faults of one emulator; thread-safe (tests add, the server takes).
    `spec`: the spec whose operations they target (default: the shipped one)."""

    def __init__(self, *, spec: Spec | None = None, seed: int = 0) -> None:
        """`seed`: of the chaos draws (probability, latency distributions)."""
        self.spec = spec or Spec.packaged()
        self.seed = seed
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._random = random.Random(seed)

    def reseed(self) -> None:
        """Start the chaos draws again from `seed`: the same requests meet the same faults."""
        with self._lock:
            self._random = random.Random(self.seed)

    def add(
        self,
        kind: FaultKind | str,
        *,
        operation: str | None = None,
        times: int | None = None,
        retry_after: int = 1,
        seconds: float = 0.0,
        code: int = DEFAULT_RESULT_CODE,
        msg: str = DEFAULT_RESULT_MSG,
        probability: float = 1.0,
        distribution: Distribution | str = Distribution.FIXED,
        max_seconds: float | None = None,
    ) -> Fault:
        fault = Fault(
            FaultKind(kind),
            operation,
            times,
            retry_after,
            seconds,
            code,
            msg,
            probability,
            as_distribution(distribution),
            max_seconds,
        )
        check_targets(fault, self.spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(
        self,
        seconds: float,
        *,
        distribution: Distribution | str = Distribution.FIXED,
        max_seconds: float | None = None,
        operation: str | None = None,
        times: int | None = None,
        probability: float = 1.0,
    ) -> Fault:
        """`seconds` each time (fixed), or drawn: uniform between `seconds` and
        `max_seconds`, exponential with mean `seconds` capped at `max_seconds`."""
        return self.add(
            FaultKind.LATENCY,
            seconds=seconds,
            distribution=distribution,
            max_seconds=max_seconds,
            operation=operation,
            times=times,
            probability=probability,
        )

    def throttle(
        self,
        *,
        retry_after: int = 1,
        operation: str | None = None,
        times: int | None = None,
        probability: float = 1.0,
    ) -> Fault:
        return self.add(
            FaultKind.THROTTLE,
            retry_after=retry_after,
            operation=operation,
            times=times,
            probability=probability,
        )

    def unavailable(
        self,
        *,
        retry_after: int = 1,
        operation: str | None = None,
        times: int | None = None,
        probability: float = 1.0,
    ) -> Fault:
        return self.add(
            FaultKind.UNAVAILABLE,
            retry_after=retry_after,
            operation=operation,
            times=times,
            probability=probability,
        )

    def server_error(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.SERVER_ERROR, operation=operation, times=times, probability=probability
        )

    def bad_gateway(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.BAD_GATEWAY, operation=operation, times=times, probability=probability
        )

    def gateway_timeout(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.GATEWAY_TIMEOUT, operation=operation, times=times, probability=probability
        )

    def code_as_string(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.CODE_AS_STRING, operation=operation, times=times, probability=probability
        )

    def truncated(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.TRUNCATED, operation=operation, times=times, probability=probability
        )

    def wrong_type(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.WRONG_TYPE, operation=operation, times=times, probability=probability
        )

    def missing_field(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.MISSING_FIELD, operation=operation, times=times, probability=probability
        )

    def undocumented_500(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.UNDOCUMENTED_500, operation=operation, times=times, probability=probability
        )

    def result_error(
        self,
        *,
        code: int = DEFAULT_RESULT_CODE,
        msg: str = DEFAULT_RESULT_MSG,
        operation: str | None = None,
        times: int | None = None,
        probability: float = 1.0,
    ) -> Fault:
        return self.add(
            FaultKind.RESULT_ERROR,
            code=code,
            msg=msg,
            operation=operation,
            times=times,
            probability=probability,
        )

    def gateway_auth_400(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.GATEWAY_AUTH_400, operation=operation, times=times, probability=probability
        )

    def html_502(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        return self.add(
            FaultKind.HTML_502, operation=operation, times=times, probability=probability
        )

    def repeat_cursor(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        """On every paged operation, or on `operation`."""
        return self.add(
            FaultKind.REPEAT_CURSOR, operation=operation, times=times, probability=probability
        )

    def connection_reset(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        """The connection reset (a TCP RST) with no response: the client sees a connection
        error. Needs the emulator's own server (EmulatorServer, the CLI)."""
        return self.add(
            FaultKind.CONNECTION_RESET, operation=operation, times=times, probability=probability
        )

    def hang(
        self, *, operation: str | None = None, times: int | None = None, probability: float = 1.0
    ) -> Fault:
        """Never answer, until the client gives up or the server stops."""
        return self.add(FaultKind.HANG, operation=operation, times=times, probability=probability)

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, operation: str, *, cursor_sent: bool = False) -> Triggered:
        """Decide the faults of one request to `operation`, counting them down;
        `cursor_sent`: the request carries a non-empty `pageCursor`."""
        with self._lock:
            if not self._faults:
                return NO_FAULT
            delay = 0.0
            chosen: Fault | None = None
            used: list[Fault] = []
            for fault in self._faults:
                if not fault.matches(operation, self.spec, cursor_sent=cursor_sent):
                    continue
                if fault.kind is not FaultKind.LATENCY and chosen is not None:
                    continue  # decided already: no draw, so later requests draw the same
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue  # not this time: not counted, and a later fault may act
                if fault.kind is FaultKind.LATENCY:
                    delay += fault.delay(self._random)
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
