"""The suite's own checks, next to every built-in schemathesis check.

- `broken_auth_rejected`: schemathesis' `ignored_auth` removes credentials or replaces one
  with garbage; this goes further, with credentials that are well-formed but wrong (a
  signature made with a wrong secret, a request changed after signing, an expired or future
  X-Date, an unknown app, a wrong token): each must get 401. The `Bearer+<token>` form the
  spec's decisions require servers to accept must be accepted.
- `authenticated_requests_succeed`: valid requests carried the suite's credentials and got
  2xx answers in each auth mode used, so the suite reached the operations' logic, not only
  the 401 wall.
- `undeclared_method_rejected`: stands in for `unsupported_method`, which expects 405; the
  vendor's gateway answers a method it does not publish with 404 `APIGW.0101` ("The API
  does not exist"), as openapi.yaml documents, so either is accepted, never a 2xx or a 5xx.
"""

from __future__ import annotations

import http.client
import shlex
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import schemathesis
from koodrive_spec import behaviour
from requests.structures import CaseInsensitiveDict
from schemathesis.core.output.sanitization import is_sensitive_key
from schemathesis.core.rate_limit import ratelimit

from contract_tests import operations, writes
from contract_tests.auth_provider import (
    AUTH_HEADERS,
    header_container,
    modes_for,
    security_requirements,
    sent_mode,
)
from contract_tests.credentials import AuthMode, Credentials, another_user
from contract_tests.probing import detached
from contract_tests.request_auth import (
    REQUEST_DATE,
    WireRequest,
    auth_headers,
    host_header,
    requirement_for,
)
from contract_tests.run_settings import RunSettings
from contract_tests.summary import PROMISES_HEADER
from contract_tests.throttling import RETRY_AFTER, Answer, Throttling
from contract_tests.types import Case
from contract_tests.unexercised import Unexercised

AUTH_REJECTED = 401  # openapi.yaml, x-koodrive-decisions: "Status of an authentication failure"
UNPUBLISHED_API = "APIGW.0101"


@dataclass(frozen=True)
class Probe:
    """A variant of an accepted request, and whether the server must accept it too.

    `copies_first` are header lines sent before `headers`, each naming a header that
    `headers` sends too: a request that carries a credential twice must be refused.
    """

    description: str
    headers: dict[str, str]
    accepted: bool = False
    copies_first: tuple[tuple[str, str], ...] = ()
    # RFC 9112 has a server answer two Host lines with 400; the spec's decision is 401.
    also_refused_with: frozenset[int] = frozenset()


def wire_request(case: Case) -> WireRequest:
    """The request as `requests` sends it, built by schemathesis' own serializer."""
    kwargs = case.as_transport_kwargs()
    kwargs.pop("auth", None)
    return WireRequest.from_prepared(requests.Request(**kwargs).prepare())


