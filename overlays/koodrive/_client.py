"""`KooDrive` and `AsyncKooDrive`: settings, one pooled httpx client, the resources."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Generic, Self

import httpx
from koodrive_client import AuthenticatedClient
from koodrive_resources._bind import AsyncResources, SyncResources

from . import _http, _logging
from ._call import CallOptions
from ._context import AsyncContext, SyncContext
from ._http import HttpClient
from ._runner import AsyncRunner, SyncRunner
from ._types import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    NOT_GIVEN,
    NotGiven,
    Timeout,
)
from .auth import AppSignatureAuth, Clock, TokenAuth, auth_for, utc_now
from .config import Settings, TokenStyle
from .errors import ConfigurationError
from .hooks import CallHooks
from .retries import Backoff


def _call_hooks(hooks: Sequence[CallHooks]) -> tuple[CallHooks, ...]:
    """The SDK's own log lines first (they cost nothing while KOODRIVE_LOG is off), then
    the user's hooks in their order."""
    if isinstance(hooks, CallHooks) or not isinstance(hooks, Sequence):
        raise ConfigurationError("hooks must be a list of CallHooks objects")
    for position, hook in enumerate(hooks):
        if not all(callable(getattr(hook, name, None)) for name in _HOOK_METHODS):
            raise ConfigurationError(
                f"hooks[{position}] must have the methods {', '.join(_HOOK_METHODS)} "
                "(subclass koodrive.CallHooks and override those you need)"
            )
    return (_logging.LogLines(), *hooks)


_HOOK_METHODS = ("before_request", "after_response", "on_error")


class _Base(Generic[HttpClient]):
    """What both clients share: settings, auth, call options, the httpx client, and
    `with_options()`. The subclasses add what must differ: the runner, the resources, and
    closing (awaited or not)."""

    _settings: Settings
    _auth: TokenAuth | AppSignatureAuth
    _options: CallOptions
    _http: HttpClient

    def __init__(
        self,
        kind: type[HttpClient],
        given: HttpClient | None,
        settings: Settings,
        timeout: Timeout | NotGiven,
        max_retries: int,
        backoff: Backoff,
        clock: Clock,
        max_response_bytes: int,
        attempt_timeout: float | None,
        total_timeout: float | None,
    ) -> None:
        self._settings = settings
        self._auth = auth_for(settings, clock)
        self._options = CallOptions(
            _http.default_timeout(timeout, given),
            max_retries,
            backoff,
            max_response_bytes,
            attempt_timeout=attempt_timeout,
            total_timeout=total_timeout,
        )
        self._http = _http.client(
            kind, given, base_url=settings.base_url, auth=self._auth, timeout=self._options.timeout
        )

    def _bind(self, options: CallOptions) -> None:
        """Take `options` as the defaults and build the resources on them (per subclass:
        sync or async resources)."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def user_id(self) -> str | None:
        return self._settings.user_id

    @property
    def timeout(self) -> httpx.Timeout:
        return self._options.timeout

    @property
    def attempt_timeout(self) -> float | None:
        """Seconds one attempt may take in all (None: no such deadline)."""
        return self._options.attempt_timeout

    @property
    def total_timeout(self) -> float | None:
        """Seconds a whole call may take, retries and their waits included (None: no such
        deadline)."""
        return self._options.total_timeout

    @property
    def max_retries(self) -> int:
        return self._options.max_retries

    @property
    def max_response_bytes(self) -> int:
        return self._options.max_response_bytes

    def with_options(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        backoff: Backoff | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
        attempt_timeout: float | NotGiven | None = NOT_GIVEN,
        total_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A client with other defaults, sharing this one's connections and credentials."""
        clone = copy.copy(self)
        clone._bind(
            self._options.override(
                timeout=timeout,
                max_retries=max_retries,
                backoff=backoff,
                max_response_bytes=max_response_bytes,
                attempt_timeout=attempt_timeout,
                total_timeout=total_timeout,
            )
        )
        return clone

    def _generated(self) -> AuthenticatedClient:
        # The token field is never used: our httpx client is set, and its auth flow
        # writes Authorization.
        generated = AuthenticatedClient(base_url=self._settings.base_url, token="")
        if isinstance(self._http, httpx.Client):
            return generated.set_httpx_client(self._http)
        return generated.set_async_httpx_client(self._http)

    def __repr__(self) -> str:
        deadlines = "".join(
            f", {name}={seconds!r}"
            for name, seconds in (
                ("attempt_timeout", self.attempt_timeout),
                ("total_timeout", self.total_timeout),
            )
            if seconds is not None
        )
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, auth={self._auth!r}, "
            f"timeout={self.timeout!r}{deadlines}, max_retries={self.max_retries})"
        )


