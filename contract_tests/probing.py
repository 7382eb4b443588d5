"""Requests the suite's own checks send, derived from a case the target accepted.

Each goes out with fresh credentials computed over the request as it goes on the wire,
under the run's rate limit (schemathesis' own limiter), and comes back with the sanitized
curl command that reproduces it: a check that fails quotes the requests that show it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis.core.curl import generate as generate_curl
from schemathesis.core.output.sanitization import sanitize_url, sanitize_value
from schemathesis.core.rate_limit import build_limiter, ratelimit

from contract_tests.auth_provider import AUTH_HEADERS, header_container, security_requirements
from contract_tests.credentials import AuthMode, Credentials
from contract_tests.request_auth import WireRequest, auth_headers, requirement_for
from contract_tests.types import Case


@dataclass(frozen=True)
class Sent:
    """One probe's answer, and how to send it again."""

    status: int
    headers: CaseInsensitiveDict[str]
    body: Any  # the parsed JSON, or None
    curl: str

    def code(self) -> object:
        return self.body.get("code") if isinstance(self.body, dict) else None


class Sender:
    def __init__(self, credentials: Credentials, rate_limit: str = "") -> None:
        self.credentials = credentials
        self._limiter = build_limiter(rate_limit) if rate_limit else None

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
        (acting for `user_id`, signed at `moment`, when given)."""
        base_headers = CaseInsensitiveDict(header_container(case))
        for name in AUTH_HEADERS:
            base_headers.pop(name, None)
        base_headers.update(headers or {})
        variant = detached(case, headers=base_headers, query=query)
        prepared = requests.Request(**{**variant.as_transport_kwargs(), "auth": None}).prepare()
        requirement = requirement_for(mode, security_requirements(case.operation))
        prepared.headers.update(
            auth_headers(
                self.credentials,
                requirement,
                moment=moment or datetime.now(UTC),
                request=WireRequest.from_prepared(prepared),
                user_id=user_id,
            )
        )
        with ratelimit(self._limiter, prepared.url), requests.Session() as session:
            response = session.send(prepared, timeout=30, allow_redirects=False)
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        return Sent(
            response.status_code,
            CaseInsensitiveDict(response.headers),
            body,
            curl_of(prepared, case),
        )


def detached(
    case: Case,
    *,
    headers: MutableMapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
) -> Case:
    """A copy of `case` with other `headers` or `query`, and no generation metadata.

    Not `Case.derive`: its copy shares the original's metadata, which revalidates against
    the copy's containers, so a probe with other headers would turn the accepted case it
    came from into a "negative" one for every check that runs after it (schemathesis 4.32.5).
    """
    return schemathesis.Case(
        operation=case.operation,
        method=case.method,
        path=case.path,
        path_parameters=dict(case.path_parameters),
        headers=CaseInsensitiveDict(headers if headers is not None else header_container(case)),
        cookies=dict(case.cookies),
        query=dict(query if query is not None else (case.query or {})),
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
