"""The authentication headers of one request, computed from what goes on the wire.

The HMAC signature must cover exactly what the server receives (method, path, query, host,
x-date, x-user-id), so it is computed from the request as `requests` prepares it, never from
schemathesis' generated values. `koodrive.signing` is the one implementation of the scheme.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

import requests
from koodrive import signing

from contract_tests.credentials import AuthMode, Credentials

# Security scheme names of openapi.yaml (components.securitySchemes).
ACCESS_TOKEN = "accessToken"
APP_SIGNATURE = "appSignature"
USER_ID = "userId"
REQUEST_DATE = "requestDate"

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class WireRequest:
    """What the signature covers, as sent."""

    method: str
    host: str
    path: str
    query: str
    body: bytes

    @classmethod
    def from_prepared(cls, prepared: requests.PreparedRequest) -> WireRequest:
        parts = urlsplit(prepared.url or "")
        # The suite sends no request bodies; a streamed one (never prepared here) cannot be signed.
        body = prepared.body or b""
        if not isinstance(body, (bytes, str)):
            raise TypeError("cannot sign a streamed request body")
        return cls(
            method=(prepared.method or "GET").upper(),
            host=host_header(prepared.url or ""),
            path=parts.path or "/",
            query=parts.query,
            body=body.encode() if isinstance(body, str) else body,
        )

    def with_query(self, query: str) -> WireRequest:
        return replace(self, query=query)


def host_header(url: str) -> str:
    """The `Host` header http.client sends for `url`: the port only when it is not the default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def requirement_for(mode: AuthMode, requirements: Collection[Collection[str]]) -> frozenset[str]:
    """The operation's security requirement that `mode` satisfies; KeyError when there is none."""
    key = APP_SIGNATURE if mode is AuthMode.APP else ACCESS_TOKEN
    for requirement in requirements:
        if key in requirement:
            return frozenset(requirement)
    raise KeyError(f"no security requirement of the operation uses {key}")


def auth_headers(
    credentials: Credentials,
    requirement: Collection[str],
    *,
    moment: datetime,
    request: WireRequest | None = None,
    token: str | None = None,
    token_prefix: str = "Bearer ",
    app_id: str | None = None,
    app_secret: str | None = None,
    signed_request: WireRequest | None = None,
    signed_headers: Collection[str] = signing.REQUIRED_SIGNED_HEADERS,
    user_id: str | None = None,
) -> dict[str, str]:
    """The headers that satisfy `requirement` (a set of security scheme names) for `request`
    (needed only to sign, in app mode).

    The keyword overrides exist to build broken variants (a wrong secret, a stale date, a
    request changed after signing) from the same code path as the valid one.
    """
    headers: dict[str, str] = {}
    if USER_ID in requirement or APP_SIGNATURE in requirement:
        headers["X-User-Id"] = user_id or credentials.user_id
    if REQUEST_DATE in requirement or APP_SIGNATURE in requirement:
        headers["X-Date"] = signing.format_x_date(moment)
    if ACCESS_TOKEN in requirement:
        headers["Authorization"] = f"{token_prefix}{token or credentials.token}"
    if APP_SIGNATURE in requirement:
        covered = signed_request or request
        if covered is None:
            raise ValueError("an app signature needs the request it covers")
        authorization = signing.sign(
            app_id=app_id or credentials.app_id or "",
            app_secret=app_secret or credentials.app_secret or "",
            method=covered.method,
            path=covered.path,
            query=covered.query,
            headers={"host": covered.host, **headers},
            payload=covered.body,
            signed_headers=signed_headers,
        )
        headers["Authorization"] = authorization.header_value()
    return headers
