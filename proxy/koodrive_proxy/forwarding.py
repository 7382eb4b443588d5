"""What a request becomes on its way to the target, and a response on its way back.

An app-signed request cannot stand as the application signed it: its signature covers the
`Host` it was sent to, the proxy's. So it is signed again, by `koodrive.signing` (the SDK's
and the emulator's signer), for the target's host, with a fresh `X-Date` and the proxy's
app credentials (`KOODRIVE_APP_ID`, `KOODRIVE_APP_SECRET`), over the same method, path,
query and body (a write's payload hash is of the very bytes forwarded). A token request
goes through as it came: a bearer token names no host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from koodrive import signing
from koodrive._extras import CONNECTION_HEADERS
from koodrive.config import APP_ID, APP_SECRET, AppCredentials

# Never forwarded: what belongs to one connection, and a proxy's own credentials.
HOP_BY_HOP: Final = CONNECTION_HEADERS | {"proxy-authenticate", "proxy-authorization"}
# Recomputed for the body as it is sent on: httpx decompresses what it reads, and asks for
# only the encodings it can decompress (a client's `br` would come back undecoded).
_RECOMPUTED: Final = frozenset({"host", "content-length", "content-encoding", "accept-encoding"})
_NOT_RETURNED: Final = HOP_BY_HOP | _RECOMPUTED | {"date", "server"}


def base_url(target: str) -> str:
    """`target` as a base URL the proxy can forward to, or ValueError saying what is wrong.

    A path is refused: the proxy forwards each request's own path, which a signature covers
    whole, and does not prefix it."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL with a host, not {target!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"must have no query or fragment, not {target!r}")
    if parts.path not in ("", "/"):
        raise ValueError(f"must have no path (the API's paths start at the host), not {target!r}")
    return target.rstrip("/")


class ResignError(ValueError):
    """An app-signed request the proxy cannot sign again; `str(error)` says what to set."""


def app_credentials(environ: Mapping[str, str]) -> AppCredentials | None:
    """The proxy's app credentials from `KOODRIVE_APP_ID` and `KOODRIVE_APP_SECRET`: both or
    neither (None: app-signed requests cannot be re-signed)."""
    app_id = environ.get(APP_ID, "").strip()
    secret = environ.get(APP_SECRET, "")
    if not app_id and not secret:
        return None
    if not app_id or not secret.strip():
        missing = APP_SECRET if app_id else APP_ID
        raise ResignError(f"{missing} is missing: the proxy re-signs with both or neither")
    return AppCredentials(app_id, secret)


def forwarded_headers(
    headers: Iterable[tuple[str, str]],
    *,
    method: str,
    path: str,
    query: str,
    target_host: str,
    credentials: AppCredentials | None,
    now: datetime,
    body: bytes = b"",
    redate: bool = False,
) -> list[tuple[str, str]]:
    """The headers to send the target: the application's, less those of its connection,
    with the target's `Host` and, for an app-signed request, a new signature. `redate`: a
    token request's `X-Date` is made `now` too (a replay's, recorded long ago)."""
    kept = [
        (name, value)
        for name, value in headers
        if name.lower() not in HOP_BY_HOP and name.lower() not in _RECOMPUTED
    ]
    authorization = next((v for n, v in kept if n.lower() == "authorization"), "")
    if not authorization.startswith(signing.ALGORITHM + " "):
        if redate and any(n.lower() == "x-date" for n, _ in kept):
            kept = [(n, v) for n, v in kept if n.lower() != "x-date"]
            kept.append(("X-Date", signing.format_x_date(now)))
        return [("Host", target_host), *kept]
    if credentials is None:
        raise ResignError(
            "an app-signed request must be signed again for the target's host, and the proxy "
            f"has no app credentials: set {APP_ID} and {APP_SECRET}"
        )
    user_id = next((v for n, v in kept if n.lower() == "x-user-id"), None)
    if user_id is None:
        raise ResignError("an app-signed request needs X-User-Id, which this one lacks")
    signed = {"host": target_host, "x-date": signing.format_x_date(now), "x-user-id": user_id}
    authorization = signing.sign(
        app_id=credentials.app_id,
        app_secret=credentials.app_secret,
        method=method,
        path=path,
        query=query,
        headers=signed,
        payload=body,
    ).header_value()
    replaced = {"authorization", "x-date", "x-user-id"}
    rest = [(n, v) for n, v in kept if n.lower() not in replaced]
    return [
        ("Host", target_host),
        *rest,
        ("X-User-Id", user_id),
        ("X-Date", signed["x-date"]),
        ("Authorization", authorization),
    ]


def returned_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The target's response headers, as bytes, as the proxy passes them on: those of the
    target's connection and those recomputed for the body left out."""
    return [
        (name, value)
        for name, value in headers
        if name.decode("latin-1").lower() not in _NOT_RETURNED
    ]
