"""Client settings from arguments or the environment, checked once at construction.

Each setting is the argument when given, else its environment variable. Every problem is
a `ConfigurationError` that names the variable (and argument) to fix; values of secrets
are never quoted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from .errors import ConfigurationError

BASE_URL = "KOODRIVE_BASE_URL"
TOKEN = "KOODRIVE_TOKEN"  # noqa: S105 (a variable name, not a secret)
APP_ID = "KOODRIVE_APP_ID"
APP_SECRET = "KOODRIVE_APP_SECRET"  # noqa: S105 (a variable name)
USER_ID = "KOODRIVE_USER_ID"

TokenStyle = Literal["bearer", "bearer+"]

_USER_ID = re.compile(r"[0-9]{1,32}")  # components/schemas/UserId
_PRINTABLE = re.compile(r"[\x21-\x7e]+")  # a header value without spaces or controls
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?")  # components/parameters/Language


@dataclass(frozen=True, repr=False)
class TokenCredentials:
    token: str
    style: TokenStyle = "bearer"

    def __repr__(self) -> str:
        return f"TokenCredentials(token='***', style={self.style!r})"


@dataclass(frozen=True, repr=False)
class AppCredentials:
    app_id: str
    app_secret: str

    def __repr__(self) -> str:
        return f"AppCredentials(app_id={self.app_id!r}, app_secret='***')"


@dataclass(frozen=True)
class Settings:
    """Where to send calls, as whom, and how to prove it."""

    base_url: str
    credentials: TokenCredentials | AppCredentials
    user_id: str | None
    language: str | None = None

    @classmethod
    def resolve(
        cls,
        *,
        base_url: str | None,
        token: str | None,
        app_id: str | None,
        app_secret: str | None,
        user_id: str | None,
        token_style: TokenStyle,
        language: str | None,
        environ: Mapping[str, str] | None,
    ) -> Settings:
        """Arguments first, then `environ` (None: `os.environ`); empty counts as unset.

        Every argument is required: the defaults are the clients' to declare, once.
        """
        env = os.environ if environ is None else environ
        values = _Values(env)
        url = values.pick(base_url, "base_url", BASE_URL)
        if url is None:
            raise ConfigurationError(
                f"no base URL: pass base_url= or set {BASE_URL} "
                "(for example https://intl.myhuaweicloud-koodrive.com or http://127.0.0.1:8750)"
            )
        uid = values.pick(user_id, "user_id", USER_ID)
        if uid is not None and not _USER_ID.fullmatch(uid):
            raise ConfigurationError(
                f"{values.origin(USER_ID)} must be a KooDrive user id: 1 to 32 digits"
            )
        if language is not None and not _LANGUAGE.fullmatch(language):
            raise ConfigurationError("language must be a language code such as en-US or zh-CN")
        return cls(
            base_url=_checked_base_url(url, values.origin(BASE_URL)),
            credentials=_credentials(values, token, app_id, app_secret, uid, token_style),
            user_id=uid,
            language=language,
        )


class _Values:
    """Picks each setting from its argument or its variable, remembering which it was."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._origins: dict[str, str] = {}

    def pick(self, argument: str | None, argument_name: str, variable: str) -> str | None:
        if argument is not None and argument != "":
            self._origins[variable] = f"argument {argument_name}"
            return argument
        value = self._environ.get(variable, "")
        self._origins[variable] = variable
        return value or None

    def origin(self, variable: str) -> str:
        """`KOODRIVE_X` or `argument x`: where the value came from, for error messages."""
        return self._origins.get(variable, variable)


def _checked_base_url(url: str, origin: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{origin} must be an http:// or https:// URL with a host, "
            "for example https://intl.myhuaweicloud-koodrive.com"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{origin} must not have a query or fragment")
    return url.rstrip("/")


def _credentials(
    values: _Values,
    token: str | None,
    app_id: str | None,
    app_secret: str | None,
    user_id: str | None,
    token_style: TokenStyle,
) -> TokenCredentials | AppCredentials:
    tok = values.pick(token, "token", TOKEN)
    aid = values.pick(app_id, "app_id", APP_ID)
    secret = values.pick(app_secret, "app_secret", APP_SECRET)
    if tok is not None and (aid is not None or secret is not None):
        app_origin = values.origin(APP_ID if aid is not None else APP_SECRET)
        raise ConfigurationError(
            f"contradictory credentials: both a token ({values.origin(TOKEN)}) and app "
            f"credentials ({app_origin}) are set; use one authentication mode"
        )
    if tok is not None:
        _check_header_safe(tok, values.origin(TOKEN))
        if token_style not in ("bearer", "bearer+"):
            raise ConfigurationError("token_style must be 'bearer' or 'bearer+'")
        return TokenCredentials(tok, token_style)
    if aid is None and secret is None:
        raise ConfigurationError(
            f"no credentials: set {TOKEN} (token mode), or {APP_ID}, {APP_SECRET} and "
            f"{USER_ID} (app signature mode); or pass token= / app_id=, app_secret=, user_id="
        )
    if aid is None:
        raise ConfigurationError(
            f"{values.origin(APP_SECRET)} is set but {APP_ID} (or app_id=) is missing"
        )
    if secret is None:
        raise ConfigurationError(
            f"{values.origin(APP_ID)} is set but {APP_SECRET} (or app_secret=) is missing"
        )
    if user_id is None:
        raise ConfigurationError(
            f"app signature mode needs a user: set {USER_ID} (or pass user_id=)"
        )
    _check_header_safe(aid, values.origin(APP_ID))
    if not secret.strip():
        raise ConfigurationError(f"{values.origin(APP_SECRET)} must not be blank")
    return AppCredentials(aid, secret)


def _check_header_safe(value: str, origin: str) -> None:
    # Never quote the value: it may be a secret.
    if not _PRINTABLE.fullmatch(value):
        raise ConfigurationError(
            f"{origin} must be printable ASCII without spaces (check for a stray newline)"
        )