def _age(seconds: int) -> str:
    count, unit = (seconds // 60, "minute") if seconds % 60 == 0 else (seconds, "second")
    return f"{count} {unit}{'' if count == 1 else 's'}"


def auth_probes(
    case: Case,
    mode: AuthMode,
    credentials: Credentials,
    *,
    clock_tolerance: int = 0,
    other_user_id: str | None = None,
) -> list[Probe]:
    """The variants of an accepted `case` to send in `mode`. An X-Date is judged by the
    spec's `x-koodrive-validity`, widened by `clock_tolerance` seconds and a minute more."""
    request = wire_request(case)
    requirement = requirement_for(mode, security_requirements(case.operation))
    validity = behaviour.validity(case.operation.schema.raw_schema, REQUEST_DATE)
    now = datetime.now(UTC)

    def variant(moment: datetime = now, **overrides: Any) -> dict[str, str]:
        return auth_headers(credentials, requirement, moment=moment, request=request, **overrides)

    other_user = other_user_id or another_user(credentials.user_id)
    valid = variant()
    # Each credential header the requirement names, left out once: a missing credential is
    # refused like a wrong one (x-koodrive-decisions), in every mode that requires it.
    left_out = [
        Probe(
            f"{header} left out (the requirement {' + '.join(sorted(requirement))} sends it)",
            {name: value for name, value in valid.items() if name.lower() != header.lower()},
        )
        for header in operations.spec_of(case.operation).credential_headers(requirement)
    ]
    wrong = (
        variant(token=f"{credentials.token}-wrong")
        if mode is AuthMode.TOKEN
        else variant(app_secret="wrong-secret")
    )
    stale = validity.seconds_before + clock_tolerance + 60
    ahead = validity.seconds_after + clock_tolerance + 60
    expired = variant(moment=now - timedelta(seconds=stale))
    dated = []
    if "X-Date" in valid:
        dated = [
            Probe(
                f"a correctly signed X-Date {_age(stale)} old (expired)",
                expired,
            ),
            Probe(
                f"a correctly signed X-Date {_age(ahead)} in the future",
                variant(moment=now + timedelta(seconds=ahead)),
            ),
        ]
    twice = [
        Probe(
            "Authorization sent twice (the valid one, then a wrong one)",
            wrong,
            copies_first=(("Authorization", valid["Authorization"]),),
        ),
        Probe(
            "Host sent twice",
            valid,
            copies_first=(("Host", request.host),),
            also_refused_with=frozenset({400}),
        ),
    ]
    if "X-User-Id" in valid:
        twice.append(
            Probe(
                "another user's X-User-Id sent before the real one",
                valid,
                copies_first=(("X-User-Id", other_user),),
            )
        )
    if mode is AuthMode.TOKEN:
        return [
            *left_out,
            Probe("a wrong access token", variant(token=f"{credentials.token}-wrong")),
            Probe(
                "the `Bearer+<token>` form, which servers must accept",
                variant(token_prefix="Bearer+"),
                accepted=True,
            ),
            Probe("the token with another user's X-User-Id", {**valid, "X-User-Id": other_user}),
            *dated,
            *twice,
        ]
    tampered = f"{request.query}&tampered=1" if request.query else "tampered=1"
    return [
        *left_out,
        Probe("a signature made with a wrong app secret", variant(app_secret="wrong-secret")),
        Probe("an unknown AppId", variant(app_id="unknown-app")),
        Probe(
            "a signature over another query string (the request changed after signing)",
            variant(signed_request=request.with_query(tampered)),
        ),
        Probe("X-User-Id changed after signing", {**variant(), "X-User-Id": other_user}),
        Probe("SignedHeaders without x-user-id", variant(signed_headers=("host", "x-date"))),
        *dated,
        Probe(
            "a fresh X-Date sent before an expired, correctly signed one",
            expired,
            copies_first=(("X-Date", valid["X-Date"]),),
        ),
        *twice,
    ]


def send_probe(case: Case, probe: Probe, throttling: Throttling | None = None) -> tuple[int, str]:
    """Send `probe`'s variant of `case`; its status and a curl command reproducing it.
    Documented throttling is waited out: through schemathesis' transport (see
    `throttling.install`), or by `throttling` for the copies sent by hand."""
    headers = CaseInsensitiveDict(header_container(case))
    for name in AUTH_HEADERS:
        headers.pop(name, None)
    headers.update(probe.headers)
    variant = detached(case, headers=headers)  # without the original's credentials
    if probe.copies_first:
        # Sent by hand, past schemathesis' hooks: a write passes the guard here instead.
        writes.admit_unhooked(variant)
        copies = probe.copies_first
        curl = _curl_with_copies(variant, copies)
        status = (throttling or Throttling(None)).send(
            case.operation,
            lambda: _send_with_copies(variant, copies),
            lambda sent: Answer(sent[0], sent[1], lambda: curl),
        )[0]
        return status, curl
    return variant.call().status_code, variant.as_curl_command()


def _send_with_copies(case: Case, copies: tuple[tuple[str, str], ...]) -> tuple[int, str | None]:
    """Send `case` with `copies` as extra header lines in front of its own, under the run's
    rate limit; its status and Retry-After. By hand over http.client: `requests` keeps one
    value per header name and refuses two Host lines."""
    prepared = requests.Request(**{**case.as_transport_kwargs(), "auth": None}).prepare()
    parts = urlsplit(prepared.url or "")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sent = [(name, _text(value)) for name, value in prepared.headers.items()]
    lines = [*copies, ("Host", host_header(prepared.url or "")), *sent]
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    limiter = case.operation.schema.config.rate_limit_for(operation=case.operation)
    connection = connection_class(parts.netloc, timeout=30)
    try:
        with ratelimit(limiter if not isinstance(limiter, str) else None, prepared.url):
            connection.putrequest(prepared.method or "GET", target, skip_host=True)
            for name, value in lines:
                connection.putheader(name, value)
            connection.endheaders(prepared.body if isinstance(prepared.body, bytes) else None)
            response = connection.getresponse()
        return response.status, response.getheader(RETRY_AFTER)
    finally:
        connection.close()


def _curl_with_copies(case: Case, copies: tuple[tuple[str, str], ...]) -> str:
    """schemathesis' sanitized curl command for `case`, `copies` in front of its headers and
    sanitized by the same rules (a copied Authorization holds the very token)."""
    config = case.operation.schema.config.output.sanitization
    flags = "".join(
        " -H "
        + shlex.quote(
            f"{name}: "
            + (
                config.replacement
                if is_sensitive_key(name, config.keys_to_sanitize, config.sensitive_markers)
                else value
            )
        )
        for name, value in copies
    )
    command = case.as_curl_command()
    return "curl" + flags + command.removeprefix("curl")  # curl takes options in any order


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("latin-1")


def declared_methods(case: Case) -> set[str]:
    path_item = case.operation.schema.raw_schema.get("paths", {}).get(case.operation.path, {})
    return {method.upper() for method in path_item}


def register(
    credentials: Credentials,
    settings: RunSettings,
    throttling: Throttling | None = None,
    unexercised: Unexercised | None = None,
) -> None:
    """Register the checks with schemathesis for this run."""
    waiting = throttling or Throttling(None)
    notes = unexercised or Unexercised(None)

    @schemathesis.check
    class broken_auth_rejected:
        """Broken credentials get 401; accepted variants get 2xx. Once per operation, in
        every auth mode the run uses that the operation accepts."""

        def __init__(self) -> None:
            self._lock = threading.Lock()
            self._probed: set[str] = set()

        def after_response(
            self,
            ctx: schemathesis.CheckContext,
            response: schemathesis.Response,
            case: Case,
        ) -> bool | None:
            # Only a request the server accepted proves the unbroken credentials were good;
            # its variants then probe each mode, whichever mode the phases happened to send.
            if sent_mode(case) is None or not 200 <= response.status_code < 300:
                return None
            with self._lock:
                if case.operation.label in self._probed:
                    return None
                self._probed.add(case.operation.label)
            problems = []
            case = writes.ready_again(case)  # a write: to a record of the run's, alive
            probes = [
                (each, probe)
                for each in modes_for(case.operation, credentials)
                for probe in auth_probes(
                    case,
                    each,
                    credentials,
                    clock_tolerance=settings.clock_tolerance,
                    other_user_id=settings.other_user_id,
                )
            ]
            for mode, probe in probes:
                if not writes.may_send_again(case):
                    break  # the guard refused (the write budget is spent)
                try:
                    status, curl = send_probe(case, probe, waiting)
                except writes.WriteRefused:
                    break
                if waiting.is_throttled(case.operation, status):
                    notes.note(
                        "broken_auth_rejected",
                        case.operation.label,
                        f"{mode.value} mode, {probe.description}: still answered {status} "
                        "after waiting out throttling",
                    )
                    continue
                ok = (
                    200 <= status < 300
                    if probe.accepted
                    else status == AUTH_REJECTED or status in probe.also_refused_with
                )
                if not ok:
                    expected = "2xx" if probe.accepted else str(AUTH_REJECTED)
                    problems.append(
                        f"- {mode.value} mode, {probe.description}: expected {expected}, "
                        f"got {status}\n    {curl}"
                    )
            if problems:
                raise AssertionError(
                    f"{case.operation.label} {PROMISES_HEADER}\n" + "\n".join(problems)
                )
            return True

    @schemathesis.check
    class authenticated_requests_succeed:
        """Every tested operation got requests with the suite's credentials, and each auth mode
        used for its valid requests got at least one 2xx."""

        def __init__(self) -> None:
            self._lock = threading.Lock()
            self._tested: set[str] = set()
            self._used: set[tuple[str, AuthMode]] = set()
            self._succeeded: set[tuple[str, AuthMode]] = set()
            self._accepted_case: Case | None = None  # a valid case the target answered 2xx
            # Per operation, a case with our credentials the target answered 2xx, valid or not:
            # an operation whose first case fails a check is tested no further, so it may
            # never see a valid one.
            self._answered: dict[str, Case] = {}

        def after_response(
            self,
            ctx: schemathesis.CheckContext,
            response: schemathesis.Response,
            case: Case,
        ) -> bool | None:
            label, mode = case.operation.label, sent_mode(case)
            positive = case.meta is not None and case.meta.generation.mode.is_positive
            with self._lock:
                self._tested.add(label)
                if mode is not None and 200 <= response.status_code < 300:
                    self._answered.setdefault(label, case)
                if mode is not None and positive:
                    self._used.add((label, mode))
                    if 200 <= response.status_code < 300:
                        self._succeeded.add((label, mode))
                        self._accepted_case = self._accepted_case or case
            return None

        def _proven_now(self, mode: AuthMode, case: Case | None = None) -> bool:
            """Send an accepted case again with `mode`'s credentials: a mode the phases
            never used is proven (or not) all the same."""
            case = case or self._accepted_case or next(iter(self._answered.values()), None)
            if case is None or not writes.may_send_again(case):
                return False
            case = writes.ready_again(case)
            try:
                requirement = requirement_for(mode, security_requirements(case.operation))
            except KeyError:
                return False
            headers = auth_headers(
                credentials, requirement, moment=datetime.now(UTC), request=wire_request(case)
            )
            status, _ = send_probe(
                case, Probe(f"{mode.value} mode", headers, accepted=True), waiting
            )
            return 200 <= status < 300

        def after_run(self, ctx: schemathesis.CheckContext) -> None:
            for label, case in self._answered.items():
                if not any(used[0] == label for used in self._used):
                    for mode in credentials.modes:
                        if self._proven_now(mode, case):
                            self._used.add((label, mode))
                            self._succeeded.add((label, mode))
            with self._lock:
                unauthenticated = sorted(
                    label
                    for label in self._tested
                    if not any(used[0] == label for used in self._used)
                )
                rejected = sorted(
                    f"{label} ({mode.value} mode)" for label, mode in self._used - self._succeeded
                )
                untried = [
                    mode
                    for mode in credentials.modes
                    if not any(succeeded[1] is mode for succeeded in self._succeeded)
                ]
            # Belongs to the whole run (each configured mode works at all): a sharded run
            # proves it in shard 1 only, so that the shards send its probes once.
            if not settings.run_wide:
                untried = []
            unproven = [mode.value for mode in untried if not self._proven_now(mode)]
            problems = []
            if unproven:
                # Whatever the phases: a configured mode that never got a 2xx is unproven,
                # and its probes never ran (a wrong secret would otherwise pass unnoticed).
                problems.append(
                    "no valid request got a 2xx in "
                    + " and ".join(f"{mode} mode" for mode in unproven)
                    + " (configured, so it must be proven to work)"
                )
            if unauthenticated:
                problems.append(
                    "no valid request carried credentials for " + ", ".join(unauthenticated)
                )
            if rejected:
                problems.append(
                    "no valid authenticated request got a 2xx for " + ", ".join(rejected)
                )
            if problems:
                raise AssertionError(
                    "; ".join(problems)
                    + ": the credentials may be wrong, or the suite only reached the 401 wall"
                )

    @schemathesis.check
    def undeclared_method_rejected(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> bool | None:
        """A method the spec does not declare on a path gets 405, or the gateway's 404."""
        if case.method.upper() in declared_methods(case):
            return None
        if response.status_code == 405:
            return True
        if response.status_code == 404:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("error_code") == UNPUBLISHED_API:
                return True
        raise AssertionError(
            f"{case.method.upper()} is not declared on {case.operation.path}: expected 405, or "
            f"404 with the gateway body {UNPUBLISHED_API}; got {response.status_code}"
        )
