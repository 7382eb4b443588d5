"""Which access tokens and apps the emulator accepts, and for which users.

Tokens have the vendor's sliding lifetime: "valid 20 minutes, extended by each call". Each
token remembers when it was last accepted (at first, when it was added); one left unused
for longer than `token_ttl` is refused as expired. Times come from an injectable Clock.

Secrets never appear in `repr`: a Credentials object may end up in a log or a test report.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from koodrive_emulator.clock import Clock

_USER_ID = re.compile("[0-9]{1,32}")

# The vendor's: "A token is valid 20 minutes, extended by each call."
DEFAULT_TOKEN_TTL = timedelta(minutes=20)

DEV_USER_ID = "1395476983395324033"
DEV_TOKEN = "koodrive-dev-token"  # noqa: S105 - the documented, public development token
DEV_APP_ID = "koodrive-dev-app"
DEV_APP_SECRET = "koodrive-dev-secret"  # noqa: S105 - the documented, public development secret


class TokenRejectedError(Exception):
    """A token was refused; `str(error)` never contains the token and is safe to send."""


class UnknownTokenError(TokenRejectedError):
    def __init__(self) -> None:
        super().__init__("the access token is not valid")


class ExpiredTokenError(TokenRejectedError):
    def __init__(self, ttl: timedelta) -> None:
        super().__init__(
            f"the access token has expired (unused for more than {span_in_words(ttl)})"
        )
        self.ttl = ttl


def span_in_words(ttl: timedelta) -> str:
    """`ttl` as a message tells it: "20 minutes", "1.5 seconds"."""
    seconds = ttl.total_seconds()
    if seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def token_ttl_from(value: timedelta | float | None) -> timedelta | None:
    """A lifetime from seconds or a timedelta; `None` (never expires) for None or 0."""
    if isinstance(value, bool) or not isinstance(value, timedelta | int | float | None):
        raise ValueError("token_ttl must be seconds or a timedelta, 0 or more (0: never expires)")
    try:
        ttl = timedelta(seconds=value) if isinstance(value, int | float) else value
    except (ValueError, OverflowError):  # NaN, infinity, more days than timedelta holds
        raise ValueError("token_ttl must be a finite number of seconds, 0 or more") from None
    if ttl is not None and ttl < timedelta(0):
        raise ValueError("token_ttl must be 0 or more seconds (0 or None: never expires)")
    return ttl or None


@dataclass(slots=True)
class _Token:
    user_id: str
    last_accepted: datetime  # when it was added, then each time a call was accepted


@dataclass(frozen=True)
class App:
    """An app allowed to sign requests; `users=None` lets it act for any user."""

    app_id: str
    secret: str = field(repr=False)
    users: frozenset[str] | None = None

    def may_act_for(self, user_id: str) -> bool:
        return self.users is None or user_id in self.users


class Credentials:
    """The accepted tokens (each acting for one user) and apps.

    The first token and app are the "primary" ones, exposed as `token`, `user_id`, `app_id`
    and `app_secret` so tests and the CLI banner can use them without digging.

    `token_ttl` (seconds or a timedelta; 0 or None: never) is how long a token may stay
    unused. `clock` dates the tokens added; give it the emulator's Clock, as
    `running_emulator` and the pytest fixture do, so that freezing and advancing that clock
    ages the tokens too.
    """

    def __init__(
        self,
        *,
        user_id: str = DEV_USER_ID,
        token: str = DEV_TOKEN,
        app_id: str = DEV_APP_ID,
        app_secret: str = DEV_APP_SECRET,
        token_ttl: timedelta | float | None = DEFAULT_TOKEN_TTL,
        clock: Clock | None = None,
    ) -> None:
        for name, value in (
            ("user_id", user_id),
            ("token", token),
            ("app_id", app_id),
            ("app_secret", app_secret),
        ):
            if not value or any(ch.isspace() for ch in value):
                raise ValueError(f"{name} must be a non-empty string without whitespace")
        if not _USER_ID.fullmatch(user_id):
            raise ValueError("user_id must be a string of 1 to 32 digits")
        self._lock = threading.Lock()
        self.token_ttl = token_ttl
        self.clock = clock if clock is not None else Clock()
        self.user_id = user_id
        self.token = token
        self.app_id = app_id
        self.app_secret = app_secret
        self._tokens: dict[str, _Token] = {token: _Token(user_id, self.clock.now())}
        self._apps: dict[str, App] = {app_id: App(app_id, app_secret)}
        # Every token and app secret ever accepted (a revoked one too): what no record of a
        # request may hold (the request journal redacts them).
        self._secrets = {token, app_secret}

    @classmethod
    def development(
        cls, *, token_ttl: timedelta | float | None = DEFAULT_TOKEN_TTL, clock: Clock | None = None
    ) -> Credentials:
        """The documented development set: public values, never for production."""
        return cls(token_ttl=token_ttl, clock=clock)

    @property
    def token_ttl(self) -> timedelta | None:
        """How long a token may stay unused before it expires; None: never."""
        return self._token_ttl

    @token_ttl.setter
    def token_ttl(self, value: timedelta | float | None) -> None:
        self._token_ttl = token_ttl_from(value)

    @property
    def is_development(self) -> bool:
        return (self.user_id, self.token, self.app_id, self.app_secret) == (
            DEV_USER_ID,
            DEV_TOKEN,
            DEV_APP_ID,
            DEV_APP_SECRET,
        )

    def add_token(self, token: str, user_id: str) -> None:
        if not token or any(ch.isspace() for ch in token):
            raise ValueError("token must be a non-empty string without whitespace")
        if not _USER_ID.fullmatch(user_id):
            raise ValueError("user_id must be a string of 1 to 32 digits")
        with self._lock:
            self._tokens[token] = _Token(user_id, self.clock.now())
            self._secrets.add(token)

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def add_app(self, app_id: str, secret: str, users: Iterable[str] | None = None) -> App:
        app = App(app_id, secret, None if users is None else frozenset(users))
        with self._lock:
            self._apps[app_id] = app
            self._secrets.add(secret)
        return app

    def accept_token(self, token: str, *, now: datetime) -> str:
        """The user `token` acts for, extending its lifetime from `now`; UnknownTokenError
        or ExpiredTokenError (left unused for longer than `token_ttl`) otherwise."""
        with self._lock:
            found = self._find(token)
            if found is None:
                raise UnknownTokenError
            ttl = self._token_ttl
            # A clock moved back (frozen in the past) makes the idle time negative: not idle.
            if ttl is not None and now - found.last_accepted > ttl:
                raise ExpiredTokenError(ttl)
            found.last_accepted = now
            return found.user_id

    def user_for_token(self, token: str) -> str | None:
        """The user a token acts for, whatever its age; no call is recorded."""
        with self._lock:
            found = self._find(token)
            return None if found is None else found.user_id

    def renew_tokens(self) -> None:
        """Restart every token's lifetime now, as if each had just been used."""
        now = self.clock.now()
        with self._lock:
            for known in self._tokens.values():
                known.last_accepted = now

    def _find(self, token: str) -> _Token | None:
        # Every known token is compared, in constant time, so that timing tells nothing.
        found: _Token | None = None
        candidate = token.encode()
        for known_token, known in self._tokens.items():
            if hmac.compare_digest(known_token.encode(), candidate):
                found = known
        return found

    def secrets(self) -> frozenset[str]:
        """Every token and app secret these credentials accept or have accepted."""
        with self._lock:
            return frozenset(self._secrets)

    def app(self, app_id: str) -> App | None:
        with self._lock:
            return self._apps.get(app_id)

    def __repr__(self) -> str:
        with self._lock:
            tokens, apps = len(self._tokens), sorted(self._apps)
        return (
            f"Credentials(user_id={self.user_id!r}, tokens={tokens}, apps={apps!r}, "
            f"token_ttl={self._token_ttl!r})"
        )
