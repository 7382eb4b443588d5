"""The credentials the suite authenticates with, read from the environment.

Secrets (the token and the app secret) never appear in `repr` or in error messages: the
object may end up in a schemathesis hook error or a CI log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

USER_ID = "KOODRIVE_USER_ID"
TOKEN = "KOODRIVE_TOKEN"
APP_ID = "KOODRIVE_APP_ID"
APP_SECRET = "KOODRIVE_APP_SECRET"
AUTH_MODES = "KOODRIVE_CONTRACT_AUTH"

_USER_ID = re.compile("[0-9]{1,32}")


class CredentialsError(ValueError):
    """The environment does not hold usable credentials; the message says which variable."""


class AuthMode(StrEnum):
    """The two ways the spec lets a request authenticate."""

    APP = "app"  # HMAC-SHA256 app signature with X-User-Id and X-Date
    TOKEN = "token"


@dataclass(frozen=True)
class Credentials:
    user_id: str
    token: str | None = field(default=None, repr=False)
    app_id: str | None = None
    app_secret: str | None = field(default=None, repr=False)
    modes: tuple[AuthMode, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Credentials:
        """Credentials from `KOODRIVE_*` variables.

        `KOODRIVE_USER_ID` is required, with `KOODRIVE_TOKEN` and/or `KOODRIVE_APP_ID` +
        `KOODRIVE_APP_SECRET`. The suite uses every mode it has credentials for, unless
        `KOODRIVE_CONTRACT_AUTH` (`app`, `token` or `app,token`) narrows it down.
        """
        user_id = env.get(USER_ID, "").strip()
        if not _USER_ID.fullmatch(user_id):
            raise CredentialsError(
                f"{USER_ID} must be the KooDrive user ID to act for, 1 to 32 digits"
                + (" (it is not set)" if not user_id else "")
            )
        token = env.get(TOKEN, "").strip() or None
        app_id = env.get(APP_ID, "").strip() or None
        app_secret = env.get(APP_SECRET, "").strip() or None
        if (app_id is None) != (app_secret is None):
            missing = APP_SECRET if app_secret is None else APP_ID
            raise CredentialsError(f"{APP_ID} and {APP_SECRET} go together: {missing} is not set")
        available = [mode for mode, ok in ((AuthMode.APP, app_id), (AuthMode.TOKEN, token)) if ok]
        if not available:
            raise CredentialsError(
                f"no credentials: set {TOKEN}, or {APP_ID} and {APP_SECRET} (or all three)"
            )
        wanted = _parse_modes(env.get(AUTH_MODES, ""))
        modes = tuple(mode for mode in available if wanted is None or mode in wanted)
        if not modes:
            names = ", ".join(sorted(wanted or ()))
            raise CredentialsError(f"{AUTH_MODES}={names} but there are no credentials for it")
        return cls(user_id, token, app_id, app_secret, modes)

    def as_env(self) -> dict[str, str]:
        """The variables `from_env` reads back: how the runner hands credentials to schemathesis."""
        env = {USER_ID: self.user_id, AUTH_MODES: ",".join(self.modes)}
        if self.token is not None:
            env[TOKEN] = self.token
        if self.app_id is not None and self.app_secret is not None:
            env[APP_ID] = self.app_id
            env[APP_SECRET] = self.app_secret
        return env


def another_user(user_id: str) -> str:
    """A user ID of the same length that is not `user_id` (a made-up second user)."""
    return ("1" if user_id[0] == "9" else "9") + user_id[1:]


def _parse_modes(value: str) -> frozenset[AuthMode] | None:
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    if not names:
        return None
    allowed = {mode.value for mode in AuthMode}
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise CredentialsError(
            f"{AUTH_MODES} lists {', '.join(unknown)}; allowed: app, token (comma-separated)"
        )
    return frozenset(AuthMode(name) for name in names)
