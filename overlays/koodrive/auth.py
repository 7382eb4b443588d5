"""Authentication as httpx.Auth flows: they see the request exactly as it is sent.

httpx runs the flow once per request, so every attempt of a retried call is stamped and
signed afresh (a new `X-Date` each time).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import UTC, datetime

import httpx

from . import signing
from .config import USER_ID, Settings, TokenCredentials
from .errors import ConfigurationError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class TokenAuth(httpx.Auth):
    """`Authorization: Bearer <token>` (or the vendor's `Bearer+<token>`).

    With a user id it also sends `X-User-Id` and `X-Date`, which list-bound-devices
    requires in token mode too.
    """

    def __init__(
        self,
        token: str,
        *,
        user_id: str | None = None,
        style: str = "bearer",
        clock: Clock = utc_now,
    ) -> None:
        separator = "+" if style == "bearer+" else " "
        self._authorization = f"Bearer{separator}{token}"
        self._style = style
        self.user_id = user_id
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.stamp(request)
        yield request

    def stamp(self, request: httpx.Request) -> None:
        """What the flow does to the request it sends (it sends nothing else)."""
        request.headers["Authorization"] = self._authorization
        if self.user_id is not None:
            request.headers["X-User-Id"] = self.user_id
            request.headers["X-Date"] = signing.format_x_date(self._clock())

    def __repr__(self) -> str:
        return f"TokenAuth(token='***', style={self._style!r}, user_id={self.user_id!r})"


class AppSignatureAuth(httpx.Auth):
    """The HMAC-SHA256 app signature over the final method, path, query and headers."""

    requires_request_body = True

    def __init__(
        self, app_id: str, app_secret: str, *, user_id: str, clock: Clock = utc_now
    ) -> None:
        self.app_id = app_id
        self._app_secret = app_secret
        self.user_id = user_id
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.stamp(request)
        yield request

    def stamp(self, request: httpx.Request) -> None:
        """What the flow does to the request it sends (its body read already: httpx reads
        it for a flow that `requires_request_body`)."""
        x_date = signing.format_x_date(self._clock())
        # The signed headers' values as sent: Host as httpx set it, the other two ours.
        host = request.headers["Host"]
        request.headers["X-User-Id"] = self.user_id
        request.headers["X-Date"] = x_date
        # raw_path is what goes on the wire: the encoded path and the query after '?'.
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers["Authorization"] = signing.required_authorization(
            app_id=self.app_id,
            app_secret=self._app_secret,
            method=request.method,
            path=path,
            query=request.url.query.decode("ascii"),
            host=host,
            x_date=x_date,
            user_id=self.user_id,
            payload=request.content,
        )

    def __repr__(self) -> str:
        return (
            f"AppSignatureAuth(app_id={self.app_id!r}, app_secret='***', user_id={self.user_id!r})"
        )


def auth_for(settings: Settings, clock: Clock) -> TokenAuth | AppSignatureAuth:
    """The flow for the configured authentication mode."""
    credentials = settings.credentials
    if isinstance(credentials, TokenCredentials):
        return TokenAuth(
            credentials.token, user_id=settings.user_id, style=credentials.style, clock=clock
        )
    if settings.user_id is None:  # Settings.resolve refuses this already
        raise ConfigurationError(f"app signature mode needs a user: set {USER_ID}")
    return AppSignatureAuth(
        credentials.app_id, credentials.app_secret, user_id=settings.user_id, clock=clock
    )