class KooDrive(_Base[httpx.Client], SyncResources):
    """The synchronous client. Every argument left out is read from the environment:
    `KOODRIVE_BASE_URL`, `KOODRIVE_TOKEN` or `KOODRIVE_APP_ID` + `KOODRIVE_APP_SECRET`,
    and `KOODRIVE_USER_ID`.

    `timeout`, `attempt_timeout`, `total_timeout` and `max_retries` are the defaults for
    every call; each method takes them too, and `with_options()` gives a client with other
    defaults sharing the connections. `timeout` bounds each phase (connect, each read, each
    write, the pool wait), as in httpx; `attempt_timeout` bounds one attempt in all and
    `total_timeout` the whole call, retries and their waits included: past either, the
    call raises APITimeoutError (see docs/sdk.md). `max_response_bytes` caps a response
    body, counted after decompression (a larger one raises ResponseTooLargeError).

    `hooks` are `koodrive.CallHooks` told of every attempt (operation id, attempt number,
    outcome): for tracing spans and audit logs. `KOODRIVE_LOG=info` (or `debug`) logs a
    line per attempt to stderr, credentials masked.

    `http_client` is an `httpx.Client` of your own (proxies, CA bundle, mTLS, transport,
    limits, event hooks). The SDK sets its base URL and auth flow on it, appends its event
    hooks after yours, and closes it in `close()`; the rest of its settings stay yours.
    Without `timeout=`, its timeout is the default for calls unless it is httpx's own 5 s.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        app_id: str | None = None,
        app_secret: str | None = None,
        user_id: str | None = None,
        token_style: TokenStyle = "bearer",  # noqa: S107 (a style, not a secret)
        language: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        attempt_timeout: float | None = None,
        total_timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        backoff: Backoff = Backoff(),  # noqa: B008 (immutable)
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        hooks: Sequence[CallHooks] = (),
    ) -> None:
        given = _http.checked(httpx.Client, http_client)
        call_hooks = _call_hooks(hooks)
        _logging.configure(environ)
        settings = Settings.resolve(
            base_url=base_url,
            token=token,
            app_id=app_id,
            app_secret=app_secret,
            user_id=user_id,
            token_style=token_style,
            language=language,
            environ=environ,
        )
        super().__init__(
            httpx.Client,
            given,
            settings,
            timeout,
            max_retries,
            backoff,
            clock,
            max_response_bytes,
            attempt_timeout,
            total_timeout,
        )
        self._runner = SyncRunner(sleep, call_hooks)
        self._bind(self._options)

    def _bind(self, options: CallOptions) -> None:
        self._options = options
        self._bind_resources(SyncContext(self._generated(), options, self._settings, self._runner))

    def close(self) -> None:
        """Close the connections (shared with every `with_options()` copy).

        A given `http_client` is closed too, as openai-python does: it carries this
        client's credentials now.
        """
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncKooDrive(_Base[httpx.AsyncClient], AsyncResources):
    """The asynchronous client: the same settings and methods as `KooDrive`, awaited.

    `http_client`, if given, is an `httpx.AsyncClient`, treated as `KooDrive` treats its
    `httpx.Client`, and closed by `aclose()`.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        app_id: str | None = None,
        app_secret: str | None = None,
        user_id: str | None = None,
        token_style: TokenStyle = "bearer",  # noqa: S107 (a style, not a secret)
        language: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        attempt_timeout: float | None = None,
        total_timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        backoff: Backoff = Backoff(),  # noqa: B008 (immutable)
        clock: Clock = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        environ: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        hooks: Sequence[CallHooks] = (),
    ) -> None:
        given = _http.checked(httpx.AsyncClient, http_client)
        call_hooks = _call_hooks(hooks)
        _logging.configure(environ)
        settings = Settings.resolve(
            base_url=base_url,
            token=token,
            app_id=app_id,
            app_secret=app_secret,
            user_id=user_id,
            token_style=token_style,
            language=language,
            environ=environ,
        )
        super().__init__(
            httpx.AsyncClient,
            given,
            settings,
            timeout,
            max_retries,
            backoff,
            clock,
            max_response_bytes,
            attempt_timeout,
            total_timeout,
        )
        self._runner = AsyncRunner(sleep, call_hooks)
        self._bind(self._options)

    def _bind(self, options: CallOptions) -> None:
        self._options = options
        self._bind_resources(AsyncContext(self._generated(), options, self._settings, self._runner))

    async def aclose(self) -> None:
        """Close the connections (shared with every `with_options()` copy), a given
        `http_client` included."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
