"""Authentication, checked for real: access tokens (with their sliding lifetime), and the
HMAC app signature recomputed with `koodrive.signing` (the SDK's own implementation) and
compared in constant time.

Messages say what is wrong and never echo a token, a signature or a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from koodrive import signing
from koodrive_spec.behaviour import Validity, validity
from koodrive_spec.reader import Spec

from koodrive_emulator.credentials import Credentials, TokenRejectedError, span_in_words

# The spec's window for X-Date (`x-koodrive-validity` of the requestDate scheme): how long
# before the server's clock a request may be dated, and how far after.
# An app serving another spec passes that spec's window instead.
SHIPPED_WINDOW = validity(Spec.packaged().document, "requestDate")
# Headers that say who is asking, when, and of which host. Sent twice, a reader of the
# first copy and a reader of the last would judge different requests (a fresh X-Date in
# front of an expired signature, another user's X-User-Id in front of a signed one).
SINGLE_VALUED = {
    "authorization": "Authorization",
    "x-date": "X-Date",
    "x-user-id": "X-User-Id",
    "host": "Host",
}
_USER_ID = re.compile(r"[0-9]{1,32}")
_BEARER = re.compile(r"bearer[ +]", re.IGNORECASE)
_EXPECTED_FORMS = (
    "Authorization must be 'Bearer <access token>' or "
    "'HMAC-SHA256 AppId=<appId>,SignedHeaders=<names>,Signature=<hex>'"
)


@dataclass(frozen=True)
class AuthFlaws:
    """Ways to authenticate wrongly on purpose (the emulator's faults)."""

    future_skew: timedelta = timedelta(0)  # an X-Date this far ahead of the clock is accepted
    token_acts_for_any_user: bool = False  # a token acts for whichever user X-User-Id names
    # A token is accepted without X-User-Id and X-Date where the operation requires them
    # (an X-User-Id sent is still held to the token's user).
    token_user_headers_optional: bool = False


NO_AUTH_FLAWS = AuthFlaws()


class AuthError(Exception):
    """Authentication failed; `str(error)` is safe to send to the client."""

    def __init__(self, reason: str, *, app_mode: bool = False) -> None:
        super().__init__(reason)
        self.app_mode = app_mode


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, and how it proved it."""

    user_id: str
    mode: Literal["token", "app"]
    app_id: str | None = None


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request the signature covers.

    `headers` holds one value per name; `repeated` names every header sent more than once,
    so that no check can read another copy than the one the signature covers.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    repeated: frozenset[str] = frozenset()
    signed_copies: Mapping[str, str] | None = None  # None: `headers`

    @classmethod
    def from_raw(
        cls,
        *,
        method: str,
        path: str,
        query: str,
        raw_headers: Iterable[tuple[bytes, bytes]],
        body: bytes,
        split_copies: bool = False,
    ) -> SignedRequest:
        """From the header lines as received (ASGI's lower-cased latin-1 pairs).

        `split_copies` plays a flawed server (the split-header-copies fault): repeats go
        unnoticed, checks read the first copy and the signature is verified over the last.
        """
        lines = [
            (name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw_headers
        ]
        headers: dict[str, str] = {}
        repeated = set()
        for name, value in lines:
            if name in headers:
                repeated.add(name)
            else:
                headers[name] = value
        if split_copies:
            return cls(method, path, query, headers, body, frozenset(), dict(lines))
        return cls(method, path, query, headers, body, frozenset(repeated))


def authenticate(
    request: SignedRequest,
    credentials: Credentials,
    *,
    now: datetime,
    user_headers_required: bool,
    flaws: AuthFlaws | None = None,
    window: Validity = SHIPPED_WINDOW,
) -> Principal:
    """The principal of `request`, or AuthError. `window`: how far X-Date may lie from `now`.

    `user_headers_required` is true for operations that need X-User-Id and X-Date in token
    mode too (list-bound-devices); app mode always needs them. `flaws` play a flawed server.
    """
    flaws = flaws or NO_AUTH_FLAWS
    for name, shown in SINGLE_VALUED.items():
        if name in request.repeated:
            raise AuthError(f"the {shown} header is sent more than once; send it once")
    authorization = request.headers.get("authorization", "").strip()
    if not authorization:
        raise AuthError("Authorization header is missing")
    if _BEARER.match(authorization):
        return _token_principal(
            authorization[7:].strip(),
            request,
            credentials,
            now=now,
            user_headers_required=user_headers_required,
            flaws=flaws,
            window=window,
        )
    if authorization.startswith(signing.ALGORITHM):
        return _app_principal(
            authorization, request, credentials, now=now, flaws=flaws, window=window
        )
    raise AuthError(_EXPECTED_FORMS)


def _token_principal(
    token: str,
    request: SignedRequest,
    credentials: Credentials,
    *,
    now: datetime,
    user_headers_required: bool,
    flaws: AuthFlaws,
    window: Validity,
) -> Principal:
    if not token:
        raise AuthError("the access token after 'Bearer' is empty")
    try:
        # Accepting the token extends its lifetime: "extended by each call".
        user_id = credentials.accept_token(token, now=now)
    except TokenRejectedError as error:
        raise AuthError(str(error)) from None
    if flaws.token_user_headers_optional:
        user_headers_required = False
    # A token acts for its own user only: an X-User-Id naming another is refused even where
    # the operation does not require the header.
    if user_headers_required or "x-user-id" in request.headers:
        header_user = (
            user_and_date(request.headers, now=now, flaws=flaws, window=window)
            if user_headers_required
            else request.headers["x-user-id"].strip()
        )
        if flaws.token_acts_for_any_user:
            return Principal(header_user, "token")
        if header_user != user_id:
            raise AuthError("X-User-Id is not the user the access token was issued to")
    return Principal(user_id, "token")


def _app_principal(
    authorization: str,
    request: SignedRequest,
    credentials: Credentials,
    *,
    now: datetime,
    flaws: AuthFlaws,
    window: Validity,
) -> Principal:
    try:
        return _verified_app_principal(
            authorization, request, credentials, now=now, flaws=flaws, window=window
        )
    except AuthError as error:
        raise AuthError(str(error), app_mode=True) from None


def _verified_app_principal(
    authorization: str,
    request: SignedRequest,
    credentials: Credentials,
    *,
    now: datetime,
    flaws: AuthFlaws,
    window: Validity,
) -> Principal:
    try:
        parsed = signing.AppAuthorization.parse(authorization)
    except ValueError as error:
        raise AuthError(str(error)) from None
    missing = [h for h in signing.REQUIRED_SIGNED_HEADERS if h not in parsed.signed_headers]
    if missing:
        raise AuthError(
            "SignedHeaders must include host, x-date and x-user-id; missing: " + ", ".join(missing)
        )
    repeated = sorted(h for h in parsed.signed_headers if h in request.repeated)
    if repeated:
        raise AuthError(
            "a signed header is sent more than once (" + ", ".join(repeated) + "); send it once"
        )
    app = credentials.app(parsed.app_id)
    if app is None:
        raise AuthError("unknown AppId")
    user_id = user_and_date(request.headers, now=now, flaws=flaws, window=window)
    if not app.may_act_for(user_id):
        raise AuthError("the app may not act for this X-User-Id")
    try:
        valid = signing.verify(
            parsed,
            app_secret=app.secret,
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers if request.signed_copies is None else request.signed_copies,
            payload=request.body,
        )
    except ValueError as error:  # a signed header absent from the request
        raise AuthError(f"signature covers a header the request lacks: {error}") from None
    if not valid:
        raise AuthError("signature mismatch")
    return Principal(user_id, "app", parsed.app_id)


def user_and_date(
    headers: Mapping[str, str],
    *,
    now: datetime,
    flaws: AuthFlaws | None = None,
    window: Validity = SHIPPED_WINDOW,
) -> str:
    """Check X-User-Id and X-Date; return the user id."""
    user_id = headers.get("x-user-id")
    if user_id is None:
        raise AuthError("X-User-Id header is missing")
    if not _USER_ID.fullmatch(user_id):
        raise AuthError("X-User-Id must be a string of 1 to 32 digits")
    ahead = (flaws or NO_AUTH_FLAWS).future_skew
    check_x_date(headers.get("x-date"), now=now, ahead=ahead, window=window)
    return user_id


def check_x_date(
    value: str | None,
    *,
    now: datetime,
    ahead: timedelta = timedelta(0),
    window: Validity = SHIPPED_WINDOW,
) -> None:
    """X-Date must lie in the spec's window around `now` (the 15 minutes up to it, both ends
    included, and no later); `ahead` widens it for a fault."""
    before = timedelta(seconds=window.seconds_before)
    after = timedelta(seconds=window.seconds_after)
    if value is None:
        raise AuthError("X-Date header is missing")
    try:
        moment = _moment_of(value)
    except ValueError:
        raise AuthError(
            "X-Date must be a UTC time as yyyyMMdd'T'HHmmss'Z', e.g. 20251103T070140Z"
        ) from None
    if moment > now + after + ahead:
        raise AuthError("X-Date is later than the server clock")
    if moment < now - before:
        raise AuthError(
            f"X-Date is more than {span_in_words(before)} before the server clock (expired)"
        )


# The X-Date last read and its moment: clients send the same value for a whole second, and
# reading it was a twentieth of a signed request's cost. One pair, replaced whole.
_last_x_date: tuple[str, datetime] = ("", datetime.min)


def _moment_of(value: str) -> datetime:
    global _last_x_date
    last_value, moment = _last_x_date
    if value != last_value:
        moment = signing.parse_x_date(value)
        _last_x_date = (value, moment)
    return moment
