"""Requests the suite's own checks send, derived from a case the target accepted.

Each goes out with fresh credentials computed over the request as it goes on the wire,
under the run's rate limit (schemathesis' own limiter, shared with the generated cases),
waits out documented throttling (`contract_tests.throttling`), and comes back with the
sanitized curl command that reproduces it: a check that fails quotes the requests that show
it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis.core.curl import generate as generate_curl
from schemathesis.core.output.sanitization import sanitize_url, sanitize_value
from schemathesis.core.rate_limit import ratelimit

from contract_tests import operations
from contract_tests.auth_provider import AUTH_HEADERS, header_container, security_requirements
from contract_tests.credentials import AuthMode, Credentials
from contract_tests.request_auth import WireRequest, auth_headers, requirement_for
from contract_tests.throttling import RETRY_AFTER, Answer, Throttling
from contract_tests.types import Case


@dataclass(frozen=True)
class Sent:
    """One probe's answer, and how to send it again."""

    status: int
    headers: CaseInsensitiveDict[str]
    body: Any  # the parsed JSON, or None
    curl: str
    throttled: bool = False  # a documented throttling answer, still, after waiting

    def code(self) -> object:
        return result_code(self.body)


def result_code(body: object) -> object:
    """A body's `code`, a string of digits read as the number: openapi.yaml's decisions
    have clients accept both (the schema check reports the string as a deviation)."""
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str) and code.isascii() and code.lstrip("-").isdigit():
        return int(code)
    return code


class Sender:
    def __init__(
        self,
        credentials: Credentials,
        *,
        clock_tolerance: int = 0,
        throttling: Throttling | None = None,
    ) -> None:
        self.credentials = credentials
        # A target whose clock is behind ours by up to this much must not see a valid
        # request's X-Date in its future: valid requests are dated this much earlier.
        self.clock_tolerance = timedelta(seconds=clock_tolerance)
        self.throttling = throttling or Throttling(None)

    def send(
        self,
        case: Case,
        mode: AuthMode,
        *,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        user_id: str | None = None,
        moment: datetime | None = None,
    ) -> Sent:
        """`case` with `query` (None: its own) and extra `headers`, authenticated in `mode`
        (acting for `user_id`, signed at `moment`, when given). Documented throttling is
        waited out (contract_tests.throttling); `Sent.throttled` says it still was."""
        base_headers = CaseInsensitiveDict(header_container(case))
        for name in AUTH_HEADERS:
            base_headers.pop(name, None)
        base_headers.update(headers or {})
        variant = detached(case, headers=base_headers, query=query)
        requirement = requirement_for(mode, security_requirements(case.operation))
        # The run's own limiter (--rate-limit): the checks' requests count against it too.
        limiter = case.operation.schema.config.rate_limit_for(operation=case.operation)

        def call() -> tuple[requests.PreparedRequest, requests.Response]:
            # Signed afresh for every try: a wait must not age its X-Date.
            prepared = requests.Request(**{**variant.as_transport_kwargs(), "auth": None}).prepare()
            prepared.headers.update(
                auth_headers(
                    self.credentials,
                    requirement,
                    moment=moment or datetime.now(UTC) - self.clock_tolerance,
                    request=WireRequest.from_prepared(prepared),
                    user_id=user_id,
                )
            )
            with (
                ratelimit(limiter if not isinstance(limiter, str) else None, prepared.url),
                requests.Session() as session,
            ):
                return prepared, session.send(prepared, timeout=30, allow_redirects=False)

        def answer(sent: tuple[requests.PreparedRequest, requests.Response]) -> Answer:
            prepared, response = sent
            return Answer(
                response.status_code,
                response.headers.get(RETRY_AFTER),
                lambda: curl_of(prepared, case),
            )

        prepared, response = self.throttling.send(case.operation, call, answer)
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        return Sent(
            response.status_code,
            CaseInsensitiveDict(response.headers),
            body,
            curl_of(prepared, case),
            throttled=self.throttling.is_throttled(case.operation, response.status_code),
        )


def detached(
    case: Case,
    *,
    headers: MutableMapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
) -> Case:
    """A copy of `case` with other `headers` or `query`, and no generation metadata.
    `query` may hold path parameters too (the suite's listings bind cursors to both): those
    go into the path.

    Not `Case.derive`: its copy shares the original's metadata, which revalidates against
    the copy's containers, so a probe with other headers would turn the accepted case it
    came from into a "negative" one for every check that runs after it (schemathesis 4.32.5).
    """
    parameters = dict(query if query is not None else (case.query or {}))
    path_parameters = dict(case.path_parameters or {})
    for name in operations.path_names(case.operation) & parameters.keys():
        path_parameters[name] = parameters.pop(name)
    return schemathesis.Case(
        operation=case.operation,
        method=case.method,
        path=case.path,
        path_parameters=path_parameters,
        headers=CaseInsensitiveDict(headers if headers is not None else header_container(case)),
        cookies=dict(case.cookies),
        query=parameters,
        body=case.body,
        media_type=case.media_type,
    )


def curl_of(prepared: requests.PreparedRequest, case: Case) -> str:
    """A curl command for `prepared`, sanitized by the run's rules (tokens as [Filtered])."""
    config = case.operation.schema.config.output.sanitization
    headers = {name: _text(value) for name, value in prepared.headers.items()}
    url = prepared.url or ""
    if config.enabled:
        sanitize_value(headers, config=config)
        url = sanitize_url(url, config=config)
    return generate_curl(
        method=prepared.method or "GET",
        url=url,
        body=prepared.body,
        verify=True,
        headers=headers,
        known_generated_headers={},
    ).command


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("latin-1")
