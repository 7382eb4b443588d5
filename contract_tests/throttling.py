"""Documented throttling, waited out instead of judged.

A response the spec documents with a `Retry-After` header (429 and 503 on every operation of
openapi.yaml) is the gateway asking the client to come back later: no promise is broken. Every
request of a run waits it out and asks again: the generated cases and schemathesis' own
probes (through its requests transport, `install`), and the suite's checks' requests
(`Throttling.send`). Each try counts against the run's `--rate-limit` like any request.

Bounded: at most `MAX_TRIES` tries per request, no single wait longer than `MAX_WAIT`
seconds, and `RUN_BUDGET` seconds of waiting in a whole run. What is still throttled after
that is given back as it came: the checks then say what they could not judge ("Not
exercised") instead of reporting a broken promise.

Every wait and every give-up is written to `throttled.jsonl` next to the reports; the
summary counts them. A `Retry-After` of another form than the spec declares (an HTTP-date
where it says integer seconds) is still waited for as it says, and is a finding of the check
`throttling_as_declared`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
from koodrive_spec import expectation
from schemathesis.core.rate_limit import parse_retry_after

from contract_tests import operations
from contract_tests.summary import THROTTLED
from contract_tests.types import Operation

# RFC 9110's header; which answers carry it, and in what form, is the spec's to say.
RETRY_AFTER = "Retry-After"
MAX_TRIES = 4  # a request, and up to three more after waiting
MAX_WAIT = 60.0  # seconds: a Retry-After asking for longer is not waited for
RUN_BUDGET = 300.0  # seconds of waiting in one run, all requests together
UNSAID_WAIT = 1.0  # seconds, when a throttling answer does not say how long

_T = TypeVar("_T")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class Answer:
    """What the waiting needs to know of one answer."""

    status: int
    retry_after: str | None  # the header's first value, if sent
    curl: Callable[[], str]  # the request that got it, as a sanitized curl command


_documented: dict[tuple[int, str], dict[int, Mapping[str, Any]]] = {}
_documented_lock = threading.Lock()


def documented(operation: Operation) -> dict[int, Mapping[str, Any]]:
    """The statuses the spec documents with `Retry-After` for `operation`, each with the
    header's schema: the answers that ask the client to wait. Read once per operation."""
    operation_id = str(operation.definition.raw.get("operationId"))
    key = (id(operation.schema.raw_schema), operation_id)
    with _documented_lock:
        if key in _documented:
            return _documented[key]
    spec = operations.spec_of(operation)
    found: dict[int, Mapping[str, Any]] = {}
    if operation_id in spec.operations:
        for status, headers in spec.response_headers(operation_id).items():
            for name, header in headers.items():
                if name.lower() == RETRY_AFTER.lower():
                    schema = header.get("schema")
                    found[status] = schema if isinstance(schema, Mapping) else {}
    with _documented_lock:
        return _documented.setdefault(key, found)


def form_problem(value: str, schema: Mapping[str, Any]) -> str | None:
    """What is wrong with a `Retry-After` value judged by its declared schema (read as the
    schema's type, as a client reads a header), or None when it is fine."""
    kinds = schema.get("type")
    text = value.strip()
    read: object = text
    if (kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds)) and (
        _INTEGER.fullmatch(text)
    ):
        read = int(text)
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(read))
    return None if error is None else f"not {expectation(schema)}"


