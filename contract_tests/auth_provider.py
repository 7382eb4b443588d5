"""Real credentials on every generated request (a schemathesis auth provider).

App mode signs at send time: the signature is a `requests` auth object that schemathesis
passes to `requests`, so it covers the prepared request exactly as it goes on the wire (after
every hook and override) and its X-Date is fresh. Token mode needs no per-request work.
Cases that negate a credential go out as generated, without ours: those must get a 401.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis.core.parameters import ParameterLocation

from contract_tests.credentials import AuthMode, Credentials
from contract_tests.request_auth import WireRequest, auth_headers, requirement_for
from contract_tests.types import Case, Operation

AUTH_HEADERS = ("Authorization", "X-User-Id", "X-Date")


class AppSignature(requests.auth.AuthBase):
    """Stamps X-User-Id and X-Date on a prepared request and signs it."""

    def __init__(
        self,
        credentials: Credentials,
        requirement: Collection[str],
        clock_tolerance: timedelta = timedelta(0),
    ) -> None:
        self.credentials = credentials
        self.requirement = frozenset(requirement)
        self.clock_tolerance = clock_tolerance

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = auth_headers(
            self.credentials,
            self.requirement,
            moment=datetime.now(UTC) - self.clock_tolerance,
            request=WireRequest.from_prepared(r),
        )
        r.headers.update(headers)
        return r

    def __repr__(self) -> str:
        return f"AppSignature(app_id={self.credentials.app_id!r})"


def security_requirements(operation: Operation) -> list[list[str]]:
    """The operation's security requirements (its own, else the spec's), as scheme names."""
    raw = operation.definition.raw
    requirements = raw.get("security", operation.schema.raw_schema.get("security", []))
    return [list(requirement) for requirement in requirements]


def modes_for(operation: Operation, credentials: Credentials) -> list[AuthMode]:
    """The auth modes the suite has credentials for and the operation accepts."""
    requirements = security_requirements(operation)
    usable = []
    for mode in credentials.modes:
        try:
            requirement_for(mode, requirements)
        except KeyError:
            continue
        usable.append(mode)
    return usable


def header_container(case: Case) -> MutableMapping[str, Any]:
    # Negative cases may carry a non-mapping header container; credentials need a real one.
    if not isinstance(case.headers, MutableMapping):
        case.headers = CaseInsensitiveDict()
    return case.headers


def drops_credentials(case: Case) -> bool:
    """Whether `case` is a negative case that left out a credential header the spec requires.

    Schemathesis skips auth itself for a case that negates one security parameter, but not
    for one that negates `required` on the whole header set (e.g. without X-User-Id and
    X-Date): adding them back would turn it into a valid request expected to be rejected.
    """
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.HEADER):
        return False
    headers = header_container(case)
    required = {
        parameter.name.lower() for parameter in case.operation.headers if parameter.is_required
    }
    return any(name.lower() in required and name not in headers for name in AUTH_HEADERS)


def sent_mode(case: Case) -> AuthMode | None:
    """The auth mode `case` was sent with, or None when it carried no credentials of ours."""
    if isinstance(case._auth, AppSignature):
        return AuthMode.APP
    if str(header_container(case).get("Authorization", "")).startswith("Bearer "):
        return AuthMode.TOKEN
    return None


def register(credentials: Credentials, *, clock_tolerance: int = 0) -> None:
    """Register the provider with schemathesis for this run. A valid request is dated
    `clock_tolerance` seconds early: a target whose clock is behind ours by up to that much
    must not see its X-Date in the future (the window allows none)."""
    early = timedelta(seconds=clock_tolerance)

    # No caching (refresh_interval=None): each request gets its own credentials.
    @schemathesis.auth(refresh_interval=None)
    class KooDriveAuth:
        def get(self, case: Case, context: schemathesis.AuthContext) -> AuthMode | None:
            modes = modes_for(case.operation, credentials)
            if not modes or drops_credentials(case):
                return None
            # Picked from the case's own values, not from a counter, so that hypothesis gets
            # the same request (and mode) when it replays an example while shrinking.
            fingerprint = repr(
                (case.path_parameters, case.query, sorted(header_container(case).items()))
            )
            return modes[zlib.crc32(fingerprint.encode()) % len(modes)]

        def set(self, case: Case, data: AuthMode, context: schemathesis.AuthContext) -> None:
            headers = header_container(case)
            for name in AUTH_HEADERS:
                headers.pop(name, None)
            requirement = requirement_for(data, security_requirements(case.operation))
            if data is AuthMode.APP:
                case._auth = AppSignature(credentials, requirement, early)
                return
            headers.update(auth_headers(credentials, requirement, moment=datetime.now(UTC) - early))
