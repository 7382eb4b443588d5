"""Requests the suite's own checks send, derived from a case the target accepted.

Each goes out with fresh credentials computed over the request as it goes on the wire,
under the run's rate limit (schemathesis' own limiter), and comes back with the sanitized
curl command that reproduces it: a check that fails quotes the requests that show it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
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
        variant = case.derive(
            headers=base_headers,
            query=dict(query) if query is not None else None,
        )
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