class Throttling:
    """The run's waiting: one per process (schemathesis' workers are threads of it)."""

    def __init__(
        self,
        reports: Path | None,
        *,
        tries: int = MAX_TRIES,
        max_wait: float = MAX_WAIT,
        budget: float = RUN_BUDGET,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._path = reports / THROTTLED if reports is not None else None
        self.tries = tries
        self.max_wait = max_wait
        self._budget = budget
        self._sleep = sleep
        self._lock = threading.Lock()
        self._findings: dict[str, list[str]] = {}
        # Told of each answer of schemathesis' transport that was waited out (and so never
        # reached its checks): the coverage counts its status and headers.
        self.observers: list[Callable[[Any, Any], None]] = []

    def send(
        self, operation: Operation, call: Callable[[], _T], answer: Callable[[_T], Answer]
    ) -> _T:
        """`call()` until its answer is no documented throttling, waiting as each asks,
        within the bounds; the last answer, throttled or not."""
        statuses = documented(operation)
        result = call()
        for attempt in range(1, self.tries + 1):
            got = answer(result)
            schema = statuses.get(got.status)
            if schema is None:
                return result
            wait = self._wait_for(operation.label, got, schema)
            refusal = self._refusal(wait, attempt)
            if refusal is not None:
                self._record(operation.label, got.status, gave_up=refusal)
                return result
            self._record(operation.label, got.status, waited=wait)
            self._sleep(wait)
            result = call()
        return result

    def _refusal(self, wait: float, attempt: int) -> str | None:
        """Why the suite waits no more, or None (and the wait taken from the budget)."""
        if attempt >= self.tries:
            return f"still throttled after {attempt} tries"
        if wait > self.max_wait:
            return (
                f"{RETRY_AFTER} asked for {wait:.0f} s, more than the {self.max_wait:.0f} s "
                "the suite waits"
            )
        with self._lock:
            if wait > self._budget:
                return f"the run's {RUN_BUDGET:.0f} s of waiting out throttling are spent"
            self._budget -= wait
        return None

    def is_throttled(self, operation: Operation, status: int) -> bool:
        """Whether `status` is a documented throttling answer of `operation`."""
        return status in documented(operation)

    def findings(self, label: str | None = None) -> list[str]:
        """The `Retry-After` findings not yet reported, of operation `label` (None: all),
        taken: each is reported once."""
        with self._lock:
            if label is not None:
                return self._findings.pop(label, [])
            found = [finding for each in self._findings.values() for finding in each]
            self._findings.clear()
            return found

    def _wait_for(self, label: str, got: Answer, schema: Mapping[str, Any]) -> float:
        """Seconds to wait as the answer asks; a form the spec does not declare is noted."""
        if got.retry_after is None:
            return UNSAID_WAIT
        problem = form_problem(got.retry_after, schema)
        if problem is not None:
            with self._lock:
                self._findings.setdefault(label, []).append(
                    f"- a {got.status} whose {RETRY_AFTER} {got.retry_after!r} is {problem}, "
                    f"as the spec declares it (waited as it says, then asked again)\n"
                    f"    {got.curl()}"
                )
        seconds = parse_retry_after(got.retry_after.strip())
        if seconds is None:
            return UNSAID_WAIT
        # parse_retry_after caps what it reads at its own maximum; read a long one whole.
        text = got.retry_after.strip()
        return float(text) if _INTEGER.fullmatch(text) and float(text) > seconds else seconds

    def _record(
        self, label: str, status: int, *, waited: float | None = None, gave_up: str | None = None
    ) -> None:
        if self._path is None:
            return
        entry: dict[str, object] = {"operation": label, "status": status}
        if waited is not None:
            entry["waited"] = round(waited, 3)
        if gave_up is not None:
            entry["gave_up"] = gave_up
        with self._lock, self._path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")


def install(throttling: Throttling) -> None:
    """Have schemathesis' requests transport (the generated cases, its own probes) wait out
    documented throttling too. The transport is one object of schemathesis'; its `send` is
    wrapped on that object only."""
    from schemathesis.transport.requests import REQUESTS_TRANSPORT

    from contract_tests.types import Case

    if getattr(REQUESTS_TRANSPORT, "_koodrive_throttling", None) is not None:
        return  # installed already (hooks loaded twice)

    def send(case: Case, *, session: Any = None, **kwargs: Any) -> Any:
        answered: list[Any] = []

        def call() -> Any:
            # The class's send as it is at each call, not when this was installed: the
            # write guard (writes.py) wraps it later, and every try must pass through it.
            original = type(REQUESTS_TRANSPORT).send
            response = original(REQUESTS_TRANSPORT, case, session=session, **dict(kwargs))
            answered.append(response)
            return response

        def answer(response: Any) -> Answer:
            values = response.headers.get(RETRY_AFTER.lower()) or response.headers.get(RETRY_AFTER)
            first = values[0] if isinstance(values, list) and values else values
            return Answer(
                response.status_code,
                first if isinstance(first, str) else None,
                lambda: case.as_curl_command(),
            )

        final = throttling.send(case.operation, call, answer)
        for waited in answered[:-1]:  # the last one goes on to the checks
            for observe in throttling.observers:
                observe(case, waited)
        return final

    setattr(REQUESTS_TRANSPORT, "send", send)  # noqa: B010 (a method, replaced on the object)
    setattr(REQUESTS_TRANSPORT, "_koodrive_throttling", throttling)  # noqa: B010


def register(throttling: Throttling) -> None:
    """The check that reports each `Retry-After` of another form than the spec declares,
    met by any request of the run (waited out, so no other check saw it)."""
    import schemathesis

    from contract_tests.summary import PROMISES_HEADER
    from contract_tests.types import Case

    @schemathesis.check
    class throttling_as_declared:
        """A documented throttling answer's `Retry-After` has the form the spec declares."""

        def after_response(
            self, ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
        ) -> bool | None:
            found = throttling.findings(case.operation.label)
            if found:
                raise AssertionError(
                    f"{case.operation.label} {PROMISES_HEADER}\n" + "\n".join(found)
                )
            return None

        def after_run(self, ctx: schemathesis.CheckContext) -> None:
            found = throttling.findings()
            if found:
                raise AssertionError(f"the run {PROMISES_HEADER}\n" + "\n".join(found))
