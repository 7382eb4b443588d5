"""The pooled httpx client each KooDrive talks through: its own, or one the user gives.

A given client (`http_client=`, as in openai-python) keeps its transport, proxies, TLS,
limits, headers, cookies, params and event hooks. The SDK sets only what its calls cannot
work without: the base URL, its auth flow, its event hooks after the user's, and its
User-Agent where httpx's default one stands. The auth flow and the hooks act on the SDK's
own calls only: any other request the user sends through that client goes out and comes
back as httpx alone would handle it, without KooDrive credentials. Everything that can be
refused is checked before anything is changed, so a refused client is left as it was.

Both kinds go through the same code: the kind (`httpx.Client` or `httpx.AsyncClient`)
picks which SDK class takes it and which of the SDK's hooks it runs. The sync client the
SDK makes has transports of its own (`_transport.py`), set up as httpx's would be, whose
sockets keep each attempt's deadline.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import Final, TypeVar, overload

import httpx

from ._events import (
    add_call_extras,
    current_deadline,
    in_sdk_call,
    on_request,
    on_request_async,
    on_response,
    on_response_async,
)
from ._transport import DeadlineTransport, environment_mounts
from ._types import DEFAULT_TIMEOUT, NotGiven, Timeout, as_httpx_timeout
from ._version import VERSION
from .auth import AppSignatureAuth, TokenAuth
from .errors import ConfigurationError

HTTP_CLIENT = "http_client"

HttpClient = TypeVar("HttpClient", httpx.Client, httpx.AsyncClient)

# What httpx.Client() has when no one set these: the SDK treats them as not chosen.
_HTTPX_DEFAULT_TIMEOUT: Final = httpx.Timeout(5.0)
_HTTPX_USER_AGENT: Final = f"python-httpx/{httpx.__version__}"


@dataclass(frozen=True)
class _Role:
    """What differs between the two kinds of httpx client: who takes it, which hooks."""

    owner: str
    on_request: Callable[..., object]
    on_response: Callable[..., object]


_ROLES: Final[dict[type[httpx.Client | httpx.AsyncClient], _Role]] = {
    httpx.Client: _Role("KooDrive", on_request, on_response),
    httpx.AsyncClient: _Role("AsyncKooDrive", on_request_async, on_response_async),
}
_SDK_HOOKS: Final = tuple(
    hook for role in _ROLES.values() for hook in (role.on_request, role.on_response)
)


USER_AGENT: Final = f"koodrive-sdk-python/{VERSION}"


def default_timeout(
    timeout: Timeout | NotGiven, given: httpx.Client | httpx.AsyncClient | None
) -> httpx.Timeout:
    """The `timeout=` argument; else a given client's own, unless it is httpx's default."""
    if not isinstance(timeout, NotGiven):
        return as_httpx_timeout(timeout)
    if given is not None and given.timeout != _HTTPX_DEFAULT_TIMEOUT:
        return given.timeout
    return DEFAULT_TIMEOUT


def checked(kind: type[HttpClient], given: object) -> HttpClient | None:
    """`given` if the SDK class taking `kind` can use it; else a ConfigurationError naming
    http_client."""
    if given is None:
        return None
    if not isinstance(given, kind):
        raise _wrong_kind(given, kind)
    _check_usable(given)
    return given


def client(
    kind: type[HttpClient],
    given: HttpClient | None,
    *,
    base_url: str,
    auth: httpx.Auth,
    timeout: httpx.Timeout,
) -> HttpClient:
    """A new client of `kind` set up for the SDK, or `given` (already `checked`) adopted."""
    role = _ROLES[kind]
    if given is None:
        return kind(
            base_url=base_url,
            auth=_SdkAuth(auth, sdk_calls_only=False),
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            event_hooks={"request": [role.on_request], "response": [role.on_response]},
            transport=_own_transport(kind),
            mounts=_own_mounts(kind),
        )
    _adopt(given, role, base_url=base_url, auth=auth)
    return given


# The transports of a client the SDK makes. Sync: ours, which keep each socket operation
# to the attempt's deadline (_transport.py), for every URL and through each proxy of the
# environment, as httpx.Client() would mount httpx's own. Async: httpx's own (None, as
# when not given); the runner cancels an attempt when its deadline passes.


@overload
def _own_transport(kind: type[httpx.Client]) -> httpx.BaseTransport: ...
@overload
def _own_transport(kind: type[httpx.AsyncClient]) -> None: ...
def _own_transport(kind: type[httpx.Client | httpx.AsyncClient]) -> httpx.BaseTransport | None:
    return DeadlineTransport(current_deadline) if kind is httpx.Client else None


@overload
def _own_mounts(kind: type[httpx.Client]) -> dict[str, httpx.BaseTransport | None]: ...
@overload
def _own_mounts(kind: type[httpx.AsyncClient]) -> None: ...
def _own_mounts(
    kind: type[httpx.Client | httpx.AsyncClient],
) -> dict[str, httpx.BaseTransport | None] | None:
    return environment_mounts(current_deadline) if kind is httpx.Client else None


def _adopt(
    given: httpx.Client | httpx.AsyncClient, role: _Role, *, base_url: str, auth: httpx.Auth
) -> None:
    given.base_url = base_url
    given.auth = _SdkAuth(auth, sdk_calls_only=True)
    if given.headers.get("User-Agent") == _HTTPX_USER_AGENT:
        given.headers["User-Agent"] = USER_AGENT
    # After the user's hooks: theirs see every response, the SDK's then raise on errors.
    theirs = given.event_hooks
    given.event_hooks = {
        "request": [*theirs.get("request", []), role.on_request],
        "response": [*theirs.get("response", []), role.on_response],
    }


_OWN_FLOWS: Final = (TokenAuth, AppSignatureAuth)  # not subclasses, which may send more


class _SdkAuth(httpx.Auth):
    """The SDK's auth flow around its credentials' one: a call's extra headers and query
    are added first, so that they are signed with the rest.

    With `sdk_calls_only` (a user's client, which may serve other code too) a request the
    SDK is not making goes out untouched: without this, every request that client sent, to
    any host, would carry the KooDrive token or signature.
    """

    def __init__(self, auth: httpx.Auth, *, sdk_calls_only: bool) -> None:
        self._auth = auth
        self._sdk_calls_only = sdk_calls_only
        # The SDK's own flows send the request once, stamped: called directly, without the
        # generators httpx's Auth runs a flow in (its body read first when it is signed).
        self._stamp: Callable[[httpx.Request], None] | None = None
        if isinstance(auth, TokenAuth | AppSignatureAuth) and type(auth) in _OWN_FLOWS:
            self._stamp = auth.stamp
        self._reads_body = auth.requires_request_body

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if self._sdk_calls_only and not in_sdk_call():
            yield request
            return
        add_call_extras(request)
        if self._stamp is None:
            yield from self._auth.sync_auth_flow(request)
            return
        if self._reads_body:
            request.read()
        self._stamp(request)
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._sdk_calls_only and not in_sdk_call():
            yield request
            return
        add_call_extras(request)
        if self._stamp is not None:
            if self._reads_body:
                await request.aread()
            self._stamp(request)
            yield request
            return
        flow = self._auth.async_auth_flow(request)
        sent = await flow.__anext__()
        while True:
            response = yield sent
            try:
                sent = await flow.asend(response)
            except StopAsyncIteration:
                return

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._auth!r})"


def _check_usable(given: httpx.Client | httpx.AsyncClient) -> None:
    if given.is_closed:
        raise ConfigurationError(f"{HTTP_CLIENT} is closed; pass an open client")
    installed = [hook for hooks in given.event_hooks.values() for hook in hooks]
    if any(hook in _SDK_HOOKS for hook in installed):
        # A second client would replace the first one's auth flow: its calls would then
        # go out with the second one's credentials.
        raise ConfigurationError(
            f"{HTTP_CLIENT} already serves another KooDrive client; give each client its "
            "own httpx client (with_options() shares one safely)"
        )


def _wrong_kind(given: object, kind: type[httpx.Client | httpx.AsyncClient]) -> ConfigurationError:
    owner = _ROLES[kind].owner
    message = f"{HTTP_CLIENT} of {owner} must be an {_name(kind)}, not {_name(type(given))}"
    for other, other_role in _ROLES.items():
        if other is not kind and isinstance(given, other):
            message += f" (an {_name(other)} goes to {other_role.owner})"
    return ConfigurationError(message)


def _name(kind: type) -> str:
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"
