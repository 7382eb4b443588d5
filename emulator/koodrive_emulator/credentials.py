"""Which access tokens and apps the emulator accepts, and for which users.

Secrets never appear in `repr`: a Credentials object may end up in a log or a test report.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

_USER_ID = re.compile("[0-9]{1,32}")

DEV_USER_ID = "1395476983395324033"
DEV_TOKEN = "koodrive-dev-token"  # noqa: S105 - the documented, public development token
DEV_APP_ID = "koodrive-dev-app"
DEV_APP_SECRET = "koodrive-dev-secret"  # noqa: S105 - the documented, public development secret


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
    """

    def __init__(
        self,
        *,
        user_id: str = DEV_USER_ID,
        token: str = DEV_TOKEN,
        app_id: str = DEV_APP_ID,
        app_secret: str = DEV_APP_SECRET,
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
        self.user_id = user_id
        self.token = token
        self.app_id = app_id
        self.app_secret = app_secret
        self._tokens: dict[str, str] = {token: user_id}
        self._apps: dict[str, App] = {app_id: App(app_id, app_secret)}

    @classmethod
    def development(cls) -> Credentials:
        """The documented development set: public values, never for production."""
        return cls()

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
            self._tokens[token] = user_id

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def add_app(self, app_id: str, secret: str, users: Iterable[str] | None = None) -> App:
        app = App(app_id, secret, None if users is None else frozenset(users))
        with self._lock:
            self._apps[app_id] = app
        return app

    def user_for_token(self, token: str) -> str | None:
        """The user a token acts for; every known token is compared in constant time."""
        with self._lock:
            known = list(self._tokens.items())
        found: str | None = None
        candidate = token.encode()
        for known_token, user_id in known:
            if hmac.compare_digest(known_token.encode(), candidate):
                found = user_id
        return found

    def app(self, app_id: str) -> App | None:
        with self._lock:
            return self._apps.get(app_id)

    def __repr__(self) -> str:
        with self._lock:
            tokens, apps = len(self._tokens), sorted(self._apps)
        return f"Credentials(user_id={self.user_id!r}, tokens={tokens}, apps={apps!r})"
