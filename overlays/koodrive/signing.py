"""The KooDrive HMAC-SHA256 app signature, as pure functions.

One implementation serves both sides: the SDK's auth flow signs with it and the emulator
verifies with it, so the two can never drift apart. Its correctness is pinned by known
vectors computed independently of this module (see tests/sdk/test_signing_vectors.py).

    CanonicalRequest = Method "\\n" CanonicalURI "\\n" CanonicalQueryString "\\n"
                       CanonicalHeaders "\\n" SignedHeaders "\\n" HexSHA256(payload)
    StringToSign     = "HMAC-SHA256" "\\n" HexSHA256(CanonicalRequest)
    Signature        = Hex(HMAC-SHA256(key = AppSecret, message = StringToSign))
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "HMAC-SHA256"
X_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
REQUIRED_SIGNED_HEADERS = ("host", "x-date", "x-user-id")
_UNRESERVED = "-_.~"  # with A-Z a-z 0-9, left alone by RFC 3986 encoding
_ALL_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]*")
# A query whose names and values are all unreserved characters (the common case): each
# part a name, then an `=` and a value or nothing.
_PLAIN_PART = r"[A-Za-z0-9\-_.~]*(?:=[A-Za-z0-9\-_.~]*)?"
_PLAIN_QUERY = re.compile(rf"{_PLAIN_PART}(?:&{_PLAIN_PART})*")
_X_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_EMPTY_PAYLOAD = hashlib.sha256(b"").hexdigest()  # what a GET signs: computed once
_AUTHORIZATION = re.compile(
    r"^HMAC-SHA256 AppId=(?P<app_id>[^,\s]+),SignedHeaders=(?P<signed>[a-z0-9;-]+),"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


def encode(text: str) -> str:
    """RFC 3986 encoding: unreserved characters kept, every other UTF-8 byte as %XY."""
    # Most names and values need no encoding; matching is several times cheaper than quote.
    if _ALL_UNRESERVED.fullmatch(text):
        return text
    return quote(text, safe=_UNRESERVED)


def format_x_date(moment: datetime) -> str:
    """`X-Date` for `moment`: UTC, yyyyMMdd'T'HHmmss'Z' (X_DATE_FORMAT)."""
    if moment.tzinfo is None:
        raise ValueError("X-Date needs an aware datetime; got a naive one")
    utc = moment.astimezone(UTC)
    # strftime(X_DATE_FORMAT), at a third of its cost (%-formatting: faster still than an
    # f-string's six format specs): every signed call makes one.
    return "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
    )


def parse_x_date(value: str) -> datetime:
    """The UTC moment an `X-Date` value names; ValueError when it is malformed."""
    if not _X_DATE.fullmatch(value):
        raise ValueError("X-Date must look like 20251103T070140Z (yyyyMMdd'T'HHmmss'Z', UTC)")
    # What strptime(X_DATE_FORMAT) reads, a tenth of its cost: datetime checks the ranges.
    return datetime(
        int(value[0:4]),
        int(value[4:6]),
        int(value[6:8]),
        int(value[9:11]),
        int(value[11:13]),
        int(value[13:15]),
        tzinfo=UTC,
    )


@lru_cache(maxsize=256)  # a client calls few paths, each many times
def canonical_uri(path: str) -> str:
    """The normalised absolute path, each segment encoded, ending in '/'."""
    segments = [unquote(segment) for segment in path.split("/")]
    normalised = posixpath.normpath("/" + "/".join(segments).lstrip("/"))
    if path.endswith("/") and not normalised.endswith("/"):
        normalised += "/"
    uri = "/".join(encode(segment) for segment in normalised.split("/"))
    return uri if uri.endswith("/") else uri + "/"


def query_pairs(query: str) -> list[tuple[str, str]]:
    """The name-value pairs of a raw query string, decoded, blank values kept: what
    `parse_qsl(query, keep_blank_values=True)` returns."""
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    # Nothing to decode (the common case): the same pairs without parse_qsl's cost.
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def canonical_query(query: str) -> str:
    """Parameters of a raw query string, encoded and sorted in character-code order."""
    pairs = query_pairs(query)
    if _PLAIN_QUERY.fullmatch(query):  # nothing to decode or encode: one check, not each
        return "&".join(f"{name}={value}" for name, value in sorted(pairs))
    return "&".join(
        f"{name}={value}" for name, value in sorted((encode(n), encode(v)) for n, v in pairs)
    )


def canonical_headers(headers: Mapping[str, str], signed: Iterable[str]) -> str:
    """`lowercase(name):trim(value)\\n` for each signed header, in the given order."""
    lowered: Mapping[str, str] | None = None  # made only for a name not found as it is
    lines = []
    for name in signed:
        value = headers.get(name)
        if value is None:
            if lowered is None:
                lowered = {name.lower(): value for name, value in headers.items()}
            value = lowered.get(name)
            if value is None:
                raise ValueError(f"signed header {name!r} is not in the request")
        lines.append(f"{name}:{value.strip()}\n")
    return "".join(lines)


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    payload: bytes = b"",
) -> str:
    signed = sorted(name.lower() for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            _EMPTY_PAYLOAD if not payload else hashlib.sha256(payload).hexdigest(),
        ]
    )


def string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def signature(app_secret: str, canonical: str) -> str:
    # One-shot, nothing cached: no copy of the secret outlives the call.
    return hmac.digest(app_secret.encode(), string_to_sign(canonical).encode(), "sha256").hex()


@dataclass(frozen=True)
class AppAuthorization:
    """The parts of an `Authorization: HMAC-SHA256 ...` header."""

    app_id: str
    signed_headers: tuple[str, ...]
    signature: str

    def header_value(self) -> str:
        return (
            f"{ALGORITHM} AppId={self.app_id},SignedHeaders={';'.join(self.signed_headers)},"
            f"Signature={self.signature}"
        )

    @classmethod
    def parse(cls, value: str) -> AppAuthorization:
        """Parse the header; ValueError, saying what is expected, when it is malformed."""
        match = _AUTHORIZATION.fullmatch(value.strip())
        if match is None:
            raise ValueError(
                "Authorization must be 'HMAC-SHA256 AppId=<appId>,SignedHeaders=<a;b;c>,"
                "Signature=<64 lower-case hex digits>'"
            )
        return cls(
            app_id=match["app_id"],
            signed_headers=tuple(match["signed"].split(";")),
            signature=match["signature"],
        )


def sign(
    *,
    app_id: str,
    app_secret: str,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload: bytes = b"",
    signed_headers: Iterable[str] = REQUIRED_SIGNED_HEADERS,
) -> AppAuthorization:
    """Sign a request whose headers already hold `host`, `x-date` and `x-user-id`."""
    names = tuple(sorted(name.lower() for name in signed_headers))
    canonical = canonical_request(method, path, query, headers, names, payload)
    return AppAuthorization(app_id, names, signature(app_secret, canonical))


_REQUIRED_NAMES = tuple(sorted(REQUIRED_SIGNED_HEADERS))
_REQUIRED_LIST = ";".join(_REQUIRED_NAMES)


def required_authorization(
    *,
    app_id: str,
    app_secret: str,
    method: str,
    path: str,
    query: str,
    host: str,
    x_date: str,
    user_id: str,
    payload: bytes = b"",
) -> str:
    """`sign(...).header_value()` for the required signed headers (what the SDK's auth flow
    signs), from their values: the same canonical request, without the general case's
    sorting and header lookups on every call."""
    canonical = "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query(query) if query else "",
            f"host:{host.strip()}\nx-date:{x_date.strip()}\nx-user-id:{user_id.strip()}\n",
            _REQUIRED_LIST,
            _EMPTY_PAYLOAD if not payload else hashlib.sha256(payload).hexdigest(),
        )
    )
    # signature(app_secret, canonical), written out: every signed call makes one.
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signed = hmac.digest(app_secret.encode(), to_sign.encode(), "sha256").hex()
    return f"{ALGORITHM} AppId={app_id},SignedHeaders={_REQUIRED_LIST},Signature={signed}"


def verify(
    authorization: AppAuthorization,
    *,
    app_secret: str,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload: bytes = b"",
) -> bool:
    """Recompute the signature and compare in constant time."""
    canonical = canonical_request(
        method, path, query, headers, authorization.signed_headers, payload
    )
    return hmac.compare_digest(signature(app_secret, canonical), authorization.signature)


REDACTED = "[redacted]"
_APP_ID_PART = re.compile(r"AppId=([^,\s]+)")
_SIGNED_PART = re.compile(r"SignedHeaders=([A-Za-z0-9;-]+)")
# Schemes whose name is kept; the value of any other could be a bare token.
_KEPT_SCHEMES = ("bearer", "basic")
# Headers whose whole value is a credential, and words that mark a header as one.
SECRET_HEADERS = frozenset({"proxy-authorization", "cookie", "set-cookie"})
_SECRET_NAME = re.compile(r"token|secret|signature|password|session|api-?key|credential", re.I)


def redacted_authorization(value: str) -> str:
    """An `Authorization` value fit for a log, a journal or a capture: the scheme stays (of
    an app signature, its AppId and SignedHeaders too, rebuilt from those parts alone); the
    token or signature is masked. A value of any other scheme is masked whole."""
    stripped = value.strip()
    scheme, _, rest = stripped.partition(" ")
    if scheme.upper() == ALGORITHM:
        app_id, signed = _APP_ID_PART.search(rest), _SIGNED_PART.search(rest)
        parts = [f"AppId={app_id.group(1)}"] if app_id else []
        parts += [f"SignedHeaders={signed.group(1)}"] if signed else []
        return f"{ALGORITHM} {','.join([*parts, f'Signature={REDACTED}'])}"
    if scheme.lower().startswith("bearer+"):
        return f"Bearer+{REDACTED}"  # the vendor's form: the token follows the '+'
    if scheme.lower() in _KEPT_SCHEMES and rest:
        return f"{scheme} {REDACTED}"
    return REDACTED


def redacted_header(name: str, value: str, secrets: Collection[str] = ()) -> str:
    """A header's value fit for a log, a journal or a capture: `Authorization` by
    `redacted_authorization`; a cookie, a proxy's credentials, any header whose name says
    it holds a secret (`X-Api-Key`, `X-Auth-Token`, ...) and any value that is one of the
    known `secrets` whole masked whole; the rest as it is."""
    lower = name.lower()
    if value.strip() in secrets:
        return REDACTED
    if lower == "authorization":
        return redacted_authorization(value)
    if lower in SECRET_HEADERS or _SECRET_NAME.search(lower):
        return REDACTED
    return value
